import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte searches for the gate every file passes (`memmem`), and the small text helpers the readers use on
/// the few files that pass it.
enum Bytes {
    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard let base = haystack.baseAddress, count > 0, haystack.count >= count else { return false }
        let first = Int32(needle.utf8Start.pointee)
        var offset = 0
        let last = haystack.count - count
        // `memchr` for the first byte, then a compare: memmem is a GNU extension Glibc's module does not export.
        while offset <= last {
            guard let found = memchr(base + offset, first, last - offset + 1) else { return false }
            let position = base.distance(to: UnsafeRawPointer(found))
            if memcmp(base + position, needle.utf8Start, count) == 0 { return true }
            offset = position + 1
        }
        return false
    }

    /// An ASCII letter, digit or `_`, or any byte of a multi-byte character (identifiers may hold letters of any
    /// script).
    static func isWordByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || byte == 0x5F || (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    /// Whether any of the needles occurs.
    static func containsAny(_ haystack: UnsafeRawBufferPointer, _ needles: [StaticString]) -> Bool {
        needles.contains { contains(haystack, $0) }
    }
}

/// One line of a file the reader parses: 1-based number, indent (spaces; a tab counts 4), text without it.
struct SourceLine {
    var number: Int
    var indent: Int
    var text: Substring
}

/// One line of a file as offsets into its bytes: 1-based number, indent (spaces; a tab counts 4), and where
/// its text starts after the indent and ends (a `\r` before the line end dropped). Nothing is decoded.
struct ByteLine {
    var number: Int
    var indent: Int
    var start: Int
    var end: Int

    var isEmpty: Bool { start == end }
}

/// The lines of a file, found with `memchr`; the readers test them as bytes and decode only the few they parse.
struct ByteLines {
    let bytes: UnsafeRawBufferPointer
    private(set) var lines: [ByteLine] = []

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        guard let base = bytes.baseAddress else {
            lines = [ByteLine(number: 1, indent: 0, start: 0, end: 0)]
            return
        }
        var lineStart = 0
        var number = 0
        while true {
            number += 1
            var lineEnd = bytes.count
            if lineStart < bytes.count, let found = memchr(base + lineStart, 0x0A, bytes.count - lineStart) {
                lineEnd = base.distance(to: UnsafeRawPointer(found))
            }
            var end = lineEnd
            if end > lineStart && bytes[end - 1] == 0x0D { end -= 1 }
            var start = lineStart
            var indent = 0
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 {
                indent += bytes[start] == 0x09 ? 4 : 1
                start += 1
            }
            lines.append(ByteLine(number: number, indent: indent, start: start, end: end))
            guard lineEnd < bytes.count else { break }
            lineStart = lineEnd + 1
        }
    }

    var count: Int { lines.count }

    subscript(index: Int) -> ByteLine { lines[index] }

    /// The line's text (after its indent), decoded.
    func text(_ line: ByteLine) -> Substring {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[line.start..<line.end]), as: UTF8.self)[...]
    }

    /// The text of lines `range` joined with a space, as a bracketed statement spanning them is read.
    func bytes(joining range: Range<Int>) -> [UInt8] {
        var joined: [UInt8] = []
        for index in range {
            let line = lines[index]
            if index > range.lowerBound { joined.append(UInt8(ascii: " ")) }
            joined.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[line.start..<line.end]))
        }
        return joined
    }

    func hasPrefix(_ line: ByteLine, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard line.end - line.start >= count, let base = bytes.baseAddress else { return false }
        return memcmp(base + line.start, prefix.utf8Start, count) == 0
    }

    func contains(_ line: ByteLine, _ needle: StaticString) -> Bool {
        Bytes.contains(UnsafeRawBufferPointer(rebasing: bytes[line.start..<line.end]), needle)
    }

    /// `Text.depthChange` of the line, on its bytes.
    func depthChange(_ line: ByteLine) -> Int {
        var depth = 0
        var quote: UInt8 = 0
        var escaped = false
        var index = line.start
        while index < line.end {
            let byte = bytes[index]
            index += 1
            if quote != 0 {
                if escaped {
                    escaped = false
                } else if byte == 0x5C {
                    escaped = true
                } else if byte == quote {
                    quote = 0
                }
                continue
            }
            switch byte {
            case 0x22, 0x27, 0x60: quote = byte
            case 0x28, 0x5B, 0x7B: depth += 1
            case 0x29, 0x5D, 0x7D: depth -= 1
            case 0x23: return depth
            default: break
            }
        }
        return depth
    }
}

