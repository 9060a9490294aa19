/// Recognises the format of a PostgreSQL log from its first bytes.
public enum LogFormatDetector {
    /// How many bytes of a file ``detect(sample:explicitPrefix:)`` looks at.
    public static let sampleSize = 64 * 1024

    /// The `log_line_prefix` values tried, in order, when none is given.
    public static let commonPrefixes: [String] = [
        "%m [%p] %q%u@%d/%a ",
        "%m [%p] %q%u@%d ",
        "%m [%p] ",
        "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
        "%t [%p]: [%l-1] db=%d,user=%u,app=%a,client=%h ",
        "%t [%p]: [%l-1] user=%u,db=%d ",
        "%m [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
        "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
        "%t:%r:%u@%d:[%p]:",
        "%m [%p] [queryid=%Q] %u@%d ",
        "%m [%p] user=%u,db=%d ",
        "%m [%p] %u@%d %a ",
        "%m %u@%d %a [%p] ",
        "%t-%c-",
        "%m-%c-",
        "%t [%p] ",
        "%t [%p]: ",
        "%m [%p]: ",
        "%t %u %d [%p] ",
        "%m %c ",
        "%m ",
        "%t ",
        "[%p] ",
        "[%p]: [%l-1] db=%d,user=%u,app=%a,client=%h ",
        // Cloud SQL for PostgreSQL (inside textPayload; the time is the record's)
        "[%p]: [%l-1] db=%d,user=%u ",
        "[%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
        "db=%d,user=%u,app=%a,client=%h ",
        "user=%u,db=%d,app=%a,client=%h ",
        // Heroku Postgres (after the logplex header): https://help.heroku.com/MJUI0JR0
        " sql_error_code = %e ",
        "",
    ]

