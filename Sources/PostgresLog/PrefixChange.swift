/// `parameter "log_line_prefix" changed to "…"`: the entry a server logs when a reload changes the prefix.
/// The stderr and syslog framers switch to the new prefix at that entry.
enum PrefixChange {
    static let marker = Array(#"parameter "log_line_prefix" changed to ""#.utf8)

    /// The new `log_line_prefix` when the scanned entry `entry` announces one, else `nil`.
    ///
    /// A parsed entry is looked at only when it is a LOG whose message starts with `p`, so the cost for
    /// other entries is a byte comparison; an unparsed line (the announcement may already carry the new
    /// prefix, which the old one does not fit) is searched for the announcement.
    static func value(in entry: UnsafeRawBufferPointer, _ scanned: ScannedEntry) -> String? {
        let text: Range<Int>
        if scanned.isParsed {
            guard scanned.severity == .log, let message = scanned.layout.range(.message),
                message.count > marker.count, entry[message.lowerBound] == UInt8(ascii: "p")
            else { return nil }
            text = message
        } else {
            var lineEnd = find(10, entry, from: 0, end: entry.count)
            while lineEnd > 0, entry[lineEnd - 1] == 13 { lineEnd -= 1 }
            guard lineEnd > marker.count else { return nil }
            text = 0..<lineEnd
        }
        return value(in: entry, text, anchored: scanned.isParsed)
    }

    /// The value after the marker in `bytes[text]` (at its start when `anchored`), up to the last quote.
    static func value(in bytes: UnsafeRawBufferPointer, _ text: Range<Int>, anchored: Bool) -> String? {
        let last = text.upperBound - marker.count
        var index = text.lowerBound
        while true {
            index = find(marker[0], bytes, from: index, end: last + 1)
            guard index <= last else { return nil }
            if (0..<marker.count).allSatisfy({ bytes[index + $0] == marker[$0] }) { break }
            if anchored { return nil }
            index += 1
        }
        let valueStart = index + marker.count
        var valueEnd = text.upperBound - 1
        while valueEnd >= valueStart, bytes[valueEnd] != UInt8(ascii: "\"") { valueEnd -= 1 }
        guard valueEnd >= valueStart else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), as: UTF8.self)
    }
}
