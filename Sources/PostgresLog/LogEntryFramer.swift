/// Turns the decompressed bytes of one log file into ``LogEntry`` values, chunk by chunk.
///
/// Use one framer per file. Feed it the file's bytes in order; it returns how many bytes it consumed,
/// and the caller moves the unconsumed tail (an entry that may continue in the next chunk) to the front
/// of the next chunk:
///
/// ```swift
/// var framer = LogEntryFramer(format: format)
/// var pending: [UInt8] = []          // the carried-over tail
/// var offset: Int64 = 0              // stream offset of pending[0]
/// while let chunk = reader.next() {
///     pending += chunk
///     let used = pending.withUnsafeBytes { framer.frame($0, baseOffset: offset, atEnd: false) { handle($0) } }
///     pending.removeFirst(used); offset += Int64(used)
/// }
/// _ = pending.withUnsafeBytes { framer.frame($0, baseOffset: offset, atEnd: true) { handle($0) } }
/// ```
///
/// The entries are the same whatever the chunk boundaries are. An entry longer than
/// ``maximumEntryBytes`` is delivered cut at that size with ``LogEntry/truncated`` set, and the rest is
/// skipped, so the carried-over tail never grows beyond that size plus one line. For syslog, pieces of
/// one message are joined per process, so a message is delivered when the next message of its process
/// starts (or at the end): syslog entries are not in file order.
public struct LogEntryFramer {
    /// The format of the file.
    public let format: LogFormat
    /// The size at which an entry is cut (16 MiB by default).
    public let maximumEntryBytes: Int
    /// The year assumed for RFC 3164 syslog times, which have none.
    public let syslogYear: Int

    /// The physical line number of the first unconsumed byte.
    var line = 1
    /// Set after a truncated entry: the rest of it is being skipped.
    var skipping = SkipState.none
    /// csvlog: field boundaries of the current record (reused to avoid allocations).
    var csvFields: [Int] = []
    /// The conversion of the last timestamp, reused by the next lines of the same second.
    var timestampCache = TimestampCache()
    /// syslog: messages being reassembled, by pid.
    var syslogPending: [Int32: SyslogMessage] = [:]

    enum SkipState {
        case none
        /// Skip to the end of the current line, then continuation lines.
        case restOfLine
        /// Skip continuation lines (TAB lines and DETAIL/STATEMENT/… lines).
        case continuation
        /// csvlog: skip the rest of a record, inside or outside a quoted field.
        case csvRecord(inQuotes: Bool)
    }

    struct SyslogMessage {
        var offset: Int64
        var line: Int
        var time: Int64?
        var pid: Int32
        var sequence: Int
        var buffer: [UInt8]
        var truncated: Bool
    }

    /// Creates a framer for one file.
    ///
    /// - Parameters:
    ///   - format: the file's format, usually from ``LogFormatDetector/detect(sample:explicitPrefix:)``.
    ///   - maximumEntryBytes: entries longer than this are cut and flagged ``LogEntry/truncated``.
    ///   - syslogYear: the year of RFC 3164 syslog times, which have none (`Feb 10 23:15:40`); pass the
    ///     year the file was written (for example from its modification time). Default 1970.
    public init(format: LogFormat, maximumEntryBytes: Int = 16 << 20, syslogYear: Int = 1970) {
        self.format = format
        self.maximumEntryBytes = max(maximumEntryBytes, 64)
        self.syslogYear = syslogYear
    }

    /// Frames the entries in `bytes` and calls `body` for each complete one.
    ///
    /// - Parameters:
    ///   - bytes: decompressed bytes, starting with the tail left unconsumed by the previous call.
    ///   - baseOffset: the stream offset of `bytes[0]`.
    ///   - atEnd: whether these are the last bytes of the file (the last entry is then complete).
    ///   - body: receives each entry; the entry is only valid during the call.
    /// - Returns: how many bytes were consumed; the rest must be passed again, first, in the next call.
    ///   With `atEnd`, everything is consumed.
    @discardableResult
    public mutating func frame(
        _ bytes: UnsafeRawBufferPointer, baseOffset: Int64, atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        switch format {
        case .stderr(let prefix): return try frameStderr(bytes, baseOffset, atEnd, prefix, body)
        case .csv: return try frameCSV(bytes, baseOffset, atEnd, body)
        case .json: return try frameJSON(bytes, baseOffset, atEnd, body)
        case .syslog(let prefix): return try frameSyslog(bytes, baseOffset, atEnd, prefix, body)
        }
    }

