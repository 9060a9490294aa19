import Matching

/// Reads Alembic revisions: `op.drop_column`, `op.drop_table`, `op.alter_column(…, new_column_name=…)`,
/// `op.rename_table`, the same inside `with op.batch_alter_table(…) as batch_op:`, and the SQL of `op.execute`;
/// nothing inside `downgrade()`. Names are kept as written: SQLAlchemy quotes a name with upper-case letters
/// and sends it exactly, and a lower-case name is the folded one, so `Identifier(orm:)` spells both.
enum AlembicMigration {
    /// A `with op.batch_alter_table(…) as name:` block.
    struct Batch {
        let name: String
        let table: String
        let schema: String?
        let body: Range<Int>
    }

    static func operations(in text: String, path: String) throws(MigrationError) -> MigrationReading {
        let bytes = Array(text.utf8)
        let lines = LineIndex(text)
        let (calls, strings) = PythonSyntax.calls(bytes, lines: lines)
        let rollbacks = PythonSyntax.functions(text, strings: strings).filter { $0.name.hasPrefix("downgrade") }
            .map(\.range)
        let constants = PythonSyntax.stringConstants(text)
        let spans = PythonSyntax.lineSpans(text)
        func resolved(_ value: PythonSyntax.Value?) -> String? {
            PythonSyntax.resolvedString(value, bytes: bytes, constants: constants)
        }
        func isRollback(_ call: PythonSyntax.Call) -> Bool {
            rollbacks.contains(where: { $0.contains(call.arguments.lowerBound) })
        }
        var batches: [Batch] = []
        for call in calls where call.receiver == "op" && call.name == "batch_alter_table" && !isRollback(call) {
            let arguments = PythonSyntax.arguments(bytes, call.arguments)
            guard let table = resolved(arguments.value("table_name", position: 0)) else {
                throw .unreadableCall(path: path, line: call.line, call: "op.batch_alter_table")
            }
            let closeLine = lines.line(at: call.arguments.upperBound) - 1
            let rest = spans[closeLine].text.utf8.dropFirst(call.arguments.upperBound + 1 - spans[closeLine].start)
            guard let alias = Substring(rest).firstMatch(of: #/^\s*as\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*:/#) else {
                continue  // `batch_alter_table` not used as a context manager: its calls are read as unknown
            }
            let withLine = spans[call.line - 1].text
            let indent = withLine.prefix(while: { $0 == " " || $0 == "\t" }).count
            let end = PythonSyntax.blockEnd(spans, after: closeLine, indent: indent)
            batches.append(
                Batch(
                    name: String(alias.output.name), table: table,
                    schema: resolved(arguments.keyword["schema"]?.value), body: call.arguments.upperBound..<end))
        }
        var operations: [MigrationOperation] = []
        for call in calls where !isRollback(call) {
            let arguments = PythonSyntax.arguments(bytes, call.arguments)
            let written = "\(call.receiver ?? "").\(call.name)"
            func required(_ key: String, _ position: Int) throws(MigrationError) -> String {
                guard let value = resolved(arguments.value(key, position: position)) else {
                    throw .unreadableCall(path: path, line: call.line, call: written)
                }
                return value
            }
            func add(_ schema: String?, _ table: String, _ column: String?, _ kind: MigrationOperation.Kind) {
                let target = Target(
                    schema: schema.map { Identifier(orm: $0) }, table: Identifier(orm: table),
                    column: column.map { Identifier(orm: $0) })
                var description = "\(written)('\(table)'"
                if let column { description += ", '\(column)'" }
                if let schema { description += ", schema='\(schema)'" }
                operations.append(
                    MigrationOperation(target: target, kind: kind, line: call.line, description: description + ")"))
            }
            if call.receiver == "op" {
                let schema = resolved(arguments.keyword["schema"]?.value)
                switch call.name {
                case "drop_column":
                    add(schema, try required("table_name", 0), try required("column_name", 1), .dropColumn)
                case "drop_table": add(schema, try required("table_name", 0), nil, .dropTable)
                case "rename_table": add(schema, try required("old_table_name", 0), nil, .renameTable)
                case "alter_column" where arguments.keyword["new_column_name"] != nil:
                    add(schema, try required("table_name", 0), try required("column_name", 1), .renameColumn)
                case "execute":
                    let statement = arguments.value("sqltext", position: 0)
                    guard let sql = resolved(statement) else { continue }
                    var firstLine = call.line
                    switch statement {
                    case .string(_, let offset)?: firstLine = lines.line(at: offset)
                    case .other(let range)?:
                        // `sa.text("…")`: the SQL starts at the wrapped literal.
                        if let quote = bytes[range].firstIndex(where: {
                            $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\"")
                        }) {
                            firstLine = lines.line(at: quote)
                        }
                    default: break
                    }
                    operations += try SQLMigration.operations(in: sql, path: path, lineOffset: firstLine - 1)
                default: break
                }
                continue
            }
            guard
                call.name == "drop_column"
                    || (call.name == "alter_column" && arguments.keyword["new_column_name"] != nil),
                let receiver = call.receiver
            else { continue }
            guard
                let batch = batches.last(where: { $0.name == receiver && $0.body.contains(call.arguments.lowerBound) })
            else {
                throw .unreadableCall(path: path, line: call.line, call: written)
            }
            let column = try required("column_name", 0)
            operations.append(
                MigrationOperation(
                    target: Target(
                        schema: batch.schema.map { Identifier(orm: $0) }, table: Identifier(orm: batch.table),
                        column: Identifier(orm: column)),
                    kind: call.name == "drop_column" ? .dropColumn : .renameColumn, line: call.line,
                    description: "op.batch_alter_table('\(batch.table)') \(written)('\(column)')"))
        }
        return MigrationReading(operations: operations, ignored: rollbacks)
    }
}
