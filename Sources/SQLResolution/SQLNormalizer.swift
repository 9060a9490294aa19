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
    /// Whether one placeholder stands for everything from some point to the end, because a string there does
    /// not end where every reading of it agrees (`'C:\' …` ends at the backslash with
    /// `standard_conforming_strings` on, and later with it off). Two different statements may then share this
    /// text, so nothing learnt from one (a parse, a binding) may be reused for the other.
    public let redactedToEnd: Bool

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
/// replaced up to the end of the text, so that a truncated statement never leaks its value either; so is a
/// plain `'…'` string whose end depends on `standard_conforming_strings` (see `NormalizedSQL.redactedToEnd`).
public enum SQLNormalizer {
    /// Normalizes `sql`; see `NormalizedSQL`.
    public static func normalize(_ sql: String) -> NormalizedSQL {
        var lexer = Lexer(recordOffsets: false)
        return lexer.run(sql)
    }

    /// Normalizes UTF-8 bytes directly (e.g. a slice of a log line), without making a `String` of the input.
    public static func normalize(utf8 bytes: UnsafeBufferPointer<UInt8>) -> NormalizedSQL {
        var lexer = Lexer(recordOffsets: false)
        return lexer.run(bytes)
    }

    /// A log line that fitted no format, made safe for a report or a message: redacted like a statement, and
    /// `"…"` is a value too (server messages quote values that way: `invalid input syntax for type integer:
    /// "…"`).
    public static func redactLogLine(_ line: String) -> String {
        var lexer = Lexer(recordOffsets: false, doubleQuotesAreValues: true)
        return lexer.run(line).text
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
        return (
            normalized,
            OffsetMap(
                output: lexer.outputStarts, input: lexer.inputStarts, outputLength: normalized.text.utf8.count,
                inputLength: sql.utf8.count)
        )
    }

    static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3
}

/// Token starts in the normalized text and in the original text, to translate byte offsets between them.
struct OffsetMap: Sendable {
    let output: [Int32]
    let input: [Int32]
    let outputLength: Int
    let inputLength: Int

    /// The original-text offset of a normalized-text offset (always within `0...inputLength`).
    func inputOffset(forOutput offset: Int) -> Int {
        Self.translate(offset, from: output, fromLength: outputLength, to: input, toLength: inputLength)
    }

    /// The normalized-text offset of an original-text offset (always within `0...outputLength`).
    func outputOffset(forInput offset: Int) -> Int {
        Self.translate(offset, from: input, fromLength: inputLength, to: output, toLength: outputLength)
    }

    private static func translate(_ offset: Int, from: [Int32], fromLength: Int, to: [Int32], toLength: Int) -> Int {
        if offset >= fromLength { return toLength }
        guard !from.isEmpty, offset >= Int(from[0]) else { return min(max(0, offset), toLength) }
        // Last token starting at or before `offset`.
        var low = 0
        var high = from.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if Int(from[mid]) <= offset { low = mid } else { high = mid - 1 }
        }
        let delta = offset - Int(from[low])
        // Stay inside the token: a placeholder and its literal differ in length.
        let tokenEnd = low + 1 < to.count ? Int(to[low + 1]) : toLength
        let inside = max(0, min(delta, tokenEnd - Int(to[low]) - 1))
        return min(Int(to[low]) + inside, toLength)
    }
}

extension SQLNormalizer {
    /// The lexer works on raw pointers and writes into a buffer it grows itself: `UnsafePointer` subscripts are
    /// transparent, so the loop stays cheap even in debug builds.
    struct Lexer {
        let recordOffsets: Bool
        /// Redact `"…"` like a string (for free text, where double quotes hold values, not names).
        let doubleQuotesAreValues: Bool
        var redactedToEnd = false
        var outputStarts: [Int32] = []
        var inputStarts: [Int32] = []
        var placeholders = 0
        private var out: UnsafeMutablePointer<UInt8>
        private var outCount = 0
        private var outCapacity: Int

        init(recordOffsets: Bool, doubleQuotesAreValues: Bool = false) {
            self.recordOffsets = recordOffsets
            self.doubleQuotesAreValues = doubleQuotesAreValues
            outCapacity = 0
            out = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        }

        @inline(__always) static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C || byte == 0x0B
        }

        @inline(__always) static func isIdentStart(_ byte: UInt8) -> Bool {
            let lower = byte | 0x20
            return (lower >= 0x61 && lower <= 0x7A) || byte == 0x5F || byte >= 0x80
        }

        @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        @inline(__always) static func isIdentPart(_ byte: UInt8) -> Bool {
            isIdentStart(byte) || isDigit(byte) || byte == 0x24
        }

