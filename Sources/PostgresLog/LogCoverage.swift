import Foundation

/// What a set of logs covers: entries read, time window, gaps, and how statements were being logged.
///
/// Observe every entry of a file between ``beginFile(_:)`` calls; accumulators of different files or
/// threads combine with ``merge(_:)`` in any order (per-file intervals are kept and gaps are computed
/// when asked).
public struct LogCoverage: Sendable, Codable {
    /// An unparsed line kept as an example.
    public struct UnparsedSample: Sendable, Hashable, Codable {
        public var path: String
        public var line: Int
        public var offset: Int64
        /// The line, cut at 200 bytes.
        public var text: String
    }

    /// A time span with no entries longer than the threshold.
    public struct Gap: Sendable, Hashable, Codable {
        /// The last entry before the gap (milliseconds since the epoch, UTC).
        public var from: Int64
        /// The first entry after the gap.
        public var to: Int64
        /// The file whose entries end at `from`.
        public var afterFile: String
        /// The file whose entries resume at `to`; the same as `afterFile` for a gap inside a file.
        public var beforeFile: String
        /// Whether the gap lies inside one file (rather than between files).
        public var isInsideFile: Bool { afterFile == beforeFile }
        public var durationMilliseconds: Int64 { to - from }
    }

    /// The time covered by one file.
    public struct FileSpan: Sendable, Hashable, Codable {
        public var path: String
        public var first: Int64?
        public var last: Int64?
        public var entries: Int
        /// Gaps longer than the threshold between consecutive entries of this file.
        public var internalGaps: [Gap]
        var lastSeen: Int64?

        mutating func observe(_ time: Int64, gapThreshold: Int64) {
            if first.map({ time < $0 }) ?? true { first = time }
            if last.map({ time > $0 }) ?? true { last = time }
            guard let lastSeen else {
                self.lastSeen = time
                return
            }
            if time > lastSeen {
                if time - lastSeen > gapThreshold {
                    internalGaps.append(Gap(from: lastSeen, to: time, afterFile: path, beforeFile: path))
                }
                self.lastSeen = time
            }
        }
    }

    /// A `parameter "log_…" changed to "…"` line.
    public struct SettingChange: Sendable, Hashable, Codable {
        public var timestamp: Int64?
        public var name: String
        public var value: String
    }

    /// The shortest span without entries reported as a gap (default one hour).
    public var gapThresholdMilliseconds: Int64
    /// Entries that fitted the format.
    public private(set) var parsedEntries = 0
    /// Lines that fitted no format.
    public private(set) var unparsedEntries = 0
    /// Lines without a prefix joined to the entry before them as continuation lines that lost their TAB.
    public private(set) var joinedLines = 0
    /// Entries cut at the framer's size limit.
    public private(set) var truncatedEntries = 0
    /// Parsed entries without a usable timestamp.
    public private(set) var entriesWithoutTimestamp = 0
    /// Up to five unparsed lines: the first ones by path and line, whichever worker read which file.
    public private(set) var unparsedSamples: [UnparsedSample] = []
    /// Samples taken from the current file (a file's first five are the only ones that can be kept).
    private var samplesInFile = 0
    /// The files observed.
    public private(set) var files: [FileSpan] = []
    /// `statement:`/`execute` lines without a duration (written by `log_statement`).
    public private(set) var logStatementLines = 0
    /// `duration: X ms  statement|execute …` lines (written by `log_min_duration_statement`).
    public private(set) var durationStatementLines = 0
    /// The smallest duration of a line carrying statement text, in milliseconds.
    public private(set) var minimumStatementDuration: Double?
    /// Bare `duration: X ms` lines (`log_duration`, or the completion of a statement already logged).
    public private(set) var durationOnlyLines = 0
    /// Errors with their statement (`log_min_error_statement`).
    public private(set) var failedStatements = 0
    /// auto_explain plans.
    public private(set) var autoExplainPlans = 0
    /// pgaudit lines.
    public private(set) var auditLines = 0
    /// `parameter "log_…" changed to "…"` lines seen.
    public private(set) var settingChanges: [SettingChange] = []
    /// Which kinds of statements `log_statement` lines showed: 1 other (SELECT, BEGIN…), 2 mod, 4 ddl.
    private var logStatementClasses: UInt8 = 0