    /// Detects the format of a log from its first bytes (up to ``sampleSize``, decompressed).
    ///
    /// csvlog is recognised by a line starting with a timestamp and a comma, jsonlog by `{"timestamp":`,
    /// syslog by `ident[pid]: [N-M]` after a syslog time; anything else is stderr, whose prefix is
    /// `explicitPrefix` when given, else the first of ``commonPrefixes`` that fits the lines, else one
    /// inferred from where the severity word starts (timestamp at the start, pid in brackets).
    ///
    /// - Throws: ``LogFormatError/prefixMismatch(prefix:line:expected:column:found:)`` when an explicit prefix
    ///   does not fit a line, ``LogFormatError/undetectable(firstLine:)`` when nothing fits.
    public static func detect(sample: UnsafeRawBufferPointer, explicitPrefix: String? = nil) throws(LogFormatError)
        -> LogFormat
    {
        let sample = UnsafeRawBufferPointer(rebasing: sample[0..<min(sample.count, sampleSize)])
        if let cloud = try detectCloudExport(sample: sample, explicitPrefix: explicitPrefix) { return cloud }
        let lines = headerLines(sample)
        guard let first = lines.first else { throw .emptySample }
        if startsJSON(sample, first) { return .json }
        if startsCSV(sample, first) { return .csv }
        let syslogLines = lines.filter { parseSyslogHeader(sample, $0.lowerBound, $0.upperBound, year: 1970) != nil }
        let isSyslog = syslogLines.count * 2 > lines.count
        let bodies: [Range<Int>] =
            isSyslog
            ? syslogLines.compactMap { line -> Range<Int>? in
                guard let header = parseSyslogHeader(sample, line.lowerBound, line.upperBound, year: 1970) else {
                    return nil
                }
                // Only first pieces start with the prefix.
                guard header.chunk == 1, header.contentStart < line.upperBound, sample[header.contentStart] != 9,
                    sample[header.contentStart] != UInt8(ascii: "#")
                else { return nil }
                return header.contentStart..<line.upperBound
            } : lines
        if let explicitPrefix {
            let prefix = try LinePrefix(parsing: explicitPrefix)
            for (number, line) in bodies.enumerated()
            where prefix.match(sample, start: line.lowerBound, end: line.upperBound) == nil {
                let (expected, column) = prefix.explainMismatch(sample, start: line.lowerBound, end: line.upperBound)
                let foundStart = min(line.lowerBound + column - 1, line.upperBound)
                let found = String(decoding: sample[foundStart..<min(foundStart + 20, line.upperBound)], as: UTF8.self)
                throw .prefixMismatch(
                    prefix: explicitPrefix, line: lineNumber(of: line, in: sample, fallback: number + 1),
                    expected: expected, column: column, found: found)
            }
            return isSyslog ? .syslog(prefix) : .stderr(prefix)
        }
        if let prefix = bestPrefix(sample, bodies) { return isSyslog ? .syslog(prefix) : .stderr(prefix) }
        let firstText = String(
            decoding: sample[first.lowerBound..<min(first.upperBound, first.lowerBound + 120)], as: UTF8.self)
        throw .undetectable(firstLine: firstText)
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

    private static func lineNumber(of line: Range<Int>, in sample: UnsafeRawBufferPointer, fallback: Int) -> Int {
        countNewlines(sample, from: 0, end: line.lowerBound) + 1
    }

    private static func startsJSON(_ sample: UnsafeRawBufferPointer, _ line: Range<Int>) -> Bool {
        let marker = Array("{\"timestamp\":".utf8)
        guard line.count >= marker.count else { return false }
        return marker.enumerated().allSatisfy { sample[line.lowerBound + $0.offset] == $0.element }
    }

    private static func startsCSV(_ sample: UnsafeRawBufferPointer, _ line: Range<Int>) -> Bool {
        guard let (_, after) = LogTimestamp.parse(sample, at: line.lowerBound, end: line.upperBound),
            after < line.upperBound, sample[after] == UInt8(ascii: ",")
        else { return false }
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

    /// The common prefix matching most lines (at least 90%), or an inferred one.
    private static func bestPrefix(_ sample: UnsafeRawBufferPointer, _ lines: [Range<Int>]) -> LinePrefix? {
        guard !lines.isEmpty else { return nil }
        // Among the prefixes that fit every line, take the most specific (most literal bytes and typed
        // escapes), unless it fits only through `%q` (background lines say nothing about what follows it).
        var bestFull: (LinePrefix, Int)?
        var best: (LinePrefix, Int)?
        for pattern in commonPrefixes {
            guard let prefix = try? LinePrefix(parsing: pattern) else { continue }
            var matched = 0
            var full = 0
            for line in lines where prefix.match(sample, start: line.lowerBound, end: line.upperBound) != nil {
                matched += 1
                if prefix.backgroundStop != nil,
                    prefix.matchesFully(sample, start: line.lowerBound, end: line.upperBound)
                {
                    full += 1
                }
            }
            if matched == lines.count && (prefix.backgroundStop == nil || full > 0) {
                let score = prefix.specificity
                if bestFull == nil || score > bestFull!.1 { bestFull = (prefix, score) }
            }
            if matched * 10 >= lines.count * 9, best == nil || matched > best!.1 { best = (prefix, matched) }
        }
        if let bestFull { return bestFull.0 }
        if let best { return best.0 }
        return inferPrefix(sample, lines)
    }

    /// Structural inference: a timestamp at the start of the lines (`%m` or `%t`), then anything up to the
    /// severity word, with the pid taken from the first number in brackets.
    private static func inferPrefix(_ sample: UnsafeRawBufferPointer, _ lines: [Range<Int>]) -> LinePrefix? {
        guard let first = lines.first else { return nil }
        var elements: [LinePrefix.Element] = []
        var pattern = ""
        if let (_, after) = LogTimestamp.parse(sample, at: first.lowerBound, end: first.upperBound) {
            let millis = sample[first.lowerBound + 19] == UInt8(ascii: ".")
            elements.append(.escape(millis ? .timestampMillis : .timestamp, padded: false))
            pattern = millis ? "%m" : "%t"
            _ = after
        }
        elements.append(.anythingWithPid)
        pattern += "…"
        let prefix = LinePrefix(
            inferred: pattern + " (inferred: timestamp, then [pid] before the severity)", elements: elements)
        let matched = lines.filter { prefix.match(sample, start: $0.lowerBound, end: $0.upperBound) != nil }.count
        return matched * 10 >= lines.count * 9 ? prefix : nil
    }
}
