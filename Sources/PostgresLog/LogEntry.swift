import ScanIO

/// One logical log entry: a server message with its DETAIL/HINT/QUERY/CONTEXT/STATEMENT parts (stderr,
/// syslog), one csvlog record, or one jsonlog object; or one line that fits no format (``isParsed`` false).
///
/// A `LogEntry` is a borrowed view of the framer's input: it is only valid inside the closure passed to
/// ``LogEntryFramer/frame(_:baseOffset:atEnd:_:)``. The eager fields (offset, line, timestamp, pid,
/// severity) cost nothing more; the text fields are decoded into `String`s only when read. Call
/// ``record()`` to keep an entry beyond the closure.
public struct LogEntry {
    /// Byte offset of the entry's first byte in the decompressed stream.
    public let offset: Int64
    /// 1-based number of the entry's first physical line.
    public let line: Int
    /// When the server wrote the entry, in milliseconds since the Unix epoch (UTC); `nil` when the
    /// format gives no time (a prefix without `%t`/`%m`/`%n`) or the zone is unknown.
    public let timestamp: Int64?
    /// The server process id, when the format gives it.
    public let pid: Int32?
    /// The severity; ``LogSeverity/unknown`` for unparsed lines.
    public let severity: LogSeverity
    /// Whether the entry fitted the format. Unparsed entries hold one physical line as their message.
    public let isParsed: Bool
    /// Whether the entry was longer than the framer's limit (16 MiB) and was cut there.
    public let truncated: Bool
    /// The raw bytes of the entry as they appear in the log (for syslog, the reassembled message).
    public let bytes: UnsafeRawBufferPointer
    let layout: EntryLayout
    /// Lines of the entry that fit no prefix and were read as continuation lines whose leading TAB a
    /// shipper replaced or stripped (counted in ``LogCoverage/joinedLines``).
    public let joinedLines: Int

    init(
        offset: Int64, line: Int, timestamp: Int64?, pid: Int32?, severity: LogSeverity, isParsed: Bool,
        truncated: Bool, bytes: UnsafeRawBufferPointer, layout: EntryLayout, joinedLines: Int = 0
    ) {
        self.joinedLines = joinedLines
        self.offset = offset
        self.line = line
        self.timestamp = timestamp
        self.pid = pid
        self.severity = severity
        self.isParsed = isParsed
        self.truncated = truncated
        self.bytes = bytes
        self.layout = layout
    }

    /// `application_name`, or `nil` when absent (empty or `[unknown]`).
    public var application: String? { layout.string(.application, bytes) }
    /// The `application_name` field's bytes as logged (escapes not decoded), for counting without a String.
    public var rawApplication: UnsafeRawBufferPointer? { layout.raw(.application, bytes) }
    /// The user's raw bytes, still escaped as the format writes them.
    public var rawUser: UnsafeRawBufferPointer? { layout.raw(.user, bytes) }
    /// The database's raw bytes, still escaped as the format writes them.
    public var rawDatabase: UnsafeRawBufferPointer? { layout.raw(.database, bytes) }
    /// The session user, or `nil`.
    public var user: String? { layout.string(.user, bytes) }
    /// The database, or `nil`.
    public var database: String? { layout.string(.database, bytes) }
    /// The client host (`%h`, or the host of `%r`; `[local]` for Unix sockets), or `nil`.
    public var clientHost: String? { layout.string(.host, bytes) }
    /// The session id (`%c`, csv `session_id`, json `session_id`), e.g. `66336a1e.3039`, or `nil`.
    public var sessionID: String? { layout.string(.session, bytes) }
    /// The SQLSTATE when the format gives it (csvlog, jsonlog; stderr with `%e` or verbose errors).
    public var sqlState: String? {
        if let state = layout.string(.sqlState, bytes) { return state }
        if layout.encoding == .json && isParsed { return "00000" }  // jsonlog omits 00000
        return nil
    }
    /// The primary message (for stderr, the text after `LOG:  `; for an unparsed entry, the line).
    public var message: String { layout.string(.message, bytes) ?? "" }
    /// The `DETAIL:` text, or `nil`.
    public var detail: String? { layout.string(.detail, bytes) }
    /// The `HINT:` text, or `nil`.
    public var hint: String? { layout.string(.hint, bytes) }
    /// The internal query (`QUERY:`, csv `internal_query`, json `internal_query`), or `nil`.
    public var internalQuery: String? { layout.string(.internalQuery, bytes) }
    /// The `CONTEXT:` text, or `nil`.
    public var context: String? { layout.string(.context, bytes) }
    /// The client statement attached to the message (`STATEMENT:`, csv `query`, json `statement`), or `nil`.
    public var statement: String? { layout.string(.statement, bytes) }

    /// Whether the entry has a field, without decoding it.
    func has(_ field: EntryField) -> Bool { layout.range(field) != nil }

    /// Copies the entry into a value that owns its data.
    public func record() -> LogRecord {
        LogRecord(
            offset: offset, line: line, timestamp: timestamp, pid: pid, severity: severity, isParsed: isParsed,
            truncated: truncated, application: application, user: user, database: database,
            clientHost: clientHost, sessionID: sessionID, sqlState: sqlState, message: message, detail: detail,
            hint: hint, internalQuery: internalQuery, context: context, statement: statement)
    }
}

