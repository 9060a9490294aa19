import Matching

/// `CREATE TABLE` and `ALTER TABLE`: constraints, generated columns and defaults, partition keys, replica
/// identity, inheritance and partitions.
extension SchemaDependentsReader {
    mutating func noteTable(_ body: JSONValue) {
        guard let table = Self.relationName(body["relation"]) else { return }
        var columns = tables[table] ?? []
        for element in body["tableElts"]?.array ?? [] {
            if let name = element["ColumnDef"]?["colname"]?.string { columns.insert(name) }
        }
        tables[table] = columns
    }

    mutating func noteAddedColumns(_ body: JSONValue) {
        guard let table = Self.relationName(body["relation"]) else { return }
        for command in body["cmds"]?.array ?? [] {
            guard let alter = command["AlterTableCmd"], alter["subtype"]?.string == "AT_AddColumn",
                let name = alter["def"]?["ColumnDef"]?["colname"]?.string
            else { continue }
            tables[table, default: []].insert(name)
        }
    }

    /// The targets on `table` (every column target, and the whole-table ones).
    func targetIndices(on table: RelationName) -> [Int] {
        targets.indices.filter {
            targets[$0].tableMatches(
                schema: table.schema.map { Identifier(name: $0, quoted: true) },
                table: Identifier(name: table.name, quoted: true))
        }
    }

    mutating func createTable(_ statement: SQLScript.Statement, _ body: JSONValue) {
        guard let table = Self.relationName(body["relation"]) else { return }
        let elements = body["tableElts"]?.array ?? []
        let texts = Self.elementTexts(statement.text, elements.compactMap { ($0.node?.body["location"]?.int) })
        for element in elements {
            let location = element.node?.body["location"]?.int ?? -1
            let text = texts[location] ?? statement.text
            if let column = element["ColumnDef"] {
                columnDefinition(column, table: table, statement, definition: text)
            } else if element["Constraint"] != nil {
                constraint(element, columns: [], table: table, statement, definition: text)
            }
        }
        if let spec = body["partspec"] {
            let uses = Self.uses(targets) { binder in
                let relation = Self.relation(table)
                for element in spec["partParams"]?.array ?? [] {
                    guard let partition = element["PartitionElem"] else { continue }
                    if let column = partition["name"]?.string {
                        binder.namedColumns(
                            .array([Self.stringNode(column)]), table: relation, location: 0, context: "PARTITION BY of")
                    }
                    binder.expression(partition["expr"], scope: binder.dmlScope(relation, parent: Scope(parent: nil)))
                }
            }
            let start = min(max(0, spec["location"]?.int ?? 0), statement.text.utf8.count)
            let definition = String(decoding: Array(statement.text.utf8)[start...], as: UTF8.self)
            record(
                uses, .partitionKey, name: table.description, table: table, statement, onDrop: .refused,
                definition: definition)
        }
        for parent in body["inhRelations"]?.array ?? [] {
            guard let parentName = Self.relationName(parent) else { continue }
            let how = body["partbound"] == nil ? "it inherits from \(parentName)" : "it is a partition of \(parentName)"
            child(table, of: parentName, reason: how, statement)
        }
    }

    mutating func alterTable(_ statement: SQLScript.Statement, _ body: JSONValue) {
        guard let table = Self.relationName(body["relation"]) else { return }
        for command in body["cmds"]?.array ?? [] {
            guard let alter = command["AlterTableCmd"] else { continue }
            let definition = alter["def"]
            switch alter["subtype"]?.string {
            case "AT_AddConstraint":
                if let definition {
                    constraint(definition, columns: [], table: table, statement, definition: statement.text)
                }
            case "AT_AddColumn":
                if let column = definition?["ColumnDef"] {
                    columnDefinition(column, table: table, statement, definition: statement.text)
                }
            case "AT_ColumnDefault":
                guard let column = alter["name"]?.string, let definition else { continue }
                let uses = Self.uses(targets) { binder in
                    binder.expression(
                        definition, scope: binder.dmlScope(Self.relation(table), parent: Scope(parent: nil)))
                }
                record(
                    uses.filter { targets[$0.key].column?.name != column }, .columnDefault, name: column, table: table,
                    statement, onDrop: .cascade)
            case "AT_ReplicaIdentity":
                replicaIdentity(definition?["ReplicaIdentityStmt"], table: table, statement)
            case "AT_AttachPartition":
                if let partition = Self.relationName(definition?["PartitionCmd"]?["name"]) {
                    child(partition, of: table, reason: "it is a partition of \(table)", statement)
                }
            default:
                continue
            }
        }
    }

    /// A column's generated expression or default when it reads a target, and its inline constraints.
    mutating func columnDefinition(
        _ column: JSONValue, table: RelationName, _ statement: SQLScript.Statement, definition: String
    ) {
        guard let name = column["colname"]?.string else { return }
        for node in column["constraints"]?.array ?? [] {
            guard let constraint = node["Constraint"] else { continue }
            switch constraint["contype"]?.string {
            case "CONSTR_GENERATED", "CONSTR_DEFAULT":
                let uses = Self.uses(targets) { binder in
                    binder.expression(
                        constraint["raw_expr"], scope: binder.dmlScope(Self.relation(table), parent: Scope(parent: nil))
                    )
                }
                let kind: DependentKind =
                    constraint["contype"]?.string == "CONSTR_GENERATED" ? .generatedColumn : .columnDefault
                record(
                    uses.filter { targets[$0.key].column?.name != name }, kind, name: name, table: table, statement,
                    onDrop: .cascade, definition: definition)
            default:
                self.constraint(node, columns: [name], table: table, statement, definition: definition)
            }
        }
    }

