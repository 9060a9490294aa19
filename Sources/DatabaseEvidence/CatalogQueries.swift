/// The catalog queries behind `CatalogDependents`, all parameterised: `$1` a relation's oid, `$2` a column's
/// attnum (as text, cast on the server). Names are schema-qualified (`pg_catalog.`) so that no search_path
/// can change what they mean. PostgreSQL 12 and later.
enum CatalogQueries {
    /// `pg_depend` rows of `classid` objects on the column `$1.$2` (the column targets' test of choice).
    static func dependsOnColumn(_ catalog: String, _ object: String) -> String {
        """
        EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.\(catalog)'::pg_catalog.regclass
          AND d.objid = \(object) AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND d.refobjid = $1::pg_catalog.oid AND d.refobjsubid = $2::pg_catalog.int2)
        """
    }

    static let server = """
        SELECT pg_catalog.current_setting('server_version_num') AS number,
               pg_catalog.current_setting('server_version') AS version,
               pg_catalog.pg_is_in_recovery()::text AS recovery,
               pg_catalog.current_setting('transaction_read_only') AS read_only
        """

    /// The session's safety: read-only transactions, and bounded waits. `$1` statement_timeout, `$2`
    /// lock_timeout.
    static let readOnlySession = """
        SELECT pg_catalog.set_config('default_transaction_read_only', 'on', false),
               pg_catalog.set_config('statement_timeout', $1, false),
               pg_catalog.set_config('lock_timeout', $2, false),
               pg_catalog.set_config('idle_in_transaction_session_timeout', '0', false)
        """

    /// Tables (and views, foreign and partitioned tables) named `$1`, in schema `$2` when not NULL.
    static let relations = """
        SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, c.relreplident::text AS replident
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND ($2::text IS NULL OR n.nspname = $2)
          AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        ORDER BY n.nspname
        """

    /// The attnum of column `$2` of relation `$1`.
    static let column = """
        SELECT a.attnum::text AS attnum FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = $1::pg_catalog.oid AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped
        """

    /// Views, materialized views and rules whose rewrite rule depends on the column (`$2` > 0) or on the
    /// table (`$2` = 0; the table's own rules excluded).
    static let rewrites = """
        SELECT r.rulename AS rule, n.nspname AS schema, v.relname AS name, v.relkind::text AS kind,
               CASE WHEN r.rulename = '_RETURN' THEN pg_catalog.pg_get_viewdef(v.oid)
                    ELSE pg_catalog.pg_get_ruledef(r.oid) END AS definition
        FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
        JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace
        WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
                        AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = $1::pg_catalog.oid
                        AND (($2::pg_catalog.int2 > 0 AND d.refobjsubid = $2::pg_catalog.int2)
                             OR ($2::pg_catalog.int2 = 0 AND r.ev_class <> $1::pg_catalog.oid)))
        ORDER BY 2, 3, 1
        """

    /// User routines (not the system's, not an extension's, not C) whose definition holds a target's name
    /// (`$1`: the names, as a text array, compared without case), with their definitions.
    static let routines = """
        SELECT p.oid::text AS oid, l.lanname AS language, pg_catalog.pg_get_functiondef(p.oid) AS definition
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_catalog.pg_language l ON l.oid = p.prolang
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          AND p.prokind IN ('f', 'p') AND l.lanname NOT IN ('c', 'internal')
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                          WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND e.objid = p.oid
                            AND e.deptype = 'e')
          AND EXISTS (SELECT 1 FROM pg_catalog.unnest($1::text[]) AS name
                      WHERE pg_catalog.strpos(pg_catalog.lower(pg_catalog.pg_get_functiondef(p.oid)),
                                              pg_catalog.lower(name)) > 0)
        ORDER BY n.nspname, p.proname, p.oid
        """

    /// Routines the server records as depending on the column or table (`BEGIN ATOMIC` bodies).
    static let recordedRoutines = """
        SELECT DISTINCT d.objid::text AS oid FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
          AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = $1::pg_catalog.oid
          AND (d.refobjsubid = $2::pg_catalog.int2 OR $2::pg_catalog.int2 = 0)
        """

    /// One routine by oid (`$1`): its schema, name, kind and definition.
    static let routine = """
        SELECT n.nspname AS schema, p.proname AS name, p.prokind::text AS kind,
               pg_catalog.pg_get_functiondef(p.oid) AS definition
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE p.oid = $1::pg_catalog.oid
        """

