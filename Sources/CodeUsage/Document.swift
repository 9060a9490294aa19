/// A text unit (a file, or one notebook cell) split into lines, with the lexical facts the scoping needs:
/// which part of a line is a comment, which bytes sit inside a string literal.
struct Document {
    let bytes: [UInt8]
    /// Start offset of each line; a line ends before its `\n` (and a trailing `\r`).
    let lineStarts: [Int]
    let comments: CommentStyle

    init(bytes: [UInt8], comments: CommentStyle) {
        self.bytes = bytes
        self.comments = comments
        var starts = [0]
        bytes.withUnsafeBufferPointer { buffer in
            for index in 0..<buffer.count where buffer[index] == 0x0A { starts.append(index + 1) }
        }
        if starts.count > 1 && starts.last == bytes.count { starts.removeLast() }
        lineStarts = starts
        linesInBlockComment = comments.slashes || comments.dashes ? Self.blockCommentLines(bytes, style: comments) : []
    }

    /// Lines that start inside a `/* … */` comment opened on an earlier line.
    let linesInBlockComment: Set<Int>

    /// Walks the bytes once, tracking `/* … */` outside string literals (a literal never spans lines here).
    static func blockCommentLines(_ bytes: [UInt8], style: CommentStyle) -> Set<Int> {
        var lines: Set<Int> = []
        var line = 0
        var inBlock = false
        var quote: UInt8?
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                quote = nil
                if inBlock { lines.insert(line) }
                index += 1
                continue
            }
            let next: UInt8 = index + 1 < count ? bytes[index + 1] : 0
            if inBlock {
                if byte == UInt8(ascii: "*") && next == UInt8(ascii: "/") {
                    inBlock = false
                    index += 2
                    continue
                }
            } else if let open = quote {
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    continue
                }
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`") {
                quote = byte
            } else if byte == UInt8(ascii: "/") && next == UInt8(ascii: "*") {
                inBlock = true
                index += 2
                continue
            } else if style.slashes && byte == UInt8(ascii: "/") && next == UInt8(ascii: "/")
                || style.dashes && byte == UInt8(ascii: "-")
                    && next == UInt8(ascii: "-")
            {
                // A line comment: skip to the end of the line (a `/*` in it opens nothing).
                while index < count && bytes[index] != 0x0A { index += 1 }
                continue
            }
            index += 1
        }
        return lines
    }

    var lineCount: Int { lineStarts.count }

    /// The line (0-based) holding byte `offset`.
    func lineIndex(containing offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// The byte range of line `index`, without its line terminator.
    func lineRange(_ index: Int) -> Range<Int> {
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : bytes.count
        if end > start && bytes[end - 1] == 0x0A { end -= 1 }
        if end > start && bytes[end - 1] == 0x0D { end -= 1 }
        return start..<max(start, end)
    }

    func line(_ index: Int) -> ArraySlice<UInt8> { bytes[lineRange(index)] }

    func lineString(_ index: Int) -> String { String(decoding: line(index), as: UTF8.self) }

    /// The offset within the line where a comment starts (outside string literals), if any.
    func commentStart(inLine index: Int) -> Int? {
        if linesInBlockComment.contains(index) { return 0 }
        return comments.commentStart(in: line(index))
    }

    /// For each byte of `line`: whether it sits inside a string literal (quotes included).
    static func quotedMask(of line: [UInt8]) -> [Bool] {
        var mask = Array(repeating: false, count: line.count)
        var quote: UInt8?
        var position = 0
        while position < line.count {
            let byte = line[position]
            if let open = quote {
                mask[position] = true
                if byte == UInt8(ascii: "\\") && position + 1 < line.count {
                    mask[position + 1] = true
                    position += 2
                    continue
                }
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`") {
                quote = byte
                mask[position] = true
            }
            position += 1
        }
        return mask
    }

    /// The string literal of `line` that holds byte `position`, without its quotes; `nil` when the position is
    /// not inside a literal.
    static func literal(in line: [UInt8], containing position: Int) -> String? {
        let mask = quotedMask(of: line)
        guard position < line.count, mask[position] else { return nil }
        var start = position
        while start > 0 && mask[start - 1] { start -= 1 }
        var end = position
        while end + 1 < line.count && mask[end + 1] { end += 1 }
        // `start` and `end` are the quotes (a literal left open runs to the end of the line).
        let quote = line[start]
        let closed = end > start && line[end] == quote
        let body = line[(start + 1)..<(closed ? end : end + 1)]
        return String(decoding: body, as: UTF8.self)
    }
}

/// How a language writes comments.
struct CommentStyle: Sendable {
    var hash = false
    var slashes = false
    var dashes = false

    /// Chooses the style from a file name (the rules' file name for notebook cells).
    static func forFile(named name: String) -> CommentStyle {
        let lower = name.lowercased()
        let ext = lower.split(separator: ".").last.map(String.init) ?? ""
        switch ext {
        case "py", "rb", "rake", "sh", "bash", "zsh", "yml", "yaml", "lkml", "lookml", "r", "toml", "pl", "tf",
            "ex", "exs", "gemspec", "cfg", "conf", "ini", "properties", "mk":
            return CommentStyle(hash: true)
        case "sql", "psql", "pgsql", "lua", "hs":
            return CommentStyle(dashes: true)
        case "php":
            return CommentStyle(hash: true, slashes: true)
        case "json", "ipynb", "md", "markdown", "rst", "txt", "csv", "adoc", "xml", "html":
            return CommentStyle()
        default:
            if lower == "dockerfile" || lower == "makefile" || lower == "gemfile" || lower == "rakefile" {
                return CommentStyle(hash: true)
            }
            return CommentStyle(slashes: true)
        }
    }

    /// The offset in `line` where a comment starts, outside string literals.
    func commentStart(in line: ArraySlice<UInt8>) -> Int? {
        line.withUnsafeBufferPointer(commentStart(in:))
    }

    /// `commentStart(in:)` on a buffer (offsets from its start).
    func commentStart(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var first = 0
        while first < bytes.count && (bytes[first] == 0x20 || bytes[first] == 0x09) { first += 1 }
        if slashes && first < bytes.count && bytes[first] == UInt8(ascii: "*") {
            // A block comment's continuation line (` * text`, ` */`), as Javadoc and JSDoc write them.
            let next = first + 1 < bytes.count ? bytes[first + 1] : 0x20
            if next == 0x20 || next == UInt8(ascii: "/") || next == 0x09 { return first }
        }
        if dashes && first < bytes.count && bytes[first] == UInt8(ascii: "*")
            && (first + 1 == bytes.count || bytes[first + 1] == 0x20)
        {
            return first
        }
        var quote: UInt8?
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            let next: UInt8 = position + 1 < bytes.count ? bytes[position + 1] : 0
            if let open = quote {
                if byte == UInt8(ascii: "\\") {
                    position += 2
                    continue
                }
                if byte == open { quote = nil }
            } else {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
                    // An apostrophe inside a word (`don't`) does not open a string in hash-comment languages'
                    // prose, but code rarely has one before a comment; treat every quote as opening.
                    quote = byte
                case UInt8(ascii: "#") where hash && next != UInt8(ascii: "{"):
                    return position
                case UInt8(ascii: "/") where slashes && (next == UInt8(ascii: "/") || next == UInt8(ascii: "*")):
                    return position
                case UInt8(ascii: "-") where dashes && next == UInt8(ascii: "-"):
                    return position
                case UInt8(ascii: "/") where dashes && next == UInt8(ascii: "*"):
                    return position
                default:
                    break
                }
            }
            position += 1
        }
        return nil
    }
}
