/// Just enough JavaScript and TypeScript to read migration modules (Knex, Sequelize, TypeORM): string and
/// template literals, comments, calls with their receivers and arguments, functions and their bodies.
struct JavaScriptSyntax {
    /// One `receiver.name(…)` call outside strings and comments.
    struct Call {
        let name: String
        /// The identifier just before the dot (`table`, `queryInterface`), `nil` after `)` or for a bare call.
        let receiver: String?
        /// The whole receiver chain as written, e.g. `knex.schema.withSchema('app')`.
        let chain: Range<Int>
        let arguments: Range<Int>
        let line: Int
    }

    indirect enum Value {
        case string(String, offset: Int)
        /// A template literal with `${…}` placeholders: its text is not known.
        case template(offset: Int)
        case object([String: Value])
        case list([Value])
        /// `new Name(…)`.
        case constructed(String, [Value])
        /// A function or arrow function: its first parameter's name and its body.
        case function(parameter: String?, body: Range<Int>)
        case other(Range<Int>)

        var string: String? {
            if case .string(let value, _) = self { return value }
            return nil
        }
    }

    let bytes: [UInt8]

    static func isWord(_ byte: UInt8) -> Bool {
        PythonSyntax.isWord(byte) || byte == UInt8(ascii: "$")
    }

    /// If a comment starts at `index`, the index after it.
    func commentEnd(_ index: Int) -> Int? {
        guard bytes[index] == UInt8(ascii: "/"), index + 1 < bytes.count else { return nil }
        if bytes[index + 1] == UInt8(ascii: "/") {
            var end = index
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            return end
        }
        if bytes[index + 1] == UInt8(ascii: "*") {
            var end = index + 2
            while end + 1 < bytes.count && !(bytes[end] == UInt8(ascii: "*") && bytes[end + 1] == UInt8(ascii: "/")) {
                end += 1
            }
            return min(end + 2, bytes.count)
        }
        return nil
    }

