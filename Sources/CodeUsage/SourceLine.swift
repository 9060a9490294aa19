/// One line of a document, after its indentation, as `SourceContext` reads it.
///
/// The recognisers were written on `Substring` (characters, Unicode letters). On a line of ASCII bytes a
/// byte is a character and a letter is `A`–`Z`/`a`–`z`, so such a line (nearly every line of code) is read
/// from its bytes, without a `String` per line; any other line is read through `String` by the recognisers
/// themselves. Both give the same answers: the byte readers are the recognisers' cheap first checks, or their
/// ports to ASCII bytes.
struct SourceLine {
    /// The line after its indentation; only valid while the document's bytes are.
    private let bytes: UnsafeBufferPointer<UInt8>
    /// The same line as text, for a line that is not all ASCII.
    private let text: Substring?
    /// Leading spaces and tabs (characters, which are bytes on an ASCII line).
    let indent: Int
    /// On an ASCII line, which of the recognisers' literals occur in it (`LineHint`), found in one pass.
    private let hints: UInt32

    /// Reads `line` (one line of the document, without its terminator).
    init(_ line: UnsafeBufferPointer<UInt8>) {
        if Self.isASCII(line) {
            var indent = 0
            while indent < line.count && (line[indent] == 0x20 || line[indent] == 0x09) { indent += 1 }
            self.indent = indent
            bytes = UnsafeBufferPointer(rebasing: line[indent...])
            text = nil
            hints = LineHint.literals.mask(in: bytes)
        } else {
            let whole = String(decoding: line, as: UTF8.self)
            indent = whole.prefix(while: { $0 == " " || $0 == "\t" }).count
            text = whole.dropFirst(indent)
            bytes = UnsafeBufferPointer(rebasing: line[line.count...])
            hints = 0
        }
    }

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        if let base = UnsafeRawPointer(bytes.baseAddress) {
            var combined: UInt64 = 0
            while index + 8 <= count {
                combined |= base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                index += 8
            }
            if combined & 0x8080_8080_8080_8080 != 0 { return false }
        }
        while index < count {
            if bytes[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }

    /// The line after its indentation as text (made for the rare lines a recogniser's first check admits).
    var trimmed: Substring { text ?? Substring(String(decoding: bytes, as: UTF8.self)) }

    var isEmpty: Bool { text.map(\.isEmpty) ?? bytes.isEmpty }

    private func hasPrefix(_ prefix: StaticString) -> Bool {
        if let text { return text.hasPrefix(prefix.description) }
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        let start = prefix.utf8Start
        for index in 0..<prefix.utf8CodeUnitCount where bytes[index] != start[index] { return false }
        return true
    }

    /// Whether the line holds one of the literals of `hint` (`set`'s, or `needle`).
    private func has(_ hint: LineHint, _ set: LiteralSet) -> Bool {
        if let text { return set.occurs(in: text) }
        return hints & hint.rawValue != 0
    }

    private func has(_ hint: LineHint, _ needle: [UInt8]) -> Bool {
        if let text { return text.containsBytes(needle) }
        return hints & hint.rawValue != 0
    }

    /// `):` that ends a Python class's multi-line bases.
    var endsSignature: Bool {
        if let text { return text.hasPrefix(")") && text.hasSuffix(":") }
        return bytes.first == UInt8(ascii: ")") && bytes.last == UInt8(ascii: ":")
    }

    /// A line that closes the block it ends (`}`, `)`, `end`).
    var closesBlock: Bool {
        if let text { return text.hasPrefix("}") || text.hasPrefix(")") || text == "end" }
        return bytes.first == UInt8(ascii: "}") || bytes.first == UInt8(ascii: ")")
            || (bytes.count == 3 && bytes[0] == UInt8(ascii: "e") && bytes[1] == UInt8(ascii: "n")
                && bytes[2] == UInt8(ascii: "d"))
    }

    var startsModel: Bool { hasPrefix("model ") }
    var startsView: Bool { hasPrefix("view:") }
    var isAnnotation: Bool { hasPrefix("@") && !hasPrefix("@@") }

    var hasDjangoModel: Bool { has(.djangoModel, SourceContext.djangoModelBytes) }
    var hasStateOperations: Bool { has(.stateOperations, SourceContext.stateOperationsBytes) }
    var hasDatabaseOperations: Bool { has(.databaseOperations, SourceContext.databaseOperationsBytes) }

    var hasModelMarker: Bool { has(.modelMarker, SourceContext.modelMarkerSet) }

    var declaredName: String? {
        if let text { return SourceContext.declaredName(text) }
        guard has(.declaration, SourceContext.declarationHintSet) else { return nil }
        return SourceContext.declaredName(ascii: bytes)
    }

    var tableMapping: String? {
        if let text { return SourceContext.tableMapping(text) }
        guard has(.tableMapping, SourceContext.tableMappingHintSet) else { return nil }
        return SourceContext.tableMapping(trimmed)
    }

    var tableBlock: (name: String, table: String?)? {
        if let text { return SourceContext.tableBlock(text) }
        guard hints & LineHint.tableBlock.rawValue != 0 else { return nil }
        return SourceContext.tableBlock(trimmed)
    }

    var localVariable: String? {
        if let text { return SourceContext.localVariable(text) }
        return SourceContext.localVariable(ascii: bytes)
    }

    var parameterNames: [String] {
        if let text { return FunctionDeclaration.parameterNames(text) }
        guard has(.function, FunctionDeclaration.hints) else { return [] }
        return FunctionDeclaration.parameterNames(trimmed)
    }

    /// How many non-overlapping times `bytes` hold `needle` (as `StringProtocol.occurrences(of:)` counts).
    static func occurrences(of needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, stopAtFirst: Bool = false)
        -> Int
    {
        guard let first = needle.first else { return 0 }
        var found = 0
        var index = 0
        let last = hay.count - needle.count
        while index <= last {
            if hay[index] == first {
                var offset = 1
                while offset < needle.count && hay[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count {
                    found += 1
                    if stopAtFirst { return found }
                    index += needle.count
                    continue
                }
            }
            index += 1
        }
        return found
    }
}

extension SourceContext {
    private static func isASCIILetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    /// `isLetter || isNumber || "_"` for an ASCII character.
    private static func isASCIIIdentifier(_ byte: UInt8) -> Bool { isASCIILetterOrDigit(byte) || byte == 0x5F }

    /// `declaredName(_:)` on an ASCII line (after its indentation).
    static func declaredName(ascii line: UnsafeBufferPointer<UInt8>) -> String? {
        func isSeparator(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x20, 0x09, UInt8(ascii: "("), UInt8(ascii: "<"), UInt8(ascii: ":"), UInt8(ascii: "{"),
                UInt8(ascii: ","):
                return true
            default: return false
            }
        }
        var words: [Range<Int>] = []
        var index = 0
        while index < line.count {
            if isSeparator(line[index]) {
                index += 1
                continue
            }
            let start = index
            while index < line.count && !isSeparator(line[index]) { index += 1 }
            words.append(start..<index)
        }
        func word(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
        }
        var position = 0
        while position < words.count
            && (line[words[position].lowerBound] == UInt8(ascii: "@") || modifiers.contains(word(words[position])))
        {
            position += 1
        }
        guard position + 1 < words.count else { return nil }
        let keyword = word(words[position])
        let nameRange = words[position + 1]
        let declares: Bool
        switch keyword {
        case "class", "struct", "record", "object": declares = true
        case "model": declares = line.last == UInt8(ascii: "{")
        case "type": declares = position + 2 < words.count && word(words[position + 2]) == "struct"
        case "view":
            declares =
                line.count >= 5 && line[0] == UInt8(ascii: "v") && line[1] == UInt8(ascii: "i")
                && line[2] == UInt8(ascii: "e") && line[3] == UInt8(ascii: "w") && line[4] == UInt8(ascii: ":")
        default: declares = false
        }
        let first = line[nameRange.lowerBound]
        guard declares, !(first >= 0x30 && first <= 0x39) else { return nil }
        guard nameRange.allSatisfy({ isASCIIIdentifier(line[$0]) }) else { return nil }
        let name = word(nameRange)
        if name == "Meta" || name == "Config" { return nil }
        return name
    }

    /// `localVariable(_:)` on an ASCII line (after its indentation).
    static func localVariable(ascii line: UnsafeBufferPointer<UInt8>) -> String? {
        func string(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self)
        }
        var firstEnd = 0
        while firstEnd < line.count && line[firstEnd] != 0x20 && line[firstEnd] != 0x09 { firstEnd += 1 }
        if firstEnd >= 2 && firstEnd <= 5 && declarationKeywords.contains(string(0..<firstEnd)) {
            var start = firstEnd
            while start < line.count && (line[start] == 0x20 || line[start] == 0x09) { start += 1 }
            var end = start
            while end < line.count && isASCIIIdentifier(line[end]) { end += 1 }
            return end == start ? nil : string(start..<end)
        }
        var nameEnd = 0
        while nameEnd < line.count && isASCIIIdentifier(line[nameEnd]) { nameEnd += 1 }
        guard nameEnd > 0, !(line[0] >= 0x30 && line[0] <= 0x39) else { return nil }
        var rest = nameEnd
        while rest < line.count && line[rest] == 0x20 { rest += 1 }
        guard rest < line.count else { return nil }
        let next: UInt8 = rest + 1 < line.count ? line[rest + 1] : 0
        if line[rest] == UInt8(ascii: ":") && next == UInt8(ascii: "=") { return string(0..<nameEnd) }
        if line[rest] == UInt8(ascii: "=") && next != UInt8(ascii: "=") && next != UInt8(ascii: ">") {
            let value = UnsafeBufferPointer(rebasing: line[(rest + 1)...])
            if fieldMarkerSet.occurs(inBuffer: value) { return nil }
            // A keyword argument on its own line of a multi-line call (`type='chart',`, `org_id=1)`).
            if isKeywordArgumentLine(Array(value)) { return nil }
            return string(0..<nameEnd)
        }
        return nil
    }
}

