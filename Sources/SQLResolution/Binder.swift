import Matching

/// One reference to a target found in a parse tree, with its location in the parsed text.
struct RawFinding: Sendable, Hashable {
    let targetIndex: Int
    let evidence: Evidence
    /// UTF-8 byte offset in the parsed text.
    let location: Int
    let reason: String
}

/// A relation visible in a query level: a table, a derived table (subquery, CTE, function, VALUES) or a join
/// with an alias.
final class Relation {
    enum Kind {
        case table(schema: String?, name: String)
        /// Output column names, or `nil` when unknown (e.g. a `*` inside).
        case derived(columns: [String]?)
        case join([Relation])
    }

    /// The name a qualified reference uses: the alias, or the table's own name.
    let refName: String?
    let kind: Kind
    /// Whether `refName` is an alias (for reasons).
    let aliased: Bool
    /// A join alias only answers qualified references; its members are in scope themselves.
    var isJoinAlias: Bool {
        if case .join = kind { return true }
        return false
    }

    init(refName: String?, kind: Kind, aliased: Bool) {
        self.refName = refName
        self.kind = kind
        self.aliased = aliased
    }

    var displayName: String {
        switch kind {
        case .table(let schema, let name):
            let table = Identifier(name: name, quoted: true).sqlSpelling
            return schema.map { Identifier(name: $0, quoted: true).sqlSpelling + "." + table } ?? table
        case .derived: return refName ?? "subquery"
        case .join: return refName ?? "join"
        }
    }
}

/// One query level: its relations, its CTEs, and the enclosing level (for correlated references).
final class Scope {
    var relations: [Relation] = []
    /// CTE name → output columns (`nil` when unknown).
    var ctes: [String: [String]?] = [:]
    let parent: Scope?

    init(parent: Scope?) { self.parent = parent }

    func cte(named name: String) -> [String]?? {
        var level: Scope? = self
        while let current = level {
            if let columns = current.ctes[name] { return .some(columns) }
            level = current.parent
        }
        return nil
    }
}

/// Walks libpg_query's JSON tree and binds column references to tables through each statement's own scopes.
struct Binder {
    let targets: [Target]
    /// Indices of column targets by column name, and of whole-table targets by table name.
    let columnTargets: [String: [Int]]
    let tableTargets: [String: [Int]]
    var findings: [RawFinding] = []
    /// Byte ranges whose text could not be read as SQL (e.g. a PL/pgSQL function body).
    var opaque: [Range<Int>] = []
    /// End of the statement being walked (UTF-8 offset in the parsed text).
    var statementEnd = 0
    /// Relations every statement sees as if from an enclosing level (a trigger function's `NEW` and `OLD`).
    var rootRelations: [Relation] = []
    /// The schema's columns per table, when a schema was given: tables known without the column are not
    /// candidates for an unqualified reference, and a table known with it is where it binds.
    var schemaColumns: SchemaColumns?

    init(targets: [Target]) {
        self.targets = targets
        var columns: [String: [Int]] = [:]
        var tables: [String: [Int]] = [:]
        for (index, target) in targets.enumerated() {
            if let column = target.column {
                columns[column.name, default: []].append(index)
            } else {
                tables[target.table.name, default: []].append(index)
            }
        }
        columnTargets = columns
        tableTargets = tables
    }

    // MARK: Matching

    func tableMatches(_ target: Target, schema: String?, name: String) -> Bool {
        target.tableMatches(
            schema: schema.map { Identifier(name: $0, quoted: true) }, table: Identifier(name: name, quoted: true))
    }

    /// Column targets named `column` on the table `schema.name`.
    func columnTargets(column: String, schema: String?, table: String) -> [Int] {
        guard let candidates = columnTargets[column] else { return [] }
        return candidates.filter { tableMatches(targets[$0], schema: schema, name: table) }
    }

    /// Every column target on the table `schema.name`.
    func allColumnTargets(schema: String?, table: String) -> [Int] {
        targets.indices.filter { targets[$0].column != nil && tableMatches(targets[$0], schema: schema, name: table) }
    }

    mutating func record(_ indices: [Int], _ evidence: Evidence, _ location: Int, _ text: String) {
        guard !indices.isEmpty else { return }
        for index in indices {
            findings.append(
                RawFinding(targetIndex: index, evidence: evidence, location: max(0, location), reason: text))
        }
    }

    // MARK: Statements

    /// Binds every statement of a parse result; `offset` is added to locations (for split pieces).
    mutating func bind(tree: JSONValue, statementOffset: Int) {
        for raw in tree["stmts"]?.array ?? [] {
            guard let stmt = raw["stmt"] else { continue }
            let start = raw["stmt_location"]?.int ?? 0
            let length = raw["stmt_len"]?.int ?? 0
            statementEnd = length > 0 ? start + length : Int(Int32.max)
            let before = findings.count
            let opaqueBefore = opaque.count
            let root = Scope(parent: nil)
            root.relations = rootRelations
            statement(stmt, scope: root, statementStart: start)
            for index in opaqueBefore..<opaque.count {
                opaque[index] =
                    (opaque[index].lowerBound + statementOffset)..<(opaque[index].upperBound + statementOffset)
            }
            if statementOffset != 0 {
                for index in before..<findings.count {
                    let finding = findings[index]
                    findings[index] = RawFinding(
                        targetIndex: finding.targetIndex, evidence: finding.evidence,
                        location: finding.location + statementOffset, reason: finding.reason)
                }
            }
        }
    }

