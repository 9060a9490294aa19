import Foundation

/// The text a finding shows: its line, trimmed, at most 200 characters, with credentials masked.
///
/// Source lines that mention a column sometimes carry a secret too (`psql "postgres://app:pw@db/shop" -c …`,
/// `PGPASSWORD=… psql`, `password = "…"`); reports are shared, so such values become `***`.
enum Snippet {
    static let maximumLength = 200

    private static let maskers: [(NSRegularExpression, String)] = [
        // postgres://user:password@host → postgres://user:***@host
        (#"([A-Za-z][A-Za-z0-9+.-]*://[^:/\s"'@]+:)[^@\s"']+@"#, "$1***@"),
        // password = "…", "api_key": '…', token: "…"
        (
            #"(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)["']?\s*[:=]\s*)(["'])[^"']*\2"#,
            "$1$2***$2"
        ),
        // PGPASSWORD=…, password=… in a connection string or query string
        (
            #"(?i)((?:pgpassword|password|passwd|secret|token|api[_-]?key)=)[^\s"'&;]+"#,
            "$1***"
        ),
    ].map { pattern, template in
        // The patterns are literals checked by the tests; a failure here is a programming error.
        (try! NSRegularExpression(pattern: pattern), template)
    }

    static func make(fromLine line: String) -> String {
        var text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = text.lowercased()
        if lower.contains("://") || lower.contains("pass") || lower.contains("secret") || lower.contains("token")
            || lower.contains("key") || lower.contains("pwd") || lower.contains("credential")
        {
            for (expression, template) in maskers {
                let range = NSRange(text.startIndex..., in: text)
                text = expression.stringByReplacingMatches(in: text, range: range, withTemplate: template)
            }
        }
        return String(text.prefix(maximumLength))
    }
}
