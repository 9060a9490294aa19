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
    /// How RFC 3164 syslog times, which have no year, get one.
    public let syslogYears: SyslogYear
    /// The framer of the format.
    private var framer: any EntryFraming

    /// Creates a framer for one file.
    ///
    /// - Parameters:
    ///   - format: the file's format, usually from ``LogFormatDetector/detect(sample:explicitPrefix:)``.
    ///   - maximumEntryBytes: entries longer than this are cut and flagged ``LogEntry/truncated``.
    ///   - syslogYears: how RFC 3164 syslog times (`Feb 10 23:15:40`), which have no year, get one: pass the
    ///     file's modification time (``SyslogYear/writtenBy(_:)``) or the year the user gave. The default
    ///     takes the current time as the time the file was written.
    public init(format: LogFormat, maximumEntryBytes: Int = 16 << 20, syslogYears: SyslogYear = .writtenNow) {
        self.format = format
        self.maximumEntryBytes = max(maximumEntryBytes, 64)
        self.syslogYears = syslogYears
        let limit = self.maximumEntryBytes
        switch format {
        case .stderr(let prefix): framer = StderrFramer(prefix: prefix, maximumEntryBytes: limit)
        case .csv: framer = CSVFramer(maximumEntryBytes: limit)
        case .json: framer = JSONFramer(maximumEntryBytes: limit)
        case .cloud(let export, let prefix):
            framer = CloudJSONFramer(export: export, prefix: prefix, maximumEntryBytes: limit)
        case .syslog(let prefix): framer = SyslogFramer(prefix: prefix, maximumEntryBytes: limit, years: syslogYears)
        }
    }

    /// Creates a framer for one file whose RFC 3164 syslog times are all in `syslogYear`.
    public init(format: LogFormat, maximumEntryBytes: Int = 16 << 20, syslogYear: Int) {
        self.init(format: format, maximumEntryBytes: maximumEntryBytes, syslogYears: .fixed(syslogYear))
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

    /// The damage found since the last call, in stream order; clears it. Call after each ``frame(_:baseOffset:atEnd:_:)``:
    /// the ranges of damage refer to bytes of that call, so the caller can still look at them.
    /// The line number of the first byte not yet framed: where a later read of the same file resumes, and
    /// what to set before framing a file from the middle (the bytes before it were read earlier).
    public var nextLine: Int {
        get { framer.nextLine }
        set { framer.nextLine = newValue }
    }

    public mutating func takeDamage() -> [FramingDamage] {
        guard !framer.damage.isEmpty else { return [] }
        defer { framer.damage.removeAll() }
        return framer.damage
    }
}

/// Bytes that could not be framed as written: the rest of an entry past ``LogEntryFramer/maximumEntryBytes``
/// (skipped), or a csvlog record whose quoted field never closes (delivered as one unparsed entry).
///
/// Nothing is dropped silently: the framer says which bytes, so that the caller can tell whether they name
/// anything it looks for, and say where the damage is.
public struct FramingDamage: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// An entry longer than the framer's limit: it was delivered cut, and `range` was skipped.
        case entryTooLong
        /// A csvlog record with an unterminated quote: framing resumed at the next line that starts a
        /// record, and `range` (the damaged record) was delivered as an unparsed entry.
        case unterminatedQuote
        /// A `parameter "log_line_prefix" changed to "…"` entry whose value is not a usable prefix; the
        /// previous prefix stays in use.
        case unusablePrefixChange
    }

    public var kind: Kind
    /// Stream offset of the first byte of the damaged entry.
    public var entryOffset: Int64
    /// Line of the damaged entry's first byte.
    public var line: Int
    /// The stream bytes concerned, within the bytes of the `frame` call that reported it. An entry skipped
    /// across several calls is reported once per call, with the same `entryOffset`.
    public var range: Range<Int64>
    /// The framer's limit, for ``Kind/entryTooLong``.
    public var limit: Int

    public var description: String {
        switch kind {
        case .entryTooLong:
            return "the log entry at byte \(entryOffset) (line \(line)) is longer than \(limit >> 20) MiB; it was cut "
                + "there and the rest was not parsed"
        case .unterminatedQuote:
            return "the csvlog record at byte \(entryOffset) (line \(line)) has a quoted field that never closes; "
                + "bytes \(range.lowerBound)–\(range.upperBound) could not be read as a record and reading resumed at "
                + "the next line that starts one"
        case .unusablePrefixChange:
            return "the log_line_prefix set at byte \(entryOffset) (line \(line)) cannot be used; lines after it are "
                + "still read with the previous prefix"
        }
    }
}

/// One format's framer: bytes in, entries out, with the format's own state between chunks.
///
/// The contract is that of ``LogEntryFramer/frame(_:baseOffset:atEnd:_:)``.
protocol EntryFraming {
    /// Damage found and not yet taken by the caller.
    var damage: [FramingDamage] { get set }
    /// The physical line number of the first byte not yet framed.
    var nextLine: Int { get set }

    mutating func frame(
        _ bytes: UnsafeRawBufferPointer, baseOffset: Int64, atEnd: Bool, _ body: (LogEntry) throws -> Void
    ) rethrows -> Int
}

extension [FramingDamage] {
    /// Records that `range` (of the bytes of the current call, at `baseOffset`) of the truncated entry at
    /// `entry` was skipped.
    mutating func appendSkipped(
        _ entry: (offset: Int64, line: Int)?, _ baseOffset: Int64, _ range: Range<Int>, limit: Int
    ) {
        guard let entry, !range.isEmpty else { return }
        append(
            FramingDamage(
                kind: .entryTooLong, entryOffset: entry.offset, line: entry.line,
                range: (baseOffset + Int64(range.lowerBound))..<(baseOffset + Int64(range.upperBound)), limit: limit))
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

extension StderrFramer {
    var nextLine: Int {
        get { line }
        set { line = newValue }
    }
}

extension SyslogFramer {
    var nextLine: Int {
        get { line }
        set { line = newValue }
    }
}

extension CSVFramer {
    var nextLine: Int {
        get { line }
        set { line = newValue }
    }
}

extension JSONFramer {
    var nextLine: Int {
        get { lines.line }
        set { lines.line = newValue }
    }
}

extension CloudJSONFramer {
    var nextLine: Int {
        get { lines.line }
        set { lines.line = newValue }
    }
}
