/// The shape of a SQL text: what stays when literal values, parameters, comments and layout are removed.
public struct NormalizedSQL: Sendable, Hashable {
    /// The normalized text: comments dropped, whitespace runs folded to one space, unquoted words in lower case,
    /// and every literal and parameter replaced by a numbered placeholder `$1`, `$2`, … in order of appearance.
    /// It holds no literal value, so it is safe to show in a report, and it is valid SQL wherever PostgreSQL
    /// accepts a parameter.
    public let text: String
    /// A stable 64-bit FNV-1a hash of `text`: equal for texts of the same shape, whatever their literals.
    public let fingerprint: UInt64
    /// How many placeholders `text` holds.
    public let placeholderCount: Int

    /// `fingerprint` as 16 lower-case hex digits, for grouping statements in reports.
    public var id: String { SQLNormalizer.hexID(fingerprint) }
}

/// A byte-level SQL lexer that reduces a statement to its shape (see `NormalizedSQL`) without calling the
/// PostgreSQL parser; it costs well under a microsecond per 100 bytes.
///
/// It knows PostgreSQL's lexical rules: `'…'` strings with `''` escapes (and continuation across a newline),
/// `E'…'` strings with backslash escapes, `B'…'`, `X'…'`, `N'…'` and `U&'…'` strings, `$$…$$` and `$tag$…$tag$`
/// dollar quotes, numbers (integer, decimal, exponent, `0x…`, `1_000`), `$n` parameters, `"quoted"` identifiers
/// (kept verbatim: they are names, not values), `--` and nested `/* */` comments. An unterminated literal is
/// replaced up to the end of the text, so that a truncated statement never leaks its value either.
public enum SQLNormalizer {
    /// Normalizes `sql`; see `NormalizedSQL`.
    public static func normalize(_ sql: String) -> NormalizedSQL {
        var lexer = Lexer(recordOffsets: false)
        return lexer.run(sql)
    }

    /// The fingerprint of `sql`'s shape (same as `normalize(sql).fingerprint`).
    public static func fingerprint(_ sql: String) -> UInt64 { normalize(sql).fingerprint }

    /// A fingerprint as 16 lower-case hex digits.
    public static func hexID(_ fingerprint: UInt64) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: 0, count: 16)
        var value = fingerprint
        for index in stride(from: 15, through: 0, by: -1) {
            bytes[index] = digits[Int(value & 0xF)]
            value >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Normalizes `sql` and also returns where each token of the output came from, to translate byte offsets
    /// between the original and the normalized text.
    static func normalizeWithOffsets(_ sql: String) -> (NormalizedSQL, OffsetMap) {
        var lexer = Lexer(recordOffsets: true)
        let normalized = lexer.run(sql)
        return (normalized, OffsetMap(output: lexer.outputStarts, input: lexer.inputStarts))
    }

    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3
}

/// Token starts in the normalized text and in the original text, to translate byte offsets between them.
struct OffsetMap: Sendable {
    let output: [Int32]
    let input: [Int32]

    /// The original-text offset of a normalized-text offset.
    func inputOffset(forOutput offset: Int) -> Int { Self.translate(offset, from: output, to: input) }

    /// The normalized-text offset of an original-text offset.
    func outputOffset(forInput offset: Int) -> Int { Self.translate(offset, from: input, to: output) }

    private static func translate(_ offset: Int, from: [Int32], to: [Int32]) -> Int {
        guard !from.isEmpty else { return offset }
        // Last token starting at or before `offset`.
        var low = 0
        var high = from.count - 1
        if offset < Int(from[0]) { return Int(to[0]) }
        while low < high {
            let mid = (low + high + 1) / 2
            if Int(from[mid]) <= offset { low = mid } else { high = mid - 1 }
        }
        let delta = offset - Int(from[low])
        // Stay inside the token: a placeholder and its literal differ in length.
        let limit = low + 1 < to.count ? Int(to[low + 1]) - Int(to[low]) - 1 : Int.max
        return Int(to[low]) + max(0, min(delta, limit))
    }
}

extension SQLNormalizer {
    struct Lexer {
        let recordOffsets: Bool
        var outputStarts: [Int32] = []
        var inputStarts: [Int32] = []
        var output: [UInt8] = []
        var placeholders = 0