    /// Walks one statement node; returns its output columns when it is a query (for CTEs and subqueries).
    @discardableResult
    mutating func statement(_ node: JSONValue, scope: Scope, statementStart: Int) -> [String]? {
        guard let (type, body) = node.node else {
            expression(node, scope: scope)
            return nil
        }
        switch type {
        case "SelectStmt": return select(body, parent: scope)
        case "InsertStmt": return insert(body, parent: scope)
        case "UpdateStmt": return update(body, parent: scope)
        case "DeleteStmt": return delete(body, parent: scope)
        case "MergeStmt": merge(body, parent: scope)
        case "CreateStmt": createTable(body, scope: scope)
        case "AlterTableStmt": alterTable(body, scope: scope)
        case "RenameStmt": rename(body, scope: scope)
        case "IndexStmt": createIndex(body, scope: scope)
        case "CommentStmt": comment(body, statementStart: statementStart)
        case "CopyStmt": copy(body, scope: scope)
        case "DropStmt": drop(body, statementStart: statementStart)
        case "GrantStmt": grant(body, scope: scope)
        case "ViewStmt":
            if let view = body["view"] { tableReference(view, scope: scope, context: "CREATE VIEW") }
            if let query = body["query"] { statement(query, scope: scope, statementStart: statementStart) }
        case "CreateTableAsStmt":
            if let rel = body["into"]?["rel"] { tableReference(rel, scope: scope, context: "CREATE TABLE AS") }
            if let query = body["query"] { statement(query, scope: scope, statementStart: statementStart) }
        case "ExplainStmt", "PrepareStmt", "DeclareCursorStmt":
            if let query = body["query"] { return statement(query, scope: scope, statementStart: statementStart) }
        case "CreateTrigStmt": trigger(body, scope: scope)
        case "CreatePolicyStmt", "AlterPolicyStmt":
            guard let tableNode = body["table"] else { break }
            let table = tableReference(tableNode, scope: scope, context: "POLICY ON")
            let tableScope = dmlScope(table, parent: scope)
            expression(body["qual"], scope: tableScope)
            expression(body["with_check"], scope: tableScope)
        case "VacuumStmt":
            for item in body["rels"]?.array ?? [] {
                guard let vacuum = item["VacuumRelation"], let relationNode = vacuum["relation"] else { continue }
                let table = tableReference(relationNode, scope: scope, context: "VACUUM/ANALYZE")
                namedColumns(
                    vacuum["va_cols"], table: table, location: relationNode["location"]?.int ?? 0,
                    context: "VACUUM/ANALYZE")
            }
        case "CreateFunctionStmt", "DoStmt":
            // The body is a string: PL/pgSQL or SQL the grammar does not look into. Mentions in it are
            // unresolved, not harmless.
            opaque.append(statementStart..<max(statementStart, statementEnd))
            expression(body, scope: scope)
        default:
            expression(body, scope: scope)
        }
        return nil
    }

    // MARK: Queries

    mutating func withClause(_ with: JSONValue?, scope: Scope) {
        guard let with else { return }
        let recursive = with["recursive"]?.bool ?? false
        for cteNode in with["ctes"]?.array ?? [] {
            guard let cte = cteNode["CommonTableExpr"], let name = cte["ctename"]?.string else { continue }
            let aliases = cte["aliascolnames"]?.array.compactMap(\.stringNode)
            if recursive { scope.ctes[name] = .some(aliases) }
            var columns: [String]? = nil
            if let query = cte["ctequery"] {
                columns = statement(query, scope: scope, statementStart: 0)
            }
            if let aliases, !aliases.isEmpty { columns = aliases }
            scope.ctes[name] = .some(columns)
        }
    }

    /// Walks a SELECT (or VALUES, or set operation) whose enclosing level is `parent`; returns its output columns.
    @discardableResult
    mutating func select(_ body: JSONValue, parent: Scope?) -> [String]? {
        let scope = Scope(parent: parent)
        withClause(body["withClause"], scope: scope)
        if let op = body["op"]?.string, op != "SETOP_NONE" {
            var columns: [String]? = nil
            if let left = body["larg"] { columns = select(left, parent: scope) }
            if let right = body["rarg"] { select(right, parent: scope) }
            // ORDER BY of a set operation names output columns.
            for item in body["sortClause"]?.array ?? [] { expression(item, scope: Scope(parent: nil)) }
            expression(body["limitCount"], scope: scope)
            expression(body["limitOffset"], scope: scope)
            return columns
        }
        if let values = body["valuesLists"]?.array, !values.isEmpty {
            expression(.array(values), scope: scope)
            let width = values.first?["List"]?["items"]?.array.count ?? 0
            return (0..<width).map { "column\($0 + 1)" }
        }
        for item in body["fromClause"]?.array ?? [] {
            fromItem(item, scope: scope)
        }
        var columns: [String]? = []
        var outputAliases: Set<String> = []
        for target in body["targetList"]?.array ?? [] {
            guard let resTarget = target["ResTarget"] else { continue }
            let value = resTarget["val"]
            expression(value, scope: scope)
            if let name = resTarget["name"]?.string {
                outputAliases.insert(name)
                columns?.append(name)
            } else if let fields = value?["ColumnRef"]?["fields"]?.array {
                if let last = fields.last?.stringNode { columns?.append(last) } else { columns = nil }
            } else if let funcName = value?["FuncCall"]?["funcname"]?.array.last?.stringNode {
                columns?.append(funcName)
            } else {
                columns?.append("?column?")
            }
        }
        if let into = body["intoClause"]?["rel"] { tableReference(into, scope: scope, context: "SELECT INTO") }
        expression(body["whereClause"], scope: scope)
        expression(body["havingClause"], scope: scope)
        expression(body["windowClause"], scope: scope)
        expression(body["distinctClause"], scope: scope)
        expression(body["limitCount"], scope: scope)
        expression(body["limitOffset"], scope: scope)
        // GROUP BY and ORDER BY may name an output column by its alias.
        for item in body["groupClause"]?.array ?? [] where !namesOutputAlias(item, outputAliases) {
            expression(item, scope: scope)
        }
        for item in body["sortClause"]?.array ?? [] where !namesOutputAlias(item["SortBy"]?["node"], outputAliases) {
            expression(item, scope: scope)
        }
        return columns
    }