/// An owned, `Sendable` copy of a ``LogEntry`` with all its fields decoded.
public struct LogRecord: Sendable, Hashable {
    /// See ``LogEntry/offset``.
    public var offset: Int64
    /// See ``LogEntry/line``.
    public var line: Int
    /// See ``LogEntry/timestamp``.
    public var timestamp: Int64?
    /// See ``LogEntry/pid``.
    public var pid: Int32?
    /// See ``LogEntry/severity``.
    public var severity: LogSeverity
    /// See ``LogEntry/isParsed``.
    public var isParsed: Bool
    /// See ``LogEntry/truncated``.
    public var truncated: Bool
    /// See ``LogEntry/application``.
    public var application: String?
    /// See ``LogEntry/user``.
    public var user: String?
    /// See ``LogEntry/database``.
    public var database: String?
    /// See ``LogEntry/clientHost``.
    public var clientHost: String?
    /// See ``LogEntry/sessionID``.
    public var sessionID: String?
    /// See ``LogEntry/sqlState``.
    public var sqlState: String?
    /// See ``LogEntry/message``.
    public var message: String
    /// See ``LogEntry/detail``.
    public var detail: String?
    /// See ``LogEntry/hint``.
    public var hint: String?
    /// See ``LogEntry/internalQuery``.
    public var internalQuery: String?
    /// See ``LogEntry/context``.
    public var context: String?
    /// See ``LogEntry/statement``.
    public var statement: String?
}

/// The fields an entry may locate.
enum EntryField: Int, CaseIterable {
    case user, database, application, host, session, sqlState
    case message, detail, hint, internalQuery, context, statement
}

/// How the text of an entry's fields is escaped in the raw bytes.
enum FieldEncoding: UInt8 {
    /// stderr/syslog: continuation lines are `\n\t`; prefix fields are plain.
    case stderr
    /// csvlog: a field starting with `"` is quoted, with `""` for `"`.
    case csv
    /// jsonlog: ranges cover the inside of a JSON string (or a bare number).
    case json
}

/// Where each field lies in the entry's bytes, as offsets relative to the entry start.
struct EntryLayout {
    var encoding: FieldEncoding
    var starts: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
    )
    var ends: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
    )

    init(encoding: FieldEncoding) { self.encoding = encoding }

    @inline(__always)
    mutating func set(_ field: EntryField, _ start: Int, _ end: Int) {
        withUnsafeMutableBytes(of: &starts) {
            $0.storeBytes(of: Int32(start), toByteOffset: field.rawValue * 4, as: Int32.self)
        }
        withUnsafeMutableBytes(of: &ends) {
            $0.storeBytes(of: Int32(end), toByteOffset: field.rawValue * 4, as: Int32.self)
        }
    }

    @inline(__always)
    func range(_ field: EntryField) -> Range<Int>? {
        let start = withUnsafeBytes(of: starts) { $0.load(fromByteOffset: field.rawValue * 4, as: Int32.self) }
        guard start >= 0 else { return nil }
        let end = withUnsafeBytes(of: ends) { $0.load(fromByteOffset: field.rawValue * 4, as: Int32.self) }
        return Int(start)..<Int(end)
    }

    /// The raw bytes of a field, still escaped.
    func raw(_ field: EntryField, _ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard let range = range(field) else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[range])
    }

    /// Decodes a field; empty values and `[unknown]` are `nil` except for the message.
    func string(_ field: EntryField, _ bytes: UnsafeRawBufferPointer) -> String? {
        guard let raw = raw(field, bytes) else { return nil }
        let decoded = decode(
            raw, encoding: field.rawValue < EntryField.message.rawValue && encoding == .stderr ? nil : encoding)
        if field != .message && (decoded.isEmpty || decoded.elementsEqual(Self.unknown)) { return nil }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// What the server writes for a field it does not know.
    private static let unknown: [UInt8] = Array("[unknown]".utf8)
}

/// Unescapes a field's raw bytes.
func decode(_ raw: UnsafeRawBufferPointer, encoding: FieldEncoding?) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(raw.count)
    switch encoding {
    case nil:
        out.append(contentsOf: raw)
    case .stderr:
        // Whole lines at a time: each newline is kept and the TAB that starts a continuation line dropped.
        var index = 0
        while index < raw.count {
            let newline = ByteSearch.firstIndex(of: 10, in: raw, from: index) ?? raw.count
            let lineEnd = min(newline + 1, raw.count)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[index..<lineEnd]))
            index = lineEnd
            if newline < raw.count, index < raw.count, raw[index] == 9 { index += 1 }
        }
        if out.last == 10 { out.removeLast() }
    case .csv:
        guard raw.count >= 2, raw[0] == UInt8(ascii: "\"") else {
            out.append(contentsOf: raw)
            return out
        }
        var index = 1
        let end = raw[raw.count - 1] == UInt8(ascii: "\"") ? raw.count - 1 : raw.count
        while index < end {
            let byte = raw[index]
            out.append(byte)
            index += byte == UInt8(ascii: "\"") && index + 1 < end && raw[index + 1] == UInt8(ascii: "\"") ? 2 : 1
        }
    case .json:
        JSONText.unescape(raw, into: &out)
    }
    return out
}
