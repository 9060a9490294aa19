import Foundation

/// Frames logs relayed by syslog: `Mon DD HH:MM:SS host postgres[pid]: [seq-N] <prefix>…` (or an ISO time).
///
/// PostgreSQL splits long messages into numbered pieces (`[7-1]`, `[7-2]`…) and syslog turns TAB into
/// `#011`; pieces are joined per process, so a message is delivered when the next message of its process
/// starts, or at the end of the file.
struct SyslogFramer: EntryFraming {
    /// The `log_line_prefix` after the syslog header.
    var prefix: LinePrefix
    let maximumEntryBytes: Int
    /// The year of RFC 3164 times, which have none.
    let years: SyslogYear

    /// The physical line number of the first unconsumed byte.
    var line = 1
    /// After a truncated line: the rest of it is being skipped.
    var skippingLine = false
    /// Messages being reassembled, by pid.
    var pending: [Int32: Message] = [:]
    /// After a `log_line_prefix` change: the prefix before it, tried for messages the new one does not fit.
    var previousPrefix: LinePrefix?
    /// After a truncated line: where it started (for the damage reports of its skipped rest).
    var skippedEntry: (offset: Int64, line: Int)?
    var damage: [FramingDamage] = []

    struct Message {
        var offset: Int64
        var line: Int
        var time: Int64?
        var pid: Int32
        var sequence: Int
        var buffer: [UInt8]
        var truncated: Bool
        /// Where the last piece starts in `buffer`.
        var lastPieceStart = 0
    }

    init(prefix: LinePrefix, maximumEntryBytes: Int, years: SyslogYear) {
        self.prefix = prefix
        self.maximumEntryBytes = maximumEntryBytes
        self.years = years
    }

