import Matching

/// The counters `pg_stat_user_tables` keeps for one table since its statistics were last reset.
public struct TableCounterRow: Sendable, Equatable {
    /// `schema.name`.
    public var table: String
    /// The table's oid: a table dropped and created again under the same name has another.
    public var relid: String
    /// `seq_scan`, `seq_tup_read`, `idx_scan`, `idx_tup_fetch` (`nil`: the table has no index),
    /// `n_tup_ins`, `n_tup_upd`, `n_tup_del`.
    public var values: [String: Int64]
    /// `last_seq_scan`, `last_idx_scan` (PostgreSQL 16 and later), UTC ISO 8601.
    public var lastSeqScan: String?
    public var lastIndexScan: String?

    /// The columns of `pg_stat_user_tables` read, as they are named there.
    public static let counterColumns = [
        "seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins", "n_tup_upd", "n_tup_del",
    ]
}

/// One reading of the counters of some tables, with the server's clock and what would reset them.
public struct TableActivityReading: Sendable, Equatable {
    /// The server's `now()` (UTC, ISO 8601 with milliseconds).
    public var at: String
    /// `pg_postmaster_start_time()`.
    public var serverStarted: String
    /// `pg_stat_database.stats_reset` of this database (`nil`: never reset).
    public var statsReset: String?
    /// The database's oid and name: another database under the same address has another oid.
    public var databaseOID: String
    public var database: String
    /// Per table asked for (by index): the tables of that name (one per schema that has it).
    public var tables: [[TableCounterRow]]
}

/// The queries of a table-activity reading. Timestamps are formatted on the server in UTC, so that they
/// compare as text.
enum ActivityQueries {
    static func utc(_ expression: String) -> String {
        "pg_catalog.to_char((\(expression)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    static let clock = """
        SELECT \(utc("pg_catalog.now()")) AS at, \(utc("pg_catalog.pg_postmaster_start_time()")) AS started,
               \(utc("d.stats_reset")) AS reset, d.datid::text AS oid, d.datname::text AS database
        FROM pg_catalog.pg_stat_database d WHERE d.datname = pg_catalog.current_database()
        """

    /// The counters of tables named `$1`, in schema `$2` when not NULL; `last_*_scan` where the server has them.
    static func counters(lastScans: Bool) -> String {
        let last =
            lastScans ? ", \(utc("s.last_seq_scan")) AS last_seq_scan, \(utc("s.last_idx_scan")) AS last_idx_scan" : ""
        let counters = TableCounterRow.counterColumns.map { "s.\($0)::text AS \($0)" }.joined(separator: ", ")
        return """
            SELECT s.relid::text AS relid, s.schemaname::text AS schema, s.relname::text AS name, \(counters)\(last)
            FROM pg_catalog.pg_stat_user_tables s WHERE s.relname = $1 AND ($2::text IS NULL OR s.schemaname = $2)
            ORDER BY s.schemaname
            """
    }
}

extension DatabaseSession {
    /// Reads the activity counters of each table (by index: `schema` may be `nil`) in one snapshot, with the
    /// server's clock, start time and the database's last statistics reset.
    public func tableActivity(of tables: [(schema: String?, name: String)]) throws(DatabaseError)
        -> TableActivityReading
    {
        // `last_seq_scan` and `last_idx_scan` came with PostgreSQL 16.
        let query = ActivityQueries.counters(lastScans: versionNumber >= 160_000)
        return try snapshot { () throws(DatabaseError) in
            let clock = try connection.query(ActivityQueries.clock)
            guard let at = clock.value(0, "at"), let started = clock.value(0, "started") else {
                throw .queryFailed(
                    server: server, sqlstate: "?????",
                    message: "pg_stat_database has no row for the current database")
            }
            var reading = TableActivityReading(
                at: at, serverStarted: started, statsReset: clock.value(0, "reset"),
                databaseOID: clock.value(0, "oid") ?? "", database: clock.value(0, "database") ?? "", tables: [])
            for table in tables {
                let rows = try connection.query(query, [table.name, table.schema])
                reading.tables.append(
                    rows.rows.indices.map { row in
                        var values: [String: Int64] = [:]
                        for column in TableCounterRow.counterColumns {
                            if let value = rows.value(row, column).flatMap({ Int64($0) }) { values[column] = value }
                        }
                        return TableCounterRow(
                            table: (rows.value(row, "schema") ?? "") + "." + (rows.value(row, "name") ?? ""),
                            relid: rows.value(row, "relid") ?? "", values: values,
                            lastSeqScan: rows.value(row, "last_seq_scan"),
                            lastIndexScan: rows.value(row, "last_idx_scan"))
                    })
            }
            return reading
        }
    }
}

/// A relation of the live catalog (table, partitioned or foreign table, view, materialized view) and its
/// columns, in their order, without dropped ones.
public struct LiveRelation: Sendable, Equatable {
    public var schema: String
    public var name: String
    public var columns: [String]
}

extension DatabaseSession {
    static let relationColumns = """
        SELECT n.nspname::text AS schema, c.relname::text AS name, a.attname::text AS attname
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        ORDER BY 1, 2, a.attnum
        """

    /// The user schemas' relations and their columns, from `pg_attribute`.
    public func relations() throws(DatabaseError) -> [LiveRelation] {
        let rows = try snapshot { () throws(DatabaseError) in try connection.query(Self.relationColumns) }
        var relations: [LiveRelation] = []
        for index in rows.rows.indices {
            let schema = rows.value(index, "schema") ?? ""
            let name = rows.value(index, "name") ?? ""
            let column = rows.value(index, "attname") ?? ""
            if let last = relations.last, last.schema == schema, last.name == name {
                relations[relations.count - 1].columns.append(column)
            } else {
                relations.append(LiveRelation(schema: schema, name: name, columns: [column]))
            }
        }
        return relations
    }
}
