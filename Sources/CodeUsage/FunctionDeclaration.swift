import Foundation

/// A function or method declared on a line, with where its name and its parameters sit.
struct FunctionDeclaration {
    /// Byte ranges of the declared name and of each parameter's name.
    var nameRanges: [Range<Int>] = []

    /// Recognises `def name(…)` (Python, Ruby, also without parentheses), `function name(…)`, `func name(…)`
    /// (Go, with an optional receiver; Swift), `fun name(…)`, `fn name(…)`, JavaScript class methods
    /// `name(…) {`, arrow functions `(a, b) =>`, and Ruby block parameters `|a, b|`.
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count && (bytes[index] == 0x20 || bytes[index] == 0x09) { index += 1 }
        let start = index
        func word(at position: Int) -> Range<Int> {
            var end = position
            while end < bytes.count && CodeScanner.isIdentifierByte(bytes[end]) { end += 1 }
            return position..<end
        }
        var position = start
        var keyword = ""
        // Modifiers and the declaring keyword.
        while position < bytes.count {
            let range = word(at: position)
            guard !range.isEmpty else { break }
            let text = String(decoding: bytes[range], as: UTF8.self)
            if Self.modifiers.contains(text) {
                position = range.upperBound
                while position < bytes.count && bytes[position] == 0x20 { position += 1 }
                continue
            }
            if Self.keywords.contains(text) {
                keyword = text
                position = range.upperBound
                while position < bytes.count && bytes[position] == 0x20 { position += 1 }
            }
            break
        }
        if keyword == "func", position < bytes.count, bytes[position] == UInt8(ascii: "(") {
            // A Go method's receiver: skip it.
            guard let close = bytes[position...].firstIndex(of: UInt8(ascii: ")")) else { return nil }
            position = close + 1
            while position < bytes.count && bytes[position] == 0x20 { position += 1 }
        }
        if !keyword.isEmpty {
            // `def self.name`, `def name=`
            if keyword == "def", bytes[position...].starts(with: Array("self.".utf8)) { position += 5 }
            let name = word(at: position)
            guard !name.isEmpty else { return nil }
            nameRanges.append(name)
            position = name.upperBound
            if position < bytes.count, bytes[position] == UInt8(ascii: "(") {
                nameRanges += Self.parameters(bytes, open: position, goStyle: keyword == "func" && !text.contains(":"))
            } else if keyword == "def" {
                // Ruby without parentheses: `def name a, b`.
                nameRanges += Self.parameterList(bytes, position..<bytes.count, goStyle: false)
            }
            return
        }
        // `name(…) {` (a JavaScript/TypeScript class method), not a control statement.
        let name = word(at: position)
        if !name.isEmpty, name.upperBound < bytes.count, bytes[name.upperBound] == UInt8(ascii: "("),
            !Self.controlWords.contains(String(decoding: bytes[name], as: UTF8.self)),
            let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 }), bytes[last] == UInt8(ascii: "{")
        {
            nameRanges.append(name)
            nameRanges += Self.parameters(bytes, open: name.upperBound, goStyle: false)
            return
        }
        // `(a, b) =>` and `a =>`
        if let arrow = text.range(of: "=>") {
            let head = bytes[..<text.utf8.distance(from: text.utf8.startIndex, to: arrow.lowerBound)]
            if let close = head.lastIndex(where: { $0 != 0x20 }), head[close] == UInt8(ascii: ")"),
                let open = head[..<close].lastIndex(of: UInt8(ascii: "("))
            {
                nameRanges += Self.parameterList(bytes, (open + 1)..<close, goStyle: false)
            }
            if nameRanges.isEmpty { return nil }
            return
        }
        // Ruby block parameters.
        if let bar = bytes.firstIndex(of: UInt8(ascii: "|")), bar > 0,
            bytes[..<bar].contains(where: { $0 == UInt8(ascii: "{") }) || text.contains(" do |"),
            let close = bytes[(bar + 1)...].firstIndex(of: UInt8(ascii: "|"))
        {
            nameRanges += Self.parameterList(bytes, (bar + 1)..<close, goStyle: false)
            if nameRanges.isEmpty { return nil }
            return
        }
        return nil
    }

    /// Whether byte `offset` starts the declared name or a parameter's name.
    func names(offset: Int) -> Bool { nameRanges.contains { $0.lowerBound == offset } }

    static func parameters(_ bytes: [UInt8], open: Int, goStyle: Bool) -> [Range<Int>] {
        var depth = 0
        var index = open
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "(") { depth += 1 }
            if bytes[index] == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { break }
            }
            index += 1
        }
        return parameterList(bytes, (open + 1)..<min(index, bytes.count), goStyle: goStyle)
    }

    /// The names in a parameter list: for each comma-separated element (outside brackets), the identifier
    /// before `:` (Python, TypeScript, Kotlin, Swift's internal name, Ruby keywords), else the first (Go) or
    /// last (Java, C#) word before any default value.
    static func parameterList(_ bytes: [UInt8], _ range: Range<Int>, goStyle: Bool) -> [Range<Int>] {
        var elements: [Range<Int>] = []
        var depth = 0
        var start = range.lowerBound
        for index in range {
            let byte = bytes[index]
            if "([{<".utf8.contains(byte) { depth += 1 }
            if ")]}>".utf8.contains(byte) { depth -= 1 }
            if byte == UInt8(ascii: ",") && depth == 0 {
                elements.append(start..<index)
                start = index + 1
            }
        }
        elements.append(start..<range.upperBound)
        var names: [Range<Int>] = []
        for element in elements {
            var end = element.upperBound
            if let equals = bytes[element].firstIndex(of: UInt8(ascii: "=")) { end = equals }
            if let colon = bytes[element.lowerBound..<end].firstIndex(of: UInt8(ascii: ":")) { end = colon }
            let hasColon = end < element.upperBound && bytes[end] == UInt8(ascii: ":")
            var words: [Range<Int>] = []
            var index = element.lowerBound
            while index < end {
                if CodeScanner.isIdentifierByte(bytes[index]) {
                    var stop = index
                    while stop < end && CodeScanner.isIdentifierByte(bytes[stop]) { stop += 1 }
                    words.append(index..<stop)
                    index = stop
                } else {
                    index += 1
                }
            }
            guard let first = words.first, let last = words.last else { continue }
            names.append(hasColon ? last : (goStyle ? first : last))
        }
        return names
    }

    static let keywords: Set<String> = ["def", "function", "func", "fun", "fn"]
    static let modifiers: Set<String> = [
        "async", "export", "default", "public", "private", "protected", "internal", "static", "override", "final",
        "open", "suspend", "inline", "mutating", "fileprivate", "abstract", "get", "set",
    ]
    static let controlWords: Set<String> = [
        "if", "for", "while", "switch", "catch", "with", "elif", "unless", "until", "return", "foreach", "when",
        "guard", "else",
    ]
}

extension FunctionDeclaration {
    static let hints = LiteralSet(["def ", "function", "func ", "fun ", "fn ", "=>", "|", ") {"])

    /// The parameter names a line declares (not the function's own name), for the file's local names.
    static func parameterNames(_ line: Substring) -> [String] {
        guard hints.occurs(in: line), let declaration = FunctionDeclaration(String(line)) else { return [] }
        let bytes = Array(line.utf8)
        let isNamed =
            declaration.nameRanges.count > 0
            && (line.hasPrefix("def ") || line.contains("func")
                || line.contains("function ") || line.contains("fun ") || line.contains("fn ") || line.hasSuffix("{"))
        let parameters =
            isNamed && !line.contains("=>") && !line.contains("|")
            ? declaration.nameRanges.dropFirst()
            : declaration.nameRanges[...]
        return parameters.map { String(decoding: bytes[$0], as: UTF8.self) }.filter { $0 != "self" && $0 != "cls" }
    }
}
