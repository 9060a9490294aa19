/// Recognises the format of a PostgreSQL log from its content, and decides the prefix of stderr and syslog
/// logs (see ``PrefixInference``).
public enum LogFormatDetector {
    /// How many bytes of a file ``layout(of:)`` looks at.
    public static let sampleSize = 64 * 1024

    /// The `log_line_prefix` values tried, among others, when none is given.
    public static var commonPrefixes: [String] { PrefixInference.knownPrefixes }

    /// The layout of a log, read from its first bytes before any prefix is decided.
    public enum Layout: Sendable, Hashable {
        case stderr, syslog, csv, json
        /// A cloud provider's JSON export; the prefix applies to the server lines it wraps, if any.
        case cloud(CloudExport)
    }

    /// Recognises the layout from the first bytes of a log (up to ``sampleSize``, decompressed): csvlog by a
    /// line starting with a timestamp and a comma, jsonlog by `{"timestamp":`, syslog by
    /// `ident[pid]: [N-M]` after a syslog time on most lines, cloud exports by their JSON members (see
    /// ``CloudExport``); anything else is stderr.
    ///
    /// - Throws: ``LogFormatError/emptySample`` when the bytes hold no line,
    ///   ``LogFormatError/refusedExport(_:)`` for a cloud export that is recognised but not read.
    public static func layout(of sample: UnsafeRawBufferPointer) throws(LogFormatError) -> Layout {
        let sample = UnsafeRawBufferPointer(rebasing: sample[0..<min(sample.count, sampleSize)])
        if let (export, _) = try recogniseCloudExport(sample) { return .cloud(export) }
        let lines = headerLines(sample)
        guard let first = lines.first else { throw .emptySample }
        if startsJSON(sample, first) { return .json }
        if startsCSV(sample, first) { return .csv }
        let syslogLines = lines.filter { parseSyslogHeader(sample, $0.lowerBound, $0.upperBound, year: 1970) != nil }
        return syslogLines.count * 2 > lines.count ? .syslog : .stderr
    }

    /// The format of a log whose layout is known, with `prefix` for stderr and syslog.
    public static func format(_ layout: Layout, prefix: LinePrefix) -> LogFormat {
        switch layout {
        case .stderr: .stderr(prefix)
        case .syslog: .syslog(prefix)
        case .csv: .csv
        case .json: .json
        case .cloud(let export): .cloud(export, prefix)
        }
    }

    /// Detects the format of a log from its first bytes alone: the layout, and for stderr and syslog the
    /// prefix, `explicitPrefix` when given (lines it does not fit are read as unparsed lines), else the one
    /// ``PrefixInference`` decides from the sample's lines.
    ///
    /// - Throws: ``LogFormatError/invalidPrefix(prefix:reason:)`` for an explicit prefix that cannot be
    ///   matched, ``LogFormatError/undetectable(firstLine:)`` when no prefix explains half the lines.
    public static func detect(sample: UnsafeRawBufferPointer, explicitPrefix: String? = nil) throws(LogFormatError)
        -> LogFormat
    {
        let layout = try layout(of: sample)
        if case .cloud = layout {
            guard let format = try detectCloudExport(sample: sample, explicitPrefix: explicitPrefix) else {
                throw undetectable(sample)
            }
            return format
        }
        if layout == .csv || layout == .json { return format(layout, prefix: try LinePrefix(parsing: "")) }
        if let explicitPrefix { return format(layout, prefix: try LinePrefix(parsing: explicitPrefix)) }
        let head = UnsafeRawBufferPointer(rebasing: sample[0..<min(sample.count, sampleSize)])
        var lines = PrefixSample()
        lines.appendLines(of: head, skipPartialFirst: false, includeTail: head.count < sampleSize)
        if layout == .syslog { lines = lines.syslogBodies() }
        guard let decision = PrefixInference.decide(sample: lines) else {
            throw undetectable(head)
        }
        return format(layout, prefix: decision.prefix)
    }

    /// The error for a log no prefix explains, quoting the start of its first line.
    public static func undetectable(_ sample: UnsafeRawBufferPointer) -> LogFormatError {
        let end = find(10, sample, from: 0, end: min(sample.count, 120))
        return .undetectable(firstLine: String(decoding: sample[0..<end], as: UTF8.self))
    }

    /// Detects the format of a log from its first bytes.
    public static func detect(sample: [UInt8], explicitPrefix: String? = nil) throws(LogFormatError) -> LogFormat {
        let result = sample.withUnsafeBytes { buffer in
            Result { () throws(LogFormatError) -> LogFormat in
                try detect(sample: buffer, explicitPrefix: explicitPrefix)
            }
        }
        return try result.get()
    }

    /// Complete lines of the sample that are not continuation lines (no leading TAB), at most 200.
    private static func headerLines(_ sample: UnsafeRawBufferPointer) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var position = 0
        while position < sample.count, lines.count < 200 {
            let end = find(10, sample, from: position, end: sample.count)
            if end == sample.count && lines.count > 0 { break }
            if end > position, sample[position] != 9 { lines.append(position..<end) }
            position = end + 1
        }
        return lines
    }

    private static func startsJSON(_ sample: UnsafeRawBufferPointer, _ line: Range<Int>) -> Bool {
        let marker = Array("{\"timestamp\":".utf8)
        guard line.count >= marker.count else { return false }
        return marker.enumerated().allSatisfy { sample[line.lowerBound + $0.offset] == $0.element }
    }

    private static func startsCSV(_ sample: UnsafeRawBufferPointer, _ line: Range<Int>) -> Bool {
        // The server writes the timestamp bare; csvlog re-exported by other tools may quote it.
        let quoted = !line.isEmpty && sample[line.lowerBound] == UInt8(ascii: "\"")
        guard
            let (_, stamped) = LogTimestamp.parse(sample, at: line.lowerBound + (quoted ? 1 : 0), end: line.upperBound)
        else { return false }
        var after = stamped
        if quoted {
            guard after < line.upperBound, sample[after] == UInt8(ascii: "\"") else { return false }
            after += 1
        }
        guard after < line.upperBound, sample[after] == UInt8(ascii: ",") else { return false }
        // csvlog shape: user,db,pid,… with the pid a number in the 4th column.
        var commas = 0
        var index = after
        var inQuotes = false
        var fourthStart = -1
        while index < line.upperBound {
            let byte = sample[index]
            if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if byte == UInt8(ascii: ","), !inQuotes {
                commas += 1
                if commas == 3 { fourthStart = index + 1 }
            }
            index += 1
        }
        guard fourthStart > 0, fourthStart < line.upperBound else { return false }
        return sample[fourthStart] &- 48 <= 9 && (commas >= 21 || inQuotes)
    }
}