    /// Every user trigger: its table, function and definition.
    static let triggers = """
        SELECT t.oid::text AS oid, t.tgname AS name, n.nspname AS schema, c.relname AS tablename,
               t.tgrelid::text AS relid, t.tgfoid::text AS function, pg_catalog.pg_get_triggerdef(t.oid) AS definition
        FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal ORDER BY 3, 4, 2
        """

    /// Triggers of table `$1` whose `UPDATE OF` list names column `$2` or whose `WHEN` reads it.
    static let columnTriggers = """
        SELECT t.oid::text AS oid FROM pg_catalog.pg_trigger t
        WHERE t.tgrelid = $1::pg_catalog.oid AND NOT t.tgisinternal
          AND ($2::pg_catalog.int2 = ANY (t.tgattr::pg_catalog.int2[]) OR \(dependsOnColumn("pg_trigger", "t.oid")))
        """

    /// Indexes of table `$1` over column `$2` (key, `INCLUDE`, expression or predicate); indexes that belong
    /// to a constraint are reported as the constraint.
    static let indexes = """
        SELECT n.nspname AS schema, ic.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
        WHERE i.indrelid = $1::pg_catalog.oid
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid
                          AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
          AND ($2::pg_catalog.int2 = ANY (i.indkey::pg_catalog.int2[]) OR \(dependsOnColumn("pg_class", "i.indexrelid")))
        ORDER BY 1, 2
        """

    /// The replica identity of table `$1` when it involves column `$2`: the identity index holding it, or FULL.
    static let replicaIdentity = """
        SELECT c.relreplident::text AS identity, n.nspname AS schema, ic.relname AS name,
               pg_catalog.pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_catalog.pg_class c
        LEFT JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisreplident
             AND $2::pg_catalog.int2 = ANY (i.indkey::pg_catalog.int2[])
        LEFT JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        LEFT JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
        WHERE c.oid = $1::pg_catalog.oid AND (c.relreplident = 'f' OR (c.relreplident = 'i' AND i.indexrelid IS NOT NULL))
        """

    /// Constraints of table `$1` over column `$2`, and foreign keys of any table that reference it.
    static let columnConstraints = """
        SELECT k.conname AS name, k.contype::text AS type, n.nspname AS schema, c.relname AS tablename,
               pg_catalog.pg_get_constraintdef(k.oid) AS definition, (k.conrelid = $1::pg_catalog.oid)::text AS own
        FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE k.contype IN ('p', 'u', 'c', 'f', 'x')
          AND ((k.conrelid = $1::pg_catalog.oid
                AND ($2::pg_catalog.int2 = ANY (k.conkey) OR \(dependsOnColumn("pg_constraint", "k.oid"))))
               OR (k.contype = 'f' AND k.confrelid = $1::pg_catalog.oid AND $2::pg_catalog.int2 = ANY (k.confkey)))
        ORDER BY 3, 4, 1
        """

    /// Foreign keys of other tables that reference table `$1`.
    static let referencingForeignKeys = """
        SELECT k.conname AS name, k.contype::text AS type, n.nspname AS schema, c.relname AS tablename,
               pg_catalog.pg_get_constraintdef(k.oid) AS definition, 'false' AS own
        FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE k.contype = 'f' AND k.confrelid = $1::pg_catalog.oid AND k.conrelid <> $1::pg_catalog.oid
        ORDER BY 3, 4, 1
        """

    /// Generated columns and defaults of table `$1` that read column `$2`.
    static let defaults = """
        SELECT a.attname AS name, a.attgenerated::text AS generated,
               pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
               pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS expression
        FROM pg_catalog.pg_attrdef ad
        JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
        WHERE ad.adrelid = $1::pg_catalog.oid AND ad.adnum <> $2::pg_catalog.int2
          AND \(dependsOnColumn("pg_attrdef", "ad.oid"))
        ORDER BY 1
        """

    /// Row-level security policies that read column `$2` (`$2` > 0), or table `$1` from another table's
    /// policy (`$2` = 0).
    static let policies = """
        SELECT p.polname AS name, n.nspname AS schema, c.relname AS tablename, p.polcmd::text AS command,
               p.polpermissive::text AS permissive,
               pg_catalog.array_to_string(ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(r)::text END
                                                FROM pg_catalog.unnest(p.polroles) r), ', ') AS roles,
               pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
               pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS withcheck
        FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objid = p.oid
                        AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = $1::pg_catalog.oid
                        AND (($2::pg_catalog.int2 > 0 AND d.refobjsubid = $2::pg_catalog.int2)
                             OR ($2::pg_catalog.int2 = 0 AND p.polrelid <> $1::pg_catalog.oid)))
        ORDER BY 2, 3, 1
        """