    /// If a string or template literal starts at `index`: its value (`nil` for a template with placeholders)
    /// and the index after it.
    func literal(_ index: Int) -> (value: String?, end: Int)? {
        let quote = bytes[index]
        guard quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "`") else {
            return nil
        }
        var value: [UInt8] = []
        var placeholder = false
        var cursor = index + 1
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\\"), cursor + 1 < bytes.count {
                let escaped = bytes[cursor + 1]
                switch escaped {
                case UInt8(ascii: "n"): value.append(0x0A)
                case UInt8(ascii: "t"): value.append(0x09)
                case 0x0A: break
                default: value.append(escaped)
                }
                cursor += 2
                continue
            }
            if byte == quote { return (placeholder ? nil : String(decoding: value, as: UTF8.self), cursor + 1) }
            if quote == UInt8(ascii: "`"), byte == UInt8(ascii: "$"), cursor + 1 < bytes.count,
                bytes[cursor + 1] == UInt8(ascii: "{")
            {
                placeholder = true
                cursor = (matching(cursor + 1) ?? bytes.count - 1) + 1
                continue
            }
            value.append(byte)
            cursor += 1
        }
        return (nil, bytes.count)
    }

    /// The index of the bracket closing the one at `open`, skipping strings and comments.
    func matching(_ open: Int) -> Int? {
        var depth = 0
        var index = open
        while index < bytes.count {
            if let end = commentEnd(index) {
                index = end
                continue
            }
            if let (_, end) = literal(index) {
                index = end
                continue
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { depth += 1 }
            if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth -= 1
                if depth == 0 { return index }
            }
            index += 1
        }
        return nil
    }

    func skipTrivia(_ start: Int, limit: Int) -> Int {
        var index = start
        while index < limit {
            if let end = commentEnd(index) {
                index = end
            } else if bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x09 || bytes[index] == 0x0D {
                index += 1
            } else {
                break
            }
        }
        return index
    }

    func word(at index: Int, limit: Int) -> String? {
        var end = index
        while end < limit && Self.isWord(bytes[end]) { end += 1 }
        return end > index ? String(decoding: bytes[index..<end], as: UTF8.self) : nil
    }

    /// Every call in the module, in file order.
    func calls(lines: LineIndex) -> [Call] {
        var calls: [Call] = []
        var index = 0
        while index < bytes.count {
            if let end = commentEnd(index) {
                index = end
                continue
            }
            if let (_, end) = literal(index) {
                index = end
                continue
            }
            if bytes[index] == UInt8(ascii: "("), let close = matching(index) {
                var nameStart = index
                while nameStart > 0 && Self.isWord(bytes[nameStart - 1]) { nameStart -= 1 }
                if nameStart < index {
                    let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
                    var receiver: String?
                    var chainStart = nameStart
                    if nameStart > 0 && bytes[nameStart - 1] == UInt8(ascii: ".") {
                        chainStart = receiverChainStart(before: nameStart - 1)
                        var receiverStart = nameStart - 1
                        while receiverStart > 0 && Self.isWord(bytes[receiverStart - 1]) { receiverStart -= 1 }
                        if receiverStart < nameStart - 1 {
                            receiver = String(decoding: bytes[receiverStart..<(nameStart - 1)], as: UTF8.self)
                        }
                    }
                    calls.append(
                        Call(
                            name: name, receiver: receiver, chain: chainStart..<nameStart,
                            arguments: (index + 1)..<close, line: lines.line(at: index)))
                }
            }
            index += 1
        }
        return calls
    }

    /// Where the receiver chain ending at the dot at `dot` starts (identifiers, dots, `?.`, and call
    /// parentheses, across line breaks).
    func receiverChainStart(before dot: Int) -> Int {
        var index = dot
        while index > 0 {
            let previous = bytes[index - 1]
            if Self.isWord(previous) || previous == UInt8(ascii: ".") || previous == UInt8(ascii: "?")
                || previous == 0x20 || previous == 0x0A || previous == 0x09 || previous == 0x0D
            {
                index -= 1
            } else if previous == UInt8(ascii: ")") {
                var depth = 0
                var cursor = index - 1
                while cursor >= 0 {
                    if bytes[cursor] == UInt8(ascii: ")") { depth += 1 }
                    if bytes[cursor] == UInt8(ascii: "(") {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    cursor -= 1
                }
                guard cursor >= 0 else { break }
                index = cursor
            } else {
                break
            }
        }
        return index
    }

    /// The comma-separated values between `range`'s bounds.
    func values(_ range: Range<Int>) -> [Value] {
        var result: [Value] = []
        var index = skipTrivia(range.lowerBound, limit: range.upperBound)
        while index < range.upperBound {
            let (parsed, end) = value(at: index, limit: range.upperBound)
            result.append(parsed)
            index = skipTrivia(end, limit: range.upperBound)
            // Skip to the next top-level comma.
            while index < range.upperBound && bytes[index] != UInt8(ascii: ",") {
                if let close = matchingIfOpen(index) { index = close }
                index += 1
            }
            index = skipTrivia(index + 1, limit: range.upperBound)
        }
        return result
    }

    private func matchingIfOpen(_ index: Int) -> Int? {
        let byte = bytes[index]
        guard byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") else {
            if literal(index) != nil { return literal(index).map { $0.end - 1 } }
            return nil
        }
        return matching(index)
    }

    /// One value starting at `start`, and the index after it.
    func value(at start: Int, limit: Int) -> (Value, Int) {
        var index = skipTrivia(start, limit: limit)
        guard index < limit else { return (.other(start..<limit), limit) }
        if let (text, end) = literal(index) {
            return (text.map { .string($0, offset: index) } ?? .template(offset: index), end)
        }
        let byte = bytes[index]
        if byte == UInt8(ascii: "["), let close = matching(index) {
            return (.list(values((index + 1)..<close)), close + 1)
        }
        if byte == UInt8(ascii: "{"), let close = matching(index) {
            return (.object(object((index + 1)..<close)), close + 1)
        }
        if let keyword = word(at: index, limit: limit) {
            if keyword == "new" {
                let nameStart = skipTrivia(index + 3, limit: limit)
                var nameEnd = nameStart
                while nameEnd < limit && (Self.isWord(bytes[nameEnd]) || bytes[nameEnd] == UInt8(ascii: ".")) {
                    nameEnd += 1
                }
                let open = skipTrivia(nameEnd, limit: limit)
                if open < limit && bytes[open] == UInt8(ascii: "("), let close = matching(open) {
                    let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
                    return (.constructed(name, values((open + 1)..<close)), close + 1)
                }
            }
            if let function = function(at: index, limit: limit) { return function }
        } else if byte == UInt8(ascii: "("), let function = function(at: index, limit: limit) {
            return function
        }
        // Anything else: up to the next top-level comma.
        while index < limit && bytes[index] != UInt8(ascii: ",") {
            if let close = matchingIfOpen(index) { index = close }
            index += 1
        }
        var end = index
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x0A || bytes[end - 1] == 0x09) { end -= 1 }
        return (.other(skipTrivia(start, limit: limit)..<end), index)
    }

    func object(_ range: Range<Int>) -> [String: Value] {
        var result: [String: Value] = [:]
        var index = skipTrivia(range.lowerBound, limit: range.upperBound)
        while index < range.upperBound {
            var key: String?
            var keyEnd = index
            if let (text, end) = literal(index) {
                key = text
                keyEnd = end
            } else if let name = word(at: index, limit: range.upperBound) {
                key = name
                keyEnd = index + name.utf8.count
            }
            let colon = skipTrivia(keyEnd, limit: range.upperBound)
            if let key, colon < range.upperBound, bytes[colon] == UInt8(ascii: ":") {
                let (parsed, end) = value(at: colon + 1, limit: range.upperBound)
                result[key] = parsed
                index = end
            } else if let key, let (parsed, end) = function(at: index, limit: range.upperBound) {
                result[key] = parsed  // a method: `async up(queryInterface) { … }`
                index = end
            }
            while index < range.upperBound && bytes[index] != UInt8(ascii: ",") {
                if let close = matchingIfOpen(index) { index = close }
                index += 1
            }
            index = skipTrivia(index + 1, limit: range.upperBound)
        }
        return result
    }

    /// A function at `start`: `function name(p) {…}`, `async (p) => …`, `p => …`, or a method `up(p): T {…}`.
    func function(at start: Int, limit: Int) -> (Value, Int)? {
        var index = skipTrivia(start, limit: limit)
        while let keyword = word(at: index, limit: limit), keyword == "async" || keyword == "function" {
            index = skipTrivia(index + keyword.utf8.count, limit: limit)
        }
        var parameter: String?
        if let name = word(at: index, limit: limit) {
            // `p => …`, or the name of `function name(…)` / a method.
            let after = skipTrivia(index + name.utf8.count, limit: limit)
            if after + 1 < limit && bytes[after] == UInt8(ascii: "=") && bytes[after + 1] == UInt8(ascii: ">") {
                return arrowBody(after + 2, parameter: name, limit: limit)
            }
            index = after
        }
        guard index < limit, bytes[index] == UInt8(ascii: "("), let close = matching(index) else { return nil }
        let first = skipTrivia(index + 1, limit: close)
        parameter = word(at: first, limit: close)
        var cursor = skipTrivia(close + 1, limit: limit)
        // A TypeScript return type: `: Promise<void>`.
        if cursor < limit && bytes[cursor] == UInt8(ascii: ":") {
            while cursor < limit && bytes[cursor] != UInt8(ascii: "{") && bytes[cursor] != UInt8(ascii: "=") {
                cursor += 1
            }
        }
        if cursor + 1 < limit && bytes[cursor] == UInt8(ascii: "=") && bytes[cursor + 1] == UInt8(ascii: ">") {
            return arrowBody(cursor + 2, parameter: parameter, limit: limit)
        }
        guard cursor < limit, bytes[cursor] == UInt8(ascii: "{"), let end = matching(cursor) else { return nil }
        return (.function(parameter: parameter, body: (cursor + 1)..<end), end + 1)
    }

    private func arrowBody(_ start: Int, parameter: String?, limit: Int) -> (Value, Int) {
        let index = skipTrivia(start, limit: limit)
        if index < limit && bytes[index] == UInt8(ascii: "{"), let end = matching(index) {
            return (.function(parameter: parameter, body: (index + 1)..<end), end + 1)
        }
        // An expression body: up to a top-level `,` `;` or closing bracket.
        var end = index
        while end < limit {
            let byte = bytes[end]
            if byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: ")")
                || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")
            {
                break
            }
            if let close = matchingIfOpen(end) { end = close }
            end += 1
        }
        return (.function(parameter: parameter, body: index..<end), end)
    }
}
