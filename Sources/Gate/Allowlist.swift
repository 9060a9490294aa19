import Foundation
import Matching
import Report
import ScanIO

/// Fingerprints of findings accepted as they are: code finding fingerprints and statement group ids, one
/// a line (`--write-baseline` writes one; `--baseline` reads it).
public struct Baseline: Sendable, Equatable {
    public var path: String
    public var fingerprints: Set<String>

    public init(path: String, fingerprints: Set<String>) {
        self.path = path
        self.fingerprints = fingerprints
    }

    /// Reads the file's format: the first field of each line; `#` comments and blank lines skipped.
    public static func parse(_ text: String, path: String) throws(PolicyFileError) -> Baseline {
        var fingerprints: Set<String> = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let field = String(trimmed.prefix { $0 != "\t" && $0 != " " })
            guard field.allSatisfy({ $0.isHexDigit }), field.count >= 16 else {
                throw PolicyFileError(
                    path, nil, "line \(number + 1): '\(field.prefix(40))' is not a fingerprint (hex digits)")
            }
            fingerprints.insert(field)
        }
        return Baseline(path: path, fingerprints: fingerprints)
    }

    /// The blocking findings of `report` under `policy`, one a line with the target and place, for a reviewer.
    public static func render(_ report: UsageReport, policy: GatePolicy) -> String {
        var lines = [
            "# dropscan baseline: findings accepted as they are (fingerprint, target, where).",
            "# Written by dropscan gate --write-baseline; a finding not listed here still blocks.",
        ]
        for target in report.targets {
            for group in target.runtime.groups
            where (policy.blocks(group.evidence) && group.count > 0)
                || (policy.failedStatementsBlock && group.failed > 0)
            {
                lines.append("\(group.id)\t\(target.target)\tlog statement")
            }
            for finding in target.code.findings where finding.countsAsUse && policy.blocks(finding.evidence) {
                lines.append("\(finding.fingerprint)\t\(target.target)\t\(finding.path):\(finding.line)")
            }
            for dependent in target.database?.dependents ?? [] where policy.blocks(dependent.evidence) {
                lines.append("\(dependent.fingerprint)\t\(target.target)\t\(dependent.label)")
            }
            var countedShapes: Set<String> = []
            for use in target.database?.statements ?? []
            where policy.blocks(use.evidence) && use.calls > 0 && countedShapes.insert(use.id).inserted {
                lines.append("\(use.id)\t\(target.target)\tcounted statement on \(use.server)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Blocking uses of one target after the allowlist and the baseline.
struct TargetTally {
    var runtime: [Evidence: Int] = [:]
    var failed = 0
    var code = 0
    var allowed = 0
    var warnRuntime = 0
    var warnFailed = 0
    var warnCode = 0
    /// Blocking database dependents, by label (`view public.open_orders`).
    var dependents: [String] = []
    var warnDependents = 0
    /// Blocking executions counted by `pg_stat_statements`, and their statement shapes.
    var counted = 0
    var countedShapes: Set<String> = []
    var warnCounted = 0
    /// Reads (or writes) of a table target between two `--snapshot` readings, one sentence each.
    var activity: [String] = []

    var runtimeTotal: Int { runtime.values.reduce(0, +) }
    var blocks: Bool { runtimeTotal + failed + code + dependents.count + counted + activity.count > 0 }

    func reason(target: String) -> String {
        var parts: [String] = []
        if runtimeTotal > 0 {
            let tiers = Evidence.allCases.compactMap { tier in
                runtime[tier].flatMap { $0 > 0 ? "\($0) \(tier.rawValue)" : nil }
            }
            parts.append("\(runtimeTotal) logged statement(s) (\(tiers.joined(separator: ", ")))")
        }
        if failed > 0 { parts.append("\(failed) failed statement(s) naming it after it was gone") }
        if code > 0 { parts.append("\(code) code reference(s)") }
        if !dependents.isEmpty {
            let named = dependents.prefix(3).joined(separator: ", ")
            let more = dependents.count > 3 ? " and \(dependents.count - 3) more" : ""
            parts.append("\(dependents.count) database object(s) that depend on it (\(named)\(more))")
        }
        if counted > 0 {
            parts.append(
                "\(counted) execution(s) of \(countedShapes.count) statement shape(s) counted by pg_stat_statements")
        }
        if !activity.isEmpty { parts.append("its table's activity counters (\(activity.joined(separator: "; ")))") }
        let allowedNote = allowed > 0 ? " (\(allowed) more allowed by the allowlist or baseline)" : ""
        return "\(target) is still used: \(parts.joined(separator: " and "))\(allowedNote)."
    }

    func warnings(target: String) -> [String] {
        var parts: [String] = []
        if warnRuntime > 0 { parts.append("\(warnRuntime) logged statement(s)") }
        if warnFailed > 0 { parts.append("\(warnFailed) failed statement(s)") }
        if warnCode > 0 { parts.append("\(warnCode) code reference(s)") }
        if warnDependents > 0 { parts.append("\(warnDependents) database dependent(s)") }
        if warnCounted > 0 { parts.append("\(warnCounted) execution(s) counted by pg_stat_statements") }
        guard !parts.isEmpty else { return [] }
        return ["\(target): \(parts.joined(separator: " and ")) at tiers the policy does not block on: review them."]
    }
}

/// Applies allowlist entries and baseline fingerprints to findings and keeps count of what each matched.
struct AllowlistMatcher {
    let entries: [AllowlistEntry]
    let baseline: Baseline?
    let expired: [Bool]
    var matched: [Int]
    var baselineMatched: Set<String> = []
    var suppressed = 0

    init(entries: [AllowlistEntry], baseline: Baseline?, now: Date) {
        self.entries = entries
        self.baseline = baseline
        let today = GateClock.day(of: now)
        // An entry suppresses through the day it names.
        expired = entries.map { GateClock.day($0.expires).map { $0 < today } ?? true }
        matched = Array(repeating: 0, count: entries.count)
    }

    /// What allows a finding (`allowlist path docs/**`, `baseline`), or `nil`; the match is counted for every
    /// entry that covers it (expired entries count their matches, so the report can say what they would have
    /// covered, but do not allow).
    private mutating func allows(target: String, path: String?, fingerprint: String) -> String? {
        var allowed: String?
        for (index, entry) in entries.enumerated() {
            let hit: Bool
            if let name = entry.target {
                hit = name == target
            } else if let glob = entry.path {
                hit = path.map { GlobMatcher.matches(glob, $0) } ?? false
            } else {
                hit = entry.fingerprint == fingerprint
            }
            guard hit else { continue }
            matched[index] += 1
            if !expired[index], allowed == nil { allowed = "allowlist " + entry.label }
        }
        if let baseline, baseline.fingerprints.contains(fingerprint) {
            baselineMatched.insert(fingerprint)
            if allowed == nil { allowed = "baseline" }
        }
        return allowed
    }

    /// The target's blocking uses after the allowlist and the baseline; each group and finding they accept
    /// is marked `suppressed` (marks from an earlier decision are cleared first).
    mutating func tally(_ target: inout TargetUsage, policy: GatePolicy) -> TargetTally {
        for index in target.runtime.groups.indices { target.runtime.groups[index].suppressed = nil }
        for index in target.code.findings.indices { target.code.findings[index].suppressed = nil }
        var tally = TargetTally()
        var runtime: [Evidence: Int] = [:]
        for (name, count) in target.runtime.byEvidence {
            if let tier = Evidence(rawValue: name) { runtime[tier, default: 0] += count }
        }
        var failed = target.runtime.failed
        var grouped = 0
        // Statement groups carry the fingerprints: an allowed group's executions leave the totals.
        for (groupIndex, group) in target.runtime.groups.enumerated() {
            let blockingCount = policy.blocks(group.evidence) ? group.count : 0
            let blockingFailed = policy.failedStatementsBlock ? group.failed : 0
            grouped += blockingCount + blockingFailed
            guard blockingCount + blockingFailed > 0,
                let label = allows(target: target.target, path: nil, fingerprint: group.id)
            else { continue }
            target.runtime.groups[groupIndex].suppressed = label
            runtime[group.evidence] = max(0, (runtime[group.evidence] ?? 0) - blockingCount)
            failed = max(0, failed - blockingFailed)
            tally.allowed += blockingCount + blockingFailed
        }
        // Counted uses that no group holds (none from a scan today) are allowed only with the whole target.
        let blockingTotal =
            target.runtime.byEvidence.filter { Evidence(rawValue: $0.key).map(policy.blocks) ?? false }.values
            .reduce(0, +) + (policy.failedStatementsBlock ? target.runtime.failed : 0)
        if blockingTotal > grouped, allows(target: target.target, path: nil, fingerprint: "") != nil {
            tally.allowed +=
                runtime.filter { policy.blocks($0.key) }.values.reduce(0, +)
                + (policy.failedStatementsBlock ? failed : 0)
            for tier in runtime.keys where policy.blocks(tier) { runtime[tier] = 0 }
            if policy.failedStatementsBlock { failed = 0 }
        }
        for (tier, count) in runtime where count > 0 {
            if policy.blocks(tier) {
                tally.runtime[tier] = count
            } else if policy.warns(tier) {
                tally.warnRuntime += count
            }
        }
        if policy.failedStatementsBlock { tally.failed = failed } else { tally.warnFailed = failed }
        for (findingIndex, finding) in target.code.findings.enumerated() where finding.countsAsUse {
            if policy.blocks(finding.evidence) {
                if let label = allows(target: target.target, path: finding.path, fingerprint: finding.fingerprint) {
                    target.code.findings[findingIndex].suppressed = label
                    tally.allowed += 1
                } else {
                    tally.code += 1
                }
            } else if policy.warns(finding.evidence) {
                tally.warnCode += 1
            }
        }
        // Findings past the report's limit: only an entry for the whole target can accept them.
        for (name, count) in target.code.findingsOmitted ?? [:] {
            guard let tier = Evidence(rawValue: name) else { continue }
            if policy.blocks(tier) {
                if allows(target: target.target, path: nil, fingerprint: "") != nil {
                    tally.allowed += count
                } else {
                    tally.code += count
                }
            } else if policy.warns(tier) {
                tally.warnCode += count
            }
        }
        for dependent in target.database?.dependents ?? [] {
            if policy.blocks(dependent.evidence) {
                if let label = allows(
                    target: target.target, path: dependent.definedAt?.path, fingerprint: dependent.fingerprint)
                {
                    target.database?.suppress(dependent, by: label)
                    tally.allowed += 1
                } else {
                    tally.dependents.append(dependent.label)
                }
            } else if policy.warns(dependent.evidence) {
                tally.warnDependents += 1
            }
        }
        tallyCounted(&target, policy: policy, into: &tally)
        suppressed += tally.allowed
        return tally
    }

    /// Executions `pg_stat_statements` counted, shape by shape: a blocking tier blocks like a logged use, and
    /// an allowlist fingerprint or baseline entry for the shape's id (a logged group's id too) accepts it.
    private mutating func tallyCounted(_ target: inout TargetUsage, policy: GatePolicy, into tally: inout TargetTally) {
        guard var statements = target.database?.statements else { return }
        for index in statements.indices { statements[index].suppressed = nil }
        target.database?.statements = statements
        for statement in statements where statement.calls > 0 {
            if policy.blocks(statement.evidence) {
                if let label = allows(target: target.target, path: nil, fingerprint: statement.id) {
                    target.database?.suppressStatements(id: statement.id, by: label)
                    tally.allowed += statement.calls
                } else {
                    tally.counted += statement.calls
                    tally.countedShapes.insert(statement.id)
                }
            } else if policy.warns(statement.evidence) {
                tally.warnCounted += statement.calls
            }
        }
    }

    func uses() -> [AllowlistUse] {
        entries.indices.map { index in
            let status: AllowlistUse.Status =
                expired[index] ? .expired : (matched[index] > 0 ? .used : .unused)
            return AllowlistUse(entry: entries[index], status: status, matched: matched[index])
        }
    }

    func warnings() -> [String] {
        var warnings: [String] = []
        for use in uses() {
            switch use.status {
            case .expired:
                warnings.append(
                    "Allowlist entry \(use.entry.label) (owner \(use.entry.owner)) expired on \(use.entry.expires) and no longer suppresses\(use.matched > 0 ? " its \(use.matched) finding(s)" : ""): renew or remove it."
                )
            case .unused:
                warnings.append(
                    "Allowlist entry \(use.entry.label) (owner \(use.entry.owner)) matched nothing: remove it.")
            case .used:
                break
            }
        }
        if let baseline {
            let unused = baseline.fingerprints.subtracting(baselineMatched).count
            if unused > 0 {
                warnings.append(
                    "\(unused) baseline fingerprint(s) in \(baseline.path) matched nothing: rewrite it with --write-baseline."
                )
            }
        }
        return warnings
    }
}
