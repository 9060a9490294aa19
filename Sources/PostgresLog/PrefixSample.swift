/// Header lines sampled from a log (or from the logs of one server) to decide its `log_line_prefix`.
///
/// Lines are stored cut to ``maximumLineBytes`` in one buffer, so that a sample of thousands of lines is a
/// few hundred KiB. Continuation lines (a leading TAB) and blank lines are never sampled: they carry no
/// prefix.
public struct PrefixSample: Sendable {
    /// Bytes kept of each line: enough for any prefix and the start of its message.
    public static let maximumLineBytes = 400

    var storage: [UInt8] = []
    var ranges: [Range<Int>] = []

    public init() {}

    /// How many lines the sample holds.
    public var count: Int { ranges.count }

    /// Adds one line (without its newline), cut to ``maximumLineBytes``.
    public mutating func append(_ line: UnsafeRawBufferPointer) {
        guard !line.isEmpty, line[0] != 9 else { return }
        var length = min(line.count, Self.maximumLineBytes)
        if line[length - 1] == 13 { length -= 1 }
        guard length > 0 else { return }
        let start = storage.count
        storage.append(contentsOf: line[0..<length])
        ranges.append(start..<storage.count)
    }

    /// Adds the complete lines of `bytes`: after the first newline when `skipPartialFirst` (a window that
    /// may start inside a line), and not the unterminated tail unless `includeTail`. Stops at `limit` lines.
    public mutating func appendLines(
        of bytes: UnsafeRawBufferPointer, skipPartialFirst: Bool, includeTail: Bool, limit: Int = .max
    ) {
        var position = 0
        if skipPartialFirst {
            position = find(10, bytes, from: 0, end: bytes.count) + 1
        }
        var added = 0
        while position < bytes.count, added < limit {
            let end = find(10, bytes, from: position, end: bytes.count)
            if end == bytes.count && !includeTail { break }
            if end > position, bytes[position] != 9 {
                append(UnsafeRawBufferPointer(rebasing: bytes[position..<end]))
                added += 1
            }
            position = end + 1
        }
    }

    /// Adds up to `limit` lines of `other`, evenly spread over it.
    public mutating func append(spreadOf other: PrefixSample, limit: Int) {
        guard other.count > 0, limit > 0 else { return }
        let step = max(1, other.count / limit)
        var index = 0
        var added = 0
        while index < other.count, added < limit {
            other.withLine(index) { append($0) }
            index += step
            added += 1
        }
    }

    /// Keeps every other line (used to stay under a bound while sampling a stream).
    public mutating func halve() {
        var kept = PrefixSample()
        for index in stride(from: 0, to: count, by: 2) { withLine(index) { kept.append($0) } }
        self = kept
    }

    /// Calls `body` with line `index`.
    public func withLine<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[ranges[index]])) }
    }

    /// The sample's lines relayed by syslog, replaced by what follows the syslog header of first pieces
    /// (where PostgreSQL's own prefix starts).
    public func syslogBodies() -> PrefixSample {
        var bodies = PrefixSample()
        storage.withUnsafeBytes { buffer in
            for range in ranges {
                guard let header = parseSyslogHeader(buffer, range.lowerBound, range.upperBound, year: 1970),
                    header.chunk == 1, header.contentStart < range.upperBound, buffer[header.contentStart] != 9,
                    buffer[header.contentStart] != UInt8(ascii: "#")
                else { continue }
                bodies.append(UnsafeRawBufferPointer(rebasing: buffer[header.contentStart..<range.upperBound]))
            }
        }
        return bodies
    }
}

/// What the messages of a sample say about the sessions and the server's settings, independently of any
/// prefix: the values of `connection authorized: user=… database=… application_name=…`, the hosts of
/// `connection received: host=…`, and `parameter "log_line_prefix" changed to "…"`.
struct SessionEvidence {
    var users: Set<[UInt8]> = []
    var databases: Set<[UInt8]> = []
    var applications: Set<[UInt8]> = []
    var hosts: Set<[UInt8]> = []
    /// The prefixes the log says were set, in order of appearance.
    var loggedPrefixes: [String] = []

