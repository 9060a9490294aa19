import Matching
import SQLResolution

/// What depends on a column within its own table, policies, and a table's children.
extension CatalogDependents {
    func columnOnly(_ context: TargetContext) throws(DatabaseError) -> [Dependent] {
        guard let column = context.column else { return [] }
        let table = context.table
        var found: [Dependent] = []
        let indexes = try connection.query(CatalogQueries.indexes, context.parameters)
        for row in indexes.rows.indices {
            guard let schema = indexes.value(row, "schema"), let name = indexes.value(row, "name"),
                let definition = indexes.value(row, "definition")
            else { continue }
            found.append(
                context.dependent(
                    .index, RelationName(schema: schema, name: name).description, table: table, definition: definition,
                    reason: "its key, expression or predicate reads \(column)", onDrop: .dropped))
        }
        let identity = try connection.query(CatalogQueries.replicaIdentity, context.parameters)
        if identity.value(0, "identity") == "i", let schema = identity.value(0, "schema"),
            let name = identity.value(0, "name")
        {
            found.append(
                context.dependent(
                    .replicaIdentity, RelationName(schema: schema, name: name).description, table: table,
                    definition: "ALTER TABLE \(table) REPLICA IDENTITY USING INDEX \(name)",
                    reason: "the table's replica identity is index \(name), whose key holds \(column)", onDrop: .dropped
                ))
        } else if identity.value(0, "identity") == "f" {
            found.append(
                context.dependent(
                    .replicaIdentity, "FULL", table: table, definition: "ALTER TABLE \(table) REPLICA IDENTITY FULL",
                    reason: "REPLICA IDENTITY FULL writes every column, \(column) included, to the WAL",
                    onDrop: .dropped, evidence: .possible))
        }
        let defaults = try connection.query(CatalogQueries.defaults, context.parameters)
        for row in defaults.rows.indices {
            guard let name = defaults.value(row, "name"), let expression = defaults.value(row, "expression") else {
                continue
            }
            let type = defaults.value(row, "type") ?? ""
            let generated = defaults.value(row, "generated") == "s"
            found.append(
                context.dependent(
                    generated ? .generatedColumn : .columnDefault, name, table: table,
                    definition: generated
                        ? "\(name) \(type) GENERATED ALWAYS AS (\(expression)) STORED"
                        : "\(name) \(type) DEFAULT \(expression)",
                    reason: "its \(generated ? "generation expression" : "default") reads \(column)", onDrop: .cascade))
        }
        found += try policies(context)
        let privileges = try connection.query(CatalogQueries.columnPrivileges, context.parameters)
        for row in privileges.rows.indices {
            guard let grantee = privileges.value(row, "grantee"), let granted = privileges.value(row, "privileges")
            else {
                continue
            }
            let spelled = grantee == "PUBLIC" ? grantee : Identifier(name: grantee, quoted: true).sqlSpelling
            found.append(
                context.dependent(
                    .columnPrivilege, grantee, table: table,
                    definition:
                        "GRANT \(granted) (\(Identifier(name: column, quoted: true).sqlSpelling)) ON \(table) TO \(spelled)",
                    reason: "\(grantee) is granted \(granted) on \(column)", onDrop: .dropped))
        }
        let statistics = try connection.query(CatalogQueries.statistics, context.parameters)
        for row in statistics.rows.indices {
            guard let schema = statistics.value(row, "schema"), let name = statistics.value(row, "name"),
                let definition = statistics.value(row, "definition")
            else { continue }
            found.append(
                context.dependent(
                    .statistics, RelationName(schema: schema, name: name).description, table: table,
                    definition: definition, reason: "its columns or expressions read \(column)", onDrop: .dropped))
        }
        if let key = try connection.query(CatalogQueries.partitionKey, context.parameters).value(0, "definition") {
            found.append(
                context.dependent(
                    .partitionKey, table.description, table: table, definition: "PARTITION BY \(key)",
                    reason: "\(column) is in the partition key of \(table)", onDrop: .refused))
        }
        for row in try connection.query(CatalogQueries.otherColumnDependents, context.parameters).rows {
            guard let name = row[0] else { continue }
            found.append(
                context.dependent(
                    .other, name, table: nil, definition: name,
                    reason: "the server records that it depends on \(context.subject)", onDrop: .cascade))
        }
        return found
    }

    /// Row-level security policies that read the column, or (for a whole table) other tables' policies that
    /// read the table.
    func policies(_ context: TargetContext) throws(DatabaseError) -> [Dependent] {
        let rows = try connection.query(CatalogQueries.policies, context.parameters)
        let commands = ["r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"]
        return rows.rows.indices.compactMap { row in
            guard let name = rows.value(row, "name"), let schema = rows.value(row, "schema"),
                let tableName = rows.value(row, "tablename")
            else { return nil }
            let table = RelationName(schema: schema, name: tableName)
            var definition = "CREATE POLICY \(Identifier(name: name, quoted: true).sqlSpelling) ON \(table)"
            if rows.value(row, "permissive") == "false" { definition += " AS RESTRICTIVE" }
            definition += " FOR \(commands[rows.value(row, "command") ?? "*"] ?? "ALL")"
            if let roles = rows.value(row, "roles"), !roles.isEmpty { definition += " TO \(roles)" }
            if let qual = rows.value(row, "qual") { definition += " USING (\(qual))" }
            if let check = rows.value(row, "withcheck") { definition += " WITH CHECK (\(check))" }
            return context.dependent(
                .policy, name, table: table, definition: definition,
                reason: "the server records that it reads \(context.subject)", onDrop: .cascade)
        }
    }

    /// Tables that inherit from the table or are its partitions.
    func children(_ context: TargetContext) throws(DatabaseError) -> [Dependent] {
        let rows = try connection.query(CatalogQueries.children, [context.oid])
        return rows.rows.indices.compactMap { row in
            guard let schema = rows.value(row, "schema"), let name = rows.value(row, "name") else { return nil }
            let child = RelationName(schema: schema, name: name)
            let partition = rows.value(row, "partition") == "true"
            let definition =
                partition
                ? "ALTER TABLE \(context.table) ATTACH PARTITION \(child) \(rows.value(row, "bound") ?? "")"
                : "CREATE TABLE \(child) (…) INHERITS (\(context.table))"
            return context.dependent(
                .childTable, child.description, table: nil, definition: definition,
                reason: partition ? "it is a partition of \(context.table)" : "it inherits from \(context.table)",
                onDrop: .cascade)
        }
    }
}
