import Matching

/// Reads Rails (ActiveRecord) migrations line by line: the destructive schema statements, outside `def down`
/// and `dir.down` (rollback) bodies.
enum RailsMigration {
    /// Leading positional arguments of a Ruby call: symbols and string literals, until anything else.
    static func arguments(_ text: Substring) -> [String] {
        var rest = text.drop(while: { $0 == " " || $0 == "(" || $0 == "\t" })
        var values: [String] = []
        while let first = rest.first {
            if first == ":" {
                rest = rest.dropFirst()
                if let quote = rest.first, quote == "\"" || quote == "'" {
                    rest = rest.dropFirst()
                    guard let close = rest.firstIndex(of: quote) else { break }
                    values.append(String(rest[..<close]))
                    rest = rest[rest.index(after: close)...]
                } else {
                    let name = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
                    guard !name.isEmpty else { break }
                    // `key: value` is a keyword argument, not a symbol.
                    values.append(String(name))
                    rest = rest.dropFirst(name.count)
                }
            } else if first == "\"" || first == "'" {
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: first) else { break }
                values.append(String(rest[..<close]))
                rest = rest[rest.index(after: close)...]
            } else {
                break
            }
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            guard rest.first == "," else { break }
            rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" })
            // A keyword argument (`null: true`, `type: :string`) ends the positional ones.
            if rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }).count > 0,
                rest.drop(while: { $0.isLetter || $0.isNumber || $0 == "_" }).first == ":"
            {
                break
            }
        }
        return values
    }

    static func table(_ name: String) -> (schema: Identifier?, table: Identifier) {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 { return (Identifier(orm: parts[0]), Identifier(orm: parts[1])) }
        return (nil, Identifier(orm: name))
    }

    static func indent(_ line: Substring) -> Int { line.prefix(while: { $0 == " " || $0 == "\t" }).count }

    static var call: Regex<(Substring, method: Substring)> {
        #/(?:^|[^A-Za-z0-9_.])(?<method>remove_columns|remove_column|drop_table|rename_column|rename_table|remove_reference|remove_belongs_to|remove_timestamps|change_table|drop_join_table)\b/#
    }
    static var blockCall: Regex<(Substring, receiver: Substring, method: Substring)> {
        #/^\s*(?<receiver>[a-z_][a-z0-9_]*)\.(?<method>remove_references|remove_belongs_to|remove_timestamps|remove|rename)\b/#
    }

    /// The SQL of an `execute "…"` call or an `execute <<~SQL … SQL` heredoc starting on this line, with the
    /// line its text starts on; `index` moves past a heredoc.
    static func executedSQL(_ trimmed: Substring, lines: [Substring], index: inout Int, path: String)
        throws(MigrationError) -> (text: String, firstLine: Int)?
    {
        guard let match = trimmed.firstMatch(of: #/^(?:safety_assured\s*\{\s*)?execute\s*\(?\s*/#) else {
            return nil
        }
        let rest = trimmed[match.range.upperBound...]
        if let heredoc = rest.firstMatch(of: #/^<<([~-]?)(['"]?)(?<tag>[A-Z_]+)\2/#) {
            let tag = String(heredoc.output.tag)
            let firstLine = index + 1
            var body: [Substring] = []
            while index < lines.count {
                let line = lines[index]
                index += 1
                if line.trimmingPrefix(while: { $0 == " " || $0 == "\t" }) == tag { break }
                body.append(line)
            }
            return (body.joined(separator: "\n"), firstLine)
        }
        guard let quote = rest.first, quote == "\"" || quote == "'" else {
            throw .unreadableCall(path: path, line: index, call: String(trimmed))
        }
        let body = rest.dropFirst()
        guard let close = body.firstIndex(of: quote) else {
            throw .unreadableCall(path: path, line: index, call: String(trimmed))
        }
        return (String(body[..<close]), index)
    }

    static func operations(in text: String, path: String) throws(MigrationError) -> MigrationReading {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var lineStarts: [Int] = []
        var offset = 0
        for line in lines {
            lineStarts.append(offset)
            offset += line.utf8.count + 1
        }
        var ignored: [Range<Int>] = []
        func ignore(_ index: Int) { ignored.append(lineStarts[index]..<(lineStarts[index] + lines[index].utf8.count)) }
        var operations: [MigrationOperation] = []
        var skipUntilIndent: Int?  // inside `def down` / `dir.down do`: skip to the `end` at this indent
        var changeTable: (table: String, receiver: String, indent: Int)?
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let lineNumber = index + 1
            index += 1
            let trimmed = line.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            if trimmed.hasPrefix("#") || trimmed.isEmpty { continue }
            if let skip = skipUntilIndent {
                ignore(index - 1)
                if indent(line) == skip && (trimmed == "end" || trimmed.hasPrefix("end ") || trimmed.hasPrefix("}")) {
                    skipUntilIndent = nil
                }
                continue
            }
            if trimmed.hasPrefix("def down") || trimmed.hasPrefix("def self.down") {
                ignore(index - 1)
                skipUntilIndent = indent(line)
                continue
            }
            if trimmed.contains(#/^[a-z_]+\.down\b/#) {
                ignore(index - 1)
                if trimmed.contains("{") && trimmed.contains("}") { continue }  // one-line rollback block
                skipUntilIndent = indent(line)
                continue
            }
            if let block = changeTable {
                if indent(line) == block.indent && (trimmed == "end" || trimmed.hasPrefix("end ")) {
                    changeTable = nil
                    continue
                }
                if let match = trimmed.firstMatch(of: blockCall), match.output.receiver == block.receiver {
                    let args = arguments(trimmed[match.range.upperBound...])
                    let (schema, tableName) = table(block.table)
                    let spelled = block.table
                    switch match.output.method {
                    case "remove":
                        for column in args {
                            operations.append(
                                MigrationOperation(
                                    target: Target(schema: schema, table: tableName, column: Identifier(orm: column)),
                                    kind: .dropColumn, line: lineNumber,
                                    description: "change_table :\(spelled) { t.remove :\(column) }"))
                        }
                    case "rename":
                        guard args.count >= 2 else {
                            throw .unreadableCall(path: path, line: lineNumber, call: String(trimmed))
                        }
                        operations.append(
                            MigrationOperation(
                                target: Target(schema: schema, table: tableName, column: Identifier(orm: args[0])),
                                kind: .renameColumn, line: lineNumber,
                                description: "change_table :\(spelled) { t.rename :\(args[0]), :\(args[1]) }"))
                    case "remove_timestamps":
                        for column in ["created_at", "updated_at"] {
                            operations.append(
                                MigrationOperation(
                                    target: Target(schema: schema, table: tableName, column: Identifier(orm: column)),
                                    kind: .dropColumn, line: lineNumber,
                                    description: "change_table :\(spelled) { t.remove_timestamps }"))
                        }
                    default:
                        for reference in args {
                            operations.append(
                                MigrationOperation(
                                    target: Target(
                                        schema: schema, table: tableName, column: Identifier(orm: reference + "_id")),
                                    kind: .dropColumn, line: lineNumber,
                                    description: "change_table :\(spelled) { t.\(match.output.method) :\(reference) }"))
                        }
                    }
                    continue
                }
            }
            if let sql = try executedSQL(trimmed, lines: lines, index: &index, path: path) {
                operations += try SQLMigration.operations(in: sql.text, path: path, lineOffset: sql.firstLine - 1)
                continue
            }
            for match in line.matches(of: call) {
                var argumentText = String(line[match.range.upperBound...])
                // A call continued on the next lines (`remove_column :orders,\n  :legacy_status`).
                var lookahead = index
                while argumentText.last(where: { $0 != " " && $0 != "\t" && $0 != "\r" }) == ",",
                    lookahead < lines.count
                {
                    argumentText += " " + lines[lookahead].trimmingPrefix(while: { $0 == " " || $0 == "\t" })
                    lookahead += 1
                }
                let args = arguments(Substring(argumentText))
                let method = String(match.output.method)
                let written = method + " " + args.map { ":" + $0 }.joined(separator: ", ")
                guard let first = args.first else {
                    throw .unreadableCall(path: path, line: lineNumber, call: String(trimmed))
                }
                let (schema, tableName) = table(first)
                func column(_ name: String, _ kind: MigrationOperation.Kind) {
                    operations.append(
                        MigrationOperation(
                            target: Target(schema: schema, table: tableName, column: Identifier(orm: name)), kind: kind,
                            line: lineNumber, description: written))
                }
                switch method {
                case "remove_column":
                    guard args.count >= 2 else {
                        throw .unreadableCall(path: path, line: lineNumber, call: String(trimmed))
                    }
                    column(args[1], .dropColumn)
                case "remove_columns":
                    guard args.count >= 2 else {
                        throw .unreadableCall(path: path, line: lineNumber, call: String(trimmed))
                    }
                    for name in args.dropFirst() { column(name, .dropColumn) }
                case "rename_column":
                    guard args.count >= 3 else {
                        throw .unreadableCall(path: path, line: lineNumber, call: String(trimmed))
                    }
                    column(args[1], .renameColumn)
                case "remove_reference", "remove_belongs_to":
                    guard args.count >= 2 else {
                        throw .unreadableCall(path: path, line: lineNumber, call: String(trimmed))
                    }
                    column(args[1] + "_id", .dropColumn)
                    if argumentText.contains(#/polymorphic:\s*true/#) { column(args[1] + "_type", .dropColumn) }
                case "remove_timestamps":
                    column("created_at", .dropColumn)
                    column("updated_at", .dropColumn)
                case "drop_table":
                    operations.append(
                        MigrationOperation(
                            target: Target(schema: schema, table: tableName), kind: .dropTable, line: lineNumber,
                            description: written))
                case "drop_join_table":
                    // Rails names a join table after both tables, in lexical order.
                    guard args.count >= 2 else {
                        throw .unreadableCall(path: path, line: lineNumber, call: String(trimmed))
                    }
                    let joinTable = [args[0], args[1]].sorted().joined(separator: "_")
                    operations.append(
                        MigrationOperation(
                            target: Target(table: Identifier(orm: joinTable)), kind: .dropTable, line: lineNumber,
                            description: written))
                case "rename_table":
                    guard args.count >= 2 else {
                        throw .unreadableCall(path: path, line: lineNumber, call: String(trimmed))
                    }
                    operations.append(
                        MigrationOperation(
                            target: Target(schema: schema, table: tableName), kind: .renameTable, line: lineNumber,
                            description: written))
                case "change_table":
                    if let receiver = line.firstMatch(of: #/do\s*\|\s*(?<name>[a-z_][a-z0-9_]*)\s*\|/#) {
                        changeTable = (first, String(receiver.output.name), indent(line))
                    }
                default: break
                }
            }
        }
        return MigrationReading(operations: operations, ignored: ignored)
    }
}
