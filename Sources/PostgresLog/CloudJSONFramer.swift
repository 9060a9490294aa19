import ScanIO

/// Frames a ``CloudExport``: one JSON object per line, each one PostgreSQL entry.
///
/// A wrapped server line is unescaped and read as a stderr entry with the inner `log_line_prefix` (the
/// entry's bytes are then that line, like a reassembled syslog message); a CloudNativePG record is read
/// field by field in place, like jsonlog. Objects that wrap nothing readable are unparsed entries.
///
/// Cloud SQL exports each line of a message as its own record: the records that follow a message and
/// continue it (a TAB line; `DETAIL:`, `STATEMENT:`… of the same process; a line that fits no prefix, as a
/// continuation line that lost its TAB) are joined to it, so a message is delivered when the next one
/// starts, or at the end of the file.
struct CloudJSONFramer: EntryFraming {
    let export: CloudExport
    /// The prefix of the wrapped lines.
    var prefix: LinePrefix
    var lines: JSONLines
    var damage: [FramingDamage] = []
    /// The unescaped wrapped line (reused).
    var buffer: [UInt8] = []
    /// The message being joined from consecutive records: its lines, and where and when it started.
    var pending: [UInt8] = []
    var pendingStart: (offset: Int64, line: Int, time: Int64?, pid: Int32?, truncated: Bool)?
    /// Records joined to the pending message that fit no prefix (continuation lines that lost their TAB).
    var pendingJoined = 0

    init(export: CloudExport, prefix: LinePrefix, maximumEntryBytes: Int) {
        self.export = export
        self.prefix = prefix
        lines = JSONLines(maximumEntryBytes: maximumEntryBytes)
    }

    mutating func frame(
        _ bytes: UnsafeRawBufferPointer, baseOffset: Int64, atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        var splitter = lines
        var found: [FramingDamage] = []
        defer {
            lines = splitter
            damage += found
        }
        let used = try splitter.split(bytes, baseOffset: baseOffset, atEnd: atEnd, damage: &found) {
            start, end, truncated, line in
            let offset = baseOffset + Int64(start)
            if export == .cloudNativePG {
                try body(Self.record(bytes, start, end, offset: offset, line: line, truncated: truncated))
            } else {
                try deliverWrapped(bytes, start, end, offset: offset, line: line, truncated: truncated, body)
            }
        }
        if atEnd { try emitPending(body) }
        return used
    }

    /// Reads the wrapped server line of the object at `start..<end` as a stderr entry.
    private mutating func deliverWrapped(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, offset: Int64, line: Int, truncated: Bool,
        _ body: (LogEntry) throws -> Void
    ) rethrows {
        let (wrapped, time) = export.wrappedLine(bytes, start, end)
        guard let wrapped else {
            try body(
                unparsedEntry(bytes, start, end, baseOffset: offset - Int64(start), line: line, truncated: truncated))
            return
        }
        buffer.removeAll(keepingCapacity: true)
        JSONText.unescape(UnsafeRawBufferPointer(rebasing: bytes[wrapped]), into: &buffer)
        while let last = buffer.last, last == 10 || last == 13 { buffer.removeLast() }
        let prefix = prefix
        let match = buffer.withUnsafeBytes { prefix.match($0, start: 0, end: $0.count) }
        if let started = pendingStart,
            buffer.first == 9 || !buffer.isEmpty && match == nil
                || match.map({ $0.label != .severity && ($0.fields.pid == nil || $0.fields.pid == started.pid) })
                    == true
        {
            // A record that continues the pending message.
            if buffer.first != 9 && match == nil { pendingJoined += 1 }
            pending.append(10)
            pending += buffer
            if truncated { pendingStart?.truncated = true }
            return
        }
        try emitPending(body)
        guard match != nil else {
            // Fits no prefix and continues nothing: one unparsed entry.
            try buffer.withUnsafeBytes { text in
                try body(unparsedEntry(text, 0, text.count, baseOffset: offset, line: line, truncated: truncated))
            }
            return
        }
        pending = buffer
        pendingStart = (offset, line, time, match?.fields.pid, truncated)
        pendingJoined = 0
    }