    /// Publications whose column list (or row filter) for table `$1` holds column `$2` (PostgreSQL 15+).
    static let publicationColumns = """
        SELECT p.pubname AS name, pg_catalog.pg_get_expr(r.prqual, r.prrelid) AS filter,
               pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(a.attname) FROM pg_catalog.pg_attribute a
                                                WHERE a.attrelid = r.prrelid AND a.attnum = ANY (r.prattrs::pg_catalog.int2[])
                                                ORDER BY a.attnum), ', ') AS columns
        FROM pg_catalog.pg_publication_rel r JOIN pg_catalog.pg_publication p ON p.oid = r.prpubid
        WHERE r.prrelid = $1::pg_catalog.oid
          AND ($2::pg_catalog.int2 = ANY (r.prattrs::pg_catalog.int2[]) OR \(dependsOnColumn("pg_publication_rel", "r.oid")))
        ORDER BY 1
        """

    /// Publications that publish the table `$1`.`$2` (schema, name): listed, all tables, or its schema.
    static let tablePublications = """
        SELECT p.pubname AS name, p.puballtables::text AS alltables FROM pg_catalog.pg_publication p
        WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_publication_tables t
                      WHERE t.pubname = p.pubname AND t.schemaname = $1 AND t.tablename = $2)
        ORDER BY 1
        """

    /// Roles granted privileges on column `$2` of table `$1`.
    static let columnPrivileges = """
        SELECT CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(acl.grantee)::text END AS grantee,
               pg_catalog.string_agg(acl.privilege_type, ', ' ORDER BY acl.privilege_type) AS privileges
        FROM pg_catalog.pg_attribute a, pg_catalog.aclexplode(a.attacl) acl
        WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum = $2::pg_catalog.int2
        GROUP BY 1 ORDER BY 1
        """

    /// Extended statistics of table `$1` over column `$2` (a key or an expression).
    static let statistics = """
        SELECT n.nspname AS schema, s.stxname AS name, pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition
        FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
        WHERE s.stxrelid = $1::pg_catalog.oid
          AND ($2::pg_catalog.int2 = ANY (s.stxkeys::pg_catalog.int2[]) OR \(dependsOnColumn("pg_statistic_ext", "s.oid")))
        ORDER BY 1, 2
        """

    /// The partition key of table `$1` when it holds column `$2` (by name or in an expression).
    static let partitionKey = """
        SELECT pg_catalog.pg_get_partkeydef(pt.partrelid) AS definition FROM pg_catalog.pg_partitioned_table pt
        WHERE pt.partrelid = $1::pg_catalog.oid
          AND ($2::pg_catalog.int2 = ANY (pt.partattrs::pg_catalog.int2[])
               OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = $1::pg_catalog.oid
                            AND d.objsubid = $2::pg_catalog.int2 AND d.refobjid = $1::pg_catalog.oid
                            AND d.refobjsubid = 0 AND d.deptype = 'i'))
        """

    /// Tables that inherit from table `$1`, or are its partitions.
    static let children = """
        SELECT n.nspname AS schema, c.relname AS name, c.relispartition::text AS partition,
               pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound
        FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE i.inhparent = $1::pg_catalog.oid ORDER BY 1, 2
        """

    /// Anything else that depends on column `$2` of table `$1`, as the server describes it.
    static let otherColumnDependents = """
        SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS name
        FROM pg_catalog.pg_depend d
        WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = $1::pg_catalog.oid
          AND d.refobjsubid = $2::pg_catalog.int2 AND d.deptype IN ('n', 'a')
          AND d.classid NOT IN ('pg_catalog.pg_rewrite'::pg_catalog.regclass, 'pg_catalog.pg_proc'::pg_catalog.regclass,
                                'pg_catalog.pg_trigger'::pg_catalog.regclass, 'pg_catalog.pg_constraint'::pg_catalog.regclass,
                                'pg_catalog.pg_attrdef'::pg_catalog.regclass, 'pg_catalog.pg_policy'::pg_catalog.regclass,
                                'pg_catalog.pg_statistic_ext'::pg_catalog.regclass,
                                'pg_catalog.pg_publication_rel'::pg_catalog.regclass)
          AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                   AND (d.objid = $1::pg_catalog.oid
                        OR EXISTS (SELECT 1 FROM pg_catalog.pg_class k WHERE k.oid = d.objid AND k.relkind IN ('i', 'I', 'S'))))
        ORDER BY 1
        """

    /// What depends on table `$1`'s row type (routines taking or returning it, columns of that type).
    static let rowTypeDependents = """
        SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS name
        FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = $1::pg_catalog.oid
        WHERE d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.refobjid = c.reltype AND d.deptype = 'n'
        ORDER BY 1
        """
}
