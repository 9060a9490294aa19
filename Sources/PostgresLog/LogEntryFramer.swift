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
///
/// Each format has its own framer type (``StderrFramer``, ``CSVFramer``, ``JSONFramer``,
/// ``SyslogFramer``); this type picks the one for the format and forwards to it.
public struct LogEntryFramer {
    /// The format of the file.
    public let format: LogFormat
    /// The size at which an entry is cut (16 MiB by default).
    public let maximumEntryBytes: Int
    /// The year assumed for RFC 3164 syslog times, which have none.
    public let syslogYear: Int
    /// The framer of the format.
    private var framer: any EntryFraming

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
        let limit = self.maximumEntryBytes
        switch format {
        case .stderr(let prefix): framer = StderrFramer(prefix: prefix, maximumEntryBytes: limit)
        case .csv: framer = CSVFramer(maximumEntryBytes: limit)
        case .json: framer = JSONFramer(maximumEntryBytes: limit)
        case .syslog(let prefix): framer = SyslogFramer(prefix: prefix, maximumEntryBytes: limit, year: syslogYear)
        }
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
        try framer.frame(bytes, baseOffset: baseOffset, atEnd: atEnd, body)
    }
}

/// One format's framer: bytes in, entries out, with the format's own state between chunks.
///
/// The contract is that of ``LogEntryFramer/frame(_:baseOffset:atEnd:_:)``.
protocol EntryFraming {
    mutating func frame(
        _ bytes: UnsafeRawBufferPointer, baseOffset: Int64, atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int
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

/// An entry of one line that fits no format: the whole line is its message.
func unparsedEntry(
    _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, baseOffset: Int64, line: Int, truncated: Bool = false
) -> LogEntry {
    var layout = EntryLayout(encoding: .stderr)
    layout.set(.message, 0, end - start)
    return LogEntry(
        offset: baseOffset + Int64(start), line: line, timestamp: nil, pid: nil, severity: .unknown,
        isParsed: false, truncated: truncated, bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]),
        layout: layout)
}
