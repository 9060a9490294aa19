import Foundation
import Gate
import Ledger
import Matching
import PostgresLog
import Report
import ScanIO

/// The `ledger report` command's arguments as given.
public struct LedgerReportRequest: Sendable {
    public var state: String
    /// `30d`, or a UTC date (`2026-11-01`): the report covers whole UTC days from then.
    public var since: String?
    /// A UTC date: the last day covered (default: today).
    public var until: String?
    public var servers: [String] = []
    public var targets: [String] = []
    public var targetFiles: [String] = []
    public var json: String?
    public var markdown: String?
    public var sarif: String?
    public var blockOn = "probable"
    public var acceptPartialLogging = false
    public var gap = "1h"
    public var quiet = false
    /// The time `--since 30d` counts back from (milliseconds since the epoch; default now).
    public var now: Int64?

    public init(state: String) { self.state = state }
}

/// Runs `dropscan ledger report`: the usage report of the ledger's history, decided by the gate as a scan's is.
public enum LedgerReportCommand {
    public static func run(_ request: LedgerReportRequest) -> Int32 {
        do {
            let outputs = ReportOutputs(json: request.json, markdown: request.markdown, sarif: request.sarif)
            try outputs.validate()
            let report = try report(request)
            try outputs.emit(report, summary: !request.quiet)
            return ExitCode(report.verdict).rawValue
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
    }

    /// The report of the ledger's history over the request's window.
    public static func report(_ request: LedgerReportRequest) throws -> UsageReport {
        let startedAt = RunClock.nowMilliseconds()
        let now = request.now ?? startedAt
        let from = try request.since.map { text throws in try dayStart(text, now: now, option: "--since") }
        let to = try request.until.map { text throws in try dayStart(text, now: now, option: "--until") + 86_400_000 - 1
        }
        let ledger = try Ledger(state: request.state)
        var scan = ScanRequest(
            targets: request.targets, targetFiles: request.targetFiles, logs: [], sources: [], fileLists: [],
            patternDirectories: [], bundledPatterns: nil, threads: 1, json: nil, markdown: nil, sarif: nil,
            showValues: false, gap: request.gap, logLinePrefixes: [], blockOn: request.blockOn,
            acceptPartialLogging: request.acceptPartialLogging, followSymlinks: false, maxFileSize: 0, quiet: true)
        if request.targets.isEmpty && request.targetFiles.isEmpty { scan.targets = try ledger.knownTargets() }
        var configuration = try ScanCommandRunner.makeConfiguration(scan)
        guard !configuration.targets.isEmpty else {
            throw UsageError("the ledger \(request.state) has counted for no target yet: run dropscan sweep first")
        }
        configuration.logs = ["ledger"]
        let targets = configuration.targets
        let history = try ledger.history(
            from: from, to: to, servers: request.servers, targets: targets.map(\.normalized))
        var reports: [UsageReport] = []
        for server in Set(history.reads.map(\.server) + history.usage.map(\.server)).sorted() {
            let accumulator = try Self.accumulator(
                history, server: server, targets: targets, configuration: configuration)
            let builder = ReportBuilder(
                configuration: configuration, targets: targets, startedAt: startedAt, inputs: [])
            reports.append(builder.build(accumulator))
        }
        var report: UsageReport
        if reports.count > 1 {
            report = try ReportMerger.merge(reports).report
        } else if let only = reports.first {
            report = only
        } else {
            let builder = ReportBuilder(
                configuration: configuration, targets: targets, startedAt: startedAt, inputs: [])
            report = builder.build(ScanAccumulator(targetCount: targets.count, gapSeconds: configuration.gapSeconds))
        }
        // A target added to the sweeps later was not looked for in the logs read before.
        let fileReads = history.reads.filter { $0.endOffset > $0.startOffset }
        for index in report.targets.indices {
            let name = report.targets[index].target
            let missed = fileReads.filter { !$0.targets.contains(name) }
            guard !missed.isEmpty else { continue }
            let first = missed.compactMap(\.lastMs).max().map(LogTimestamp.iso8601(milliseconds:)) ?? "its start"
            report.targets[index].caveat =
                "The sweeps did not look for \(name) in \(missed.count) of the \(fileReads.count) log reads of this period (it was added to the targets later; they end at \(first)): report from a later --since, or scan those logs with dropscan scan."
        }
        if let from, let window = report.coverage.window {
            let cut = LogTimestamp.iso8601(milliseconds: from)
            if window.from < cut { report.coverage.window = TimeWindow(from: cut, to: max(cut, window.to)) }
            report.coverage.gaps = report.coverage.gaps.filter { $0.to > cut }
        }
        var run = RunRecord(
            commandLine: configuration.commandLine, startedAt: LogTimestamp.iso8601(milliseconds: startedAt),
            endedAt: LogTimestamp.iso8601(milliseconds: RunClock.nowMilliseconds()), sources: [],
            logs: ["ledger \(ledger.label)"], inputs: [], policy: configuration.policy.record)
        run.recordInputs([])
        report.run = run
        Gate.decide(&report, policy: configuration.policy)
        return report
    }

    /// One server's reads and uses, as one scan's accumulator.
    static func accumulator(
        _ history: LedgerHistory, server: String, targets: [Target], configuration: ScanConfiguration
    ) throws -> ScanAccumulator {
        var result = ScanAccumulator(targetCount: targets.count, gapSeconds: configuration.gapSeconds)
        var files: Set<String> = []
        var formats: Set<String> = []
        for read in history.reads where read.server == server {
            let swept: SweptCoverage
            do {
                swept = try SweptCoverage.decode(read.coverage)
            } catch {
                throw UsageError(
                    "the ledger's record of \(read.path) cannot be read (\(error)): it was written by another dropscan")
            }
            files.insert(read.fileID.map { "#\($0)" } ?? read.path)
            result.bytesRead += swept.bytesRead
            result.bytesScanned += swept.bytesScanned
            result.errors += swept.errors.map {
                ReadError(path: $0.path, offset: $0.offset, kind: .read, message: $0.message)
            }
            for format in swept.logFormats where formats.insert(format.path + "\u{0}" + format.format).inserted {
                result.logFormats.append(format)
                result.formats[format.format, default: 0] += 1
            }
            result.coverage.merge(swept.coverage)
            result.applications.merge(ApplicationTally(byName: swept.applications))
            result.unparsedNamingTargets += swept.unparsedNamingTargets
            result.joinedNamingTargets += swept.joinedNamingTargets
        }
        result.logFiles = files.count
        let index = Dictionary(uniqueKeysWithValues: targets.enumerated().map { ($1.normalized, $0) })
        for usage in history.usage where usage.server == server {
            guard let target = index[usage.target] else { continue }
            result.runtime[target].merge(RuntimeAccumulator(usage))
        }
        return result
    }

    /// The first millisecond of the UTC day `text` names: `30d` back from `now`, or a date `2026-11-01`.
    static func dayStart(_ text: String, now: Int64, option: String) throws -> Int64 {
        if let seconds = try? ScanCommandRunner.parseDuration(text) {
            return LedgerDay.start(of: now - seconds * 1000)
        }
        guard text.count == 10, let day = GateClock.day(text) else {
            throw UsageError("\(option) takes a duration such as 30d or a UTC date such as 2026-11-01, not '\(text)'")
        }
        return Int64(day) * 86_400_000
    }
}
