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

    /// Words that may introduce a credential; only lines holding one go through the (costly) maskers.
    private static let triggers = LiteralSet(["://", "pass", "secret", "token", "key", "pwd", "credential"])

    static func make(fromLine line: String) -> String {
        var bytes = Array(line.utf8)
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        while let last = bytes.last, isSpace(last) { bytes.removeLast() }
        let start = bytes.firstIndex { !isSpace($0) } ?? bytes.count
        var text = String(decoding: bytes[start...], as: UTF8.self)
        let folded = bytes[start...].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        if triggers.occurs(in: String(decoding: folded, as: UTF8.self)) {
            for (expression, template) in maskers {
                let range = NSRange(text.startIndex..., in: text)
                text = expression.stringByReplacingMatches(in: text, range: range, withTemplate: template)
            }
        }
        return String(text.prefix(maximumLength))
    }
}
