import Matching

/// The objects of a SQL schema (a `pg_dump --schema-only` file given with `--schema`, a `structure.sql`, a
/// migration of the repository) that depend on the targets, found as the server's catalog would find them:
/// views and materialized views, functions and procedures (bodies bound as in `RoutineBody`), triggers
/// (`UPDATE OF`, `WHEN`, their functions), indexes, constraints (foreign keys both ways), generated columns and
/// defaults, policies, publication column lists, column grants, extended statistics, rules, partition keys,
/// replica identity, and for a whole-table target the tables that inherit it or are its partitions.
public enum SchemaDependents {
    /// What a schema says about the targets.
    public struct Result: Sendable {
        /// Per target (by index): the objects that depend on it.
        public var dependents: [[Dependent]]
        /// Per target: whether the schema defines its table (and column).
        public var defined: [Bool]
        /// Statements that looked like definitions but did not parse.
        public var problems: [SchemaDump.Problem]
    }

    /// Reads `sql` (the file's text); dependents cite `origin` (the file's path) and their lines.
    public static func find(sql: String, origin: String, targets: [Target]) -> Result {
        var reader = SchemaDependentsReader(targets: targets, origin: origin)
        reader.read(SQLScript.statements(sql))
        return Result(
            dependents: reader.found.map { Array($0.values).sorted(by: Dependent.reportOrder) },
            defined: targets.map { reader.defines($0) }, problems: reader.problems)
    }
}

/// One pass over a script's statements, collecting what depends on each target.
struct SchemaDependentsReader {
    let targets: [Target]
    let origin: String
    /// Per target: dependents by identity (a second definition of the same object replaces the first).
    var found: [[String: Dependent]]
    var problems: [SchemaDump.Problem] = []
    /// Tables defined, and their columns.
    var tables: [RelationName: Set<String>] = [:]
    /// Function name (bare) → the tables whose triggers run it.
    var triggerTables: [String: [RelationName]] = [:]
    /// Function name (bare) → per target: the use its body makes.
    var routineUses: [String: [Int: RoutineBody.Use]] = [:]
    /// Index (bare name) → its table and the columns its key names.
    var indexColumns: [String: (table: RelationName, columns: Set<String>)] = [:]

    init(targets: [Target], origin: String) {
        self.targets = targets
        self.origin = origin
        found = Array(repeating: [:], count: targets.count)
    }

    /// Whether the schema defines the target's table (and column).
    func defines(_ target: Target) -> Bool {
        tables.contains { table, columns in
            target.tableMatches(
                schema: table.schema.map { Identifier(name: $0, quoted: true) },
                table: Identifier(name: table.name, quoted: true)
            ) && (target.column.map { columns.contains($0.name) } ?? true)
        }
    }

    mutating func read(_ statements: [SQLScript.Statement]) {
        var parsed: [(statement: SQLScript.Statement, type: String, body: JSONValue)] = []
        for statement in statements {
            let head = String(statement.text.prefix(60)).uppercased()
            guard
                head.hasPrefix("CREATE ") || head.hasPrefix("ALTER TABLE") || head.hasPrefix("ALTER PUBLICATION")
                    || head.hasPrefix("GRANT ")
            else { continue }
            switch PgQuery.parse(statement.text) {
            case .error(let message, _):
                problems.append(SchemaDump.Problem(offset: statement.offset, line: statement.line, message: message))
            case .tree(let tree):
                for raw in tree["stmts"]?.array ?? [] {
                    guard let (type, body) = raw["stmt"]?.node else { continue }
                    parsed.append((statement, type, body))
                }
            }
        }
        // What later statements need to know: the tables, which triggers run which function, index keys.
        for (_, type, body) in parsed {
            switch type {
            case "CreateStmt": noteTable(body)
            case "AlterTableStmt": noteAddedColumns(body)
            case "CreateTrigStmt":
                if let function = body["funcname"]?.array.last?.stringNode,
                    let table = Self.relationName(body["relation"])
                {
                    triggerTables[function, default: []].append(table)
                }
            case "IndexStmt":
                if let name = body["idxname"]?.string, let table = Self.relationName(body["relation"]) {
                    let columns = (body["indexParams"]?.array ?? []).compactMap { $0["IndexElem"]?["name"]?.string }
                    indexColumns[name] = (table, Set(columns))
                }
            default: break
            }
        }
        for (statement, type, body) in parsed where type == "CreateFunctionStmt" { routine(statement, body) }
        for (statement, type, body) in parsed { dispatch(statement, type: type, body: body) }
    }

