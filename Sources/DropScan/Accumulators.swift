import CodeUsage
import Matching
import PostgresLog
import Report
import ScanIO

/// Runtime uses of one target, as counted so far; mergeable so that workers and shards combine.
struct RuntimeAccumulator: Sendable {
    var statements = 0
    var failed = 0
    var byApplication: [String: Int] = [:]
    var byUser: [String: Int] = [:]
    var byDatabase: [String: Int] = [:]
    var byEvidence: [Evidence: Int] = [:]
    /// The first and last use of each evidence tier, in milliseconds since the epoch (UTC).
    var seen: [Evidence: SeenSpan] = [:]
    var groups: [UInt64: GroupAccumulator] = [:]
    /// Groups are kept while their key (a hash of the statement's shape) is at most this: halved whenever more
    /// than a limit are kept, so that memory stays bounded and the groups kept are the same whatever the
    /// order statements arrive in (the keys below the final ceiling).
    var groupCeiling = UInt64.max
    /// Executions and failed executions of the groups not kept (they stay in every other count).
    var omittedStatements = 0
    var omittedFailed = 0

    /// The most groups a worker keeps per target while scanning; the report keeps
    /// `ScanConfiguration.maxStatementGroups`.
    static let groupLimit = 10_000

    /// Whether a group of `key` is past the ceiling: its executions are counted as omitted.
    func omits(_ key: UInt64) -> Bool { key > groupCeiling }

    /// Counts a group that is not kept.
    mutating func omit(_ group: GroupAccumulator) {
        omittedStatements += group.count
        omittedFailed += group.failed
    }

    /// Halves the ceiling until at most `limit` groups remain; the groups above it are counted as omitted.
    mutating func trimGroups(to limit: Int) {
        while groups.count > limit { lowerCeiling(to: groupCeiling >> 1) }
    }

    /// Lowers the ceiling to `ceiling` (never raises it); the groups above it are counted as omitted.
    mutating func lowerCeiling(to ceiling: UInt64) {
        guard ceiling < groupCeiling else { return }
        groupCeiling = ceiling
        for (key, group) in groups where key > groupCeiling {
            omit(group)
            groups[key] = nil
        }
    }

    struct SeenSpan: Sendable, Equatable {
        var first: Int64
        var last: Int64

        mutating func include(_ other: SeenSpan) {
            first = min(first, other.first)
            last = max(last, other.last)
        }
    }

    mutating func see(at timestamp: Int64?, _ evidence: Evidence) {
        guard let timestamp else { return }
        seen[evidence, default: SeenSpan(first: timestamp, last: timestamp)].include(
            SeenSpan(first: timestamp, last: timestamp))
    }

    /// The first and last use over the tiers `includes` accepts.
    func span(where includes: (Evidence) -> Bool) -> SeenSpan? {
        seen.filter { includes($0.key) }.values.reduce(nil) { result, span in
            guard var result else { return span }
            result.include(span)
            return result
        }
    }

    mutating func merge(_ other: RuntimeAccumulator) {
        statements += other.statements
        failed += other.failed
        byApplication.merge(other.byApplication, uniquingKeysWith: +)
        byUser.merge(other.byUser, uniquingKeysWith: +)
        byDatabase.merge(other.byDatabase, uniquingKeysWith: +)
        byEvidence.merge(other.byEvidence, uniquingKeysWith: +)
        for (tier, span) in other.seen { seen[tier, default: span].include(span) }
        omittedStatements += other.omittedStatements
        omittedFailed += other.omittedFailed
        lowerCeiling(to: other.groupCeiling)
        for (key, group) in other.groups {
            if key > groupCeiling {
                omit(group)
            } else if var existing = groups[key] {
                existing.merge(group)
                groups[key] = existing
            } else {
                groups[key] = group
            }
        }
        trimGroups(to: Self.groupLimit)
    }
}

/// Uses of one target by one statement shape.
struct GroupAccumulator: Sendable {
    var id: String
    var statement: String
    var evidence: Evidence
    var count = 0
    var failed = 0
    var applications: Set<String> = []
    var firstSeen: Int64?
    var lastSeen: Int64?
    var sample: LogLocation?

    /// The most bytes of a statement's text a group keeps: a 16 MiB statement is a few KiB in the report.
    static let statementLimit = 4096

    init(id: String, statement: String, evidence: Evidence, sample: LogLocation?) {
        self.id = id
        self.statement = Self.capped(statement)
        self.evidence = evidence
        self.sample = sample
    }

    /// `text` cut to ``statementLimit`` bytes (at a character boundary), saying how much was cut.
    static func capped(_ text: String) -> String {
        let count = text.utf8.count
        guard count > statementLimit else { return text }
        // A character cut in two decodes as U+FFFD: dropped.
        var kept = String(decoding: text.utf8.prefix(statementLimit - 64), as: UTF8.self)
        if kept.hasSuffix("\u{FFFD}") && !text.utf8.prefix(statementLimit - 64).elementsEqual(kept.utf8) {
            kept.removeLast()
        }
        return "\(kept) … (\(count - kept.utf8.count) more bytes not shown)"
    }