    /// A table constraint, or a column's inline one (`columns` is then that column): a primary key, unique,
    /// check, foreign key (on the referencing table's side and the referenced one's) or exclusion constraint.
    mutating func constraint(
        _ node: JSONValue, columns: [String], table: RelationName, _ statement: SQLScript.Statement, definition: String
    ) {
        guard let body = node["Constraint"], let type = body["contype"]?.string else { return }
        let kinds: [String: (DependentKind, String)] = [
            "CONSTR_PRIMARY": (.primaryKey, "pkey"), "CONSTR_UNIQUE": (.uniqueConstraint, "key"),
            "CONSTR_CHECK": (.checkConstraint, "check"), "CONSTR_FOREIGN": (.foreignKey, "fkey"),
            "CONSTR_EXCLUSION": (.exclusionConstraint, "excl"),
        ]
        guard let (kind, suffix) = kinds[type] else { return }
        let relation = Self.relation(table)
        let uses = Self.uses(targets) { binder in
            binder.constraint(node, table: relation, scope: Scope(parent: nil), location: 0)
            if kind != .checkConstraint {
                binder.namedColumns(
                    .array(columns.map(Self.stringNode)), table: relation, location: 0, context: "constraint on")
            }
        }
        // PostgreSQL's own names for unnamed constraints: table, columns, suffix.
        var keyColumns = columns
        for key in ["keys", "fk_attrs"] { keyColumns += body[key]?.array.compactMap(\.stringNode) ?? [] }
        let name =
            body["conname"]?.string
            ?? ([table.name] + (kind == .primaryKey ? [] : keyColumns.prefix(kind == .checkConstraint ? 1 : 32)) + [
                suffix
            ])
            .joined(separator: "_")
        let ownTable = Set(targetIndices(on: table))
        for (index, finding) in uses {
            let own = ownTable.contains(index)
            // A whole table's own constraints go with it; a foreign key from elsewhere does not.
            if own && targets[index].isWholeTable { continue }
            add(
                index,
                Dependent(
                    kind: kind, name: name, table: table.description, definition: definition,
                    evidence: finding.evidence,
                    reason: finding.reason, onDrop: own ? .dropped : .cascade, source: .schemaDump, origin: origin,
                    line: statement.line))
        }
    }

    /// `REPLICA IDENTITY USING INDEX` on an index whose key holds a target column, or `FULL` (every column is
    /// written to the WAL for logical decoding: listed as `possible`).
    mutating func replicaIdentity(_ statement: JSONValue?, table: RelationName, _ source: SQLScript.Statement) {
        guard let statement else { return }
        for index in targetIndices(on: table) {
            guard let column = targets[index].column?.name else { continue }
            switch statement["identity_type"]?.string {
            case "i":
                guard let indexName = statement["name"]?.string, let key = indexColumns[indexName],
                    key.columns.contains(column)
                else { continue }
                add(
                    index,
                    Dependent(
                        kind: .replicaIdentity, name: RelationName(schema: table.schema, name: indexName).description,
                        table: table.description, definition: source.text, evidence: .confirmed,
                        reason: "the table's replica identity is index \(indexName), whose key holds \(column)",
                        onDrop: .dropped, source: .schemaDump, origin: origin, line: source.line))
            case "f":
                add(
                    index,
                    Dependent(
                        kind: .replicaIdentity, name: "FULL", table: table.description, definition: source.text,
                        evidence: .possible,
                        reason: "REPLICA IDENTITY FULL writes every column, \(column) included, to the WAL",
                        onDrop: .dropped, source: .schemaDump, origin: origin, line: source.line))
            default:
                continue
            }
        }
    }

    /// A table that inherits from (or is a partition of) a whole-table target: `DROP TABLE` needs CASCADE.
    mutating func child(
        _ table: RelationName, of parent: RelationName, reason: String, _ statement: SQLScript.Statement
    ) {
        for index in targetIndices(on: parent) where targets[index].isWholeTable {
            add(
                index,
                Dependent(
                    kind: .childTable, name: table.description, table: nil, definition: statement.text,
                    evidence: .confirmed,
                    reason: reason, onDrop: .cascade, source: .schemaDump, origin: origin, line: statement.line))
        }
    }

    /// The text of each element of a `CREATE TABLE` list, by the element's location: up to the next element,
    /// without the comma and white space between.
    static func elementTexts(_ statement: String, _ locations: [Int]) -> [Int: String] {
        let bytes = Array(statement.utf8)
        let sorted = locations.filter { $0 >= 0 && $0 < bytes.count }.sorted()
        let close = bytes.lastIndex(of: UInt8(ascii: ")")) ?? bytes.count
        var texts: [Int: String] = [:]
        for (position, start) in sorted.enumerated() {
            var end = position + 1 < sorted.count ? sorted[position + 1] : max(start, close)
            while end > start, [0x20, 0x0A, 0x09, 0x0D, UInt8(ascii: ",")].contains(bytes[end - 1]) { end -= 1 }
            texts[start] = String(decoding: bytes[start..<end], as: UTF8.self)
        }
        return texts
    }
}