    var isEmpty: Bool { users.isEmpty && databases.isEmpty && applications.isEmpty }

    static let authorized = Array("connection authorized: user=".utf8)
    static let received = Array("connection received: host=".utf8)
    static let changed = Array("parameter \"log_line_prefix\" changed to \"".utf8)
    static let databaseKey = Array(" database=".utf8)
    static let applicationKey = Array(" application_name=".utf8)

    init() {}

    init(_ sample: PrefixSample) {
        for index in 0..<sample.count { sample.withLine(index) { observe($0) } }
    }

    /// Reads one line's message for evidence. Lines are cut at ``PrefixSample/maximumLineBytes``, so a value
    /// that reaches the cut is not trusted.
    mutating func observe(_ line: UnsafeRawBufferPointer) {
        let end = line.count
        let cut = end >= PrefixSample.maximumLineBytes
        if let at = search(Self.authorized, in: line, from: 0) {
            let userStart = at + Self.authorized.count
            guard let databaseAt = search(Self.databaseKey, in: line, from: userStart) else { return }
            insert(&users, line, userStart, databaseAt)
            let databaseStart = databaseAt + Self.databaseKey.count
            if let applicationAt = search(Self.applicationKey, in: line, from: databaseStart) {
                insert(&databases, line, databaseStart, applicationAt)
                var applicationEnd = end
                // PostgreSQL appends ` SSL enabled (…)` or ` GSS (…)` after the name.
                for suffix in [" SSL enabled (", " GSS (", " SSL "] {
                    if let at = search(Array(suffix.utf8), in: line, from: applicationAt + 1) {
                        applicationEnd = min(applicationEnd, at)
                    }
                }
                if !cut || applicationEnd < end {
                    insert(
                        &applications, line, applicationAt + Self.applicationKey.count, applicationEnd)
                }
            } else {
                var databaseEnd = find(UInt8(ascii: " "), line, from: databaseStart, end: end)
                if databaseEnd == end && cut { databaseEnd = -1 }
                if databaseEnd > databaseStart { insert(&databases, line, databaseStart, databaseEnd) }
            }
        } else if let at = search(Self.received, in: line, from: 0) {
            let hostStart = at + Self.received.count
            let hostEnd = find(UInt8(ascii: " "), line, from: hostStart, end: end)
            if hostEnd < end { insert(&hosts, line, hostStart, hostEnd) }
        } else if let at = search(Self.changed, in: line, from: 0) {
            // The value is printed between double quotes, as is: the last quote on the line closes it.
            let valueStart = at + Self.changed.count
            var valueEnd = end
            while valueEnd > valueStart, line[valueEnd - 1] != UInt8(ascii: "\"") { valueEnd -= 1 }
            if valueEnd > valueStart && !cut {
                let value = String(decoding: line[valueStart..<(valueEnd - 1)], as: UTF8.self)
                if !loggedPrefixes.contains(value) { loggedPrefixes.append(value) }
            }
        }
    }

    /// Values are names (at most 63 bytes; application names 64): anything longer is not a name.
    private func insert(_ set: inout Set<[UInt8]>, _ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int) {
        guard end > start, end - start <= 64, set.count < 256 else { return }
        set.insert(Array(line[start..<end]))
    }

    mutating func merge(_ other: SessionEvidence) {
        users.formUnion(other.users)
        databases.formUnion(other.databases)
        applications.formUnion(other.applications)
        hosts.formUnion(other.hosts)
        for prefix in other.loggedPrefixes where !loggedPrefixes.contains(prefix) { loggedPrefixes.append(prefix) }
    }
}

/// The index of the first occurrence of `needle` in `haystack[from...]`.
func search(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from: Int) -> Int? {
    guard let first = needle.first else { return nil }
    var position = from
    let last = haystack.count - needle.count
    while position <= last {
        position = find(first, haystack, from: position, end: last + 1)
        if position > last { return nil }
        var k = 1
        while k < needle.count, haystack[position + k] == needle[k] { k += 1 }
        if k == needle.count { return position }
        position += 1
    }
    return nil
}