    mutating func merge(_ other: GroupAccumulator) {
        count += other.count
        failed += other.failed
        evidence = min(evidence, other.evidence)
        applications.formUnion(other.applications)
        if let first = other.firstSeen { firstSeen = min(firstSeen ?? first, first) }
        if let last = other.lastSeen { lastSeen = max(lastSeen ?? last, last) }
        // The earliest sample by place, so that the report does not depend on which worker saw what.
        if let candidate = other.sample,
            sample.map({ (candidate.path, candidate.offset) < ($0.path, $0.offset) }) ?? true
        {
            sample = candidate
        }
    }
}

/// Everything one worker (or a whole scan) has seen.
struct ScanAccumulator: Sendable {
    var runtime: [RuntimeAccumulator]
    var findings: [[CodeFinding]]
    var declarations: [[CodeFinding]]
    var deprecations: [[CodeFinding]]
    var logFiles = 0
    var sourceFiles = 0
    var bytesRead: Int64 = 0
    var bytesScanned: Int64 = 0
    var errors: [ReadError] = []
    var skipped: [SkippedFile] = []
    var formats: [String: Int] = [:]
    var coverage: LogCoverage
    /// Log lines that fit no format but name a target.
    var unparsedNamingTargets = 0
    /// Parsed entries by application.
    var applications = ApplicationTally()
    /// How each log file was read.
    var logFormats: [LogFileFormat] = []

    /// Records how a log file was read, and any doubt about its inferred prefix.
    mutating func noteFormat(of path: String, _ format: LogFormat, _ decision: PrefixDecision?) {
        var record = LogFileFormat(path: path, format: format.name)
        switch format {
        case .stderr(let prefix), .syslog(let prefix):
            record.prefix = prefix.pattern
            if let decision {
                record.prefixSource = decision.origin.rawValue
                record.sampledLines = decision.sampledLines
                record.explainedLines = decision.explainedLines
                if decision.origin == .inferred { record.problem = decision.problem }
            }
        default: break
        }
        logFormats.append(record)
    }
    /// Time the model index's readers took (and `structure.sql`), summed over threads.
    var indexNanoseconds: UInt64 = 0
    /// Methods, properties, fields and SQL aliases of the targets' names defined in the source trees.
    var definitions: DefinedNames
    /// The source files that gave a finding: scanned again when the trees define a target's name.
    var sourceFilesWithFindings: [InputFile] = []
    /// By file path, the findings the trees' definitions may change (see `CodeScanner.rescored`).
    var rescorable: [String: [RescorableFinding]] = [:]
    /// Entries with lines joined as continuation lines (no prefix) that name a target no statement of theirs uses.
    var joinedNamingTargets = 0
    /// Runtime uses by UTC day and target, when the scan counts by day (a sweep).
    var daily: [DayTarget: RuntimeAccumulator] = [:]
    /// Where the read of each sliced log file stopped.
    var readEnds: [String: ReadEnd] = [:]

    init(targetCount: Int, gapSeconds: Int64) {
        coverage = LogCoverage(gapThresholdMilliseconds: gapSeconds * 1000)
        runtime = Array(repeating: RuntimeAccumulator(), count: targetCount)
        findings = Array(repeating: [], count: targetCount)
        declarations = Array(repeating: [], count: targetCount)
        deprecations = Array(repeating: [], count: targetCount)
        definitions = DefinedNames(targetCount: targetCount)
    }

    mutating func merge(_ other: ScanAccumulator) {
        for index in runtime.indices {
            runtime[index].merge(other.runtime[index])
            findings[index] += other.findings[index]
            declarations[index] += other.declarations[index]
            deprecations[index] += other.deprecations[index]
        }
        logFiles += other.logFiles
        sourceFiles += other.sourceFiles
        bytesRead += other.bytesRead
        bytesScanned += other.bytesScanned
        errors += other.errors
        skipped += other.skipped
        formats.merge(other.formats, uniquingKeysWith: +)
        coverage.merge(other.coverage)
        unparsedNamingTargets += other.unparsedNamingTargets
        applications.merge(other.applications)
        logFormats += other.logFormats
        indexNanoseconds += other.indexNanoseconds
        definitions.merge(other.definitions)
        sourceFilesWithFindings += other.sourceFilesWithFindings
        rescorable.merge(other.rescorable) { $0 + $1 }
        joinedNamingTargets += other.joinedNamingTargets
        for (key, runtime) in other.daily { daily[key, default: RuntimeAccumulator()].merge(runtime) }
        readEnds.merge(other.readEnds) { $1 }
    }
}

/// A target's uses on one UTC day: the day's first millisecond, or `Int64.min` for entries without a time.
struct DayTarget: Hashable, Sendable {
    var day: Int64
    var target: Int

    static let undated = Int64.min
}

/// Where a read stopped: the offset of the first byte of text not read, and its line number.
struct ReadEnd: Sendable, Equatable {
    var offset: Int64
    var line: Int
}
