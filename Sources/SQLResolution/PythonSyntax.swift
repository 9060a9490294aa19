/// Just enough Python to read migration modules (Django, Alembic): string literals, calls and their arguments,
/// and the extent of indented blocks. Works on the module's UTF-8 bytes.
enum PythonSyntax {
    /// One `receiver.name(…)` or `name(…)` call outside strings and comments.
    struct Call {
        /// The word before the dot (`migrations`, `op`, `batch_op`), or `nil` for a bare call.
        let receiver: String?
        let name: String
        /// Byte range of the text between the parentheses.
        let arguments: Range<Int>
        let line: Int
    }

    /// A Python value as far as migrations need: a string, a list or tuple, or anything else (kept as raw text).
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

        func value(_ key: String, position: Int) -> Value? {
            keyword[key]?.value ?? (position < positional.count ? positional[position] : nil)
        }

        func string(_ key: String, position: Int) -> String? { value(key, position: position)?.string }
    }

    /// Reads a string literal starting at `start` (at the quote, after any prefix); returns its value and the
    /// index after it.
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

    /// If a string literal (with an optional `r`/`b`/`u`/`f` prefix) starts at `index`, its quote and rawness.
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

    /// Every call in the module outside strings and comments, in file order, and the byte ranges of the
    /// module's string literals.
    static func calls(_ bytes: [UInt8], lines: LineIndex) -> (calls: [Call], strings: [Range<Int>]) {
        var calls: [Call] = []
        var strings: [Range<Int>] = []
        var opens: [(call: (receiver: String?, name: String)?, start: Int)] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "#") {
                while index < bytes.count && bytes[index] != 0x0A { index += 1 }
                continue
            }
            if let (quote, raw) = stringStart(bytes, index) {
                let end = readString(bytes, at: quote, raw: raw).1
                strings.append(index..<end)
                index = end
                continue
            }
            if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                var call: (String?, String)?
                if byte == UInt8(ascii: "(") {
                    var nameStart = index
                    while nameStart > 0 && isWord(bytes[nameStart - 1]) { nameStart -= 1 }
                    if nameStart < index {
                        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
                        var receiver: String?
                        if nameStart > 0 && bytes[nameStart - 1] == UInt8(ascii: ".") {
                            var receiverStart = nameStart - 1
                            while receiverStart > 0 && isWord(bytes[receiverStart - 1]) { receiverStart -= 1 }
                            receiver = String(decoding: bytes[receiverStart..<(nameStart - 1)], as: UTF8.self)
                        }
                        call = (receiver, name)
                    }
                }
                opens.append((call, index))
            } else if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                if let open = opens.popLast(), let call = open.call {
                    calls.append(
                        Call(
                            receiver: call.receiver, name: call.name, arguments: (open.start + 1)..<index,
                            line: lines.line(at: open.start)))
                }
            }
            index += 1
        }
        return (calls.sorted { $0.arguments.lowerBound < $1.arguments.lowerBound }, strings)
    }

    /// Parses a call's arguments: top-level `key=value` pairs and positional values.
    static func arguments(_ bytes: [UInt8], _ range: Range<Int>) -> Arguments {
        var result = Arguments()
        var index = range.lowerBound
        func skipSpace() {
            while index < range.upperBound {
                let byte = bytes[index]
                if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == UInt8(ascii: "\\") {
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
            var end = index
            while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x0A || bytes[end - 1] == 0x09) {
                end -= 1
            }
            return .other(start..<end)
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

    /// The string a value stands for: a literal, a wrapper call around one (`op.f("x")`, `sa.text("…")`,
    /// `quoted_name("x", quote=True)`), or a name bound once in the module to a literal (`TABLE = "orders"`).
    static func resolvedString(_ value: Value?, bytes: [UInt8], constants: [String: String]) -> String? {
        switch value {
        case .string(let text, _)?: return text
        case .other(let range)?:
            let text = String(decoding: bytes[range], as: UTF8.self)
            if let constant = constants[text] { return constant }
            guard let open = bytes[range].firstIndex(of: UInt8(ascii: "(")),
                bytes[range.upperBound - 1] == UInt8(ascii: ")"),
                bytes[range.lowerBound..<open].allSatisfy({ isWord($0) || $0 == UInt8(ascii: ".") })
            else { return nil }
            return arguments(bytes, (open + 1)..<(range.upperBound - 1)).positional.first?.string
        default: return nil
        }
    }

    /// Module names bound exactly once to a string literal (`TABLE = "orders"`); a name bound to two different
    /// values is left out, so that it cannot name the wrong table.
    static func stringConstants(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        var conflicting: Set<String> = []
        for match in text.matches(
            of:
                #/(?m)^[ \t]*(?<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*(?::[^=\n]*)?=[ \t]*[rRuU]?(?<quote>['"])(?<value>[^'"\n\\]*)\k<quote>[ \t]*(?:#.*)?$/#
        ) {
            let name = String(match.output.name)
            let value = String(match.output.value)
            if let known = values[name], known != value { conflicting.insert(name) }
            values[name] = value
        }
        for name in conflicting { values[name] = nil }
        return values
    }

    /// A `def` block: the function's name, its byte range (from the `def` line to the end of its body).
    struct Block {
        let name: String
        let range: Range<Int>
    }

    /// Every `def name(…):` block, by indentation; `def` lines inside string literals do not count.
    static func functions(_ text: String, strings: [Range<Int>]) -> [Block] {
        let lines = lineSpans(text)
        var blocks: [Block] = []
        for (index, line) in lines.enumerated() {
            guard
                let match = line.text.firstMatch(
                    of: #/^(?<indent>[ \t]*)(?:async[ \t]+)?def[ \t]+(?<name>[A-Za-z_][A-Za-z0-9_]*)/#),
                !strings.contains(where: { $0.contains(line.start) })
            else { continue }
            let end = blockEnd(lines, after: index, indent: match.output.indent.count)
            blocks.append(Block(name: String(match.output.name), range: line.start..<end))
        }
        return blocks
    }

    /// The end offset of the indented body that follows line `index` (lines more indented than `indent`,
    /// blank and comment lines included).
    static func blockEnd(_ lines: [LineSpan], after index: Int, indent: Int) -> Int {
        var end = lines[index].end
        for line in lines[(index + 1)...] {
            let trimmed = line.text.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if line.text.count - trimmed.count <= indent { break }
            end = line.end
        }
        return end
    }

    /// A line of text with its byte offsets.
    struct LineSpan {
        let text: Substring
        let start: Int
        let end: Int
    }

    static func lineSpans(_ text: String) -> [LineSpan] {
        var spans: [LineSpan] = []
        var offset = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let length = line.utf8.count
            spans.append(LineSpan(text: line, start: offset, end: offset + length))
            offset += length + 1
        }
        return spans
    }
}
