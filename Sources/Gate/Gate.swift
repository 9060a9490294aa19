import Foundation
import Matching
import PostgresLog
import Report

/// What the gate needs beyond the report and the policy.
public struct GateContext: Sendable {
    /// Today, for allowlist expiry.
    public var now: Date
    /// Fingerprints accepted as they are (`--baseline`).
    public var baseline: Baseline?
    /// Attestations from files beside the migration (the policy's own are added).
    public var attestations: [Attestation]
    /// The change under review (`--diff BASE..HEAD`), for the isolation item.
    public var change: ChangeSet?

    public init(
        now: Date = Date(), baseline: Baseline? = nil, attestations: [Attestation] = [], change: ChangeSet? = nil
    ) {
        self.now = now
        self.baseline = baseline
        self.attestations = attestations
        self.change = change
    }
}

/// Every verdict is decided here, for `scan`, `merge` and `gate` alike: from the report's data (uses,
/// coverage) and a policy, it sets each target's verdict, the overall verdict, the reasons (the deciding
/// one first) and the decision record. Stale verdicts and reasons in the report are ignored.
public enum Gate {
    public static func decide(_ report: inout UsageReport, policy: GatePolicy, context: GateContext = GateContext()) {
        var allowlist = AllowlistMatcher(entries: policy.allowlist, baseline: context.baseline, now: context.now)
        let scannedLogs = Self.scannedLogs(report)
        let scannedCode = Self.scannedCode(report)
        var coverageReasons = policy.coverageReasons(report.coverage, scannedLogs: scannedLogs)
        if let unparsed = report.coverage.unparsedNamingTargets, unparsed > 0 {
            coverageReasons.append(
                "\(unparsed) log line(s) that name a target fit no log format, so a use may hide in them (see coverage.entries.unparsedSamples; --log-line-prefix may help)."
            )
        }
        coverageReasons += RequirementCheck(policy: policy, report: report, scannedLogs: scannedLogs).reasons()
        coverageReasons += logReasons(report.coverage)
        coverageReasons += skippedReasons(report.coverage)
        coverageReasons += databaseReasons(report.coverage)
        coverageReasons += countedStatementReasons(report.coverage)
        // A scan stopped by a signal is partial whatever else it shows: that reason decides.
        let stopped = interruptionReason(report.coverage)
        if let stopped { coverageReasons.insert(stopped, at: 0) }

        var targetReasons: [String] = []
        // Why nothing found for a target cannot mean "not used" (a table no model or schema mentions).
        var caveatReasons: [String] = []
        var warnings: [String] = []
        warnings += countedStatementWarnings(report.coverage)
        var blockingCodeTotal = 0
        var blockingRuntimeTotal = 0
        for index in report.targets.indices {
            seenOverBlockingTiers(&report.targets[index].runtime, policy: policy)
            var tally = allowlist.tally(&report.targets[index], policy: policy)
            tally.activity = tableReads(report.targets[index])
            blockingCodeTotal += tally.code
            blockingRuntimeTotal += tally.runtimeTotal + tally.failed + tally.counted + tally.activity.count
            let counted = countedCaveats(report.targets[index])
            for caveat in counted where !caveatReasons.contains(caveat) { caveatReasons.append(caveat) }
            if tally.blocks {
                report.targets[index].verdict = .blocked
                targetReasons.append(tally.reason(target: report.targets[index].target))
            } else if let caveat = report.targets[index].caveat ?? missingReason(report.targets[index])
                ?? activityCaveat(report.targets[index]) ?? counted.first
            {
                report.targets[index].verdict = .inconclusive
                if !caveatReasons.contains(caveat) { caveatReasons.append(caveat) }
            } else {
                report.targets[index].verdict = coverageReasons.isEmpty ? .pass : .inconclusive
            }
            warnings += tally.warnings(target: report.targets[index].target)
        }

        var checklist: [ChecklistItem] = []
        var checklistReasons: [String] = []
        if let checklistPolicy = policy.checklist {
            var evidence = Checklist.Evidence(
                scannedCode: scannedCode, scannedLogs: scannedLogs, blockingCode: blockingCodeTotal,
                blockingRuntime: blockingRuntimeTotal, coverageReason: coverageReasons.first,
                codeReason: caveatReasons.first,
                attestations: checklistPolicy.attestations + context.attestations, change: context.change)
            if report.targets.isEmpty {
                evidence.coverageReason = nil
                evidence.codeReason = nil
            }
            checklist = Checklist.evaluate(evidence, waive: Set(checklistPolicy.waive))
            checklistReasons = Checklist.reasons(
                checklist, coverageExplained: !coverageReasons.isEmpty, codeExplained: !caveatReasons.isEmpty)
            if !checklistReasons.isEmpty {
                for index in report.targets.indices where report.targets[index].verdict == .pass {
                    report.targets[index].verdict = .inconclusive
                }
            }
        }
        warnings += allowlist.warnings()

        let leading = stopped == nil ? 0 : 1
        let inconclusiveReasons =
            Array(coverageReasons.prefix(leading)) + caveatReasons + coverageReasons.dropFirst(leading)
            + checklistReasons
        let verdict: Verdict
        let reason: String
        if let first = targetReasons.first {
            verdict = .blocked
            reason = first
        } else if let first = inconclusiveReasons.first {
            verdict = .inconclusive
            reason = first
        } else {
            verdict = .pass
            reason = passReason(report, scannedLogs: scannedLogs, scannedCode: scannedCode, policy: policy)
        }
        report.verdict = verdict
        report.reasons = verdict == .pass ? [] : targetReasons + inconclusiveReasons
        report.run?.policy = policy.record
        report.decision = DecisionRecord(
            verdict: verdict, reason: reason, warnings: warnings, checklist: checklist,
            allowlist: allowlist.uses(), suppressed: allowlist.suppressed, baseline: context.baseline?.path)
    }

