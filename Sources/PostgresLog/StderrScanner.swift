#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Index of the next `byte` in `bytes[from..<end]`, or `end`.
@inline(__always)
func find(_ byte: UInt8, _ bytes: UnsafeRawBufferPointer, from: Int, end: Int) -> Int {
    guard from < end, let base = bytes.baseAddress else { return end }
    guard let hit = memchr(base + from, Int32(byte), end - from) else { return end }
    return base.distance(to: UnsafeRawPointer(hit))
}

/// Number of newlines in `bytes[from..<end]`.
func countNewlines(_ bytes: UnsafeRawBufferPointer, from: Int, end: Int) -> Int {
    var count = 0
    var index = from
    while true {
        index = find(10, bytes, from: index, end: end)
        if index >= end { return count }
        count += 1
        index += 1
    }
}

/// One stderr-style entry found by ``scanStderrEntry``.
struct ScannedEntry {
    static let empty = ScannedEntry(
        end: 0, newlines: 0, timestamp: nil, pid: nil, severity: .unknown, isParsed: false,
        layout: EntryLayout(encoding: .stderr))

    /// Index just after the entry (after its last newline, or the end of the data).
    var end: Int
    /// Number of newlines inside `start..<end`.
    var newlines: Int
    var timestamp: Int64?
    var pid: Int32?
    var severity: LogSeverity
    var isParsed: Bool
    var layout: EntryLayout
    /// The prefix match of the line at `end` when it was matched (it starts the next entry), so that the
    /// next scan need not match it again.
    var nextHeader: LinePrefix.Match? = nil
    /// Lines inside the entry that fit no prefix and were taken as continuation lines whose leading TAB a
    /// shipper replaced or stripped.
    var joinedLines = 0
}

enum StderrScanResult {
    /// The entry was written to the `into` argument.
    case entry
    /// More bytes are needed to know where the entry ends; `scanned` bytes from the start are known to
    /// belong to it.
    case incomplete(scanned: Int)
}

/// How much of an incomplete line is enough to tell whether it starts a new entry (its prefix and label).
let decidableLineBytes = 64 * 1024