    // MARK: stderr

    private mutating func skipStderr(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ atEnd: Bool, _ prefix: LinePrefix?
    ) -> Int {
        var position = start
        let end = bytes.count
        while true {
            switch skipping {
            case .none, .csvRecord: return position
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
                } else if let prefix, let match = prefix.match(bytes, start: position, end: lineEnd) {
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

    private mutating func frameStderr(
        _ bytes: UnsafeRawBufferPointer, _ baseOffset: Int64, _ atEnd: Bool, _ prefix: LinePrefix,
        _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        var position = skipStderr(bytes, 0, atEnd, prefix)
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
                cache: &timestampCache,
                into: &scanned)
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
                position = skipStderr(bytes, consumed, atEnd, prefix)
            }
        }
        return position
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

    // MARK: csvlog

    private mutating func frameCSV(
        _ bytes: UnsafeRawBufferPointer, _ baseOffset: Int64, _ atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        let end = bytes.count
        var position = 0
        if case .csvRecord(let inQuotes) = skipping {
            // Finish skipping a truncated record.
            var quoted = inQuotes
            var index = 0
            while index < end {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    quoted.toggle()
                } else if byte == 10 {
                    line += 1
                    if !quoted { break }
                }
                index += 1
            }
            if index >= end {
                skipping = atEnd ? .none : .csvRecord(inQuotes: quoted)
                return end
            }
            skipping = .none
            position = index + 1
        }
        while position < end {
            if bytes[position] == 10 {
                line += 1
                position += 1
                continue
            }
            // Scan one record.
            csvFields.removeAll(keepingCapacity: true)
            csvFields.append(position)
            var index = position
            var recordEnd = -1
            var inQuotes = false
            var newlines = 0
            scan: while index < end {
                if index - position >= maximumEntryBytes { break }
                let byte = bytes[index]
                if inQuotes {
                    let quote = find(
                        UInt8(ascii: "\""), bytes, from: index, end: min(end, position + maximumEntryBytes))
                    newlines += countNewlines(bytes, from: index, end: quote)
                    index = quote
                    if index >= end || index - position >= maximumEntryBytes { break scan }
                    if index + 1 < end, bytes[index + 1] == UInt8(ascii: "\"") {
                        index += 2
                        continue
                    }
                    if index + 1 >= end && !atEnd { index = end; break scan }  // "" may straddle the chunk
                    inQuotes = false
                    index += 1
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inQuotes = true
                case UInt8(ascii: ","): csvFields.append(index + 1)
                case 10:
                    recordEnd = index
                    newlines += 1
                    break scan
                default: break
                }
                index += 1
            }
            if recordEnd < 0 {
                let scanned = min(index, end) - position
                if atEnd && scanned < maximumEntryBytes {
                    recordEnd = end
                } else if scanned >= maximumEntryBytes {
                    // Cut: deliver the first part, skip the rest of the record.
                    let cutEnd = position + maximumEntryBytes
                    let quotedAtCut = csvQuoteState(bytes, from: position, to: cutEnd)
                    csvFields.removeAll { $0 > cutEnd }
                    try deliverCSV(bytes, position, cutEnd, cutEnd, baseOffset, true, body)
                    line += countNewlines(bytes, from: position, end: cutEnd)
                    skipping = .csvRecord(inQuotes: quotedAtCut)
                    let rest = try frameCSV(
                        UnsafeRawBufferPointer(rebasing: bytes[cutEnd...]), baseOffset + Int64(cutEnd), atEnd, body)
                    return cutEnd + rest
                } else {
                    return position
                }
            }
            let next = min(recordEnd + 1, end)
            try deliverCSV(bytes, position, recordEnd, recordEnd, baseOffset, false, body)
            line += newlines
            position = next
        }
        return position
    }

