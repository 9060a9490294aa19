import Matching

/// Reads Django migration modules: `migrations.RemoveField`, `DeleteModel`, `RenameField`, `RenameModel`,
/// `AlterModelTable` and the SQL of `RunSQL`, skipping operations that only change Django's state
/// (`SeparateDatabaseAndState(state_operations=[…])`).
enum DjangoMigration {
    /// One `migrations.Name(…)` call: its name, where its arguments are, and its line.
    struct Call {
        let name: String
        /// Byte range of the text between the parentheses.
        let arguments: Range<Int>
        let line: Int
    }

    /// A Python value as far as migrations need: a string, or anything else (kept as raw text).
    enum Value {
        case string(String, offset: Int)
        case list([Value])
        case other(Range<Int>)

        var string: String? {
            if case .string(let value, _) = self { return value }
            return nil
        }
    }

    struct Arguments {
        var positional: [Value] = []
        var keyword: [String: (value: Value, range: Range<Int>)] = [:]

        func string(_ key: String, position: Int) -> String? {
            keyword[key]?.value.string ?? (position < positional.count ? positional[position].string : nil)
        }
    }

    /// Skips a Python string literal starting at `index` (at the quote, after any prefix); returns its value and
    /// the index after it.
    static func readString(_ bytes: [UInt8], at start: Int, raw: Bool) -> (String, Int) {
        let quote = bytes[start]
        let triple = start + 2 < bytes.count && bytes[start + 1] == quote && bytes[start + 2] == quote
        var index = start + (triple ? 3 : 1)
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") && !raw && index + 1 < bytes.count {
                let escaped = bytes[index + 1]
                switch escaped {
                case UInt8(ascii: "n"): value.append(0x0A)
                case UInt8(ascii: "t"): value.append(0x09)
                case 0x0A: break
                default: value.append(escaped)
                }
                index += 2
                continue
            }
            if byte == quote {
                if !triple { return (String(decoding: value, as: UTF8.self), index + 1) }
                if index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote {
                    return (String(decoding: value, as: UTF8.self), index + 3)
                }
            }
            value.append(byte)
            index += 1
        }
        return (String(decoding: value, as: UTF8.self), bytes.count)
    }

    static func isWord(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_")
    }

    /// If a string literal (with an optional `r`/`b`/`u`/`f` prefix) starts at `index`, its start and rawness.
    static func stringStart(_ bytes: [UInt8], _ index: Int) -> (quote: Int, raw: Bool)? {
        var cursor = index
        var raw = false
        while cursor < bytes.count, cursor - index < 2, "rRbBuUfF".utf8.contains(bytes[cursor]) {
            if bytes[cursor] | 0x20 == UInt8(ascii: "r") { raw = true }
            cursor += 1
        }
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "'") || bytes[cursor] == UInt8(ascii: "\"") else {
            return nil
        }
        if cursor > index && index > 0 && isWord(bytes[index - 1]) { return nil }
        return (cursor, raw)
    }

    /// Every `migrations.X(` call in the module, outside strings and comments.
    static func calls(_ bytes: [UInt8], lines: LineIndex) -> [Call] {
        var calls: [Call] = []
        var opens: [(name: String?, start: Int)] = []
        var index = 0
        let marker = Array("migrations.".utf8)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "#") {
                while index < bytes.count && bytes[index] != 0x0A { index += 1 }
                continue
            }
            if let (quote, raw) = stringStart(bytes, index) {
                index = readString(bytes, at: quote, raw: raw).1
                continue
            }
            if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                // Is this the parenthesis of `migrations.Name(`?
                var nameStart = index
                while nameStart > 0 && isWord(bytes[nameStart - 1]) { nameStart -= 1 }
                var name: String?
                if byte == UInt8(ascii: "("), nameStart >= marker.count,
                    Array(bytes[(nameStart - marker.count)..<nameStart]) == marker
                {
                    name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
                }
                opens.append((name, index))
            } else if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                if let open = opens.popLast(), let name = open.name {
                    calls.append(
                        Call(name: name, arguments: (open.start + 1)..<index, line: lines.line(at: open.start)))
                }
            }
            index += 1
        }
        return calls.sorted { $0.arguments.lowerBound < $1.arguments.lowerBound }
    }

    /// Parses a call's arguments: top-level `key=value` pairs and positional values.
    static func arguments(_ bytes: [UInt8], _ range: Range<Int>) -> Arguments {
        var result = Arguments()
        var index = range.lowerBound
        func skipSpace() {
            while index < range.upperBound {
                let byte = bytes[index]
                if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D {
                    index += 1
                } else if byte == UInt8(ascii: "#") {
                    while index < range.upperBound && bytes[index] != 0x0A { index += 1 }
                } else {
                    break
                }
            }
        }
        func value() -> Value {
            skipSpace()
            let start = index
            if let (quote, raw) = stringStart(bytes, index) {
                var text = ""
                var cursor = quote
                var isRaw = raw
                // Adjacent literals concatenate.
                while true {
                    let (part, end) = readString(bytes, at: cursor, raw: isRaw)
                    text += part
                    index = end
                    skipSpace()
                    guard index < range.upperBound, let next = stringStart(bytes, index) else { break }
                    cursor = next.quote
                    isRaw = next.raw
                }
                return .string(text, offset: quote)
            }
            if index < range.upperBound && (bytes[index] == UInt8(ascii: "[") || bytes[index] == UInt8(ascii: "(")) {
                let close = bytes[index] == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: ")")
                index += 1
                var items: [Value] = []
                while true {
                    skipSpace()
                    guard index < range.upperBound else { break }
                    if bytes[index] == close {
                        index += 1
                        break
                    }
                    let before = index
                    items.append(value())
                    skipSpace()
                    if index < range.upperBound && bytes[index] == UInt8(ascii: ",") { index += 1 }
                    if index == before { index += 1 }
                }
                return .list(items)
            }
            // Anything else: up to the next top-level comma.
            var depth = 0
            while index < range.upperBound {
                let byte = bytes[index]
                if let (quote, raw) = stringStart(bytes, index) {
                    index = readString(bytes, at: quote, raw: raw).1
                    continue
                }
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { depth += 1 }
                if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                    if depth == 0 { break }
                    depth -= 1
                }
                if byte == UInt8(ascii: ",") && depth == 0 { break }
                index += 1
            }
            return .other(start..<index)
        }
        while true {
            skipSpace()
            guard index < range.upperBound else { break }
            let start = index
            var keyEnd = index
            while keyEnd < range.upperBound && isWord(bytes[keyEnd]) { keyEnd += 1 }
            var afterKey = keyEnd
            while afterKey < range.upperBound && bytes[afterKey] == 0x20 { afterKey += 1 }
            if keyEnd > start && afterKey < range.upperBound && bytes[afterKey] == UInt8(ascii: "=")
                && (afterKey + 1 >= range.upperBound || bytes[afterKey + 1] != UInt8(ascii: "="))
            {
                let key = String(decoding: bytes[start..<keyEnd], as: UTF8.self)
                index = afterKey + 1
                let valueStart = index
                let parsed = value()
                result.keyword[key] = (parsed, valueStart..<index)
            } else {
                result.positional.append(value())
            }
            skipSpace()
            if index < range.upperBound && bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if index == start {
                index += 1
            }
        }
        return result
    }

    /// The app label: the directory above `migrations/` in the path.
    static func appLabel(_ path: String) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        guard let migrations = parts.lastIndex(of: "migrations"), migrations > 0 else { return nil }
        return parts[migrations - 1]
    }

    static var dbTable: Regex<(Substring, table: Substring)> { #/['"]db_table['"]\s*:\s*['"](?<table>[^'"]+)['"]/# }

    static func operations(in text: String, path: String) throws(MigrationError) -> [MigrationOperation] {
        let bytes = Array(text.utf8)
        let lines = LineIndex(text)
        let calls = Self.calls(bytes, lines: lines)
        // Operations inside `state_operations=[…]` change only Django's state, not the database.
        var stateOnly: [Range<Int>] = []
        var parsed: [Int: Arguments] = [:]
        for (index, call) in calls.enumerated() {
            let arguments = Self.arguments(bytes, call.arguments)
            parsed[index] = arguments
            if call.name == "SeparateDatabaseAndState", let state = arguments.keyword["state_operations"] {
                stateOnly.append(state.range)
            }
        }
        // Tables named by `db_table` in this file, by lower-cased model name.
        var tables: [String: String] = [:]
        for (index, call) in calls.enumerated() where call.name == "CreateModel" || call.name == "AlterModelOptions" {
            guard let model = parsed[index]?.string("name", position: 0) else { continue }
            let body = String(decoding: bytes[call.arguments], as: UTF8.self)
            if let match = body.firstMatch(of: dbTable) { tables[model.lowercased()] = String(match.output.table) }
        }
        let app = appLabel(path)
        func table(_ model: String, line: Int) throws(MigrationError) -> Identifier {
            if let explicit = tables[model.lowercased()] { return Identifier(orm: explicit) }
            guard let app else { throw .unknownDjangoApp(path: path, line: line) }
            return Identifier(orm: "\(app)_\(model.lowercased())")
        }
        var operations: [MigrationOperation] = []
        for (index, call) in calls.enumerated() {
            if stateOnly.contains(where: { $0.contains(call.arguments.lowerBound) }) { continue }
            let arguments = parsed[index] ?? Arguments()
            let written = "migrations.\(call.name)"
            func required(_ key: String, _ position: Int) throws(MigrationError) -> String {
                guard let value = arguments.string(key, position: position) else {
                    throw .unreadableCall(path: path, line: call.line, call: written)
                }
                return value
            }
            switch call.name {
            case "RemoveField":
                let model = try required("model_name", 0)
                let field = try required("name", 1)
                operations.append(
                    MigrationOperation(
                        target: Target(table: try table(model, line: call.line), column: Identifier(orm: field)),
                        kind: .dropColumn, line: call.line,
                        description: "\(written)(model_name='\(model)', name='\(field)')"))
            case "RenameField":
                let model = try required("model_name", 0)
                let old = try required("old_name", 1)
                let new = try required("new_name", 2)
                operations.append(
                    MigrationOperation(
                        target: Target(table: try table(model, line: call.line), column: Identifier(orm: old)),
                        kind: .renameColumn, line: call.line,
                        description: "\(written)(model_name='\(model)', old_name='\(old)', new_name='\(new)')"))
            case "DeleteModel":
                let model = try required("name", 0)
                operations.append(
                    MigrationOperation(
                        target: Target(table: try table(model, line: call.line)), kind: .dropTable, line: call.line,
                        description: "\(written)(name='\(model)')"))
            case "RenameModel":
                let old = try required("old_name", 0)
                let new = try required("new_name", 1)
                // With an explicit db_table the table keeps its name.
                guard tables[old.lowercased()] == nil else { continue }
                operations.append(
                    MigrationOperation(
                        target: Target(table: try table(old, line: call.line)), kind: .renameTable, line: call.line,
                        description: "\(written)(old_name='\(old)', new_name='\(new)')"))
            case "AlterModelTable":
                let model = try required("name", 0)
                let newTable = arguments.string("table", position: 1)
                let old = try table(model, line: call.line)
                if newTable == old.name { continue }
                operations.append(
                    MigrationOperation(
                        target: Target(table: old), kind: .renameTable, line: call.line,
                        description: "\(written)(name='\(model)', table='\(newTable ?? "None")')"))
                if let newTable { tables[model.lowercased()] = newTable }
            case "RunSQL":
                let sql = arguments.keyword["sql"]?.value ?? arguments.positional.first
                var strings: [(String, Int)] = []
                switch sql {
                case .string(let text, let offset)?: strings = [(text, offset)]
                case .list(let items)?:
                    for item in items {
                        if case .string(let text, let offset) = item { strings.append((text, offset)) }
                        // `[("SQL", params)]` pairs.
                        if case .list(let pair) = item, case .string(let text, let offset)? = pair.first {
                            strings.append((text, offset))
                        }
                    }
                default: break
                }
                for (text, offset) in strings {
                    operations += try SQLMigration.operations(
                        in: text, path: path, lineOffset: lines.line(at: offset) - 1)
                }
            default: break
            }
        }
        return operations
    }
}