    mutating func frame(
        _ bytes: UnsafeRawBufferPointer, baseOffset: Int64, atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int {
        let end = bytes.count
        var position = 0
        if skippingLine {
            let lineEnd = find(10, bytes, from: 0, end: end)
            damage.appendSkipped(skippedEntry, baseOffset, 0..<lineEnd, limit: maximumEntryBytes)
            if lineEnd == end && !atEnd { return end }
            // The file may end inside the skipped line: the messages still pending are delivered below.
            if lineEnd < end { line += 1 }
            position = min(lineEnd + 1, end)
            skippingLine = false
        }
        while position < end {
            var lineEnd = find(10, bytes, from: position, end: end)
            let complete = lineEnd < end || atEnd
            if !complete && end - position < maximumEntryBytes { return position }
            if lineEnd == position {
                line += 1
                position += 1
                continue
            }
            // A line as long as the limit or longer is cut there, whether its end is in these bytes or not, so that
            // the entries do not depend on where the chunks end.
            let cut = lineEnd - position >= maximumEntryBytes
            if cut {
                skippedEntry = (baseOffset + Int64(position), line)
                damage.appendSkipped(
                    skippedEntry, baseOffset, (position + maximumEntryBytes)..<lineEnd, limit: maximumEntryBytes)
                lineEnd = position + maximumEntryBytes
                skippingLine = !complete
            }
            try frameLine(bytes, position, lineEnd, baseOffset, truncated: cut, body)
            if skippingLine { return end }
            line += 1
            position = min(find(10, bytes, from: lineEnd, end: end) + 1, end)
        }
        if atEnd {
            let remaining = pending.values.sorted { $0.offset < $1.offset }
            pending.removeAll()
            for message in remaining { try emit(message, body) }
        }
        return position
    }

    /// Frames the line `bytes[start..<end]`; `truncated` when it was cut at the limit.
    private mutating func frameLine(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ baseOffset: Int64, truncated: Bool,
        _ body: (LogEntry) throws -> Void
    ) rethrows {
        guard let header = parseSyslogHeader(bytes, start, end, years: years) else {
            try body(unparsedEntry(bytes, start, end, baseOffset: baseOffset, line: line, truncated: truncated))
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
        if header.chunk > 1, var message = pending[header.pid], message.sequence == header.sequence {
            // A later piece: a cut inside a line when it starts with white space (PostgreSQL cuts long lines
            // before a space) or ends a word too long to cut there; else a new line: TAB, a prefix, or a
            // continuation line whose TAB a shipper stripped.
            let startsEntryLine = piece.withUnsafeBytes { prefix.match($0, start: 0, end: $0.count) != nil }
            let continuesLine =
                !startsEntryLine
                && (piece.first == 32
                    || (message.buffer.count - message.lastPieceStart >= syslogPieceLimit - 4
                        && !message.buffer[message.lastPieceStart...].contains(32)))
            message.lastPieceStart = message.buffer.count + (continuesLine ? 0 : 1)
            if !continuesLine { message.buffer.append(10) }
            message.buffer.append(contentsOf: piece)
            message.truncated = message.truncated || truncated
            if message.buffer.count > maximumEntryBytes {
                // Past the limit: this piece is not (fully) kept; report it as skipped.
                message.buffer.removeLast(message.buffer.count - maximumEntryBytes)
                message.truncated = true
                damage.appendSkipped(
                    (message.offset, message.line), baseOffset, header.contentStart..<end, limit: maximumEntryBytes)
            }
            pending[header.pid] = message
            return
        }
        if let previous = pending.removeValue(forKey: header.pid) { try emit(previous, body) }
        let message = Message(
            offset: offset, line: line, time: header.time, pid: header.pid, sequence: header.sequence,
            buffer: piece, truncated: truncated)
        if header.sequence < 0 {
            try emit(message, body)  // no [seq-N]: a message of one piece
        } else {
            pending[header.pid] = message
        }
    }

    private mutating func emit(_ message: Message, _ body: (LogEntry) throws -> Void) rethrows {
        try message.buffer.withUnsafeBytes { buffer in
            var scanned = scan(buffer, prefix)
            if !scanned.isParsed, let previousPrefix {
                let old = scan(buffer, previousPrefix)
                if old.isParsed { scanned = old }
            }
            if let value = PrefixChange.value(in: buffer, scanned) {
                // Later messages carry the new prefix; this one may already carry it.
                if let changed = try? LinePrefix(parsing: value) {
                    let again = scan(buffer, changed)
                    if again.isParsed { scanned = again }
                    previousPrefix = prefix
                    prefix = changed
                } else {
                    damage.append(
                        FramingDamage(
                            kind: .unusablePrefixChange, entryOffset: message.offset, line: message.line,
                            range: message.offset..<(message.offset + 1), limit: maximumEntryBytes))
                }
            }
            if scanned.isParsed {
                // A message is one entry: whatever follows belongs to it (fields stay as scanned).
                scanned.timestamp = scanned.timestamp ?? message.time
                scanned.pid = scanned.pid ?? message.pid
            } else {
                scanned.layout = EntryLayout(encoding: .stderr)
                scanned.layout.set(.message, 0, buffer.count)
                scanned.timestamp = message.time
                scanned.pid = message.pid
            }
            try body(
                LogEntry(
                    offset: message.offset, line: message.line, timestamp: scanned.timestamp, pid: scanned.pid,
                    severity: scanned.severity, isParsed: scanned.isParsed, truncated: message.truncated,
                    bytes: buffer, layout: scanned.layout))
        }
    }

    /// The entry in a reassembled message, read with `prefix`.
    private func scan(_ buffer: UnsafeRawBufferPointer, _ prefix: LinePrefix) -> ScannedEntry {
        var cache = TimestampCache()
        var scanned = ScannedEntry.empty
        _ = scanStderrEntry(
            buffer, start: 0, end: buffer.count, atEnd: true, prefix: prefix, useKnownHeader: false, cache: &cache,
            into: &scanned)
        return scanned
    }
}

/// PostgreSQL's `PG_SYSLOG_LIMIT`: the longest piece it sends to syslog (src/backend/utils/error/elog.c).
let syslogPieceLimit = 900

/// How RFC 3164 syslog times (`Feb 10 23:15:40`), which carry no year, get one.
public enum SyslogYear: Sendable, Hashable {
    /// Every time is in this year (`--syslog-year`).
    case fixed(Int)
    /// The file was last written at this instant (milliseconds since the epoch, UTC; its modification
    /// time): a time is in that instant's year, or in the year before when that would put it more than a
    /// day after the instant (a log that spans New Year).
    case writtenBy(Int64)

    /// ``writtenBy(_:)`` now: for a file still being written.
    public static var writtenNow: SyslogYear { .writtenBy(Int64(Date().timeIntervalSince1970 * 1000)) }

    /// The instant of `Mon DD HH:MM:SS` parsed at `start`, and the index after it.
    func parse(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> (Int64, Int)? {
        switch self {
        case .fixed(let year): return LogTimestamp.parseRFC3164(bytes, at: start, end: end, year: year)
        case .writtenBy(let instant):
            let days = instant >= 0 ? instant / 86_400_000 : (instant - 86_399_999) / 86_400_000
            let year = Int(LogTimestamp.civil(fromDays: days).0)
            guard let (time, after) = LogTimestamp.parseRFC3164(bytes, at: start, end: end, year: year) else {
                return nil
            }
            if time > instant + 86_400_000 {
                return LogTimestamp.parseRFC3164(bytes, at: start, end: end, year: year - 1)
            }
            return (time, after)
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

/// Parses `Mon DD HH:MM:SS host ident[pid]: [seq-chunk] ` or the ISO-time variant, RFC 3164 times in `year`.
func parseSyslogHeader(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, year: Int) -> SyslogHeader? {
    parseSyslogHeader(bytes, start, end, years: .fixed(year))
}

/// Parses the header of a syslog line, whichever of the forms PostgreSQL's lines arrive in:
/// `Mon DD HH:MM:SS host ident[pid]: [seq-chunk] ` (RFC 3164) or its ISO-time variant, RFC 5424
/// (`<pri>1 time host app procid msgid sd `, see ``parseRFC5424Header``), or Heroku's logplex
/// (`time app[postgres.pid]: [COLOR] [seq-chunk] `, see ``parseLogplexHeader``).
func parseSyslogHeader(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, years: SyslogYear) -> SyslogHeader? {
    guard start < end else { return nil }
    if bytes[start] == UInt8(ascii: "<") || (bytes[start] &- 48 <= 9 && startsOctetCount(bytes, start, end)) {
        return parseRFC5424Header(bytes, start, end)
    }
    var time: Int64?
    var index: Int
    if let (millis, after) = years.parse(bytes, at: start, end: end) {
        time = millis
        index = after
    } else if let (millis, after) = LogTimestamp.parseISO(bytes, at: start, end: end) {
        time = millis
        index = after
        if index < end, bytes[index] == UInt8(ascii: " "),
            let logplex = parseLogplexHeader(bytes, index + 1, end, time: millis)
        {
            return logplex
        }
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
    let (sequence, chunk, contentStart) = parseSyslogSequence(bytes, index, end)
    return SyslogHeader(time: time, pid: pid, sequence: sequence, chunk: chunk, contentStart: contentStart)
}

/// Reads PostgreSQL's `[seq-chunk] ` (or `[chunk] `) at `index`: `(seq, chunk, index after it and one
/// space)`, or `(-1, 1, index)` when there is none.
func parseSyslogSequence(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> (Int, Int, Int) {
    var index = start
    var sequence = -1
    var chunk = 1
    guard index < end, bytes[index] == UInt8(ascii: "[") else { return (sequence, chunk, index) }
    var k = index + 1
    var first = 0
    let digitsStart = k
    while k < end, bytes[k] &- 48 <= 9, k - digitsStart < 12 {
        first = first * 10 + Int(bytes[k] - 48)
        k += 1
    }
    if k > digitsStart, k < end {
        if bytes[k] == UInt8(ascii: "-") {
            k += 1
            var second = 0
            let secondStart = k
            while k < end, bytes[k] &- 48 <= 9, k - secondStart < 12 {
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
    return (sequence, chunk, index)
}