    private func csvQuoteState(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Bool {
        var quoted = false
        for index in from..<to where bytes[index] == UInt8(ascii: "\"") { quoted.toggle() }
        return quoted
    }

    /// Builds and delivers a csvlog entry from the field boundaries in `csvFields`.
    private func deliverCSV(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ recordEnd: Int, _ length: Int, _ baseOffset: Int64,
        _ truncated: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows {
        let fieldCount = csvFields.count
        func fieldRange(_ index: Int) -> (Int, Int)? {
            guard index < fieldCount else { return nil }
            let fieldStart = csvFields[index]
            var fieldEnd = index + 1 < fieldCount ? csvFields[index + 1] - 1 : recordEnd
            if fieldEnd > recordEnd { fieldEnd = recordEnd }
            if index + 1 == fieldCount, fieldEnd > fieldStart, bytes[fieldEnd - 1] == 13 { fieldEnd -= 1 }
            return (fieldStart, fieldEnd)
        }
        var layout = EntryLayout(encoding: .csv)
        var timestamp: Int64?
        var pid: Int32?
        var severity = LogSeverity.unknown
        var parsed = false
        if fieldCount >= 22, let (timeStart, timeEnd) = fieldRange(0),
            let (millis, after) = LogTimestamp.parse(bytes, at: timeStart, end: timeEnd), after == timeEnd
        {
            parsed = true
            timestamp = millis
            func put(_ field: EntryField, _ column: Int) {
                if let (a, b) = fieldRange(column), b > a { layout.set(field, a - start, b - start) }
            }
            put(.user, 1)
            put(.database, 2)
            put(.session, 5)
            put(.sqlState, 12)
            put(.message, 13)
            put(.detail, 14)
            put(.hint, 15)
            put(.internalQuery, 16)
            put(.context, 18)
            put(.statement, 19)
            put(.application, 22)
            if let (a, b) = fieldRange(4), b > a {
                // "host:port" -> host.
                var cut = b
                var k = b - 1
                while k > a, bytes[k] != UInt8(ascii: ":") { k -= 1 }
                if k > a, (k + 1..<b).allSatisfy({ bytes[$0] &- 48 <= 9 || bytes[$0] == UInt8(ascii: "\"") }) {
                    cut = k
                }
                layout.set(.host, a - start, cut - start)
            }
            if let (a, b) = fieldRange(3) {
                var value: Int32 = 0
                var ok = b > a
                for k in a..<b {
                    let digit = bytes[k] &- 48
                    if digit > 9 { ok = false; break }
                    value = value &* 10 &+ Int32(digit)
                }
                if ok { pid = value }
            }
            if let (a, b) = fieldRange(11) { severity = PostgresLog.severity(of: bytes, a, b) }
        } else {
            layout.set(.message, 0, recordEnd - start)
        }
        if truncated { layout.clip(to: length - start) }
        try body(
            LogEntry(
                offset: baseOffset + Int64(start), line: line, timestamp: timestamp, pid: pid, severity: severity,
                isParsed: parsed, truncated: truncated, bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<length]),
                layout: layout))
    }

    // MARK: jsonlog

    private mutating func frameJSON(
        _ bytes: UnsafeRawBufferPointer, _ baseOffset: Int64, _ atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        let end = bytes.count
        var position = skipStderr(bytes, 0, atEnd, nil)
        if case .continuation = skipping { skipping = .none }
        while position < end {
            let lineEnd = find(10, bytes, from: position, end: end)
            if lineEnd == end && !atEnd {
                guard end - position >= maximumEntryBytes else { return position }
                try deliverJSON(bytes, position, position + maximumEntryBytes, baseOffset, true, body)
                skipping = .restOfLine
                return end
            }
            if lineEnd == position {
                line += 1
                position += 1
                continue
            }
            let cut = lineEnd - position > maximumEntryBytes
            try deliverJSON(bytes, position, cut ? position + maximumEntryBytes : lineEnd, baseOffset, cut, body)
            line += 1
            position = min(lineEnd + 1, end)
        }
        return position
    }

