/// Frames `log_destination='csvlog'` files: RFC 4180 records whose quoted fields may hold newlines.
struct CSVFramer: EntryFraming {
    let maximumEntryBytes: Int

    /// The physical line number of the first unconsumed byte.
    var line = 1
    /// After a truncated record: the rest of it is being skipped; whether the skip is inside a quoted field.
    var skippingInQuotes: Bool?
    /// Field boundaries of the current record (reused to avoid allocations).
    var fields: [Int] = []
    /// After a truncated record: where it started (for the damage reports of its skipped rest).
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
        if let inQuotes = skippingInQuotes {
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
            let resume = min(index + 1, end)
            damage.appendSkipped(skippedEntry, baseOffset, 0..<resume, limit: maximumEntryBytes)
            if index >= end {
                skippingInQuotes = atEnd ? nil : quoted
                return end
            }
            skippingInQuotes = nil
            position = resume
        }
        while position < end {
            if bytes[position] == 10 {
                line += 1
                position += 1
                continue
            }
            // Scan one record.
            fields.removeAll(keepingCapacity: true)
            fields.append(position)
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
                    // A newline inside the quotes followed by a line that starts a record: the quote never closes.
                    var newline = find(10, bytes, from: index, end: quote)
                    while newline < quote {
                        switch startsRecord(bytes, at: newline + 1, end: end, atEnd: atEnd, like: position) {
                        case .unknown: return position  // wait for the rest of the line
                        case .yes:
                            try deliverDamaged(bytes, position, newline, baseOffset, body)
                            line += newlines + countNewlines(bytes, from: index, end: newline) + 1
                            let rest = try frame(
                                UnsafeRawBufferPointer(rebasing: bytes[(newline + 1)...]),
                                baseOffset: baseOffset + Int64(newline + 1), atEnd: atEnd, body)
                            return newline + 1 + rest
                        case .no: newline = find(10, bytes, from: newline + 1, end: quote)
                        }
                    }
                    newlines += countNewlines(bytes, from: index, end: quote)
                    index = quote
                    if index >= end || index - position >= maximumEntryBytes { break scan }
                    if index + 1 < end, bytes[index + 1] == UInt8(ascii: "\"") {
                        index += 2
                        continue
                    }
                    if index + 1 >= end && !atEnd {  // "" may straddle the chunk
                        index = end
                        break scan
                    }
                    inQuotes = false
                    index += 1
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inQuotes = true
                case UInt8(ascii: ","): fields.append(index + 1)
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
                if atEnd && scanned < maximumEntryBytes && inQuotes {
                    // The last record's quote never closes.
                    try deliverDamaged(bytes, position, end, baseOffset, body)
                    line += countNewlines(bytes, from: position, end: end)
                    return end
                } else if atEnd && scanned < maximumEntryBytes {
                    recordEnd = end
                } else if scanned >= maximumEntryBytes {
                    // Cut: deliver the first part, skip the rest of the record.
                    let cutEnd = position + maximumEntryBytes
                    let quotedAtCut = quoteState(bytes, from: position, to: cutEnd)
                    fields.removeAll { $0 > cutEnd }
                    try deliver(bytes, position, cutEnd, cutEnd, baseOffset, true, body)
                    skippedEntry = (baseOffset + Int64(position), line)
                    line += countNewlines(bytes, from: position, end: cutEnd)
                    skippingInQuotes = quotedAtCut
                    let rest = try frame(
                        UnsafeRawBufferPointer(rebasing: bytes[cutEnd...]), baseOffset: baseOffset + Int64(cutEnd),
                        atEnd: atEnd, body)
                    return cutEnd + rest
                } else {
                    return position
                }
            }
            let next = min(recordEnd + 1, end)
            try deliver(bytes, position, recordEnd, recordEnd, baseOffset, false, body)
            line += newlines
            position = next
        }
        return position
    }

    enum RecordStart { case yes, no, unknown }

    /// Whether the line at `start` starts a csvlog record shaped like the one at `record`: a timestamp of
    /// the same length, then a comma and a quoted or empty user name.
    private func startsRecord(
        _ bytes: UnsafeRawBufferPointer, at start: Int, end: Int, atEnd: Bool, like record: Int
    ) -> RecordStart {
        let timeLength = fields.count > 1 ? fields[1] - 1 - record : 0
        guard timeLength > 0 else { return .no }
        // A quoted timestamp (re-exported csvlog) is checked without its quotes.
        let quoted = bytes[record] == UInt8(ascii: "\"")
        let timeStart = quoted ? start + 1 : start
        let timeEnd = quoted ? start + timeLength - 1 : start + timeLength
        guard start + timeLength + 2 <= end else {
            // Decide on what is there when more cannot come; else wait unless it is clearly no timestamp.
            if atEnd || (start < end && bytes[start] &- 48 > 9 && bytes[start] != bytes[record]) { return .no }
            return .unknown
        }
        guard !quoted || (bytes[start] == UInt8(ascii: "\"") && bytes[timeEnd] == UInt8(ascii: "\"")),
            bytes[timeStart] &- 48 <= 9, let (_, after) = LogTimestamp.parse(bytes, at: timeStart, end: timeEnd),
            after == timeEnd, bytes[start + timeLength] == UInt8(ascii: ","),
            bytes[start + timeLength + 1] == UInt8(ascii: "\"") || bytes[start + timeLength + 1] == UInt8(ascii: ",")
        else { return .no }
        return .yes
    }

    /// Delivers `bytes[start..<end]`, a record whose quote never closed, as one unparsed entry, and
    /// reports it.
    private mutating func deliverDamaged(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ baseOffset: Int64,
        _ body: (LogEntry) throws -> Void
    ) rethrows {
        damage.append(
            FramingDamage(
                kind: .unterminatedQuote, entryOffset: baseOffset + Int64(start), line: line,
                range: (baseOffset + Int64(start))..<(baseOffset + Int64(end)), limit: maximumEntryBytes))
        try body(unparsedEntry(bytes, start, end, baseOffset: baseOffset, line: line))
    }

    private func quoteState(_ bytes: UnsafeRawBufferPointer, from: Int, to: Int) -> Bool {
        var quoted = false
        for index in from..<to where bytes[index] == UInt8(ascii: "\"") { quoted.toggle() }
        return quoted
    }

    /// Builds and delivers a csvlog entry from the field boundaries in `fields`.
    private func deliver(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ recordEnd: Int, _ length: Int, _ baseOffset: Int64,
        _ truncated: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows {
        let fieldCount = fields.count
        func fieldRange(_ index: Int) -> (Int, Int)? {
            guard index < fieldCount else { return nil }
            let fieldStart = fields[index]
            var fieldEnd = index + 1 < fieldCount ? fields[index + 1] - 1 : recordEnd
            if fieldEnd > recordEnd { fieldEnd = recordEnd }
            if index + 1 == fieldCount, fieldEnd > fieldStart, bytes[fieldEnd - 1] == 13 { fieldEnd -= 1 }
            return (fieldStart, fieldEnd)
        }
        /// A field without the quotes some exporters put around every value (the server quotes none of its
        /// timestamps, but re-exported csvlog often does).
        func unquoted(_ range: (Int, Int)) -> (Int, Int) {
            let (a, b) = range
            guard b - a >= 2, bytes[a] == UInt8(ascii: "\""), bytes[b - 1] == UInt8(ascii: "\"") else { return range }
            return (a + 1, b - 1)
        }
        var layout = EntryLayout(encoding: .csv)
        var timestamp: Int64?
        var pid: Int32?
        var severity = LogSeverity.unknown
        var parsed = false
        if fieldCount >= 22, let (timeStart, timeEnd) = fieldRange(0).map(unquoted),
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
                    if digit > 9 {
                        ok = false
                        break
                    }
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
}