        init(recordOffsets: Bool) { self.recordOffsets = recordOffsets }

        @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C || byte == 0x0B
        }

        @inline(__always) static func isIdentStart(_ byte: UInt8) -> Bool {
            (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_") || byte >= 0x80
        }

        @inline(__always) static func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        @inline(__always) static func isIdentPart(_ byte: UInt8) -> Bool {
            isIdentStart(byte) || isDigit(byte) || byte == UInt8(ascii: "$")
        }

        mutating func run(_ sql: String) -> NormalizedSQL {
            var text = sql
            let out = text.withUTF8 { bytes -> NormalizedSQL in
                output.reserveCapacity(bytes.count)
                lex(bytes)
                // Drop trailing semicolons and spaces so that `q;` and `q` share a shape.
                while let last = output.last, last == UInt8(ascii: ";") || last == 0x20 {
                    output.removeLast()
                }
                var hash = SQLNormalizer.fnvOffset
                for byte in output {
                    hash = (hash ^ UInt64(byte)) &* SQLNormalizer.fnvPrime
                }
                return NormalizedSQL(
                    text: String(decoding: output, as: UTF8.self), fingerprint: hash, placeholderCount: placeholders)
            }
            return out
        }

        @inline(__always) mutating func begin(_ inputOffset: Int, pendingSpace: inout Bool) {
            if pendingSpace && !output.isEmpty { output.append(0x20) }
            pendingSpace = false
            if recordOffsets {
                outputStarts.append(Int32(truncatingIfNeeded: output.count))
                inputStarts.append(Int32(truncatingIfNeeded: inputOffset))
            }
        }

        mutating func placeholder() {
            placeholders += 1
            output.append(UInt8(ascii: "$"))
            var digits: [UInt8] = []
            var value = placeholders
            while value > 0 {
                digits.append(UInt8(ascii: "0") + UInt8(value % 10))
                value /= 10
            }
            output.append(contentsOf: digits.reversed())
        }

        /// Skips a `'…'` body starting just after the opening quote; `backslash` enables `\` escapes.
        /// Returns the index after the closing quote (or the end), following `'…' \n '…'` continuations.
        static func skipQuoted(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, backslash: Bool) -> Int {
            var index = start
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                if backslash && byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "'") {
                    if index + 1 < count && bytes[index + 1] == UInt8(ascii: "'") {
                        index += 2
                        continue
                    }
                    // A continuation: whitespace holding a newline, then another quote.
                    var look = index + 1
                    var sawNewline = false
                    while look < count && isSpace(bytes[look]) {
                        if bytes[look] == 0x0A || bytes[look] == 0x0D { sawNewline = true }
                        look += 1
                    }
                    if sawNewline && look < count && bytes[look] == UInt8(ascii: "'") {
                        index = look + 1
                        continue
                    }
                    return index + 1
                }
                index += 1
            }
            return count
        }

        mutating func lex(_ bytes: UnsafeBufferPointer<UInt8>) {
            let count = bytes.count
            var index = 0
            var pendingSpace = false
            while index < count {
                let byte = bytes[index]
                if Self.isSpace(byte) {
                    pendingSpace = true
                    index += 1
                    continue
                }
                let next: UInt8 = index + 1 < count ? bytes[index + 1] : 0
                // Comments.
                if byte == UInt8(ascii: "-") && next == UInt8(ascii: "-") {
                    while index < count && bytes[index] != 0x0A { index += 1 }
                    pendingSpace = true
                    continue
                }
                if byte == UInt8(ascii: "/") && next == UInt8(ascii: "*") {
                    var depth = 1
                    index += 2
                    while index < count && depth > 0 {
                        if bytes[index] == UInt8(ascii: "/") && index + 1 < count && bytes[index + 1] == UInt8(ascii: "*") {
                            depth += 1
                            index += 2
                        } else if bytes[index] == UInt8(ascii: "*") && index + 1 < count
                            && bytes[index + 1] == UInt8(ascii: "/")
                        {
                            depth -= 1
                            index += 2
                        } else {
                            index += 1
                        }
                    }
                    pendingSpace = true
                    continue
                }
                begin(index, pendingSpace: &pendingSpace)
                // Strings.
                if byte == UInt8(ascii: "'") {
                    index = Self.skipQuoted(bytes, from: index + 1, backslash: false)
                    placeholder()
                    continue
                }
                let lower = byte | 0x20
                if next == UInt8(ascii: "'")
                    && (lower == UInt8(ascii: "e") || lower == UInt8(ascii: "b") || lower == UInt8(ascii: "x")
                        || lower == UInt8(ascii: "n"))
                {
                    index = Self.skipQuoted(bytes, from: index + 2, backslash: lower == UInt8(ascii: "e"))
                    placeholder()
                    continue
                }
                if lower == UInt8(ascii: "u") && next == UInt8(ascii: "&") && index + 2 < count
                    && bytes[index + 2] == UInt8(ascii: "'")
                {
                    index = Self.skipQuoted(bytes, from: index + 3, backslash: false)
                    placeholder()
                    continue
                }
                // Quoted identifiers (names, kept verbatim).
                if byte == UInt8(ascii: "\"") {
                    let start = index
                    index += 1
                    while index < count {
                        if bytes[index] == UInt8(ascii: "\"") {
                            if index + 1 < count && bytes[index + 1] == UInt8(ascii: "\"") {
                                index += 2
                                continue
                            }
                            index += 1
                            break
                        }
                        index += 1
                    }
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    continue
                }
                // Parameters and dollar quotes.
                if byte == UInt8(ascii: "$") {
                    if Self.isDigit(next) {
                        index += 1
                        while index < count && Self.isDigit(bytes[index]) { index += 1 }
                        placeholder()
                        continue
                    }
                    // `$tag$` where the tag is empty or an identifier without `$`.
                    var tagEnd = index + 1
                    if tagEnd < count && Self.isIdentStart(bytes[tagEnd]) {
                        while tagEnd < count && (Self.isIdentStart(bytes[tagEnd]) || Self.isDigit(bytes[tagEnd])) {
                            tagEnd += 1
                        }
                    }
                    if tagEnd < count && bytes[tagEnd] == UInt8(ascii: "$") {
                        let tag = UnsafeBufferPointer(rebasing: bytes[index...tagEnd])
                        var search = tagEnd + 1
                        var closedAt = count
                        while search + tag.count <= count {
                            if bytes[search] == UInt8(ascii: "$")
                                && UnsafeBufferPointer(rebasing: bytes[search..<(search + tag.count)]).elementsEqual(tag)
                            {
                                closedAt = search + tag.count
                                break
                            }
                            search += 1
                        }
                        index = closedAt
                        placeholder()
                        continue
                    }
                    output.append(byte)
                    index += 1
                    continue
                }
                // Numbers.
                if Self.isDigit(byte) || (byte == UInt8(ascii: ".") && Self.isDigit(next)) {
                    // `0x1F`, `0o17`, `0b101` (PostgreSQL 16) take letters; decimals take an exponent.
                    let radix = byte == UInt8(ascii: "0") && Self.isIdentStart(next)
                    index += radix ? 2 : 1
                    while index < count {
                        let current = bytes[index]
                        if Self.isDigit(current) || current == UInt8(ascii: ".") || current == UInt8(ascii: "_")
                            || (radix && Self.isIdentStart(current)) || (current | 0x20) == UInt8(ascii: "e")
                        {
                            index += 1
                        } else if (current == UInt8(ascii: "+") || current == UInt8(ascii: "-"))
                            && (bytes[index - 1] | 0x20) == UInt8(ascii: "e")
                        {
                            index += 1
                        } else {
                            break
                        }
                    }
                    placeholder()
                    continue
                }
                // Words: identifiers and keywords, folded to lower case like the server does.
                if Self.isIdentStart(byte) {
                    while index < count && Self.isIdentPart(bytes[index]) {
                        let current = bytes[index]
                        output.append(current >= UInt8(ascii: "A") && current <= UInt8(ascii: "Z") ? current | 0x20 : current)
                        index += 1
                    }
                    continue
                }
                // Operators and punctuation.
                output.append(byte)
                index += 1
            }
        }
    }
}