enum Text {
    /// The lines of `bytes` with their indent, each decoded (for the readers of files that are mostly models).
    static func lines(_ bytes: UnsafeRawBufferPointer) -> [SourceLine] {
        let lines = ByteLines(bytes)
        return lines.lines.map { SourceLine(number: $0.number, indent: $0.indent, text: lines.text($0)) }
    }

    /// The first string literal (`"…"`, `'…'`, `` `…` ``) in `text`, without its quotes.
    static func firstString(_ text: Substring) -> String? {
        guard let open = text.firstIndex(where: { $0 == "\"" || $0 == "'" || $0 == "`" }) else { return nil }
        let quote = text[open]
        let afterOpen = text.index(after: open)
        guard let close = text[afterOpen...].firstIndex(of: quote) else { return nil }
        return String(text[afterOpen..<close])
    }

    /// The string literal after `key` followed by `=` or `:` (`db_column="x"`, `name: 'x'`, `name = "x"`).
    static func keyedString(_ text: Substring, key: String) -> String? {
        var rest = text[...]
        while let range = rest.range(of: key) {
            let before = range.lowerBound > text.startIndex ? text[text.index(before: range.lowerBound)] : " "
            var after = rest[range.upperBound...].drop(while: { $0 == " " })
            rest = rest[range.upperBound...]
            guard !isIdentifier(before), after.first == "=" || after.first == ":" else { continue }
            after = after.dropFirst().drop(while: { $0 == " " })
            guard let quote = after.first, quote == "\"" || quote == "'" || quote == "`" else { continue }
            return firstString(after)
        }
        return nil
    }

    /// The symbol or string after `key:` (`foreign_key: :owner_id`, `class_name: "User"`).
    static func keyedSymbol(_ text: Substring, key: String) -> String? {
        guard let range = text.range(of: key + ":") ?? text.range(of: ":" + key + " =>") else { return nil }
        let after = text[range.upperBound...].drop(while: { $0 == " " || $0 == ">" || $0 == "=" })
        if after.first == ":" { return String(after.dropFirst().prefix(while: isIdentifier)) }
        return firstString(after.prefix(while: { $0 != "," }))
    }

    static func isIdentifier(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }

    /// The leading identifier of `text`.
    static func identifier(_ text: Substring) -> Substring { text.prefix(while: isIdentifier) }

    /// The balance of `(`/`[`/`{` against their closers, outside string literals.
    static func depthChange(_ text: Substring) -> Int {
        var depth = 0
        var quote: Character?
        var escaped = false
        for character in text {
            if let open = quote {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == open {
                    quote = nil
                }
                continue
            }
            switch character {
            case "\"", "'", "`": quote = character
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1
            case "#": return depth
            default: break
            }
        }
        return depth
    }

    /// `LegacyStatus` → `legacy_status`, `UserID` → `user_id`, `HTTPServer` → `http_server`.
    static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        var out = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase && index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
                    if previous != "_" { out.append("_") }
                }
            }
            out.append(contentsOf: character.lowercased())
        }
        return out
    }

    /// `legacy_status` → `legacyStatus`.
    static func camelCase(_ name: String) -> String {
        let words = name.split(separator: "_")
        guard let first = words.first else { return name }
        return first.lowercased() + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The English plural, as Rails and GORM name tables (`user` → `users`, `category` → `categories`,
    /// `address` → `addresses`, `person` → `people`).
    static func plural(_ word: String) -> String {
        let irregular = ["person": "people", "man": "men", "woman": "women", "child": "children"]
        for (singular, plural) in irregular where word == singular || word.hasSuffix("_" + singular) {
            return String(word.dropLast(singular.count)) + plural
        }
        if word.hasSuffix("y"), let before = word.dropLast().last, !"aeiou".contains(before) {
            return String(word.dropLast()) + "ies"
        }
        for suffix in ["s", "x", "z", "ch", "sh"] where word.hasSuffix(suffix) { return word + "es" }
        return word + "s"
    }
}
