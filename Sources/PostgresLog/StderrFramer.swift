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
    /// After a `log_line_prefix` change: the prefix before it, still tried for lines the new one does not
    /// fit (sessions pick up a reload only when they next go idle).
    var previousPrefix: LinePrefix?
    /// After a truncated entry: where it started (for the damage reports of its skipped rest).
    var skippedEntry: (offset: Int64, line: Int)?
    /// After a truncated entry: its process, whose DETAIL/STATEMENT/… lines are skipped with it.
    var skippedPid: Int32?
    var damage: [FramingDamage] = []

    enum Skip {
        case none
        /// Skip to the end of the current line, then continuation lines.
        case restOfLine
        /// Skip to the end of the current line only: an unparsed line has no continuation lines (as
        /// ``scanStderrEntry`` reads it), so the next line is framed whatever it is.
        case restOfUnparsedLine
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
        var position = skip(bytes, 0, atEnd, baseOffset)
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
                bytes, start: position, end: end, atEnd: atEnd, prefix: prefix, alternate: previousPrefix,
                useKnownHeader: known, cache: &timestampCache, into: &scanned)
            if case .entry = result, !scanned.isParsed, let previousPrefix {
                // A line the new prefix does not fit, from a session still on the old one.
                var cache = TimestampCache()
                var old = ScannedEntry.empty
                let retry = scanStderrEntry(
                    bytes, start: position, end: end, atEnd: atEnd, prefix: previousPrefix, alternate: prefix,
                    useKnownHeader: false, cache: &cache, into: &old)
                if case .incomplete = retry { return position }
                if old.isParsed {
                    scanned = old
                    // The next line's header was matched with the old prefix: it is matched again with the
                    // current one (as it is when it lies past the end of these bytes).
                    scanned.nextHeader = nil
                }
            }
            switch result {
            case .entry where scanned.end - position >= maximumEntryBytes:
                // Too long: read from its first bytes, as it is when its end lies past the bytes of a call, so
                // that the entry does not depend on where the chunks end.
                let (entryEnd, newlines) = (scanned.end, scanned.newlines)
                scanned = try deliverCut(bytes, position, baseOffset, body)
                let resume = scanned.isParsed ? entryEnd : min(find(10, bytes, from: position, end: end) + 1, end)
                damage.appendSkipped(
                    (baseOffset + Int64(position), line), baseOffset, (position + maximumEntryBytes)..<resume,
                    limit: maximumEntryBytes)
                line += resume == entryEnd ? newlines : countNewlines(bytes, from: position, end: resume)
                position = resume
                known = false
            case .entry:
                if let changed = changedPrefix(bytes, position, scanned, baseOffset) {
                    // Later lines carry the new prefix; this line may already carry it (the server logs the
                    // change after applying it). Rescanned so that lines in the new prefix end the entry
                    // rather than being joined to it as continuation lines.
                    let first = find(10, bytes, from: position, end: end)
                    let carriesNew = changed.match(bytes, start: position, end: first) != nil
                    if carriesNew || scanned.joinedLines > 0 {
                        var cache = TimestampCache()
                        var rescanned = ScannedEntry.empty
                        let again = scanStderrEntry(
                            bytes, start: position, end: end, atEnd: atEnd, prefix: carriesNew ? changed : prefix,
                            alternate: carriesNew ? prefix : changed, useKnownHeader: false, cache: &cache,
                            into: &rescanned)
                        guard case .entry = again else { return position }
                        if rescanned.isParsed { scanned = rescanned }
                    }
                    previousPrefix = prefix
                    prefix = changed
                    timestampCache = TimestampCache()
                    scanned.nextHeader = nil
                }
                let length = scanned.end - position
                let cut = length >= maximumEntryBytes
                if cut {
                    // Only a prefix change can make it longer than when it was scanned: cut it the same way.
                    scanned = try deliverCut(bytes, position, baseOffset, body)
                    damage.appendSkipped(
                        (baseOffset + Int64(position), line), baseOffset,
                        (position + maximumEntryBytes)..<(position + length), limit: maximumEntryBytes)
                    line += countNewlines(bytes, from: position, end: position + length)
                    position += length
                    known = false
                    continue
                }
                try deliver(bytes, position, length, scanned, baseOffset, false, body)
                line += scanned.newlines
                position = scanned.end
                known = scanned.nextHeader != nil
            case .incomplete(let scannedBytes):
                known = false
                guard scannedBytes >= maximumEntryBytes else { return position }
                // Too long to wait for its end: deliver the first part and skip the rest.
                scanned = try deliverCut(bytes, position, baseOffset, body)
                skippedEntry = (baseOffset + Int64(position), line)
                skippedPid = scanned.pid
                var consumed = position + scannedBytes
                if !scanned.isParsed {
                    // Read from its first bytes it is one unparsed line: only that line is skipped.
                    consumed = min(consumed, find(10, bytes, from: position, end: consumed) + 1)
                }
                damage.appendSkipped(
                    skippedEntry, baseOffset, (position + maximumEntryBytes)..<consumed, limit: maximumEntryBytes)
                line += countNewlines(bytes, from: position, end: consumed)
                let atLineStart = consumed > 0 && bytes[consumed - 1] == 10
                if !scanned.isParsed {
                    skipping = atLineStart ? .none : .restOfUnparsedLine
                } else {
                    skipping = atLineStart ? .continuation : .restOfLine
                }
                position = skip(bytes, consumed, atEnd, baseOffset)
            }
        }
        return position
    }

    /// Delivers the entry at `start` read from its first ``maximumEntryBytes`` bytes, flagged truncated (with
    /// the previous prefix when the current one does not fit it, as for any entry); returns it as scanned.
    private func deliverCut(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ baseOffset: Int64, _ body: (LogEntry) throws -> Void
    ) rethrows -> ScannedEntry {
        let head = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + maximumEntryBytes)])
        var cache = TimestampCache()
        var scanned = ScannedEntry.empty
        _ = scanStderrEntry(
            head, start: 0, end: head.count, atEnd: true, prefix: prefix, alternate: previousPrefix,
            useKnownHeader: false, cache: &cache, into: &scanned)
        if !scanned.isParsed, let previousPrefix {
            var old = ScannedEntry.empty
            _ = scanStderrEntry(
                head, start: 0, end: head.count, atEnd: true, prefix: previousPrefix, alternate: prefix,
                useKnownHeader: false, cache: &cache, into: &old)
            if old.isParsed { scanned = old }
        }
        try deliver(bytes, start, maximumEntryBytes, scanned, baseOffset, true, body)
        return scanned
    }

    /// Skips what is left of a truncated entry from `start`, reporting it; returns where framing resumes.
    private mutating func skip(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ atEnd: Bool, _ baseOffset: Int64
    ) -> Int {
        if case .none = skipping { return start }
        let resume = skipLines(bytes, start, atEnd)
        damage.appendSkipped(skippedEntry, baseOffset, start..<resume, limit: maximumEntryBytes)
        return resume
    }

    /// The new prefix when the entry scanned at `start` announces one (see ``PrefixChange``); an unusable
    /// value is reported and the current prefix kept.
    private mutating func changedPrefix(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ scanned: ScannedEntry, _ baseOffset: Int64
    ) -> LinePrefix? {
        let entry = UnsafeRawBufferPointer(rebasing: bytes[start..<scanned.end])
        guard let value = PrefixChange.value(in: entry, scanned) else { return nil }
        do {
            return try LinePrefix(parsing: value)
        } catch {
            let offset = baseOffset + Int64(start)
            damage.append(
                FramingDamage(
                    kind: .unusablePrefixChange, entryOffset: offset, line: line,
                    range: offset..<(offset + Int64(entry.count)), limit: maximumEntryBytes))
            return nil
        }
    }

    /// Skips the rest of a truncated entry's lines from `start`; returns where framing resumes.
    private mutating func skipLines(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ atEnd: Bool) -> Int {
        var position = start
        let end = bytes.count
        while true {
            switch skipping {
            case .none: return position
            case .restOfLine, .restOfUnparsedLine:
                let lineEnd = find(10, bytes, from: position, end: end)
                if lineEnd == end {
                    if atEnd { skipping = .none }
                    return end
                }
                line += 1
                position = lineEnd + 1
                if case .restOfUnparsedLine = skipping { skipping = .none } else { skipping = .continuation }
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
                    // As ``scanStderrEntry`` reads it: a DETAIL/STATEMENT/… line of the same process.
                    isContinuation =
                        match.label != .severity
                        && (match.fields.pid == nil || skippedPid == nil || match.fields.pid == skippedPid)
                } else {
                    // No prefix: a continuation line that lost its TAB, unless it announces a new prefix (as
                    // ``scanStderrEntry`` reads it).
                    isContinuation =
                        previousPrefix?.match(bytes, start: position, end: lineEnd) == nil
                        && PrefixChange.value(in: bytes, position..<lineEnd, anchored: false) == nil
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
                bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]), layout: layout,
                joinedLines: scanned.joinedLines))
    }
}
