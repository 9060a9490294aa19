/// The layout of a PostgreSQL log file.
public enum LogFormat: Sendable, Hashable, CustomStringConvertible {
    /// `log_destination='stderr'` files: each line starts with `log_line_prefix`.
    case stderr(LinePrefix)
    /// `log_destination='csvlog'`: RFC 4180 records of 23 (PG ≤ 12), 24 (13) or 26 (14+) columns.
    case csv
    /// `log_destination='jsonlog'` (PG 15+): one JSON object per line.
    case json
    /// Lines relayed by syslog: `Mon DD HH:MM:SS host postgres[pid]: [seq-N] <prefix>…` (or an ISO time);
    /// the associated prefix is the server's `log_line_prefix` (often without `%t`/`%p`).
    case syslog(LinePrefix)
    /// A cloud export of one JSON object per line (see ``CloudExport``); the prefix is that of the wrapped
    /// server lines (unused for CloudNativePG, whose records hold fields).
    case cloud(CloudExport, LinePrefix)

    /// Whether the file's bytes are JSON text (names in it may be escaped).
    public var isJSON: Bool {
        switch self {
        case .json, .cloud: true
        case .stderr, .csv, .syslog: false
        }
    }

    public var description: String {
        switch self {
        case .cloud(let export, let prefix):
            export.wrapsLine ? "\(export.rawValue) (log_line_prefix '\(prefix.pattern)')" : export.rawValue
        case .stderr(let prefix): "stderr (log_line_prefix '\(prefix.pattern)')"
        case .csv: "csvlog"
        case .json: "jsonlog"
        case .syslog(let prefix): "syslog (log_line_prefix '\(prefix.pattern)')"
        }
    }

    /// A short name: `stderr`, `csvlog`, `jsonlog`, `syslog`, or the ``CloudExport`` raw value.
    public var name: String {
        switch self {
        case .stderr: "stderr"
        case .csv: "csvlog"
        case .json: "jsonlog"
        case .syslog: "syslog"
        case .cloud(let export, _): export.rawValue
        }
    }
}

/// Why a log format or prefix could not be used. Each message says what to do about it.
public enum LogFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `log_line_prefix` text that cannot be matched reliably.
    case invalidPrefix(prefix: String, reason: String)
    /// No known format or prefix fits the sample.
    case undetectable(firstLine: String)
    /// The sample holds no complete line.
    case emptySample
    /// A recognised export this tool does not read, with what to do instead.
    case refusedExport(String)

    public var description: String {
        switch self {
        case .invalidPrefix(let prefix, let reason):
            return
                "invalid log_line_prefix '\(prefix)': \(reason). Copy log_line_prefix exactly from the server (SHOW log_line_prefix)"
        case .undetectable(let firstLine):
            return "cannot recognise the log format from the first line \"\(firstLine)\"; "
                + "pass the server's log_line_prefix with --log-line-prefix (SHOW log_line_prefix)"
        case .refusedExport(let reason):
            return reason
        case .emptySample:
            return "the log holds no complete line to recognise its format; check the file is not empty or truncated"
        }
    }
}

/// The severity of a log entry (`error_severity` in csvlog/jsonlog).
public enum LogSeverity: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case debug, info, notice, warning, log, error, fatal, panic
    /// Unparsed lines, and entries whose severity word is not known (for example translated).
    case unknown

    public var description: String {
        switch self {
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARNING"
        case .log: "LOG"
        case .error: "ERROR"
        case .fatal: "FATAL"
        case .panic: "PANIC"
        case .unknown: "UNKNOWN"
        }
    }

    /// Whether this severity is ERROR or worse (the entries whose statement failed).
    public var isError: Bool { self == .error || self == .fatal || self == .panic }
}

/// The word after the prefix of a stderr line: a severity or one of the lines that extend a message.
enum LineLabel: UInt8 {
    case severity
    case detail, hint, query, context, location, statement, backtrace
}

/// Recognises `WORD:` followed by at least one space at `start`. Returns the label, the severity (for
/// severity words), and the index where the text after the colon and its spaces begins.
@inline(__always)
func recogniseLabel(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> (LineLabel, LogSeverity, Int)? {
    var index = start
    var key: UInt64 = 0
    while index < end, index - start < 9 {
        let byte = bytes[index]
        if byte == UInt8(ascii: ":") { break }
        guard (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte &- 48 <= 9) else { return nil }
        key = key << 8 | UInt64(byte)
        index += 1
    }
    guard index < end, bytes[index] == UInt8(ascii: ":"), index > start else { return nil }
    index += 1
    guard index == end || bytes[index] == UInt8(ascii: " ") || bytes[index] == 10 else { return nil }
    while index < end, bytes[index] == UInt8(ascii: " ") { index += 1 }
    let label: (LineLabel, LogSeverity)
    // Keys are the big-endian bytes of the word (truncated to 64 bits for the 9-letter words).
    switch key {
    case 0x4c4f47: label = (.severity, .log)
    case 0x4552524f52: label = (.severity, .error)
    case 0x544154454d454e54: label = (.statement, .unknown)  // STATEMENT
    case 0x44455441494c: label = (.detail, .unknown)
    case 0x48494e54: label = (.hint, .unknown)
    case 0x434f4e54455854: label = (.context, .unknown)
    case 0x5155455259: label = (.query, .unknown)
    case 0x5741524e494e47: label = (.severity, .warning)
    case 0x4e4f54494345: label = (.severity, .notice)
    case 0x494e464f: label = (.severity, .info)
    case 0x464154414c: label = (.severity, .fatal)
    case 0x50414e4943: label = (.severity, .panic)
    case 0x4c4f434154494f4e: label = (.location, .unknown)
    case 0x41434b5452414345: label = (.backtrace, .unknown)  // BACKTRACE
    case 0x4445425547, 0x444542554731, 0x444542554732, 0x444542554733, 0x444542554734, 0x444542554735:
        label = (.severity, .debug)
    default: return nil
    }
    return (label.0, label.1, index)
}

/// The big-endian packing of up to 8 ASCII bytes, for switching on short words.
@inline(__always)
func word(_ text: StaticString) -> UInt64 {
    var key: UInt64 = 0
    text.withUTF8Buffer { for byte in $0 { key = key << 8 | UInt64(byte) } }
    return key
}

/// Parses a severity word (`LOG`, `ERROR`, `DEBUG1`…) as written in csvlog and jsonlog.
func severity(of bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> LogSeverity {
    guard end - start <= 8, end > start else { return .unknown }
    var key: UInt64 = 0
    for i in start..<end { key = key << 8 | UInt64(bytes[i]) }
    switch key {
    case word("LOG"): return .log
    case word("ERROR"): return .error
    case word("WARNING"): return .warning
    case word("NOTICE"): return .notice
    case word("INFO"): return .info
    case word("FATAL"): return .fatal
    case word("PANIC"): return .panic
    case word("DEBUG"), word("DEBUG1"), word("DEBUG2"), word("DEBUG3"), word("DEBUG4"), word("DEBUG5"): return .debug
    default: return .unknown
    }
}
