/// Frames `log_destination='stderr'` files: an entry is a line starting with the `log_line_prefix`, its
/// TAB continuation lines, and the DETAIL/HINT/QUERY/CONTEXT/LOCATION/STATEMENT lines of the same process
/// that follow (see ``scanStderrEntry``).
struct StderrFramer: EntryFraming {
    /// The prefix lines start with.
    var prefix: LinePrefix
    let maximumEntryBytes: Int

    /// The physical line number of the first unconsumed byte.
    var line = 1
    /// Set after a truncated entry: the rest of it is being skipped.
    var skipping = Skip.none
    /// The conversion of the last timestamp, reused by the next lines of the same second.
    var timestampCache = TimestampCache()

    enum Skip {
        case none
        /// Skip to the end of the current line, then continuation lines.
        case restOfLine
        /// Skip continuation lines (TAB lines and DETAIL/STATEMENT/… lines).
        case continuation
    }

    init(prefix: LinePrefix, maximumEntryBytes: Int) {
        self.prefix = prefix
        self.maximumEntryBytes = maximumEntryBytes
    }

    mutating func frame(
        _ bytes: UnsafeRawBufferPointer, baseOffset: Int64, atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        var position = skip(bytes, 0, atEnd)
        let end = bytes.count
        var known = false
        var scanned = ScannedEntry.empty
        while position < end {
            if case .none = skipping {} else { return position }
            if bytes[position] == 10 {  // blank line
                line += 1
                position += 1
                known = false
                continue
            }
            let result = scanStderrEntry(
                bytes, start: position, end: end, atEnd: atEnd, prefix: prefix, useKnownHeader: known,
                cache: &timestampCache, into: &scanned)
            switch result {
            case .entry:
                let length = scanned.end - position
                let cut = length > maximumEntryBytes
                try deliver(bytes, position, cut ? maximumEntryBytes : length, scanned, baseOffset, cut, body)
                line += scanned.newlines
                position = scanned.end
                known = scanned.nextHeader != nil
            case .incomplete(let scannedBytes):
                known = false
                guard scannedBytes >= maximumEntryBytes else { return position }
                // Too long to wait for its end: deliver the first part and skip the rest.
                var cache = TimestampCache()
                let partial = scanStderrEntry(
                    UnsafeRawBufferPointer(rebasing: bytes[position..<(position + maximumEntryBytes)]), start: 0,
                    end: maximumEntryBytes, atEnd: true, prefix: prefix, useKnownHeader: false, cache: &cache,
                    into: &scanned)
                guard case .entry = partial else { return position }
                try deliver(bytes, position, maximumEntryBytes, scanned, baseOffset, true, body)
                let consumed = position + scannedBytes
                line += countNewlines(bytes, from: position, end: consumed)
                skipping = consumed > 0 && bytes[consumed - 1] == 10 ? .continuation : .restOfLine
                position = skip(bytes, consumed, atEnd)
            }
        }
        return position
    }

    /// Skips what is left of a truncated entry from `start`; returns where framing resumes.
    private mutating func skip(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ atEnd: Bool) -> Int {
        var position = start
        let end = bytes.count
        while true {
            switch skipping {
            case .none: return position
            case .restOfLine:
                let lineEnd = find(10, bytes, from: position, end: end)
                if lineEnd == end {
                    if atEnd { skipping = .none }
                    return end
                }
                line += 1
                position = lineEnd + 1
                skipping = .continuation
            case .continuation:
                guard position < end else {
                    if atEnd { skipping = .none }
                    return position
                }
                let lineEnd = find(10, bytes, from: position, end: end)
                let isContinuation: Bool
                if bytes[position] == 9 {
                    isContinuation = true
                } else if lineEnd == end && !atEnd {
                    return position
                } else if let match = prefix.match(bytes, start: position, end: lineEnd) {
                    isContinuation = match.label != .severity
                } else {
                    isContinuation = false
                }
                guard isContinuation else {
                    skipping = .none
                    return position
                }
                skipping = .restOfLine
            }
        }
    }

    /// Calls `body` with an entry over `bytes[start..<start+length]`, fields clipped to that length.
    private func deliver(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ length: Int, _ scanned: ScannedEntry, _ baseOffset: Int64,
        _ truncated: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows {
        var layout = scanned.layout
        if truncated { layout.clip(to: length) }
        try body(
            LogEntry(
                offset: baseOffset + Int64(start), line: line, timestamp: scanned.timestamp, pid: scanned.pid,
                severity: scanned.severity, isParsed: scanned.isParsed, truncated: truncated,
                bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]), layout: layout))
    }
}