    mutating func dispatch(_ statement: SQLScript.Statement, type: String, body: JSONValue) {
        switch type {
        case "ViewStmt":
            guard let view = Self.relationName(body["view"]) else { return }
            let uses = Self.uses(targets) {
                $0.statement(body["query"] ?? .null, scope: Scope(parent: nil), statementStart: 0)
            }
            record(uses, .view, name: view.description, table: nil, statement, onDrop: .cascade)
        case "CreateTableAsStmt":
            guard body["objtype"]?.string == "OBJECT_MATVIEW", let view = Self.relationName(body["into"]?["rel"]) else {
                return
            }
            let uses = Self.uses(targets) {
                $0.statement(body["query"] ?? .null, scope: Scope(parent: nil), statementStart: 0)
            }
            record(uses, .materializedView, name: view.description, table: nil, statement, onDrop: .cascade)
        case "CreateTrigStmt": trigger(statement, body)
        case "IndexStmt": index(statement, body)
        case "CreateStmt": createTable(statement, body)
        case "AlterTableStmt": alterTable(statement, body)
        case "CreatePolicyStmt":
            guard let table = Self.relationName(body["table"]), let name = body["policy_name"]?.string else { return }
            let uses = Self.uses(targets) { binder in
                let scope = binder.dmlScope(Self.relation(table), parent: Scope(parent: nil))
                binder.expression(body["qual"], scope: scope)
                binder.expression(body["with_check"], scope: scope)
            }
            record(uses, .policy, name: name, table: table, statement, onDrop: .cascade)
        case "CreatePublicationStmt", "AlterPublicationStmt": publication(statement, body)
        case "GrantStmt": grant(statement, body)
        case "CreateStatsStmt":
            guard let table = Self.relationName(body["relations"]?.array.first), let names = body["defnames"]?.array,
                let last = names.last?.stringNode
            else { return }
            let schema = names.count > 1 ? names[names.count - 2].stringNode : nil
            let uses = Self.uses(targets) { binder in
                let relation = Self.relation(table)
                let scope = binder.dmlScope(relation, parent: Scope(parent: nil))
                for element in body["exprs"]?.array ?? [] {
                    guard let stats = element["StatsElem"] else { continue }
                    if let column = stats["name"]?.string {
                        binder.namedColumns(
                            .array([Self.stringNode(column)]), table: relation, location: 0,
                            context: "CREATE STATISTICS ON")
                    }
                    binder.expression(stats["expr"], scope: scope)
                }
            }
            let name = RelationName(schema: schema, name: last).description
            record(uses, .statistics, name: name, table: table, statement, onDrop: .dropped)
        case "RuleStmt":
            guard let table = Self.relationName(body["relation"]), let name = body["rulename"]?.string else { return }
            let uses = Self.uses(targets, rows: table) { binder in
                let root = Scope(parent: nil)
                root.relations = binder.rootRelations
                binder.expression(body["whereClause"], scope: root)
                for action in body["actions"]?.array ?? [] { binder.statement(action, scope: root, statementStart: 0) }
            }
            record(uses, .rule, name: name, table: table, statement, onDrop: .cascade)
        default:
            break
        }
    }

    // MARK: Routines and triggers

