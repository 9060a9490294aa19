import Foundation
import Ledger
import Matching
import PostgresLog
import Report
import SQLResolution
import ScanIO

/// What one read of a log file covered, stored with it in the ledger (JSON): everything a report's coverage
/// is built from, so that a report from the ledger says what a scan of the same files would.
struct SweptCoverage: Codable, Sendable {
    var bytesRead: Int64
    var bytesScanned: Int64
    var errors: [CoverageError]
    var logFormats: [LogFileFormat]
    var coverage: LogCoverage
    var applications: [String: Int]
    var unparsedNamingTargets: Int
    var joinedNamingTargets: Int

    /// The coverage of a file's accumulator; unparsed lines are redacted unless `showValues`.
    init(_ accumulator: ScanAccumulator, showValues: Bool) {
        bytesRead = accumulator.bytesRead
        bytesScanned = accumulator.bytesScanned
        errors = accumulator.errors.map { CoverageError(path: $0.path, offset: $0.offset, message: $0.message) }
        logFormats = accumulator.logFormats
        coverage = accumulator.coverage
        if !showValues { coverage.rewriteSamples(SQLNormalizer.redactLogLine) }
        applications = accumulator.applications.byName()
        unparsedNamingTargets = accumulator.unparsedNamingTargets
        joinedNamingTargets = accumulator.joinedNamingTargets
    }

    /// Only errors: an input the sweep could not read.
    init(errors: [CoverageError], gapSeconds: Int64) {
        bytesRead = 0
        bytesScanned = 0
        self.errors = errors
        logFormats = []
        coverage = LogCoverage(gapThresholdMilliseconds: gapSeconds * 1000)
        applications = [:]
        unparsedNamingTargets = 0
        joinedNamingTargets = 0
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> SweptCoverage {
        try JSONDecoder().decode(SweptCoverage.self, from: Data(text.utf8))
    }
}

extension RuntimeAccumulator {
    /// The day's uses as the ledger stores them.
    func dailyUsage(target: String, server: String, day: Int64) -> DailyUsage {
        var usage = DailyUsage(target: target, server: server, day: day == DayTarget.undated ? "" : LedgerDay.of(day))
        usage.statements = Int64(statements)
        usage.failed = Int64(failed)
        usage.omittedStatements = Int64(omittedStatements)
        usage.omittedFailed = Int64(omittedFailed)
        usage.groupShift = groupCeiling == .max ? 0 : groupCeiling.leadingZeroBitCount
        let dimensions: [(String, [String: Int])] = [
            ("application", byApplication), ("user", byUser), ("database", byDatabase),
            ("evidence", Dictionary(uniqueKeysWithValues: byEvidence.map { ($0.key.rawValue, $0.value) })),
        ]
        for (dimension, counts) in dimensions where !counts.isEmpty {
            usage.counts[dimension] = counts.mapValues(Int64.init)
        }
        for (evidence, span) in seen {
            usage.seen[evidence.rawValue] = DailyUsage.Seen(first: span.first, last: span.last)
        }
        usage.groups = groups.map { key, group in
            DailyUsage.Group(
                key: Int64(bitPattern: key), id: group.id, statement: group.statement,
                evidence: group.evidence.rawValue,
                evidenceRank: Evidence.allCases.firstIndex(of: group.evidence) ?? 0, count: Int64(group.count),
                failed: Int64(group.failed), firstMs: group.firstSeen, lastMs: group.lastSeen,
                samplePath: group.sample?.path, sampleLine: group.sample.map { Int64($0.line) },
                sampleOffset: group.sample?.offset, applications: group.applications.sorted())
        }
        return usage
    }

    /// A day's uses read back from the ledger.
    init(_ usage: DailyUsage) {
        self.init()
        statements = Int(usage.statements)
        failed = Int(usage.failed)
        omittedStatements = Int(usage.omittedStatements)
        omittedFailed = Int(usage.omittedFailed)
        byApplication = usage.counts["application", default: [:]].mapValues(Int.init)
        byUser = usage.counts["user", default: [:]].mapValues(Int.init)
        byDatabase = usage.counts["database", default: [:]].mapValues(Int.init)
        for (name, count) in usage.counts["evidence", default: [:]] {
            if let evidence = Evidence(rawValue: name) { byEvidence[evidence] = Int(count) }
        }
        for (name, span) in usage.seen {
            if let evidence = Evidence(rawValue: name) { seen[evidence] = SeenSpan(first: span.first, last: span.last) }
        }
        for stored in usage.groups {
            guard let evidence = Evidence(rawValue: stored.evidence) else { continue }
            let sample = stored.samplePath.map {
                LogLocation(path: $0, line: Int(stored.sampleLine ?? 0), offset: stored.sampleOffset ?? 0)
            }
            var group = GroupAccumulator(id: stored.id, statement: stored.statement, evidence: evidence, sample: sample)
            group.count = Int(stored.count)
            group.failed = Int(stored.failed)
            group.applications = Set(stored.applications)
            group.firstSeen = stored.firstMs
            group.lastSeen = stored.lastMs
            groups[UInt64(bitPattern: stored.key)] = group
        }
        // Reads that kept fewer shapes than others left partial counts above their ceiling: those shapes are
        // counted as omitted, so every count shown is whole.
        lowerCeiling(to: usage.groupShift == 0 ? .max : UInt64.max >> UInt64(usage.groupShift))
    }
}
