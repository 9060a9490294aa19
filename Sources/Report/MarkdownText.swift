/// Text from input made safe for GitHub-flavoured Markdown: application, user and database names,
/// statements, snippets, paths and target names can hold anything a client or a file puts there.
/// Nothing escaped here renders as HTML, a link, an `@mention`, an issue reference or a table cell break.
enum MarkdownText {
    /// Zero-width joiner: breaks `@name`, `#123`, `www.` and `scheme://` so that nothing links, and is
    /// invisible when rendered.
    static let joiner: Character = "\u{200D}"

    /// Input text as a code span: code is never HTML, a link or a mention. The fence is one backtick longer
    /// than the longest run inside; `|` is escaped in table cells (GFM splits cells before inline parsing).
    /// Longer text is cut to `limit` characters and ends with `…`.
    static func code(_ raw: String, limit: Int = 200, inTable: Bool) -> String {
        var text = truncated(singleLine(raw), limit: limit)
        if text.isEmpty { return "(empty)" }
        if inTable { text = text.replacingOccurrences(of: "|", with: "\\|") }
        var longest = 0
        var run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let needsPadding =
            text.first == "`" || text.last == "`"
            || ((text.first == " " || text.last == " ") && !text.allSatisfy { $0 == " " })
        return needsPadding ? "\(fence) \(text) \(fence)" : "\(fence)\(text)\(fence)"
    }

    /// Input text as prose: every ASCII punctuation character backslash-escaped (so no emphasis, HTML,
    /// entity, link or heading syntax survives), and a joiner after `@` and `#` and inside `www.` and
    /// `://` (so that GitHub links no mention, reference or URL).
    static func text(_ raw: String, limit: Int = 2000) -> String {
        let text = truncated(singleLine(raw), limit: limit)
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            if character == ":" && index + 2 < characters.count && characters[index + 1] == "/"
                && characters[index + 2] == "/"
            {
                out.append(joiner)
            }
            if character == "." && index >= 3 && String(characters[(index - 3)..<index]).lowercased() == "www" {
                out.append(joiner)
            }
            if let ascii = character.asciiValue, ascii.isPunctuation {
                out.append("\\")
            }
            out.append(character)
            if character == "@" || character == "#" { out.append(joiner) }
        }
        return out
    }

    /// One line: line breaks and tabs become spaces; other control characters and the bidirectional
    /// overrides that can make text read differently from what it is become U+FFFD.
    static func singleLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: out.append(" ")
            case 0x00...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C:
                out.append("\u{FFFD}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    static func truncated(_ text: String, limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(max(limit - 1, 0))) + "…"
    }
}

extension UInt8 {
    /// The ASCII punctuation characters CommonMark lets a backslash escape.
    fileprivate var isPunctuation: Bool {
        (0x21...0x2F).contains(self) || (0x3A...0x40).contains(self) || (0x5B...0x60).contains(self)
            || (0x7B...0x7E).contains(self)
    }
}