    mutating func routine(_ statement: SQLScript.Statement, _ body: JSONValue) {
        guard let bare = body["funcname"]?.array.last?.stringNode,
            let analysis = RoutineBody.analyze(
                definition: statement.text, targets: targets, triggerTables: triggerTables[bare] ?? [])
        else { return }
        var byTarget: [Int: RoutineBody.Use] = [:]
        for use in analysis.uses { byTarget[use.targetIndex] = use }
        routineUses[bare] = byTarget
        for use in analysis.uses {
            add(
                use.targetIndex,
                Dependent(
                    kind: analysis.isProcedure ? .procedure : .function, name: analysis.name.description, table: nil,
                    definition: statement.text, evidence: use.evidence, reason: use.reason,
                    onDrop: analysis.atomic ? .cascade : .breaks, source: .schemaDump, origin: origin,
                    line: statement.line))
        }
    }

    mutating func trigger(_ statement: SQLScript.Statement, _ body: JSONValue) {
        guard let table = Self.relationName(body["relation"]), let name = body["trigname"]?.string else { return }
        var uses = Self.uses(targets, rows: table) { binder in
            let relation = Self.relation(table)
            binder.namedColumns(body["columns"], table: relation, location: 0, context: "UPDATE OF on")
            let root = Scope(parent: nil)
            root.relations = binder.rootRelations
            binder.expression(body["whenClause"], scope: root)
        }
        var viaFunction: Set<Int> = []
        if let function = body["funcname"]?.array.last?.stringNode {
            for (index, use) in routineUses[function] ?? [:] where uses[index] == nil {
                uses[index] = RawFinding(
                    targetIndex: index, evidence: use.evidence, location: 0,
                    reason: "it runs \(function), which uses it (\(use.reason))")
                viaFunction.insert(index)
            }
        }
        for (index, finding) in uses {
            add(
                index,
                Dependent(
                    kind: .trigger, name: name, table: table.description, definition: statement.text,
                    evidence: finding.evidence, reason: finding.reason,
                    onDrop: viaFunction.contains(index) ? .breaks : .cascade,
                    source: .schemaDump, origin: origin, line: statement.line))
        }
    }

    mutating func index(_ statement: SQLScript.Statement, _ body: JSONValue) {
        guard let table = Self.relationName(body["relation"]), let name = body["idxname"]?.string else { return }
        let uses = Self.uses(targets) { binder in
            let relation = Self.relation(table)
            let scope = binder.dmlScope(relation, parent: Scope(parent: nil))
            for list in [body["indexParams"], body["indexIncludingParams"]] {
                for element in list?.array ?? [] {
                    guard let index = element["IndexElem"] else { continue }
                    if let column = index["name"]?.string {
                        binder.namedColumns(
                            .array([Self.stringNode(column)]), table: relation, location: 0, context: "index on")
                    }
                    binder.expression(index["expr"], scope: scope)
                }
            }
            binder.expression(body["whereClause"], scope: scope)
        }
        let qualified = RelationName(schema: table.schema, name: name).description
        record(uses, .index, name: qualified, table: table, statement, onDrop: .dropped)
    }

    mutating func publication(_ statement: SQLScript.Statement, _ body: JSONValue) {
        guard let name = body["pubname"]?.string else { return }
        if body["for_all_tables"]?.bool == true {
            for (index, target) in targets.enumerated() where target.isWholeTable {
                add(
                    index,
                    Dependent(
                        kind: .publication, name: name, table: nil, definition: statement.text, evidence: .confirmed,
                        reason: "it publishes every table", onDrop: .dropped, source: .schemaDump, origin: origin,
                        line: statement.line))
            }
        }
        for object in body["pubobjects"]?.array ?? [] {
            guard let spec = object["PublicationObjSpec"], spec["pubobjtype"]?.string == "PUBLICATIONOBJ_TABLE",
                let published = spec["pubtable"], let table = Self.relationName(published["relation"])
            else { continue }
            let uses = Self.uses(targets) { binder in
                let relation = binder.tableReference(
                    published["relation"]!, scope: Scope(parent: nil), context: "publishes")
                binder.namedColumns(published["columns"], table: relation, location: 0, context: "column list of")
                binder.expression(
                    published["whereClause"], scope: binder.dmlScope(relation, parent: Scope(parent: nil)))
            }
            // DROP COLUMN of a listed column takes the table out of the publication (CASCADE); DROP TABLE does so
            // without being asked.
            let columnUses = uses.filter { targets[$0.key].column != nil }
            record(columnUses, .publication, name: name, table: table, statement, onDrop: .cascade)
            record(
                uses.filter { columnUses[$0.key] == nil }, .publication, name: name, table: table, statement,
                onDrop: .dropped)
        }
    }

