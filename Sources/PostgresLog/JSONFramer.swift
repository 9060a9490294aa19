/// Frames `log_destination='jsonlog'` files (PostgreSQL 15+): one JSON object per line.
struct JSONFramer: EntryFraming {
    let maximumEntryBytes: Int

    /// The physical line number of the first unconsumed byte.
    var line = 1
    /// After a truncated entry: the rest of its line is being skipped.
    var skippingLine = false
    /// After a truncated entry: where it started (for the damage reports of its skipped rest).
    var skippedEntry: (offset: Int64, line: Int)?
    var damage: [FramingDamage] = []

    init(maximumEntryBytes: Int) {
        self.maximumEntryBytes = maximumEntryBytes
    }

    mutating func frame(
        _ bytes: UnsafeRawBufferPointer, baseOffset: Int64, atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        let end = bytes.count
        var position = 0
        if skippingLine {
            let lineEnd = find(10, bytes, from: 0, end: end)
            damage.appendSkipped(skippedEntry, baseOffset, 0..<lineEnd, limit: maximumEntryBytes)
            if lineEnd == end {
                if atEnd { skippingLine = false }
                return end
            }
            line += 1
            position = lineEnd + 1
            skippingLine = false
        }
        while position < end {
            let lineEnd = find(10, bytes, from: position, end: end)
            if lineEnd == end && !atEnd {
                guard end - position >= maximumEntryBytes else { return position }
                try deliver(bytes, position, position + maximumEntryBytes, baseOffset, true, body)
                skippedEntry = (baseOffset + Int64(position), line)
                damage.appendSkipped(
                    skippedEntry, baseOffset, (position + maximumEntryBytes)..<end, limit: maximumEntryBytes)
                skippingLine = true
                return end
            }
            if lineEnd == position {
                line += 1
                position += 1
                continue
            }
            let cut = lineEnd - position > maximumEntryBytes
            try deliver(bytes, position, cut ? position + maximumEntryBytes : lineEnd, baseOffset, cut, body)
            if cut {
                skippedEntry = (baseOffset + Int64(position), line)
                damage.appendSkipped(
                    skippedEntry, baseOffset, (position + maximumEntryBytes)..<lineEnd, limit: maximumEntryBytes)
            }
            line += 1
            position = min(lineEnd + 1, end)
        }
        return position
    }

    private func deliver(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ baseOffset: Int64, _ truncated: Bool,
        _ body: (LogEntry) throws -> Void
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