    /// Creates an empty accumulator.
    public init(gapThresholdMilliseconds: Int64 = 3_600_000) {
        self.gapThresholdMilliseconds = gapThresholdMilliseconds
    }

    /// Rewrites the text of the unparsed samples (to redact them before they are stored).
    public mutating func rewriteSamples(_ transform: (String) -> String) {
        for index in unparsedSamples.indices { unparsedSamples[index].text = transform(unparsedSamples[index].text) }
    }

    /// Starts observing a file: the following entries belong to `path`.
    public mutating func beginFile(_ path: String) {
        files.append(FileSpan(path: path, first: nil, last: nil, entries: 0, internalGaps: [], lastSeen: nil))
        samplesInFile = 0
    }

    /// Observes one entry (cheap: no `String` is made except for samples and setting changes).
    public mutating func observe(_ entry: LogEntry) {
        if files.isEmpty { beginFile("") }
        let fileIndex = files.count - 1
        if entry.truncated { truncatedEntries += 1 }
        guard entry.isParsed else {
            unparsedEntries += 1
            if samplesInFile < 5 { keepSample(entry, path: files[fileIndex].path) }
            return
        }
        parsedEntries += 1
        joinedLines += entry.joinedLines
        files[fileIndex].entries += 1
        if let time = entry.timestamp {
            observeTime(time, fileIndex)
        } else {
            entriesWithoutTimestamp += 1
        }
        let line = classifyStatementLine(entry)
        switch line.kind {
        case .statement, .execute:
            if let duration = line.duration {
                durationStatementLines += 1
                if minimumStatementDuration.map({ duration < $0 }) ?? true { minimumStatementDuration = duration }
            } else {
                logStatementLines += 1
                if logStatementClasses & 1 == 0, let raw = entry.layout.raw(.message, entry.bytes) {
                    let skip = entry.layout.encoding == .csv ? 1 : 0
                    logStatementClasses |= statementClass(raw, from: line.textOffset + skip)
                }
            }
        case .durationOnly: durationOnlyLines += 1
        case .plan: autoExplainPlans += 1
        case .audit: auditLines += 1
        case .parse, .bind, .executeFetch:
            if let duration = line.duration, minimumStatementDuration.map({ duration < $0 }) ?? true {
                minimumStatementDuration = duration
            }
        case .none:
            if entry.severity == .log, let raw = entry.layout.raw(.message, entry.bytes),
                startsWithParameter(raw, entry)
            {
                recordSettingChange(entry)
            }
        }
        if entry.severity.isError && entry.has(.statement) { failedStatements += 1 }
    }

