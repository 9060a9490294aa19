import Matching

/// Reads Knex, Sequelize and TypeORM migrations (JavaScript or TypeScript): the drops and renames of their
/// schema APIs and the SQL they run, outside the `down` function.
///
/// Names are kept as written, as each tool sends them quoted on PostgreSQL: Knex wraps every identifier in
/// double quotes and splits `schema.table` on the dot; Sequelize quotes identifiers (`quoteIdentifiers`
/// defaults to true) and takes a schema as `{ tableName, schema }`; TypeORM's PostgreSQL driver quotes
/// names and reads `schema.table` strings as a schema and a table.
enum JavaScriptMigration {
    static func tool(of text: String) -> MigrationReader.Format? {
        if text.contains("queryRunner") || text.contains("MigrationInterface") || text.contains("typeorm") {
            return .typeorm
        }
        if text.contains("queryInterface") || text.lowercased().contains("sequelize") { return .sequelize }
        if text.lowercased().contains("knex") || text.contains(".schema.") { return .knex }
        return nil
    }

    /// The bodies of the module's `up` and `down` functions (`exports.up = …`, `async up(…) {…}`,
    /// `up: async (…) => {…}`, `export async function up(…)`, `public async up(…): Promise<void> {…}`).
    static func functions(_ syntax: JavaScriptSyntax) -> (up: [Range<Int>], down: [Range<Int>]) {
        let bytes = syntax.bytes
        var up: [Range<Int>] = []
        var down: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            if let end = syntax.commentEnd(index) {
                index = end
                continue
            }
            if let (_, end) = syntax.literal(index) {
                index = end
                continue
            }
            guard index == 0 || !JavaScriptSyntax.isWord(bytes[index - 1]),
                let word = syntax.word(at: index, limit: bytes.count)
            else {
                index += 1
                continue
            }
            defer { index += word.utf8.count }
            guard word == "up" || word == "down" else { continue }
            if index > 0 && bytes[index - 1] == UInt8(ascii: ".") {
                guard index >= 8, String(decoding: bytes[(index - 8)..<(index - 1)], as: UTF8.self) == "exports" else {
                    continue
                }
            }
            let after = syntax.skipTrivia(index + word.utf8.count, limit: bytes.count)
            guard after < bytes.count else { continue }
            var function: (JavaScriptSyntax.Value, Int)?
            if bytes[after] == UInt8(ascii: "(") {
                function = syntax.function(at: index, limit: bytes.count)
            } else if bytes[after] == UInt8(ascii: ":")
                || (bytes[after] == UInt8(ascii: "=") && after + 1 < bytes.count
                    && bytes[after + 1] != UInt8(ascii: "=") && bytes[after + 1] != UInt8(ascii: ">"))
            {
                function = syntax.function(at: after + 1, limit: bytes.count)
            }
            if case .function(_, let body)? = function?.0 {
                if word == "up" { up.append(body) } else { down.append(body) }
            }
        }
        return (up, down)
    }

    /// A Knex `table`/`alterTable` callback: the builder's parameter name, its body and its table.
    struct Builder {
        let parameter: String
        let body: Range<Int>
        let schema: String?
        let table: String
    }

    static func operations(in text: String, path: String, tool: MigrationReader.Format) throws(MigrationError)
        -> MigrationReading
    {
        let syntax = JavaScriptSyntax(bytes: Array(text.utf8))
        let bytes = syntax.bytes
        let lines = LineIndex(text)
        let rollbacks = functions(syntax).down
        let calls = syntax.calls(lines: lines).filter { call in
            !rollbacks.contains(where: { $0.contains(call.arguments.lowerBound) })
        }
        func chainSchema(_ call: JavaScriptSyntax.Call) -> String? {
            String(decoding: bytes[call.chain], as: UTF8.self)
                .firstMatch(of: #/withSchema\(\s*['"`](?<s>[^'"`]+)['"`]\s*\)/#).map { String($0.output.s) }
        }
        func table(_ value: JavaScriptSyntax.Value?, schema: String?) -> (schema: String?, table: String)? {
            switch value {
            case .string(let name, _)?:
                if tool != .sequelize, schema == nil, let dot = name.firstIndex(of: ".") {
                    return (String(name[..<dot]), String(name[name.index(after: dot)...]))
                }
                return (schema, name)
            case .object(let fields)?:
                guard let name = fields["tableName"]?.string ?? fields["name"]?.string else { return nil }
                return (fields["schema"]?.string ?? schema, name)
            case .constructed(_, let arguments)?:
                // TypeORM `new Table({ name: "post" })`.
                guard case .object(let fields)? = arguments.first, let name = fields["name"]?.string else { return nil }
                return table(.string(name, offset: 0), schema: schema)
            default: return nil
            }
        }
        func column(_ value: JavaScriptSyntax.Value?) -> String? {
            switch value {
            case .string(let name, _)?: return name
            case .object(let fields)?: return fields["name"]?.string
            case .constructed(_, let arguments)?:
                // TypeORM `new TableColumn({ name: "title", … })`.
                guard case .object(let fields)? = arguments.first else { return nil }
                return fields["name"]?.string
            default: return nil
            }
        }
        var builders: [Builder] = []
        var operations: [MigrationOperation] = []
        for call in calls {
            let arguments = syntax.values(call.arguments)
            let written = "\(call.receiver.map { $0 + "." } ?? "")\(call.name)(…)"
            func unreadable() -> MigrationError { .unreadableCall(path: path, line: call.line, call: written) }
            func add(_ schema: String?, _ table: String, _ column: String?, _ kind: MigrationOperation.Kind) {
                let target = Target(
                    schema: schema.map { Identifier(orm: $0) }, table: Identifier(orm: table),
                    column: column.map { Identifier(orm: $0) })
                let names = ([schema.map { $0 + "." + table } ?? table] + (column.map { [$0] } ?? []))
                    .map { "'\($0)'" }.joined(separator: ", ")
                operations.append(
                    MigrationOperation(
                        target: target, kind: kind, line: call.line,
                        description: "\(call.receiver.map { $0 + "." } ?? "")\(call.name)(\(names))"))
            }
            let builder = call.receiver.flatMap { receiver in
                builders.last(where: { $0.parameter == receiver && $0.body.contains(call.arguments.lowerBound) })
            }
            switch call.name {
            case "table", "alterTable":
                guard tool == .knex, String(decoding: bytes[call.chain], as: UTF8.self).contains("schema") else {
                    continue
                }
                guard case .function(let parameter?, let body)? = arguments.dropFirst().first else { continue }
                guard let (schema, name) = table(arguments.first, schema: chainSchema(call)) else { throw unreadable() }
                builders.append(Builder(parameter: parameter, body: body, schema: schema, table: name))
            case "dropColumn", "dropColumns", "renameColumn", "dropTimestamps":
                if let builder {
                    // Knex: `table.dropColumn('c')`, `table.dropColumns('a', 'b')`, `table.renameColumn('a', 'b')`.
                    switch call.name {
                    case "dropTimestamps":
                        // `dropTimestamps(true)` drops the camelCase pair.
                        let camel =
                            arguments.first.map {
                                if case .other(let r) = $0 {
                                    return bytes[r].elementsEqual("true".utf8)
                                } else {
                                    return false
                                }
                            } ?? false
                        for name in camel ? ["createdAt", "updatedAt"] : ["created_at", "updated_at"] {
                            add(builder.schema, builder.table, name, .dropColumn)
                        }
                    case "renameColumn":
                        guard let old = column(arguments.first) else { throw unreadable() }
                        add(builder.schema, builder.table, old, .renameColumn)
                    default:
                        let names = arguments.map(column)
                        guard !names.isEmpty, names.allSatisfy({ $0 != nil }) else { throw unreadable() }
                        for name in names { add(builder.schema, builder.table, name!, .dropColumn) }
                    }
                    continue
                }
                // TypeORM: `queryRunner.dropColumn(table, column)`, `dropColumns(table, [columns])`,
                // `renameColumn(table, old, new)`.
                guard call.name != "dropTimestamps", let (schema, name) = table(arguments.first, schema: nil) else {
                    throw unreadable()
                }
                let second = arguments.dropFirst().first
                if call.name == "dropColumns" {
                    guard case .list(let items)? = second, !items.isEmpty else { throw unreadable() }
                    for item in items {
                        guard let columnName = column(item) else { throw unreadable() }
                        add(schema, name, columnName, .dropColumn)
                    }
                } else {
                    guard let columnName = column(second) else { throw unreadable() }
                    add(schema, name, columnName, call.name == "renameColumn" ? .renameColumn : .dropColumn)
                }
            case "removeColumn":
                // Sequelize: `queryInterface.removeColumn(table, column, options)`.
                guard let (schema, name) = table(arguments.first, schema: nil),
                    let columnName = column(arguments.dropFirst().first)
                else { throw unreadable() }
                add(schema, name, columnName, .dropColumn)
            case "dropTable", "dropTableIfExists", "renameTable":
                guard let (schema, name) = table(arguments.first, schema: tool == .knex ? chainSchema(call) : nil)
                else {
                    throw unreadable()
                }
                add(schema, name, nil, call.name == "renameTable" ? .renameTable : .dropTable)
            case "dropAllTables", "dropAllSchemas":
                throw unreadable()
            case "query", "raw":
                switch arguments.first {
                case .string(let sql, let offset)?:
                    operations += try SQLMigration.operations(
                        in: sql, path: path, lineOffset: lines.line(at: offset) - 1)
                case .template(let offset)?:
                    // A template whose text is built at run time: fine unless it drops or renames something.
                    let end = syntax.literal(offset)?.end ?? offset
                    let raw = String(decoding: bytes[offset..<end], as: UTF8.self)
                    if raw.contains(DropMentions.pattern) { throw unreadable() }
                default: break
                }
            default: break
            }
        }
        return MigrationReading(operations: operations, ignored: rollbacks)
    }
}