        mutating func run(_ sql: String) -> NormalizedSQL {
            var text = sql
            return text.withUTF8 { run($0) }
        }

        mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) -> NormalizedSQL {
            out.deallocate()
            outCapacity = bytes.count + 16
            out = UnsafeMutablePointer<UInt8>.allocate(capacity: outCapacity)
            defer { out.deallocate() }
            if let base = bytes.baseAddress { lex(base, bytes.count) }
            // Drop trailing semicolons and spaces so that `q;` and `q` share a shape.
            while outCount > 0 && (out[outCount - 1] == 0x3B || out[outCount - 1] == 0x20) { outCount -= 1 }
            var hash = SQLNormalizer.fnvOffset
            for index in 0..<outCount {
                hash = (hash ^ UInt64(out[index])) &* SQLNormalizer.fnvPrime
            }
            // `defer` frees the output buffer: a lexer runs once.
            let text = String(decoding: UnsafeBufferPointer(start: out, count: outCount), as: UTF8.self)
            return NormalizedSQL(
                text: text, fingerprint: hash, placeholderCount: placeholders, redactedToEnd: redactedToEnd)
        }

        @inline(__always) mutating func reserve(_ extra: Int) {
            guard outCount + extra > outCapacity else { return }
            let capacity = max(outCapacity * 2, outCount + extra)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: out, count: outCount)
            out.deallocate()
            out = grown
            outCapacity = capacity
        }

        /// Appends a byte that stands for at least one input byte: the buffer always has room for the rest of
        /// the input (see `placeholder`), so no growth check is needed.
        @inline(__always) mutating func emit(_ byte: UInt8) {
            out[outCount] = byte
            outCount += 1
        }

        @inline(__always) mutating func begin(_ inputOffset: Int, pendingSpace: inout Bool) {
            if pendingSpace && outCount > 0 { emit(0x20) }
            pendingSpace = false
            if recordOffsets {
                outputStarts.append(Int32(truncatingIfNeeded: outCount))
                inputStarts.append(Int32(truncatingIfNeeded: inputOffset))
            }
        }

        /// Writes the next placeholder; `remaining` input bytes must still fit after it (they never expand).
        mutating func placeholder(_ remaining: Int) {
            placeholders += 1
            reserve(24 + remaining)
            emit(0x24)
            var digits = 1
            var probe = placeholders
            while probe >= 10 {
                probe /= 10
                digits += 1
            }
            var value = placeholders
            for position in stride(from: digits - 1, through: 0, by: -1) {
                out[outCount + position] = 0x30 + UInt8(value % 10)
                value /= 10
            }
            outCount += digits
        }

        /// The end of a plain `'…'` (or `N'…'`) body starting at `start`. Such a string ends at its first lone
        /// quote when `standard_conforming_strings` is on (the default since PostgreSQL 9.1), but a backslash
        /// escapes the quote when it is off, and a log does not say which: when the two readings end in
        /// different places, everything to the end is treated as the literal, so neither reading can leak.
        mutating func plainStringEnd(_ bytes: UnsafePointer<UInt8>, _ count: Int, from start: Int, quote: UInt8)
            -> Int
        {
            if quote == 0x22 {
                // A double-quoted value in free text: `""` escapes, no continuation.
                var index = start
                while index < count {
                    if bytes[index] == 0x22 {
                        if index + 1 < count && bytes[index + 1] == 0x22 {
                            index += 2
                            continue
                        }
                        return index + 1
                    }
                    index += 1
                }
                return count
            }
            let end = Self.skipQuoted(bytes, count, from: start, backslash: false)
            // Without a backslash inside, both readings agree.
            var probe = start
            while probe < end && bytes[probe] != 0x5C { probe += 1 }
            if probe == end { return end }
            if Self.skipQuoted(bytes, count, from: start, backslash: true) == end { return end }
            redactedToEnd = true
            return count
        }

        /// Skips a `'…'` body starting just after the opening quote; `backslash` enables `\` escapes.
        /// Returns the index after the closing quote (or the end), following `'…' \n '…'` continuations.
        static func skipQuoted(_ bytes: UnsafePointer<UInt8>, _ count: Int, from start: Int, backslash: Bool) -> Int {
            var index = start
            while index < count {
                let byte = bytes[index]
                if backslash && byte == 0x5C {
                    index += 2
                    continue
                }
                if byte == 0x27 {
                    if index + 1 < count && bytes[index + 1] == 0x27 {
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
                    if sawNewline && look < count && bytes[look] == 0x27 {
                        index = look + 1
                        continue
                    }
                    return index + 1
                }
                index += 1
            }
            return count
        }

        mutating func lex(_ bytes: UnsafePointer<UInt8>, _ count: Int) {
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
                // Comments: `--` to the end of the line, and nested `/* */`.
                if byte == 0x2D && next == 0x2D {
                    while index < count && bytes[index] != 0x0A { index += 1 }
                    pendingSpace = true
                    continue
                }
                if byte == 0x2F && next == 0x2A {
                    var depth = 1
                    index += 2
                    while index < count && depth > 0 {
                        let current = bytes[index]
                        let following: UInt8 = index + 1 < count ? bytes[index + 1] : 0
                        if current == 0x2F && following == 0x2A {
                            depth += 1
                            index += 2
                        } else if current == 0x2A && following == 0x2F {
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
                // Strings: '…', E'…', B'…', X'…', N'…', U&'…'.
                if byte == 0x27 || (byte == 0x22 && doubleQuotesAreValues) {
                    index = plainStringEnd(bytes, count, from: index + 1, quote: byte)
                    placeholder(count - index)
                    continue
                }
                let lower = byte | 0x20
                if next == 0x27 && (lower == 0x65 || lower == 0x62 || lower == 0x78 || lower == 0x6E) {
                    index =
                        lower == 0x6E
                        ? plainStringEnd(bytes, count, from: index + 2, quote: 0x27)
                        : Self.skipQuoted(bytes, count, from: index + 2, backslash: lower == 0x65)
                    placeholder(count - index)
                    continue
                }
                if lower == 0x75 && next == 0x26 && index + 2 < count && bytes[index + 2] == 0x27 {
                    index = Self.skipQuoted(bytes, count, from: index + 3, backslash: false)
                    placeholder(count - index)
                    continue
                }
                // Quoted identifiers: names, kept verbatim (in statements).
                if byte == 0x22 {
                    emit(byte)
                    index += 1
                    while index < count {
                        let current = bytes[index]
                        emit(current)
                        index += 1
                        if current == 0x22 {
                            if index < count && bytes[index] == 0x22 {
                                emit(0x22)
                                index += 1
                                continue
                            }
                            break
                        }
                    }
                    continue
                }
                // Parameters `$n` and dollar quotes `$$…$$`, `$tag$…$tag$`.
                if byte == 0x24 {
                    if Self.isDigit(next) {
                        index += 1
                        while index < count && Self.isDigit(bytes[index]) { index += 1 }
                        placeholder(count - index)
                        continue
                    }
                    var tagEnd = index + 1
                    if tagEnd < count && Self.isIdentStart(bytes[tagEnd]) {
                        while tagEnd < count && (Self.isIdentStart(bytes[tagEnd]) || Self.isDigit(bytes[tagEnd])) {
                            tagEnd += 1
                        }
                    }
                    if tagEnd < count && bytes[tagEnd] == 0x24 {
                        let tagLength = tagEnd - index + 1
                        var search = tagEnd + 1
                        var closedAt = count
                        while search + tagLength <= count {
                            if bytes[search] == 0x24 && memoryEqual(bytes + search, bytes + index, tagLength) {
                                closedAt = search + tagLength
                                break
                            }
                            search += 1
                        }
                        index = closedAt
                        placeholder(count - index)
                        continue
                    }
                    emit(byte)
                    index += 1
                    continue
                }
                // Numbers: `0x1F`, `0o17`, `0b101` (PostgreSQL 16) take letters; decimals take an exponent.
                if Self.isDigit(byte) || (byte == 0x2E && Self.isDigit(next)) {
                    let radix = byte == 0x30 && Self.isIdentStart(next)
                    index += radix ? 2 : 1
                    while index < count {
                        let current = bytes[index]
                        if Self.isDigit(current) || current == 0x2E || current == 0x5F
                            || (radix && Self.isIdentStart(current))
                            || (current | 0x20) == 0x65
                        {
                            index += 1
                        } else if (current == 0x2B || current == 0x2D) && (bytes[index - 1] | 0x20) == 0x65 {
                            index += 1
                        } else {
                            break
                        }
                    }
                    placeholder(count - index)
                    continue
                }
                // Words: identifiers and keywords, folded to lower case like the server does.
                if Self.isIdentStart(byte) {
                    while index < count {
                        let current = bytes[index]
                        guard Self.isIdentPart(current) else { break }
                        emit(current >= 0x41 && current <= 0x5A ? current | 0x20 : current)
                        index += 1
                    }
                    continue
                }
                // Operators and punctuation.
                emit(byte)
                index += 1
            }
        }

        @inline(__always) func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
            for offset in 0..<count where a[offset] != b[offset] { return false }
            return true
        }
    }
}