/// Scans one stderr entry starting at `start` (a line start): the header line, its TAB continuation
/// lines, and the DETAIL/HINT/QUERY/CONTEXT/LOCATION/STATEMENT lines of the same process that follow.
///
/// A following line that fits neither `prefix` nor `alternate` (the prefix before a change) is a
/// continuation line whose TAB was replaced by spaces or stripped (log shippers do this): it is part of the
/// entry, and counted in ``ScannedEntry/joinedLines``. Only lines that fail the prefix pay for this.
func scanStderrEntry(
    _ bytes: UnsafeRawBufferPointer, start: Int, end: Int, atEnd: Bool, prefix: LinePrefix,
    alternate: LinePrefix? = nil, useKnownHeader: Bool, cache: inout TimestampCache, into entry: inout ScannedEntry
) -> StderrScanResult {
    // `entry` is filled in place (it is large: building a new value and copying it costs more than the
    // scan). With `useKnownHeader`, `entry.nextHeader` is the match of the line at `start`.
    var lineEnd = find(10, bytes, from: start, end: end)
    if lineEnd == end && !atEnd { return .incomplete(scanned: end - start) }
    let known = useKnownHeader ? entry.nextHeader : nil
    entry.nextHeader = nil
    entry.joinedLines = 0
    entry.layout = EntryLayout(encoding: .stderr)
    guard let header = known ?? prefix.match(bytes, start: start, end: lineEnd, cache: &cache) else {
        entry.layout.set(.message, 0, lineEnd - start)
        entry.end = min(lineEnd + 1, end)
        entry.newlines = lineEnd < end ? 1 : 0
        entry.timestamp = nil
        entry.pid = nil
        entry.severity = .unknown
        entry.isParsed = false
        return .entry
    }
    func setPrefixFields(_ fields: LinePrefix.Fields) {
        func put(_ field: EntryField, _ range: LinePrefix.Span) {
            if range.0 >= 0 { entry.layout.set(field, Int(range.0) - start, Int(range.1) - start) }
        }
        put(.user, fields.user)
        put(.database, fields.database)
        put(.application, fields.application)
        put(.host, fields.host)
        put(.session, fields.session)
        put(.sqlState, fields.sqlState)
    }
    setPrefixFields(header.fields)
    var newlines = 0
    var joined = 0
    var currentField: EntryField? = field(for: header.label)
    var textStart = header.textStart
    if header.label == .severity, lineEnd - textStart >= 7, bytes[textStart + 5] == UInt8(ascii: ":"),
        bytes[textStart + 6] == UInt8(ascii: " "),
        (textStart..<(textStart + 5)).allSatisfy({ isSQLStateByte(bytes[$0]) }),
        (textStart..<(textStart + 5)).contains(where: { bytes[$0] &- 48 <= 9 })
    {
        // log_error_verbosity=verbose: `ERROR:  42703: message` (every SQLSTATE has a digit; `AUDIT:` has none).
        entry.layout.set(.sqlState, textStart - start, textStart + 5 - start)
        textStart += 7
    }
    var fieldStart = textStart
    /// The end of the last line that is not blank (blank lines joined to the entry end no field).
    var contentEnd = lineEnd
    func close() {
        if let currentField { entry.layout.set(currentField, fieldStart - start, max(contentEnd, fieldStart) - start) }
    }
    while true {
        // The line ..<lineEnd is complete (or the data ends there). Look at the next line.
        let next = lineEnd + 1
        if lineEnd < end { newlines += 1 }
        if next >= end {
            if !atEnd { return .incomplete(scanned: end - start) }
            close()
            break
        }
        let nextEnd = find(10, bytes, from: next, end: end)
        let partial = nextEnd == end && !atEnd
        // An incomplete next line is waited for, unless its start is already long enough to tell whether it
        // continues this entry: a line of megabytes must not hold this entry back and be cut with it.
        if partial && (end - next < decidableLineBytes || bytes[next] == 9) {
            // A TAB line belongs to this entry; any other may start the next one, so only the bytes before it
            // are known to be this entry's (else a short entry would look too long and be cut).
            return .incomplete(scanned: bytes[next] == 9 ? end - start : next - start)
        }
        if bytes[next] == 9 {
            lineEnd = nextEnd
            contentEnd = nextEnd
            continue
        }
        let match = prefix.match(bytes, start: next, end: nextEnd, cache: &cache)
        if match == nil, alternate?.match(bytes, start: next, end: nextEnd) == nil,
            partial || PrefixChange.value(in: bytes, next..<nextEnd, anchored: false) == nil
        {
            // A line no prefix fits, after an entry: a continuation line that lost its TAB (unless it announces
            // a new prefix, which it may already carry: the framer switches there).
            if partial { return .incomplete(scanned: end - start) }
            if nextEnd > next {
                joined += 1
                contentEnd = nextEnd
            }
            lineEnd = nextEnd
            continue
        }
        if let match, match.label != .severity,
            match.fields.pid == nil || header.fields.pid == nil || match.fields.pid == header.fields.pid
        {
            close()
            currentField = field(for: match.label)
            fieldStart = match.textStart
            lineEnd = nextEnd
            contentEnd = nextEnd
            continue
        }
        entry.nextHeader = partial ? nil : match
        close()
        break
    }
    entry.end = min(lineEnd + 1, end)
    entry.newlines = newlines
    entry.joinedLines = joined
    entry.timestamp = header.fields.timestamp
    entry.pid = header.fields.pid
    entry.severity = header.label == .severity ? header.severity : .unknown
    entry.isParsed = true
    return .entry
}

@inline(__always)
func isSQLStateByte(_ byte: UInt8) -> Bool {
    byte &- 48 <= 9 || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
}

private func field(for label: LineLabel) -> EntryField? {
    switch label {
    case .severity: .message
    case .detail: .detail
    case .hint: .hint
    case .query: .internalQuery
    case .context: .context
    case .statement: .statement
    case .location, .backtrace: nil
    }
}