    /// Delivers the message joined so far, read as one stderr entry.
    private mutating func emitPending(_ body: (LogEntry) throws -> Void) rethrows {
        guard let started = pendingStart else { return }
        pendingStart = nil
        let prefix = prefix
        let joined = pendingJoined
        try pending.withUnsafeBytes { text in
            var cache = TimestampCache()
            var scanned = ScannedEntry.empty
            _ = scanStderrEntry(
                text, start: 0, end: text.count, atEnd: true, prefix: prefix, useKnownHeader: false, cache: &cache,
                into: &scanned)
            // A message is one entry: whatever follows its first line belongs to it (fields stay as scanned).
            scanned.timestamp = scanned.timestamp ?? started.time
            try body(
                LogEntry(
                    offset: started.offset, line: started.line, timestamp: scanned.timestamp, pid: scanned.pid,
                    severity: scanned.severity, isParsed: scanned.isParsed, truncated: started.truncated, bytes: text,
                    layout: scanned.layout, joinedLines: max(joined, scanned.joinedLines)))
        }
    }

    /// A CloudNativePG object: a `postgres` record read field by field; the operator's own messages are
    /// parsed entries that carry no statement.
    static func record(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, offset: Int64, line: Int, truncated: Bool
    ) -> LogEntry {
        var layout = EntryLayout(encoding: .json)
        var timestamp: Int64?
        var pid: Int32?
        var severity = LogSeverity.unknown
        var record: Range<Int>?
        var message: Range<Int>?
        let wellFormed = forEachJSONMember(bytes, start, end) { member in
            if member.hasKey("record", in: bytes), !member.isString, bytes[member.value.lowerBound] == UInt8(ascii: "{")
            {
                record = member.value
            } else if member.hasKey("msg", in: bytes), member.isString {
                message = member.value
            } else if member.hasKey("ts", in: bytes) {
                timestamp = LogTimestamp.parseISO(bytes, at: member.value.lowerBound, end: member.value.upperBound)?.0
            }
        }
        guard wellFormed, message != nil || record != nil else {
            return unparsedEntry(bytes, start, end, baseOffset: offset - Int64(start), line: line, truncated: truncated)
        }
        guard let record else {
            if let message { layout.set(.message, message.lowerBound - start, message.upperBound - start) }
            return LogEntry(
                offset: offset, line: line, timestamp: timestamp, pid: nil, severity: .unknown, isParsed: true,
                truncated: truncated, bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), layout: layout)
        }
        forEachJSONMember(bytes, record.lowerBound, record.upperBound) { member in
            guard member.isString else { return }
            let value = member.value
            func put(_ field: EntryField) { layout.set(field, value.lowerBound - start, value.upperBound - start) }
            if member.hasKey("log_time", in: bytes) {
                timestamp = LogTimestamp.parse(bytes, at: value.lowerBound, end: value.upperBound)?.milliseconds
            } else if member.hasKey("user_name", in: bytes) {
                put(.user)
            } else if member.hasKey("database_name", in: bytes) {
                put(.database)
            } else if member.hasKey("application_name", in: bytes) {
                put(.application)
            } else if member.hasKey("process_id", in: bytes) {
                pid = integer(bytes, value).map { Int32(truncatingIfNeeded: $0) }
            } else if member.hasKey("connection_from", in: bytes) {
                // "host:port" -> host
                var cut = value.upperBound
                if let colon = (value.lowerBound..<value.upperBound).last(where: { bytes[$0] == UInt8(ascii: ":") }),
                    integer(bytes, (colon + 1)..<value.upperBound) != nil
                {
                    cut = colon
                }
                layout.set(.host, value.lowerBound - start, cut - start)
            } else if member.hasKey("session_id", in: bytes) {
                put(.session)
            } else if member.hasKey("error_severity", in: bytes) {
                severity = PostgresLog.severity(of: bytes, value.lowerBound, value.upperBound)
            } else if member.hasKey("sql_state_code", in: bytes) {
                put(.sqlState)
            } else if member.hasKey("message", in: bytes) {
                put(.message)
            } else if member.hasKey("detail", in: bytes) {
                put(.detail)
            } else if member.hasKey("hint", in: bytes) {
                put(.hint)
            } else if member.hasKey("internal_query", in: bytes) {
                put(.internalQuery)
            } else if member.hasKey("context", in: bytes) {
                put(.context)
            } else if member.hasKey("query", in: bytes) {
                put(.statement)
            }
        }
        return LogEntry(
            offset: offset, line: line, timestamp: timestamp, pid: pid, severity: severity, isParsed: true,
            truncated: truncated, bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), layout: layout)
    }
}
