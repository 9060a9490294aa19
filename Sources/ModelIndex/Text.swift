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

enum Text {
    /// The lines of `bytes` with their indent; a `\r` before a line end is dropped.
    static func lines(_ bytes: UnsafeRawBufferPointer) -> [SourceLine] {
        let string = String(decoding: bytes, as: UTF8.self)
        var result: [SourceLine] = []
        var number = 0
        for raw in string.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = raw
            if line.last == "\r" { line = line.dropLast() }
            var indent = 0
            var start = line.startIndex
            while start < line.endIndex, line[start] == " " || line[start] == "\t" {
                indent += line[start] == "\t" ? 4 : 1
                start = line.index(after: start)
            }
            result.append(SourceLine(number: number, indent: indent, text: line[start...]))
        }
        return result
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
