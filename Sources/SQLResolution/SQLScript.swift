/// The statements of a SQL script (a `pg_dump --schema-only` file, a `structure.sql`, a migration), split
/// by PostgreSQL's scanner, which works on text that does not parse. psql meta-commands (`\connect`,
/// `\restrict`) are blanked, each statement starts after the comments before it, and a
/// `BEGIN ATOMIC … END` function body (whose inner semicolons the scanner splits at) is kept whole.
struct SQLScript {
    /// One statement with its place in the script.
    struct Statement {
        /// The statement's text, from its first token to before its semicolon.
        let text: String
        /// UTF-8 byte offset of the first token in the script.
        let offset: Int
        /// 1-based line of the first token.
        let line: Int
    }

    /// The statements of `text`, in order.
    static func statements(_ text: String) -> [Statement] {
        var bytes = Array(text.utf8)
        blankMetaCommands(&bytes)
        let sql = String(decoding: bytes, as: UTF8.self)
        let pieces = PgQuery.split(sql)
        var statements: [Statement] = []
        var lines = LineCounter(bytes: bytes)
        var index = 0
        while index < pieces.count {
            let piece = pieces[index]
            index += 1
            let start = min(piece.location, bytes.count)
            var end = min(bytes.count, start + piece.length)
            let head = firstToken(bytes, from: start, to: end)
            guard head < end else { continue }
            var statement = String(decoding: bytes[head..<end], as: UTF8.self)
            if opensAtomicBody(bytes[head..<end]), case .error = PgQuery.parse(statement) {
                // The scanner split inside the body: add pieces until the whole parses (at most 10,000).
                var next = index
                while next < pieces.count && next - index < 10_000 {
                    let candidateEnd = min(bytes.count, pieces[next].location + pieces[next].length)
                    next += 1
                    let candidate = String(decoding: bytes[head..<candidateEnd], as: UTF8.self)
                    if case .tree = PgQuery.parse(candidate) {
                        statement = candidate
                        end = candidateEnd
                        index = next
                        break
                    }
                }
            }
            statements.append(Statement(text: statement, offset: head, line: lines.line(at: head)))
        }
        return statements
    }

    /// Replaces each line that starts with a backslash (a psql meta-command) by spaces, keeping offsets.
    static func blankMetaCommands(_ bytes: inout [UInt8]) {
        var lineStart = true
        var index = 0
        while index < bytes.count {
            if lineStart && bytes[index] == UInt8(ascii: "\\") {
                while index < bytes.count && bytes[index] != 0x0A {
                    bytes[index] = 0x20
                    index += 1
                }
                continue
            }
            lineStart = bytes[index] == 0x0A
            index += 1
        }
    }

    /// The offset of the first byte after white space and comments (`-- …` and nested `/* … */`).
    static func firstToken(_ bytes: [UInt8], from start: Int, to end: Int) -> Int {
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D {
                index += 1
            } else if byte == UInt8(ascii: "-") && index + 1 < end && bytes[index + 1] == UInt8(ascii: "-") {
                while index < end && bytes[index] != 0x0A { index += 1 }
            } else if byte == UInt8(ascii: "/") && index + 1 < end && bytes[index + 1] == UInt8(ascii: "*") {
                var depth = 0
                while index < end {
                    if bytes[index] == UInt8(ascii: "/") && index + 1 < end && bytes[index + 1] == UInt8(ascii: "*") {
                        depth += 1
                        index += 2
                    } else if bytes[index] == UInt8(ascii: "*") && index + 1 < end
                        && bytes[index + 1] == UInt8(ascii: "/")
                    {
                        depth -= 1
                        index += 2
                        if depth == 0 { break }
                    } else {
                        index += 1
                    }
                }
            } else {
                break
            }
        }
        return index
    }

    /// Whether the text holds the words `BEGIN ATOMIC` (any case, any white space between).
    static func opensAtomicBody(_ text: ArraySlice<UInt8>) -> Bool {
        let words = text.split { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }
        var previousWasBegin = false
        for word in words {
            let upper = String(decoding: word, as: UTF8.self).uppercased()
            if previousWasBegin && upper.hasPrefix("ATOMIC") { return true }
            previousWasBegin = upper == "BEGIN" || upper.hasSuffix(")BEGIN")
        }
        return false
    }
}

/// 1-based line numbers of byte offsets, asked in increasing order.
struct LineCounter {
    let bytes: [UInt8]
    var offset = 0
    var line = 1

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func line(at target: Int) -> Int {
        if target < offset {
            offset = 0
            line = 1
        }
        while offset < target && offset < bytes.count {
            if bytes[offset] == 0x0A { line += 1 }
            offset += 1
        }
        return line
    }
}
