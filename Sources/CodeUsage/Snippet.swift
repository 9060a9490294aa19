/// The text a finding shows: its line, trimmed, at most 200 characters, with secrets masked.
///
/// Source lines that name a column sometimes carry a secret too (`psql "postgres://app:pw@db/shop" -c …`,
/// `PGPASSWORD=… psql`, `password = "…"`, an AWS key, a card number in a `.sql` seed); reports are shared,
/// so such values become `***` (see `SecretMasker`), in every format and whatever `--show-values` says:
/// that option is about the literal values of logged statements, never about secrets in the sources.
enum Snippet {
    static let maximumLength = 200
    /// How much of a long line is searched for secrets: far more than a snippet shows, and more than any
    /// secret that starts within what it shows is long, while a minified megabyte line costs no more.
    static let maskedWindow = 64 * 1024

    static func make(fromLine line: ArraySlice<UInt8>) -> String {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var end = line.endIndex
        while end > line.startIndex && isSpace(line[end - 1]) { end -= 1 }
        var start = line.startIndex
        while start < end && isSpace(line[start]) { start += 1 }
        let window = line[start..<min(end, start + maskedWindow)]
        let text = String(decoding: SecretMasker.masked(window), as: UTF8.self)
        return String(text.prefix(maximumLength))
    }

    static func make(fromLine line: String) -> String { make(fromLine: Array(line.utf8)[...]) }
}