    func namesOutputAlias(_ node: JSONValue?, _ aliases: Set<String>) -> Bool {
        guard let fields = node?["ColumnRef"]?["fields"]?.array, fields.count == 1, let name = fields[0].stringNode
        else {
            return false
        }
        return aliases.contains(name)
    }

    /// Adds one FROM item (and what it contains) to `scope`; returns the relations it added.
    @discardableResult
    mutating func fromItem(_ item: JSONValue, scope: Scope) -> [Relation] {
        guard let (type, body) = item.node else { return [] }
        switch type {
        case "RangeVar":
            let relation = tableReference(body, scope: scope, context: "FROM")
            scope.relations.append(relation)
            return [relation]
        case "RangeSubselect":
            let lateral = body["lateral"]?.bool ?? false
            var columns: [String]? = nil
            if let subquery = body["subquery"]?["SelectStmt"] {
                columns = select(subquery, parent: lateral ? scope : siblingBlindScope(scope))
            }
            let alias = body["alias"]
            if let names = alias?["colnames"]?.array.compactMap(\.stringNode), !names.isEmpty { columns = names }
            let relation = Relation(
                refName: alias?["aliasname"]?.string, kind: .derived(columns: columns), aliased: true)
            scope.relations.append(relation)
            return [relation]
        case "RangeFunction":
            expression(body["functions"], scope: scope)
            let alias = body["alias"]
            let aliasName = alias?["aliasname"]?.string
            var columns: [String]? = alias?["colnames"]?.array.compactMap(\.stringNode)
            if columns?.isEmpty ?? true {
                let funcName = body["functions"]?.array.first?["List"]?["items"]?.array.first?["FuncCall"]?["funcname"]?
                    .array.last?.stringNode
                columns = (aliasName ?? funcName).map { [$0] }
            }
            let relation = Relation(
                refName: aliasName ?? columns?.first, kind: .derived(columns: columns), aliased: aliasName != nil)
            scope.relations.append(relation)
            return [relation]
        case "JoinExpr":
            let left = body["larg"].map { fromItem($0, scope: scope) } ?? []
            let right = body["rarg"].map { fromItem($0, scope: scope) } ?? []
            let location = body["larg"].flatMap(firstLocation) ?? 0
            for using in body["usingClause"]?.array ?? [] {
                guard let name = using.stringNode else { continue }
                for side in [left, right] {
                    bindUnqualified(name, levels: [side], location: location, how: "USING (\(name))")
                }
            }
            if body["isNatural"]?.bool ?? false {
                naturalJoin(left: left, right: right, location: location)
            }
            expression(body["quals"], scope: scope)
            if let aliasName = body["alias"]?["aliasname"]?.string {
                let relation = Relation(refName: aliasName, kind: .join(left + right), aliased: true)
                scope.relations.append(relation)
                return left + right + [relation]
            }
            return left + right
        default:
            expression(body, scope: scope)
            return []
        }
    }

    /// The scope a non-LATERAL subquery in FROM sees: the level's CTEs and the enclosing levels, not its siblings.
    func siblingBlindScope(_ scope: Scope) -> Scope {
        let blind = Scope(parent: scope.parent)
        blind.ctes = scope.ctes
        return blind
    }

    func firstLocation(_ node: JSONValue) -> Int? {
        if let (_, body) = node.node { return body["location"]?.int ?? firstLocation(body) }
        return node["location"]?.int
    }

    /// A NATURAL join joins on every column the two sides share; a target column on one side is used when the
    /// other side may have it too.
    mutating func naturalJoin(left: [Relation], right: [Relation], location: Int) {
        for (side, other) in [(left, right), (right, left)] {
            for relation in side {
                guard case .table(let schema, let name) = relation.kind else { continue }
                for index in allColumnTargets(schema: schema, table: name) {
                    let column = targets[index].column!.name
                    let otherHas = other.contains { candidate in
                        switch candidate.kind {
                        case .table: return true
                        case .derived(let columns): return columns?.contains(column) ?? true
                        case .join: return false
                        }
                    }
                    let definite = other.contains { candidate in
                        if case .derived(let columns) = candidate.kind { return columns?.contains(column) ?? false }
                        return false
                    }
                    if otherHas {
                        record(
                            [index], definite ? .confirmed : .probable, location,
                            "NATURAL JOIN of \(relation.displayName) joins on \(column) if the other side has it")
                    }
                }
            }
        }
    }

    // MARK: Table references