    /// What the report's logs say against "not used" whatever the policy: entries without a time (after
    /// the policy's own window requirement, which names its days), inferred prefixes that cannot be
    /// trusted, and joined continuation lines that name a target.
    static func logReasons(_ coverage: Coverage) -> [String] {
        var reasons: [String] = []
        if coverage.logFiles > 0, let entries = coverage.entries,
            let caveat = LogCoverage.windowCaveat(parsedEntries: entries.parsed, hasWindow: coverage.window != nil)
        {
            reasons.append(caveat)
        }
        if let joined = coverage.joinedNamingTargets, joined > 0 {
            reasons.append(
                "\(joined) log entr\(joined == 1 ? "y" : "ies") had lines that fit no log_line_prefix joined to them as continuation lines (coverage.entries.joinedLines) and name a target that none of their statements uses, so a use may hide in them; pass the server's --log-line-prefix."
            )
        }
        var prefixProblems: [String: [String]] = [:]
        for file in coverage.logFormats ?? [] {
            if let problem = file.problem { prefixProblems[problem, default: []].append(file.path) }
        }
        for (problem, paths) in prefixProblems.sorted(by: { $0.key < $1.key }) {
            let sorted = paths.sorted()
            let files = sorted.count == 1 ? sorted[0] : "\(sorted[0]) and \(sorted.count - 1) more log file(s)"
            reasons.append("\(files): \(problem)")
        }
        return reasons
    }

    /// Why a report that a signal cut short cannot pass.
    static func interruptionReason(_ coverage: Coverage) -> String? {
        guard let stopped = coverage.interrupted else { return nil }
        return
            "The scan was stopped by \(stopped.signal) before it read every input (\(stopped.inputsNotScanned) not read to the end), so this report is partial: run the scan again and let it finish."
    }

    /// Skipped inputs that may hold a use (a file over --max-filesize or a text-like binary file that names a
    /// target): one sentence for one, a count and the first for several.
    static func skippedReasons(_ coverage: Coverage) -> [String] {
        let risky = coverage.skipped.filter { $0.mayHoldUse == true }
        guard let first = risky.first else { return [] }
        if risky.count == 1 { return ["\(first.path) was skipped (\(first.reason)), so a use may hide in it."] }
        return [
            "\(risky.count) skipped inputs name a target (\(first.path) and \(risky.count - 1) more; see coverage.skipped), so a use may hide in them: scan them as text (raise --max-filesize, remove NUL bytes)."
        ]
    }

    /// A target that the database or schema read does not have: nothing there can show it unused.
    static func missingReason(_ target: TargetUsage) -> String? {
        guard let missing = target.database?.missingFrom, !missing.isEmpty else { return nil }
        let column = target.column == nil ? "table" : "column"
        return
            "\(target.target) does not exist in \(missing.joined(separator: " or ")): check the target's spelling, as a \(column) that is not there cannot be shown unused."
    }

    /// A table target's reads (or writes) between two `--snapshot` readings: they block whatever the logs say.
    /// A column target's table counters are context only.
    static func tableReads(_ target: TargetUsage) -> [String] {
        guard target.column == nil else { return [] }
        return (target.database?.tableActivity ?? []).filter { $0.outcome == .read || $0.outcome == .written }.map {
            $0.note.hasSuffix(".") ? String($0.note.dropLast()) : $0.note
        }
    }

    /// Why a table target's counters cannot be compared with the snapshot's (reset, restart, recreated).
    static func activityCaveat(_ target: TargetUsage) -> String? {
        guard target.column == nil else { return nil }
        return target.database?.tableActivity?.first { $0.outcome == .inconclusive }?.note
    }