    private func deliverJSON(
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

    // MARK: syslog

    private mutating func frameSyslog(
        _ bytes: UnsafeRawBufferPointer, _ baseOffset: Int64, _ atEnd: Bool, _ prefix: LinePrefix,
        _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        let end = bytes.count
        var position = 0
        if case .restOfLine = skipping {
            let lineEnd = find(10, bytes, from: 0, end: end)
            if lineEnd == end { return end }
            line += 1
            position = lineEnd + 1
            skipping = .none
        }
        while position < end {
            var lineEnd = find(10, bytes, from: position, end: end)
            if lineEnd == end && !atEnd {
                guard end - position >= maximumEntryBytes else { return position }
                lineEnd = position + maximumEntryBytes
                skipping = .restOfLine
            }
            if lineEnd == position {
                line += 1
                position += 1
                continue
            }
            try syslogLine(bytes, position, lineEnd, baseOffset, prefix, body)
            if case .restOfLine = skipping { return end }
            line += 1
            position = min(lineEnd + 1, end)
        }
        if atEnd {
            let remaining = syslogPending.values.sorted { $0.offset < $1.offset }
            syslogPending.removeAll()
            for message in remaining { try emitSyslog(message, prefix, body) }
        }
        return position
    }

    private mutating func syslogLine(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ baseOffset: Int64, _ prefix: LinePrefix,
        _ body: (LogEntry) throws -> Void
    ) rethrows {
        guard let header = parseSyslogHeader(bytes, start, end, year: syslogYear) else {
            var layout = EntryLayout(encoding: .stderr)
            layout.set(.message, 0, end - start)
            try body(
                LogEntry(
                    offset: baseOffset + Int64(start), line: line, timestamp: nil, pid: nil, severity: .unknown,
                    isParsed: false, truncated: false, bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]),
                    layout: layout))
            return
        }
        var piece: [UInt8] = []
        piece.reserveCapacity(end - header.contentStart)
        var index = header.contentStart
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "#"), index + 3 < end, bytes[index + 1] == UInt8(ascii: "0"),
                bytes[index + 2] &- 48 <= 7, bytes[index + 3] &- 48 <= 7
            {
                piece.append((bytes[index + 2] - 48) * 8 + (bytes[index + 3] - 48))
                index += 4
                continue
            }
            piece.append(byte)
            index += 1
        }
        let offset = baseOffset + Int64(start)
        if header.chunk > 1, var message = syslogPending[header.pid], message.sequence == header.sequence {
            // A later piece: a new line when it starts with TAB or a prefix, else a cut inside a line.
            let startsLine =
                piece.first == 9
                || piece.withUnsafeBytes { prefix.match($0, start: 0, end: $0.count) != nil }
            if startsLine { message.buffer.append(10) }
            message.buffer.append(contentsOf: piece)
            if message.buffer.count > maximumEntryBytes {
                message.buffer.removeLast(message.buffer.count - maximumEntryBytes)
                message.truncated = true
            }
            syslogPending[header.pid] = message
            return
        }
        if let previous = syslogPending.removeValue(forKey: header.pid) { try emitSyslog(previous, prefix, body) }
        let message = SyslogMessage(
            offset: offset, line: line, time: header.time, pid: header.pid, sequence: header.sequence,
            buffer: piece, truncated: false)
        if header.sequence < 0 {
            try emitSyslog(message, prefix, body)  // no [seq-N]: a message of one piece
        } else {
            syslogPending[header.pid] = message
        }
    }

    private func emitSyslog(_ message: SyslogMessage, _ prefix: LinePrefix, _ body: (LogEntry) throws -> Void) rethrows
    {
        try message.buffer.withUnsafeBytes { buffer in
            var cache = TimestampCache()
            var scanned = ScannedEntry.empty
            let result = scanStderrEntry(
                buffer, start: 0, end: buffer.count, atEnd: true, prefix: prefix, useKnownHeader: false,
                cache: &cache, into: &scanned)
            guard case .entry = result else { return }
            var length = buffer.count
            if scanned.isParsed {
                // A message is one entry: whatever follows belongs to it (fields stay as scanned).
                scanned.timestamp = scanned.timestamp ?? message.time
                scanned.pid = scanned.pid ?? message.pid
            } else {
                scanned.layout = EntryLayout(encoding: .stderr)
                scanned.layout.set(.message, 0, length)
                scanned.timestamp = message.time
                scanned.pid = message.pid
            }
            length = buffer.count
            try body(
                LogEntry(
                    offset: message.offset, line: message.line, timestamp: scanned.timestamp, pid: scanned.pid,
                    severity: scanned.severity, isParsed: scanned.isParsed, truncated: message.truncated,
                    bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<length]), layout: scanned.layout))
        }
    }
}