    /// Records a reference to a table (for whole-table targets) and returns the relation it makes visible.
    @discardableResult
    mutating func tableReference(_ node: JSONValue, scope: Scope, context: String) -> Relation {
        let body = node["RangeVar"] ?? node
        let schema = body["schemaname"]?.string
        let name = body["relname"]?.string ?? ""
        let aliasName = body["alias"]?["aliasname"]?.string
        let location = body["location"]?.int ?? 0
        if schema == nil, let cteColumns = scope.cte(named: name) {
            var columns = cteColumns
            if let names = body["alias"]?["colnames"]?.array.compactMap(\.stringNode), !names.isEmpty {
                columns = names
            }
            return Relation(refName: aliasName ?? name, kind: .derived(columns: columns), aliased: aliasName != nil)
        }
        if let candidates = tableTargets[name] {
            let matching = candidates.filter { tableMatches(targets[$0], schema: schema, name: name) }
            let spelled = schema.map { "\($0).\(name)" } ?? name
            record(matching, .confirmed, location, "\(context) \(spelled)")
        }
        return Relation(refName: aliasName ?? name, kind: .table(schema: schema, name: name), aliased: aliasName != nil)
    }

    // MARK: Column references

    /// Binds a `ColumnRef` through `scope` and its enclosing levels.
    mutating func columnRef(_ body: JSONValue, scope: Scope) {
        let fields = body["fields"]?.array ?? []
        let location = body["location"]?.int ?? 0
        let isStar = fields.last?["A_Star"] != nil
        let names = fields.compactMap(\.stringNode)
        if isStar {
            if names.isEmpty {
                for relation in scope.relations where !relation.isJoinAlias {
                    star(over: relation, location: location, written: "*")
                }
            } else if let relation = qualified(names, scope: scope) {
                star(over: relation, location: location, written: names.joined(separator: ".") + ".*")
            }
            return
        }
        guard let column = names.last else { return }
        if names.count == 1, columnTargets[column] == nil, let relation = qualified(names, scope: scope),
            case .table = relation.kind
        {
            // A bare relation name is a whole-row reference (`row_to_json(o)`, `SELECT o FROM orders o`).
            star(over: relation, location: location, written: "whole-row \(column)")
            return
        }
        guard columnTargets[column] != nil else { return }
        if names.count == 1 {
            bindUnqualified(column, levels: levels(scope), location: location, how: nil)
            return
        }
        let written = names.joined(separator: ".")
        guard let relation = qualified(Array(names.dropLast()), scope: scope) else { return }
        switch relation.kind {
        case .table(let schema, let name):
            let matching = columnTargets(column: column, schema: schema, table: name)
            if matching.isEmpty {
                for index in columnTargets[column] ?? [] {
                    record([index], .notAUse, location, "\(written) is a column of \(relation.displayName)")
                }
            } else {
                let via =
                    relation.refName == "excluded" && relation.aliased
                    ? "the ON CONFLICT row" : relation.aliased ? "alias \(relation.refName ?? "")" : "table \(name)"
                record(matching, .confirmed, location, "\(written) via \(via)")
            }
        case .derived:
            for index in columnTargets[column] ?? [] {
                record([index], .notAUse, location, "\(written) is a column of derived table \(relation.displayName)")
            }
        case .join(let members):
            bindUnqualified(column, levels: [members], location: location, how: written)
        }
    }

    /// The relation a qualifier (`t`, `s.t`, or `db.s.t`) names, innermost level first.
    func qualified(_ qualifier: [String], scope: Scope) -> Relation? {
        var level: Scope? = scope
        while let current = level {
            for relation in current.relations.reversed() {
                if qualifier.count == 1 {
                    if relation.refName == qualifier[0] { return relation }
                } else if case .table(let schema, let name) = relation.kind, !relation.aliased,
                    name == qualifier[qualifier.count - 1],
                    schema == nil || schema == qualifier[qualifier.count - 2]
                {
                    return relation
                }
            }
            level = current.parent
        }
        return nil
    }

    mutating func star(over relation: Relation, location: Int, written: String) {
        switch relation.kind {
        case .table(let schema, let name):
            record(
                allColumnTargets(schema: schema, table: name), .implicit, location,
                "\(written) over \(relation.displayName) reads every column")
        case .derived: break
        case .join(let members):
            for member in members { star(over: member, location: location, written: written) }
        }
    }

    /// The relations of `scope` and its enclosing levels, innermost first.
    func levels(_ scope: Scope) -> [[Relation]] {
        var levels: [[Relation]] = []
        var level: Scope? = scope
        while let current = level {
            levels.append(current.relations)
            level = current.parent
        }
        return levels
    }