    /// Keeps the sample when it is among the five first by place seen so far, so that the samples a scan
    /// reports do not depend on which files a worker read first.
    private mutating func keepSample(_ entry: LogEntry, path: String) {
        let place = (path, entry.line, entry.offset)
        if unparsedSamples.count == 5 {
            guard let last = unparsedSamples.last, place < (last.path, last.line, last.offset) else {
                samplesInFile = 5  // the file's later lines come after this one: none can be kept
                return
            }
            unparsedSamples.removeLast()
        }
        samplesInFile += 1
        let raw = entry.layout.raw(.message, entry.bytes) ?? entry.bytes
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<min(raw.count, 200)]), as: UTF8.self)
        let sample = UnparsedSample(path: path, line: entry.line, offset: entry.offset, text: text)
        let position = unparsedSamples.firstIndex { place < ($0.path, $0.line, $0.offset) } ?? unparsedSamples.count
        unparsedSamples.insert(sample, at: position)
    }

    private mutating func observeTime(_ time: Int64, _ fileIndex: Int) {
        files[fileIndex].observe(time, gapThreshold: gapThresholdMilliseconds)  // in place, no copy
    }

    private func startsWithParameter(_ raw: UnsafeRawBufferPointer, _ entry: LogEntry) -> Bool {
        let marker: StaticString = "parameter \"log_"
        let skip = entry.layout.encoding == .csv ? 1 : 0
        guard raw.count >= marker.utf8CodeUnitCount + skip else { return false }
        return marker.withUTF8Buffer { marker in
            marker.indices.allSatisfy { raw[$0 + skip] == marker[$0] || raw[$0 + skip] == UInt8(ascii: "\\") }
        }
    }

    private mutating func recordSettingChange(_ entry: LogEntry) {
        // parameter "log_statement" changed to "all"
        let parts = entry.message.split(separator: "\"", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[2] == " changed to " else { return }
        settingChanges.append(
            SettingChange(timestamp: entry.timestamp, name: String(parts[1]), value: String(parts[3])))
    }

    /// Adds another accumulator (another file or thread). The result does not depend on the order.
    public mutating func merge(_ other: LogCoverage) {
        parsedEntries += other.parsedEntries
        unparsedEntries += other.unparsedEntries
        joinedLines += other.joinedLines
        truncatedEntries += other.truncatedEntries
        entriesWithoutTimestamp += other.entriesWithoutTimestamp
        unparsedSamples = Array(
            (unparsedSamples + other.unparsedSamples).sorted {
                ($0.path, $0.line, $0.offset) < ($1.path, $1.line, $1.offset)
            }.prefix(5))
        files += other.files
        logStatementLines += other.logStatementLines
        durationStatementLines += other.durationStatementLines
        if let theirs = other.minimumStatementDuration {
            minimumStatementDuration = min(minimumStatementDuration ?? theirs, theirs)
        }
        durationOnlyLines += other.durationOnlyLines
        failedStatements += other.failedStatements
        autoExplainPlans += other.autoExplainPlans
        auditLines += other.auditLines
        settingChanges += other.settingChanges
        settingChanges.sort { ($0.timestamp ?? .min, $0.name, $0.value) < ($1.timestamp ?? .min, $1.name, $1.value) }
        logStatementClasses |= other.logStatementClasses
    }

    /// The first timestamp of all observed entries.
    public var from: Int64? { files.compactMap(\.first).min() }
    /// The last timestamp of all observed entries.
    public var to: Int64? { files.compactMap(\.last).max() }

    /// Spans longer than the threshold covered by no file, inside files and between files, in time order.
    public var gaps: [Gap] {
        struct Segment {
            var start: Int64
            var end: Int64
            var path: String
        }
        var segments: [Segment] = []
        for file in files {
            guard let first = file.first, let last = file.last else { continue }
            var start = first
            for gap in file.internalGaps.sorted(by: { $0.from < $1.from }) {
                segments.append(Segment(start: start, end: gap.from, path: file.path))
                start = gap.to
            }
            segments.append(Segment(start: start, end: last, path: file.path))
        }
        segments.sort { ($0.start, $0.end, $0.path) < ($1.start, $1.end, $1.path) }
        var result: [Gap] = []
        guard var covered = segments.first else { return [] }
        for segment in segments.dropFirst() {
            if segment.start - covered.end > gapThresholdMilliseconds {
                result.append(
                    Gap(from: covered.end, to: segment.start, afterFile: covered.path, beforeFile: segment.path))
                covered = segment
            } else if segment.end > covered.end || (segment.end == covered.end && segment.path < covered.path) {
                covered = segment
            }
        }
        return result
    }

    /// The statement-logging mode the log shows: `all`, `mod`, `ddl`, `duration>=N ms` (N the largest
    /// whole number of ms not above the smallest duration seen), a combination such as
    /// `mod, duration>=250 ms`, `errors-only` or `none`.
    public var statementLogging: String {
        if logStatementClasses & 1 != 0 { return "all" }
        var parts: [String] = []
        if logStatementClasses & 2 != 0 {
            parts.append("mod")
        } else if logStatementClasses & 4 != 0 {
            parts.append("ddl")
        }
        if durationStatementLines > 0, let minimum = minimumStatementDuration {
            let threshold = Int(minimum.rounded(.down))
            if threshold == 0 { return "duration>=0 ms" }
            parts.append("duration>=\(threshold) ms")
        }
        if !parts.isEmpty { return parts.joined(separator: ", ") }
        if logStatementLines > 0 { return "all" }  // only EXECUTE/PREPARE/WITH seen: assume all
        if failedStatements > 0 { return "errors-only" }
        return "none"
    }

    /// One sentence on why "not used" cannot be concluded from this log, or `nil` when every top-level
    /// statement is logged (`all`, `duration>=0 ms`).
    public var statementLoggingCaveat: String? {
        let mode = statementLogging
        if mode == "all" || mode == "duration>=0 ms" { return nil }
        if mode == "none" {
            return "The log holds no statement text, so it cannot show whether the target is used; "
                + "set log_statement='all' or log_min_duration_statement=0 for the observation window."
        }
        if mode == "errors-only" {
            return "Only failing statements are logged (log_min_error_statement), so successful uses are invisible "
                + "and \"not used\" cannot be concluded."
        }
        var reasons: [String] = []
        if mode.hasPrefix("mod") { reasons.append("log_statement=mod omits SELECTs") }
        if mode.hasPrefix("ddl") { reasons.append("log_statement=ddl logs only DDL") }
        if let range = mode.range(of: "duration>=") {
            reasons.append("only statements slower than \(mode[range.upperBound...]) are logged")
        }
        return reasons.joined(separator: " and ")
            + ", so uses of the target may be missing and \"not used\" cannot be concluded."
    }

    /// One sentence when entries were read but none carries a usable time (a `log_line_prefix` without `%m`,
    /// `%t` or `%n`, or a zone that cannot be read): the logs then cover no known window, and "not used"
    /// cannot be concluded from them. `nil` otherwise.
    public var windowCaveat: String? { Self.windowCaveat(parsedEntries: parsedEntries, hasWindow: from != nil) }

    /// The sentence of ``windowCaveat`` from a report's counts (the gate decides from saved reports too).
    public static func windowCaveat(parsedEntries: Int, hasWindow: Bool) -> String? {
        guard parsedEntries > 0, !hasWindow else { return nil }
        return "None of the \(parsedEntries) log entries carries a timestamp, so the logs cover no known window and "
            + "\"not used\" cannot be concluded; add %m to log_line_prefix."
    }

    /// One sentence when statement-logging settings changed inside the window (`parameter "log_statement"
    /// changed to "all"`), since the mode then holds only for part of it; `nil` otherwise.
    public var settingChangeNote: String? {
        let relevant = settingChanges.filter {
            [
                "log_statement", "log_min_duration_statement", "log_duration", "log_min_duration_sample",
                "log_statement_sample_rate", "log_transaction_sample_rate", "log_min_error_statement",
            ].contains($0.name)
        }
        guard !relevant.isEmpty else { return nil }
        let list = relevant.map { change in
            "\(change.name)=\(change.value)" + (change.timestamp.map { " at \(LogCoverage.format($0))" } ?? "")
        }
        return "Statement logging changed during the window (\(list.joined(separator: ", "))), "
            + "so the logging mode above does not hold for all of it."
    }

    /// Formats milliseconds since the epoch as UTC ISO-8601 (`2024-05-02T10:15:42.123Z`).
    public static func format(_ milliseconds: Int64) -> String { LogTimestamp.iso8601(milliseconds: milliseconds) }
}

