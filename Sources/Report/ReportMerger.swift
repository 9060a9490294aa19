import Matching

/// Combines the reports of the shards of one scan (`dropscan inputs` split into parts, each scanned with
/// `--files-from`) into the report one scan of everything would have given.
///
/// Counts add up, first and last seen widen, statement groups merge by id, findings are kept once per
/// fingerprint and line, coverage adds up. Two things are approximate: gaps between the shards' time
/// windows are not searched (each shard's own gaps are kept), and a statement-logging mode that differs
/// between shards is reported as the weakest (with the shards' notes).
public enum ReportMerger {
    public enum MergeError: Error, CustomStringConvertible, Equatable {
        case noReports
        case schemaVersion(Int)

        public var description: String {
            switch self {
            case .noReports: return "nothing to merge: name two or more report files"
            case .schemaVersion(let version):
                return
                    "cannot merge a report of schema version \(version): this dropscan writes version 1; rescan with it"
            }
        }
    }

    /// Merges `reports`; the verdicts are decided again by `verdict(target, coverageReasons)`.
    public static func merge(_ reports: [UsageReport]) throws(MergeError) -> UsageReport {
        guard var merged = reports.first else { throw .noReports }
        if let other = reports.first(where: { $0.schemaVersion != 1 }) { throw .schemaVersion(other.schemaVersion) }
        for report in reports.dropFirst() {
            for target in report.targets {
                if let index = merged.targets.firstIndex(where: { $0.target == target.target }) {
                    merged.targets[index] = mergeTarget(merged.targets[index], target)
                } else {
                    merged.targets.append(target)
                }
            }
            merged.coverage = mergeCoverage(merged.coverage, report.coverage)
            for reason in report.reasons where !merged.reasons.contains(reason) { merged.reasons.append(reason) }
            for model in report.models where !merged.models.contains(model) { merged.models.append(model) }
        }
        merged.models.sort { ($0.file, $0.line, $0.className) < ($1.file, $1.line, $1.className) }
        let verdicts = merged.targets.map(\.verdict)
        merged.verdict =
            verdicts.contains(.blocked) || reports.contains { $0.verdict == .blocked }
            ? .blocked
            : (verdicts.contains(.inconclusive) || reports.contains { $0.verdict == .inconclusive }
                ? .inconclusive : .pass)
        return merged
    }

    static func mergeTarget(_ a: TargetUsage, _ b: TargetUsage) -> TargetUsage {
        var merged = a
        merged.verdict = worst(a.verdict, b.verdict)
        var runtime = a.runtime
        runtime.statements += b.runtime.statements
        runtime.failed += b.runtime.failed
        runtime.byApplication.merge(b.runtime.byApplication, uniquingKeysWith: +)
        runtime.byUser.merge(b.runtime.byUser, uniquingKeysWith: +)
        runtime.byDatabase.merge(b.runtime.byDatabase, uniquingKeysWith: +)
        runtime.byEvidence.merge(b.runtime.byEvidence, uniquingKeysWith: +)
        runtime.firstSeen = earliest(a.runtime.firstSeen, b.runtime.firstSeen)
        runtime.lastSeen = latest(a.runtime.lastSeen, b.runtime.lastSeen)
        for (tier, window) in b.runtime.seenByEvidence {
            let mine = runtime.seenByEvidence[tier]
            runtime.seenByEvidence[tier] = SeenWindow(
                first: earliest(mine?.first, window.first) ?? window.first,
                last: latest(mine?.last, window.last) ?? window.last)
        }
        for group in b.runtime.groups {
            if let index = runtime.groups.firstIndex(where: { $0.id == group.id && $0.statement == group.statement }) {
                var existing = runtime.groups[index]
                existing.count += group.count
                existing.failed += group.failed
                existing.evidence = min(existing.evidence, group.evidence)
                existing.applications = Array(Set(existing.applications).union(group.applications)).sorted()
                existing.firstSeen = earliest(existing.firstSeen, group.firstSeen)
                existing.lastSeen = latest(existing.lastSeen, group.lastSeen)
                runtime.groups[index] = existing
            } else {
                runtime.groups.append(group)
            }
        }
        runtime.groups.sort(by: StatementGroup.reportOrder)
        merged.runtime = runtime
        merged.code = CodeUsage(
            findings: union(a.code.findings, b.code.findings),
            declarations: union(a.code.declarations, b.code.declarations),
            deprecations: union(a.code.deprecations, b.code.deprecations))
        return merged
    }

    static func mergeCoverage(_ a: Coverage, _ b: Coverage) -> Coverage {
        var merged = a
        merged.logFiles += b.logFiles
        merged.sourceFiles += b.sourceFiles
        merged.bytesRead += b.bytesRead
        merged.bytesScanned += b.bytesScanned
        merged.errors += b.errors
        merged.skipped += b.skipped
        merged.formats.merge(b.formats, uniquingKeysWith: +)
        if a.logFormats != nil || b.logFormats != nil {
            merged.logFormats = ((a.logFormats ?? []) + (b.logFormats ?? [])).sorted { $0.path < $1.path }
        }
        merged.gaps += b.gaps
        switch (a.entries, b.entries) {
        case (let x?, let y?):
            merged.entries = EntryCounts(
                parsed: x.parsed + y.parsed, unparsed: x.unparsed + y.unparsed,
                joinedLines: x.joinedLines + y.joinedLines,
                unparsedSamples: Array((x.unparsedSamples + y.unparsedSamples).prefix(5)))
        case (nil, let y): merged.entries = y
        default: break
        }
        switch (a.window, b.window) {
        case (let x?, let y?): merged.window = TimeWindow(from: min(x.from, y.from), to: max(x.to, y.to))
        case (nil, let y): merged.window = y
        default: break
        }
        if a.statementLogging != b.statementLogging, let other = b.statementLogging {
            if let mine = a.statementLogging {
                // The weaker mode is what the merged logs can be trusted to show.
                let order = ["all", "duration>=0 ms", "mod", "ddl", "errors-only", "none", "unknown"]
                let rank = { (mode: String) in order.firstIndex(of: mode) ?? 2 }
                merged.statementLogging = rank(mine) >= rank(other) ? mine : other
            } else {
                merged.statementLogging = other
            }
        }
        merged.statementLoggingNote = [a.statementLoggingNote, b.statementLoggingNote].compactMap { $0 }.first
        return merged
    }

    static func union(_ a: [CodeFinding], _ b: [CodeFinding]) -> [CodeFinding] {
        var seen = Set(a.map { "\($0.fingerprint)@\($0.line)" })
        var result = a
        for finding in b where seen.insert("\(finding.fingerprint)@\(finding.line)").inserted { result.append(finding) }
        return result
    }

    static func worst(_ a: Verdict, _ b: Verdict) -> Verdict {
        if a == .blocked || b == .blocked { return .blocked }
        if a == .inconclusive || b == .inconclusive { return .inconclusive }
        return .pass
    }

    static func earliest(_ a: String?, _ b: String?) -> String? { [a, b].compactMap { $0 }.min() }
    static func latest(_ a: String?, _ b: String?) -> String? { [a, b].compactMap { $0 }.max() }
}