    /// Binds an unqualified column name as PostgreSQL does: the innermost level that has the column wins. A
    /// target table surely has the target column; other tables may or may not have it (unless the schema says), so
    /// they make the binding `probable` when they sit at the same level or further in; a derived table whose
    /// output columns are known has it or not.
    mutating func bindUnqualified(_ column: String, levels: [[Relation]], location: Int, how: String?) {
        guard let indices = columnTargets[column] else { return }
        let written = how ?? column
        for index in indices {
            let target = targets[index]
            func isTarget(_ relation: Relation) -> Bool {
                if case .table(let schema, let name) = relation.kind {
                    return tableMatches(target, schema: schema, name: name)
                }
                return false
            }
            var maybes: [Relation] = []
            // Tables in scope that the schema knows without the column.
            var excluded: [Relation] = []
            var decided = false
            for relations in levels {
                var candidates: [Relation] = []
                var sure: Relation?
                for relation in relations where !relation.isJoinAlias {
                    switch relation.kind {
                    case .table(let schema, let name):
                        guard let known = schemaColumns?.columns(schema: schema, table: name) else {
                            candidates.append(relation)
                            continue
                        }
                        if known.contains(column) {
                            candidates.append(relation)
                            if !isTarget(relation) { sure = sure ?? relation }
                        } else {
                            excluded.append(relation)
                        }
                    case .derived(let columns):
                        if let columns {
                            if columns.contains(column) {
                                candidates.append(relation)
                                sure = sure ?? relation
                            }
                        } else {
                            candidates.append(relation)
                        }
                    case .join: break
                    }
                }
                if let hit = candidates.first(where: isTarget) {
                    let others = maybes + candidates.filter { !isTarget($0) }
                    if others.isEmpty {
                        let only =
                            excluded.isEmpty
                            ? "the only table in scope"
                            : "the only table in scope that has it in the schema (not "
                                + excluded.map(\.displayName).joined(separator: ", ") + ")"
                        record([index], .confirmed, location, "\(written) binds to \(hit.displayName), \(only)")
                    } else {
                        let names = ([hit] + others).map(\.displayName).joined(separator: ", ")
                        let subject = how == nil ? "unqualified \(written)" : written
                        record([index], .probable, location, "\(subject) could come from any of \(names)")
                    }
                    decided = true
                    break
                }
                if let sure {
                    record(
                        [index], .notAUse, location, "\(written) binds to \(sure.displayName), not \(target.normalized)"
                    )
                    decided = true
                    break
                }
                maybes += candidates
            }
            if !decided && !maybes.isEmpty {
                let names = maybes.map(\.displayName).joined(separator: ", ")
                record([index], .notAUse, location, "\(written) binds to \(names), not \(target.normalized)")
            }
        }
    }

    // MARK: Expressions

    /// Walks any node: binds column references, walks sublinks and nested queries, records table references.
    mutating func expression(_ node: JSONValue?, scope: Scope) {
        guard let node else { return }
        switch node {
        case .array(let values):
            for value in values { expression(value, scope: scope) }
        case .object(let members):
            if members.count == 1, let (type, body) = node.node {
                switch type {
                case "ColumnRef":
                    columnRef(body, scope: scope)
                    return
                case "A_Indirection":
                    // `(o).legacy_status`: a field of a whole-row reference is a qualified column reference.
                    if let fields = body["arg"]?["ColumnRef"]?["fields"]?.array, fields.count == 1,
                        let first = body["indirection"]?.array.first, first.stringNode != nil
                    {
                        var reference = body["arg"]!["ColumnRef"]!
                        if case .object(let members) = reference {
                            reference = .object(
                                members.map {
                                    $0.key == "fields"
                                        ? JSONValue.Member(key: "fields", value: .array(fields + [first])) : $0
                                })
                        }
                        columnRef(reference, scope: scope)
                        expression(.array(Array(body["indirection"]!.array.dropFirst())), scope: scope)
                        return
                    }
                    expression(body, scope: scope)
                    return
                case "SelectStmt":
                    select(body, parent: scope)
                    return
                case "RangeVar":
                    tableReference(body, scope: scope, context: "references")
                    return
                case "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt":
                    statement(node, scope: scope, statementStart: 0)
                    return
                default:
                    expression(body, scope: scope)
                    return
                }
            }
            if node["relname"] != nil && node["relpersistence"] != nil {
                tableReference(node, scope: scope, context: "references")
                return
            }
            for member in members { expression(member.value, scope: scope) }
        default:
            return
        }
    }

    // MARK: DML

    /// A scope holding just the target table of a DML statement under `alias`.
    func dmlScope(_ relation: Relation, parent: Scope) -> Scope {
        let scope = Scope(parent: parent)
        scope.relations = [relation]
        return scope
    }

    /// Output column names of a RETURNING list (for data-modifying CTEs).
    func returningColumns(_ list: JSONValue?) -> [String]? {
        guard let items = list?.array, !items.isEmpty else { return [] }
        var names: [String] = []
        for item in items {
            let target = item["ResTarget"]
            if let name = target?["name"]?.string {
                names.append(name)
            } else if let last = target?["val"]?["ColumnRef"]?["fields"]?.array.last?.stringNode {
                names.append(last)
            } else {
                return nil
            }
        }
        return names
    }

    mutating func setTargets(_ list: JSONValue?, table: Relation, scope: Scope, verb: String) {
        guard case .table(let schema, let name) = table.kind else { return }
        for item in list?.array ?? [] {
            guard let target = item["ResTarget"] else { continue }
            if let column = target["name"]?.string {
                record(
                    columnTargets(column: column, schema: schema, table: name), .confirmed,
                    target["location"]?.int ?? 0, "\(verb) \(column) of \(table.displayName)")
            }
            expression(target["val"], scope: scope)
        }
    }

