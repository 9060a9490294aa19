/// Frames `log_destination='jsonlog'` files (PostgreSQL 15+): one JSON object per line.
struct JSONFramer: EntryFraming {
    var lines: JSONLines
    var damage: [FramingDamage] = []

    init(maximumEntryBytes: Int) {
        lines = JSONLines(maximumEntryBytes: maximumEntryBytes)
    }

    mutating func frame(
        _ bytes: UnsafeRawBufferPointer, baseOffset: Int64, atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        try lines.split(bytes, baseOffset: baseOffset, atEnd: atEnd, damage: &damage) { start, end, truncated, line in
            try Self.deliver(bytes, start, end, baseOffset, truncated, line, body)
        }
    }

    private static func deliver(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ baseOffset: Int64, _ truncated: Bool,
        _ line: Int, _ body: (LogEntry) throws -> Void
    ) rethrows {
        var layout = EntryLayout(encoding: .json)
        var timestamp: Int64?
        var pid: Int32?
        var severity = LogSeverity.unknown
        var parsed = false
        if let object = parseJSONObject(bytes, start, end, &layout, &timestamp, &pid, &severity), object {
            parsed = true
        } else {
            layout = EntryLayout(encoding: .stderr)
            layout.set(.message, 0, end - start)
        }
        try body(
            LogEntry(
                offset: baseOffset + Int64(start), line: line, timestamp: timestamp, pid: pid, severity: severity,
                isParsed: parsed, truncated: truncated,
                bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), layout: layout))
    }
}