/// The literals `SourceLine` looks for on an ASCII line, one bit per recogniser's first check.
struct LineHint: OptionSet {
    let rawValue: UInt32
    static let modelMarker = LineHint(rawValue: 1 << 0)
    static let declaration = LineHint(rawValue: 1 << 1)
    static let tableMapping = LineHint(rawValue: 1 << 2)
    static let tableBlock = LineHint(rawValue: 1 << 3)
    static let function = LineHint(rawValue: 1 << 4)
    static let stateOperations = LineHint(rawValue: 1 << 5)
    static let databaseOperations = LineHint(rawValue: 1 << 6)
    static let djangoModel = LineHint(rawValue: 1 << 7)

    /// Each hint's literals, in the order of its bit.
    static let literals = LiteralMask([
        SourceContext.modelMarkerSet.literals, SourceContext.declarationHintSet.literals,
        SourceContext.tableMappingHintSet.literals, SourceContext.tableBlockHints, FunctionDeclaration.hints.literals,
        [SourceContext.stateOperationsBytes], [SourceContext.databaseOperationsBytes], [SourceContext.djangoModelBytes],
    ])
}

/// Several groups of literals searched in one pass: which groups have a literal that occurs in the bytes, as a
/// mask (bit `i` for group `i`). The literals are laid out flat, by first byte, so that a byte costs one look-up.
struct LiteralMask: Sendable {
    /// The entries starting with byte `b` are `starts[b]..<starts[b + 1]`.
    private let starts: [Int32]
    private let offsets: [Int32]
    private let lengths: [Int32]
    private let bits: [UInt32]
    private let bytes: [UInt8]
    private let all: UInt32