    mutating func insert(_ body: JSONValue, parent: Scope) -> [String]? {
        let outer = Scope(parent: parent)
        withClause(body["withClause"], scope: outer)
        guard let relationNode = body["relation"] else { return nil }
        let table = tableReference(relationNode, scope: outer, context: "INSERT INTO")
        let location = relationNode["location"]?.int ?? 0
        let columns = body["cols"]?.array ?? []
        if case .table(let schema, let name) = table.kind {
            if columns.isEmpty && body["selectStmt"] != nil {
                // (`DEFAULT VALUES` names no column and keeps working without it.)
                record(
                    allColumnTargets(schema: schema, table: name), .implicit, location,
                    "INSERT INTO \(table.displayName) without a column list writes every column")
            } else {
                setTargets(.array(columns), table: table, scope: outer, verb: "INSERT writes")
            }
        }
        if let query = body["selectStmt"]?["SelectStmt"] { select(query, parent: outer) }
        if let conflict = body["onConflictClause"] {
            let conflictScope = dmlScope(table, parent: outer)
            if case .table(let schema, let name) = table.kind {
                conflictScope.relations.append(
                    Relation(refName: "excluded", kind: .table(schema: schema, name: name), aliased: true))
                for element in conflict["infer"]?["indexElems"]?.array ?? [] {
                    guard let index = element["IndexElem"] else { continue }
                    if let column = index["name"]?.string {
                        record(
                            columnTargets(column: column, schema: schema, table: name), .confirmed,
                            conflict["infer"]?["location"]?.int ?? 0, "ON CONFLICT (\(column)) on \(table.displayName)")
                    }
                    expression(index["expr"], scope: conflictScope)
                }
            }
            expression(conflict["infer"]?["whereClause"], scope: conflictScope)
            setTargets(conflict["targetList"], table: table, scope: conflictScope, verb: "ON CONFLICT DO UPDATE SET")
            expression(conflict["whereClause"], scope: conflictScope)
        }
        expression(body["returningList"], scope: dmlScope(table, parent: outer))
        return returningColumns(body["returningList"])
    }

    mutating func update(_ body: JSONValue, parent: Scope) -> [String]? {
        let scope = Scope(parent: parent)
        withClause(body["withClause"], scope: scope)
        guard let relationNode = body["relation"] else { return nil }
        let table = tableReference(relationNode, scope: scope, context: "UPDATE")
        scope.relations.append(table)
        for item in body["fromClause"]?.array ?? [] { fromItem(item, scope: scope) }
        setTargets(body["targetList"], table: table, scope: scope, verb: "UPDATE SET")
        expression(body["whereClause"], scope: scope)
        expression(body["returningList"], scope: scope)
        return returningColumns(body["returningList"])
    }

    mutating func delete(_ body: JSONValue, parent: Scope) -> [String]? {
        let scope = Scope(parent: parent)
        withClause(body["withClause"], scope: scope)
        guard let relationNode = body["relation"] else { return nil }
        let table = tableReference(relationNode, scope: scope, context: "DELETE FROM")
        scope.relations.append(table)
        for item in body["usingClause"]?.array ?? [] { fromItem(item, scope: scope) }
        expression(body["whereClause"], scope: scope)
        expression(body["returningList"], scope: scope)
        return returningColumns(body["returningList"])
    }

    mutating func merge(_ body: JSONValue, parent: Scope) {
        let scope = Scope(parent: parent)
        withClause(body["withClause"], scope: scope)
        guard let relationNode = body["relation"] else { return }
        let table = tableReference(relationNode, scope: scope, context: "MERGE INTO")
        scope.relations.append(table)
        if let source = body["sourceRelation"] { fromItem(source, scope: scope) }
        expression(body["joinCondition"], scope: scope)
        for clauseNode in body["mergeWhenClauses"]?.array ?? [] {
            guard let clause = clauseNode["MergeWhenClause"] else { continue }
            expression(clause["condition"], scope: scope)
            let isInsert = clause["commandType"]?.string == "CMD_INSERT"
            let list = clause["targetList"]?.array ?? []
            if isInsert && list.isEmpty, case .table(let schema, let name) = table.kind {
                record(
                    allColumnTargets(schema: schema, table: name), .implicit, relationNode["location"]?.int ?? 0,
                    "MERGE … INSERT without a column list writes every column of \(table.displayName)")
            }
            setTargets(
                .array(list), table: table, scope: scope, verb: isInsert ? "MERGE INSERT writes" : "MERGE UPDATE SET")
            expression(clause["values"], scope: scope)
        }
    }

    // MARK: DDL

    /// Records column names written in DDL (`keys`, `attlist`, …) as confirmed uses of `table`'s columns.
    mutating func namedColumns(_ list: JSONValue?, table: Relation, location: Int, context: String) {
        guard case .table(let schema, let name) = table.kind else { return }
        for item in list?.array ?? [] {
            guard let column = item.stringNode else { continue }
            record(
                columnTargets(column: column, schema: schema, table: name), .confirmed, location,
                "\(context) \(table.displayName) (\(column))")
        }
    }

    mutating func constraint(_ node: JSONValue, table: Relation, scope: Scope, location: Int) {
        guard let body = node["Constraint"] else { return }
        let at = body["location"]?.int ?? location
        let tableScope = dmlScope(table, parent: scope)
        expression(body["raw_expr"], scope: tableScope)
        expression(body["where_clause"], scope: tableScope)
        namedColumns(body["keys"], table: table, location: at, context: "constraint on")
        namedColumns(body["including"], table: table, location: at, context: "constraint on")
        namedColumns(body["fk_attrs"], table: table, location: at, context: "FOREIGN KEY on")
        for exclusion in body["exclusions"]?.array ?? [] {
            guard let element = exclusion["List"]?["items"]?.array.first?["IndexElem"] else { continue }
            if let column = element["name"]?.string {
                namedColumns(
                    .array([
                        .object([.init(key: "String", value: .object([.init(key: "sval", value: .string(column))]))])
                    ]), table: table, location: at,
                    context: "EXCLUDE on")
            }
            expression(element["expr"], scope: tableScope)
        }
        if let pktable = body["pktable"] {
            let referenced = tableReference(pktable, scope: scope, context: "REFERENCES")
            namedColumns(
                body["pk_attrs"], table: referenced, location: pktable["location"]?.int ?? at, context: "REFERENCES")
        }
    }