extension EntryLayout {
    /// Drops or shortens fields that extend past `length`.
    mutating func clip(to length: Int) {
        for field in EntryField.allCases {
            guard let range = range(field) else { continue }
            if range.lowerBound >= length {
                set(field, -1, -1)
            } else if range.upperBound > length {
                set(field, range.lowerBound, length)
            }
        }
    }
}

/// The parts of a syslog line before PostgreSQL's text.
struct SyslogHeader {
    var time: Int64?
    var pid: Int32
    /// `seq` of `[seq-chunk]`, or -1 without sequence numbers.
    var sequence: Int
    var chunk: Int
    var contentStart: Int
}

/// Parses `Mon DD HH:MM:SS host ident[pid]: [seq-chunk] ` or the ISO-time variant.
func parseSyslogHeader(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, year: Int) -> SyslogHeader? {
    var time: Int64?
    var index: Int
    if let (millis, after) = LogTimestamp.parseRFC3164(bytes, at: start, end: end, year: year) {
        time = millis
        index = after
    } else if let (millis, after) = LogTimestamp.parseISO(bytes, at: start, end: end) {
        time = millis
        index = after
    } else {
        return nil
    }
    guard index < end, bytes[index] == UInt8(ascii: " ") else { return nil }
    index += 1
    // host
    let hostEnd = find(UInt8(ascii: " "), bytes, from: index, end: end)
    guard hostEnd < end else { return nil }
    index = hostEnd + 1
    // ident[pid]:
    let bracket = find(UInt8(ascii: "["), bytes, from: index, end: min(end, index + 64))
    guard bracket < end, bracket > index else { return nil }
    index = bracket + 1
    var pid: Int32 = 0
    let pidStart = index
    while index < end, bytes[index] &- 48 <= 9 {
        pid = pid &* 10 &+ Int32(bytes[index] - 48)
        index += 1
    }
    guard index > pidStart, index + 2 < end, bytes[index] == UInt8(ascii: "]"), bytes[index + 1] == UInt8(ascii: ":"),
        bytes[index + 2] == UInt8(ascii: " ")
    else { return nil }
    index += 3
    var sequence = -1
    var chunk = 1
    if index < end, bytes[index] == UInt8(ascii: "[") {
        var k = index + 1
        var first = 0
        let digitsStart = k
        while k < end, bytes[k] &- 48 <= 9 {
            first = first * 10 + Int(bytes[k] - 48)
            k += 1
        }
        if k > digitsStart, k < end {
            if bytes[k] == UInt8(ascii: "-") {
                k += 1
                var second = 0
                let secondStart = k
                while k < end, bytes[k] &- 48 <= 9 {
                    second = second * 10 + Int(bytes[k] - 48)
                    k += 1
                }
                if k > secondStart, k < end, bytes[k] == UInt8(ascii: "]") {
                    sequence = first
                    chunk = second
                    index = k + 1
                }
            } else if bytes[k] == UInt8(ascii: "]") {
                chunk = first
                sequence = 0
                index = k + 1
            }
        }
        if index < end, bytes[index] == UInt8(ascii: " ") { index += 1 }
    }
    return SyslogHeader(time: time, pid: pid, sequence: sequence, chunk: chunk, contentStart: index)
}