    init(_ groups: [[[UInt8]]]) {
        var entries: [(literal: [UInt8], bit: UInt32)] = []
        for (group, literals) in groups.enumerated() {
            for literal in literals where !literal.isEmpty { entries.append((literal, 1 << UInt32(group))) }
        }
        entries.sort { $0.literal[0] < $1.literal[0] }
        var starts = [Int32](repeating: 0, count: 257)
        for entry in entries { starts[Int(entry.literal[0]) + 1] += 1 }
        for index in 1..<starts.count { starts[index] += starts[index - 1] }
        var bytes: [UInt8] = []
        var offsets: [Int32] = []
        for entry in entries {
            offsets.append(Int32(bytes.count))
            bytes += entry.literal
        }
        self.starts = starts
        self.offsets = offsets
        lengths = entries.map { Int32($0.literal.count) }
        bits = entries.map(\.bit)
        self.bytes = bytes
        all = entries.reduce(0) { $0 | $1.bit }
    }

    /// The groups with a literal in `hay`.
    func mask(in hay: UnsafeBufferPointer<UInt8>) -> UInt32 {
        starts.withUnsafeBufferPointer { starts in
            offsets.withUnsafeBufferPointer { offsets in
                lengths.withUnsafeBufferPointer { lengths in
                    bits.withUnsafeBufferPointer { bits in
                        bytes.withUnsafeBufferPointer { bytes in
                            var found: UInt32 = 0
                            let count = hay.count
                            for index in 0..<count {
                                let first = Int(hay[index])
                                var entry = Int(starts[first])
                                let end = Int(starts[first + 1])
                                while entry < end {
                                    let bit = bits[entry]
                                    let length = Int(lengths[entry])
                                    if found & bit == 0 && length <= count - index {
                                        let offset = Int(offsets[entry])
                                        var matched = 1
                                        while matched < length && hay[index + matched] == bytes[offset + matched] {
                                            matched += 1
                                        }
                                        if matched == length { found |= bit }
                                    }
                                    entry += 1
                                }
                                if found == all { break }
                            }
                            return found
                        }
                    }
                }
            }
        }
    }
}