    mutating func columnDef(_ body: JSONValue, table: Relation, scope: Scope, verb: String) {
        let location = body["location"]?.int ?? 0
        if let column = body["colname"]?.string, case .table(let schema, let name) = table.kind {
            record(
                columnTargets(column: column, schema: schema, table: name), .confirmed, location,
                "\(verb) \(column) on \(table.displayName)")
        }
        expression(body["raw_default"], scope: dmlScope(table, parent: scope))
        for constraintNode in body["constraints"]?.array ?? [] {
            constraint(constraintNode, table: table, scope: scope, location: location)
        }
    }

    mutating func createTable(_ body: JSONValue, scope: Scope) {
        guard let relationNode = body["relation"] else { return }
        let table = tableReference(relationNode, scope: scope, context: "CREATE TABLE")
        let location = relationNode["location"]?.int ?? 0
        for element in body["tableElts"]?.array ?? [] {
            if let column = element["ColumnDef"] {
                columnDef(column, table: table, scope: scope, verb: "CREATE TABLE defines")
            } else if element["Constraint"] != nil {
                constraint(element, table: table, scope: scope, location: location)
            } else if let like = element["TableLikeClause"]?["relation"] {
                let source = tableReference(like, scope: scope, context: "LIKE")
                if case .table(let schema, let name) = source.kind {
                    record(
                        allColumnTargets(schema: schema, table: name), .implicit, like["location"]?.int ?? location,
                        "CREATE TABLE … (LIKE \(source.displayName)) copies every column")
                }
            }
        }
        for parent in body["inhRelations"]?.array ?? [] {
            let source = tableReference(parent, scope: scope, context: "INHERITS")
            if case .table(let schema, let name) = source.kind {
                record(
                    allColumnTargets(schema: schema, table: name), .implicit,
                    parent["RangeVar"]?["location"]?.int ?? location,
                    "INHERITS (\(source.displayName)) inherits every column")
            }
        }
    }

    static let columnSubtypes: [String: String] = [
        "AT_DropColumn": "DROP COLUMN", "AT_AlterColumnType": "ALTER COLUMN … TYPE",
        "AT_ColumnDefault": "ALTER COLUMN … DEFAULT", "AT_CookedColumnDefault": "ALTER COLUMN … DEFAULT",
        "AT_DropNotNull": "ALTER COLUMN … DROP NOT NULL", "AT_SetNotNull": "ALTER COLUMN … SET NOT NULL",
        "AT_DropExpression": "ALTER COLUMN … DROP EXPRESSION", "AT_CheckNotNull": "ALTER COLUMN",
        "AT_SetStatistics": "ALTER COLUMN … SET STATISTICS", "AT_SetOptions": "ALTER COLUMN … SET",
        "AT_ResetOptions": "ALTER COLUMN … RESET", "AT_SetStorage": "ALTER COLUMN … SET STORAGE",
        "AT_SetCompression": "ALTER COLUMN … SET COMPRESSION", "AT_AlterColumnGenericOptions": "ALTER COLUMN … OPTIONS",
        "AT_AddIdentity": "ALTER COLUMN … ADD IDENTITY", "AT_SetIdentity": "ALTER COLUMN … SET",
        "AT_DropIdentity": "ALTER COLUMN … DROP IDENTITY",
    ]

    mutating func alterTable(_ body: JSONValue, scope: Scope) {
        guard let relationNode = body["relation"] else { return }
        let table = tableReference(relationNode, scope: scope, context: "ALTER TABLE")
        let location = relationNode["location"]?.int ?? 0
        for commandNode in body["cmds"]?.array ?? [] {
            guard let command = commandNode["AlterTableCmd"] else { continue }
            let subtype = command["subtype"]?.string ?? ""
            if let action = Self.columnSubtypes[subtype], let column = command["name"]?.string,
                case .table(let schema, let name) = table.kind
            {
                record(
                    columnTargets(column: column, schema: schema, table: name), .confirmed, location,
                    "ALTER TABLE \(table.displayName) \(action) \(column)")
            }
            guard let definition = command["def"] else { continue }
            if let column = definition["ColumnDef"] {
                columnDef(
                    column, table: table, scope: scope,
                    verb: subtype == "AT_AddColumn" ? "ALTER TABLE ADD COLUMN" : "ALTER TABLE … USING reads")
            } else if definition["Constraint"] != nil {
                constraint(definition, table: table, scope: scope, location: location)
            } else {
                expression(definition, scope: dmlScope(table, parent: scope))
            }
        }
    }

