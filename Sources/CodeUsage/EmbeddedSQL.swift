import Foundation
import Matching

/// Resolves SQL found in source files (in `.sql` files, or in string literals of code) with PostgreSQL's
/// own parser. The scanner calls it for every use found by a rule of the SQL family (`ecosystem: sql`) or in a
/// `.sql` file; a `nil` answer keeps the pattern's evidence.
public protocol EmbeddedSQLResolver: Sendable {
    /// The evidence that `sql` uses the target at `targetIndex` (as the scanner's `targets` are indexed),
    /// or `nil` when the statement could not be resolved (did not parse, or is only a fragment).
    func evidence(forSQL sql: String, targetIndex: Int) -> Evidence?
}

/// The SQL around a match: the statement a rule's `requires:` may match across lines, and what the SQL family's
/// scorer (and any rule in a `.sql` file) hands to the embedded-SQL resolver.
extension CodeScanner {
    /// The statement around a line. In SQL files: back to a blank line or a line ending in `;`, forward to a
    /// `;` or a blank line, at most 15 lines either way. In other files only a multi-line string or heredoc
    /// holds a statement across lines: its lines (at most 15 either way), or `nil` outside one, so that a line
    /// of code next to a query does not borrow the query's table.
    func statementWindow(around lineIndex: Int, in document: Document, context: SourceContext, isSQL: Bool)
        -> Range<Int>?
    {
        if !isSQL {
            guard let string = context.multilineString(containing: lineIndex) else { return nil }
            let first = max(string.lowerBound, lineIndex - 15)
            let last = min(string.upperBound, lineIndex + 15)
            return document.lineRange(first).lowerBound..<document.lineRange(last).upperBound
        }
        func isBlank(_ index: Int) -> Bool { document.line(index).allSatisfy { $0 == 0x20 || $0 == 0x09 } }
        func endsStatement(_ index: Int) -> Bool {
            document.line(index).reversed().first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: ";")
        }
        var first = lineIndex
        while first > 0 && lineIndex - first < 15 {
            let previous = first - 1
            if isBlank(previous) || endsStatement(previous) { break }
            first = previous
        }
        var last = lineIndex
        while last + 1 < document.lineCount && last - lineIndex < 15 && !endsStatement(last) {
            let next = last + 1
            if isBlank(next) { break }
            last = next
        }
        return document.lineRange(first).lowerBound..<document.lineRange(last).upperBound
    }

    /// The SQL to hand to the resolver: in SQL files the statement around the line; in other files the
    /// multi-line string or heredoc that holds the line (without its delimiter lines' code), or else the
    /// string literal that holds the match (`cur.execute("…")` → `…`), or else the line.
    func embeddedSQL(
        around lineIndex: Int, position: Int, line: [UInt8], document: Document, context: SourceContext, isSQL: Bool
    ) -> String {
        if isSQL {
            let window = statementWindow(around: lineIndex, in: document, context: context, isSQL: true)
            return window.map { String(decoding: document.bytes[$0], as: UTF8.self) } ?? document.lineString(lineIndex)
        }
        if let string = context.multilineString(containing: lineIndex), string.lowerBound < string.upperBound {
            var lines: [String] = []
            for index in string {
                let text = document.lineString(index)
                if index == string.lowerBound {
                    // Keep what follows the opening delimiter (`sql = """SELECT …` → `SELECT …`).
                    if let range = Self.delimiterRange(in: text) { lines.append(String(text[range.upperBound...])) }
                } else if index == string.upperBound {
                    if let range = Self.delimiterRange(in: text) {
                        lines.append(String(text[..<range.lowerBound]))
                    } else if context.heredocTag(closing: text) == nil {
                        lines.append(text)
                    }
                } else {
                    lines.append(text)
                }
            }
            return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return Document.literal(in: line, containing: position) ?? document.lineString(lineIndex)
    }

    static func delimiterRange(in text: String) -> Range<String.Index>? {
        for delimiter in ["\"\"\"", "'''", "`"] {
            if let range = text.range(of: delimiter) { return range }
        }
        return nil
    }
}