/// The `log_statement` class of the statement text at `from` in `raw`: 1 logged only by `all`, 2 `mod`,
/// 4 `ddl`, 0 undecidable (EXECUTE, PREPARE, EXPLAIN, WITH).
func statementClass(_ raw: UnsafeRawBufferPointer, from: Int) -> UInt8 {
    var index = from
    let end = raw.count
    while index < end {
        let byte = raw[index]
        if byte == 32 || byte == 9 || byte == 10 || byte == 13 || byte == UInt8(ascii: "(") {
            index += 1
        } else if byte == UInt8(ascii: "-"), index + 1 < end, raw[index + 1] == UInt8(ascii: "-") {
            index = find(10, raw, from: index, end: end)
        } else if byte == UInt8(ascii: "/"), index + 1 < end, raw[index + 1] == UInt8(ascii: "*") {
            index += 2
            while index + 1 < end, !(raw[index] == UInt8(ascii: "*") && raw[index + 1] == UInt8(ascii: "/")) {
                index += 1
            }
            index += 2
        } else if byte == UInt8(ascii: "\\"), index + 1 < end,
            raw[index + 1] == UInt8(ascii: "n") || raw[index + 1] == UInt8(ascii: "t")
        {
            index += 2  // jsonlog escapes
        } else {
            break
        }
    }
    var key: UInt64 = 0
    var length = 0
    while index < end, length < 9 {
        let byte = raw[index] | 0x20
        guard byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") else { break }
        key = key << 8 | UInt64(byte)
        index += 1
        length += 1
    }
    switch key {
    case word("insert"), word("update"), word("delete"), word("truncate"), word("copy"), word("merge"): return 2
    case word("create"), word("alter"), word("drop"), word("grant"), word("revoke"), word("comment"), word("security"):
        return 4
    case word("execute"), word("prepare"), word("explain"), word("with"), 0: return 0
    default: return 1
    }
}