    mutating func rename(_ body: JSONValue, scope: Scope) {
        guard let relationNode = body["relation"] else {
            expression(body, scope: scope)
            return
        }
        let table = tableReference(relationNode, scope: scope, context: "ALTER TABLE")
        if body["renameType"]?.string == "OBJECT_COLUMN", let column = body["subname"]?.string,
            case .table(let schema, let name) = table.kind
        {
            record(
                columnTargets(column: column, schema: schema, table: name), .confirmed,
                relationNode["location"]?.int ?? 0, "ALTER TABLE \(table.displayName) RENAME COLUMN \(column)")
        }
    }

    /// A trigger reads `OLD`/`NEW` rows of its table, and `UPDATE OF col` names columns.
    mutating func trigger(_ body: JSONValue, scope: Scope) {
        guard let relationNode = body["relation"] else { return }
        let table = tableReference(relationNode, scope: scope, context: "CREATE TRIGGER ON")
        let location = relationNode["location"]?.int ?? 0
        namedColumns(body["columns"], table: table, location: location, context: "CREATE TRIGGER … UPDATE OF on")
        let rows = dmlScope(table, parent: scope)
        if case .table(let schema, let name) = table.kind {
            for row in ["old", "new"] {
                rows.relations.append(Relation(refName: row, kind: .table(schema: schema, name: name), aliased: true))
            }
        }
        expression(body["whenClause"], scope: rows)
    }

    mutating func createIndex(_ body: JSONValue, scope: Scope) {
        guard let relationNode = body["relation"] else { return }
        let table = tableReference(relationNode, scope: scope, context: "CREATE INDEX ON")
        let tableScope = dmlScope(table, parent: scope)
        let location = relationNode["location"]?.int ?? 0
        for list in [body["indexParams"], body["indexIncludingParams"]] {
            for element in list?.array ?? [] {
                guard let index = element["IndexElem"] else { continue }
                if let column = index["name"]?.string, case .table(let schema, let name) = table.kind {
                    record(
                        columnTargets(column: column, schema: schema, table: name), .confirmed, location,
                        "CREATE INDEX ON \(table.displayName) (\(column))")
                }
                expression(index["expr"], scope: tableScope)
            }
        }
        expression(body["whereClause"], scope: tableScope)
    }

    /// Splits a qualified name list into (schema, table) for tables, or (schema, table, column) for columns.
    mutating func comment(_ body: JSONValue, statementStart: Int) {
        let kind = body["objtype"]?.string
        let names = body["object"]?["List"]?["items"]?.array.compactMap(\.stringNode) ?? []
        if kind == "OBJECT_COLUMN", names.count >= 2 {
            let column = names[names.count - 1]
            let table = names[names.count - 2]
            let schema = names.count >= 3 ? names[names.count - 3] : nil
            record(
                columnTargets(column: column, schema: schema, table: table), .confirmed, statementStart,
                "COMMENT ON COLUMN \(names.joined(separator: "."))")
        } else if kind == "OBJECT_TABLE" || kind == "OBJECT_VIEW", let table = names.last {
            let schema = names.count >= 2 ? names[names.count - 2] : nil
            let matching = (tableTargets[table] ?? []).filter { tableMatches(targets[$0], schema: schema, name: table) }
            record(matching, .confirmed, statementStart, "COMMENT ON TABLE \(names.joined(separator: "."))")
        }
    }

    mutating func copy(_ body: JSONValue, scope: Scope) {
        if let query = body["query"] { statement(query, scope: scope, statementStart: 0) }
        guard let relationNode = body["relation"] else { return }
        let table = tableReference(relationNode, scope: scope, context: "COPY")
        let location = relationNode["location"]?.int ?? 0
        let columns = body["attlist"]?.array ?? []
        let direction = (body["is_from"]?.bool ?? false) ? "FROM" : "TO"
        if columns.isEmpty, case .table(let schema, let name) = table.kind {
            record(
                allColumnTargets(schema: schema, table: name), .implicit, location,
                "COPY \(table.displayName) \(direction) without a column list copies every column")
        } else {
            namedColumns(.array(columns), table: table, location: location, context: "COPY")
        }
        expression(body["whereClause"], scope: dmlScope(table, parent: scope))
    }

    static let droppedRelationKinds: Set<String> = [
        "OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE",
    ]

    mutating func drop(_ body: JSONValue, statementStart: Int) {
        guard let kind = body["removeType"]?.string, Self.droppedRelationKinds.contains(kind) else { return }
        for object in body["objects"]?.array ?? [] {
            let names = object["List"]?["items"]?.array.compactMap(\.stringNode) ?? []
            guard let table = names.last else { continue }
            let schema = names.count >= 2 ? names[names.count - 2] : nil
            let matching = (tableTargets[table] ?? []).filter { tableMatches(targets[$0], schema: schema, name: table) }
            record(matching, .confirmed, statementStart, "DROP \(names.joined(separator: "."))")
        }
    }

    mutating func grant(_ body: JSONValue, scope: Scope) {
        var tables: [(relation: Relation, location: Int)] = []
        if body["objtype"]?.string == "OBJECT_TABLE" && body["targtype"]?.string == "ACL_TARGET_OBJECT" {
            for object in body["objects"]?.array ?? [] {
                let location = (object["RangeVar"] ?? object)["location"]?.int ?? 0
                tables.append((tableReference(object, scope: scope, context: "GRANT ON"), location))
            }
        }
        for privilege in body["privileges"]?.array ?? [] {
            for table in tables {
                namedColumns(
                    privilege["AccessPriv"]?["cols"], table: table.relation, location: table.location,
                    context: "GRANT (column) ON")
            }
        }
    }
}