    mutating func grant(_ statement: SQLScript.Statement, _ body: JSONValue) {
        guard body["is_grant"]?.bool == true, body["objtype"]?.string == "OBJECT_TABLE" else { return }
        let grantees: [String] = (body["grantees"]?.array ?? []).compactMap { grantee in
            guard let role = grantee["RoleSpec"] else { return nil }
            return role["roletype"]?.string == "ROLESPEC_PUBLIC" ? "PUBLIC" : role["rolename"]?.string
        }
        for object in body["objects"]?.array ?? [] {
            guard let table = Self.relationName(object) else { continue }
            let uses = Self.uses(targets) { binder in
                for privilege in body["privileges"]?.array ?? [] {
                    binder.namedColumns(
                        privilege["AccessPriv"]?["cols"], table: Self.relation(table), location: 0,
                        context: "GRANT (column) ON")
                }
            }
            for grantee in grantees {
                for (index, finding) in uses where targets[index].column != nil {
                    var dependent = Dependent(
                        kind: .columnPrivilege, name: grantee, table: table.description, definition: statement.text,
                        evidence: finding.evidence, reason: "\(grantee) is granted privileges on the column",
                        onDrop: .dropped, source: .schemaDump, origin: origin, line: statement.line)
                    if let earlier = found[index][dependent.identity] {
                        dependent.definition = earlier.definition + ";\n" + statement.text
                        dependent.line = earlier.line
                    }
                    found[index][dependent.identity] = dependent
                }
            }
        }
    }

    // MARK: Recording

    /// Adds a dependent for each target `uses` holds.
    mutating func record(
        _ uses: [Int: RawFinding], _ kind: DependentKind, name: String, table: RelationName?,
        _ statement: SQLScript.Statement, onDrop: DropEffect, definition: String? = nil
    ) {
        for (index, finding) in uses {
            add(
                index,
                Dependent(
                    kind: kind, name: name, table: table?.description, definition: definition ?? statement.text,
                    evidence: finding.evidence, reason: finding.reason, onDrop: onDrop, source: .schemaDump,
                    origin: origin, line: statement.line))
        }
    }

    mutating func add(_ index: Int, _ dependent: Dependent) {
        found[index][dependent.identity] = dependent
    }

    /// The strongest use per target of what `walk` binds (uses only).
    static func uses(_ targets: [Target], rows: RelationName? = nil, _ walk: (inout Binder) -> Void) -> [Int:
        RawFinding]
    {
        var binder = Binder(targets: targets, rows: rows)
        walk(&binder)
        var best: [Int: RawFinding] = [:]
        for finding in binder.findings where finding.evidence.isUse {
            if let existing = best[finding.targetIndex], existing.evidence <= finding.evidence { continue }
            best[finding.targetIndex] = finding
        }
        return best
    }

    static func relationName(_ node: JSONValue?) -> RelationName? {
        guard let node else { return nil }
        let body = node["RangeVar"] ?? node
        guard let name = body["relname"]?.string else { return nil }
        return RelationName(schema: body["schemaname"]?.string, name: name)
    }

    /// A table in scope by its own name (never recorded as a reference: it is the object's own table).
    static func relation(_ table: RelationName) -> Relation {
        Relation(refName: table.name, kind: .table(schema: table.schema, name: table.name), aliased: false)
    }

    static func stringNode(_ value: String) -> JSONValue {
        .object([.init(key: "String", value: .object([.init(key: "sval", value: .string(value))]))])
    }
}