    /// Databases that could not be read to the end: the dependents they hold may be missing.
    static func databaseReasons(_ coverage: Coverage) -> [String] {
        (coverage.database?.servers ?? []).compactMap { server in
            server.error.map {
                "The database \(server.server) could not be read to the end (\($0)), so objects that depend on the targets may be missing: scan again when it is reachable."
            }
        }
    }

    /// First and last seen over the tiers this policy blocks, from each tier's own (reports that do not
    /// record them per tier keep theirs).
    static func seenOverBlockingTiers(_ runtime: inout RuntimeUsage, policy: GatePolicy) {
        guard !runtime.seenByEvidence.isEmpty else { return }
        let spans = runtime.seenByEvidence.filter { Evidence(rawValue: $0.key).map(policy.blocks) ?? false }.values
        runtime.firstSeen = spans.map(\.first).min()
        runtime.lastSeen = spans.map(\.last).max()
    }

    /// Whether logs were part of the scan (asked for, or read through `--files-from`).
    public static func scannedLogs(_ report: UsageReport) -> Bool {
        report.coverage.logFiles > 0 || !(report.run?.logs.isEmpty ?? true)
            || (report.run?.inputs.contains { $0.kind == "log" } ?? false)
    }

    /// Whether source trees were part of the scan.
    public static func scannedCode(_ report: UsageReport) -> Bool {
        report.coverage.sourceFiles > 0 || !(report.run?.sources.isEmpty ?? true)
    }

    static func passReason(_ report: UsageReport, scannedLogs: Bool, scannedCode: Bool, policy: GatePolicy) -> String {
        if report.targets.isEmpty { return "The change removes nothing: there is nothing to check." }
        var read: [String] = []
        if scannedLogs {
            var logs = "\(report.coverage.logFiles) log file(s)"
            if let days = GateClock.days(report.coverage.window) {
                logs += String(format: " covering %.1f days", days)
            }
            read.append(logs)
        }
        if scannedCode { read.append("\(report.coverage.sourceFiles) source file(s)") }
        if let database = report.coverage.database {
            if !database.servers.isEmpty { read.append("the catalog of \(database.servers.count) database(s)") }
            if !database.schemaFiles.isEmpty { read.append("\(database.schemaFiles.count) schema file(s)") }
        }
        let checklist = policy.checklist == nil ? "" : "; every checklist item is verified, attested or waived"
        let listed =
            read.count > 2
            ? read.dropLast().joined(separator: ", ") + " and " + read.last! : read.joined(separator: " and ")
        return "No blocking use of \(report.targets.count) target(s) in \(listed)\(checklist)."
    }
}

extension GatePolicy {
    /// The policy as recorded in the report.
    public var record: PolicyRecord {
        PolicyRecord(
            file: file, block: Evidence.allCases.filter { blocking.contains($0) },
            warn: Evidence.allCases.filter { warning.contains($0) }, failedStatementsBlock: failedStatementsBlock,
            coverage: requirements, allowlist: allowlist, checklist: checklist)
    }

    /// The policy a report recorded (for `merge`, which decides again under the shards' policy).
    public init(record: PolicyRecord) {
        self.init()
        blocking = Set(record.block)
        warning = Set(record.warn)
        failedStatementsBlock = record.failedStatementsBlock
        requirements = record.coverage
        allowlist = record.allowlist
        checklist = record.checklist
        file = record.file
    }
}

/// Days and dates for expiry and log windows.
public enum GateClock {
    /// Days since 1970-01-01 of a `YYYY-MM-DD` date (or the date part of an ISO 8601 time).
    public static func day(_ text: String) -> Int? {
        let parts = text.prefix(10).split(separator: "-")
        guard text.count >= 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), parts[0].count == 4, (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    /// Today's day number (UTC).
    public static func day(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 86400).rounded(.down)) }

    /// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func milliseconds(_ text: String) -> Int64? {
        guard let day = day(text), text.count >= 19 else { return nil }
        let time = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int64? {
            guard start + length <= time.count else { return nil }
            var value: Int64 = 0
            for byte in time[start..<(start + length)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
        let millis = time.count >= 23 && time[19] == UInt8(ascii: ".") ? number(20, 3) ?? 0 : 0
        return ((Int64(day) * 86400 + hour * 3600 + minute * 60 + second) * 1000) + millis
    }

    /// The length of a window in days.
    public static func days(_ window: TimeWindow?) -> Double? {
        guard let window, let from = milliseconds(window.from), let to = milliseconds(window.to) else { return nil }
        return Double(to - from) / 86_400_000
    }

    /// `3h`, `2.5 days`: a duration for a sentence.
    public static func describe(seconds: Int64) -> String {
        if seconds >= 86400 { return String(format: "%.1f days", Double(seconds) / 86400) }
        if seconds >= 3600 { return String(format: "%.1f hours", Double(seconds) / 3600) }
        if seconds >= 60 { return "\(seconds / 60) minutes" }
        return "\(seconds) seconds"
    }
}
