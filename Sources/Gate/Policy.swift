import Matching
import Report

/// Turns findings into verdicts. The gate fails closed: anything that could not be read, or logging
/// that cannot show every statement, makes a clean result inconclusive, never a pass.
///
/// `scan` uses the policy its flags give (`--block-on`, `--accept-partial-logging`); `gate` reads one from
/// a YAML file (``PolicyFile``) or uses ``GatePolicy/gateDefault``. ``Gate`` applies it.
public struct GatePolicy: Sendable, Equatable {
    /// Evidence tiers that block.
    public var blocking: Set<Evidence>
    /// Evidence tiers listed as warnings for review.
    public var warning: Set<Evidence>
    /// Whether a statement that failed because the target is gone blocks (default yes: someone still runs it).
    public var failedStatementsBlock = true
    /// Whether logs that show only slow or failed statements are enough for a pass.
    public var acceptPartialLogging: Bool {
        get { requirements.acceptPartialLogging }
        set { requirements.acceptPartialLogging = newValue }
    }
    /// What the logs must cover before a pass.
    public var requirements = CoverageRequirements()
    public var allowlist: [AllowlistEntry] = []
    /// `nil`: the seven-item checklist is not evaluated (a plain `scan`).
    public var checklist: ChecklistPolicy?
    /// The file the policy was read from.
    public var file: String?

    /// The weakest evidence tier that blocks (default `probable`: `possible` name-only matches are listed
    /// for review but do not block).
    public init(blockOn: Evidence = .probable, acceptPartialLogging: Bool = false) {
        blocking = Set(Evidence.allCases.filter { $0.isUse && $0 <= blockOn })
        warning = Set(Evidence.allCases.filter { $0.isUse && $0 > blockOn })
        self.acceptPartialLogging = acceptPartialLogging
    }

    /// The policy `dropscan gate` applies without `--policy`: confirmed, implicit and probable uses and
    /// failed statements block, possible ones warn; logs of at least 30 days with every statement logged,
    /// logs and code both read; the whole checklist required.
    public static var gateDefault: GatePolicy {
        var policy = GatePolicy()
        policy.requirements = CoverageRequirements(
            minimumWindowDays: 30, statementLogging: ["all", "duration>=0 ms"], sources: ["logs", "code"])
        policy.checklist = ChecklistPolicy()
        return policy
    }

    /// Whether a finding of this tier blocks.
    public func blocks(_ evidence: Evidence) -> Bool { evidence.isUse && blocking.contains(evidence) }

    /// Whether a finding of this tier is listed as a warning.
    public func warns(_ evidence: Evidence) -> Bool {
        evidence.isUse && !blocks(evidence) && warning.contains(evidence)
    }

    /// The verdict for one target, from its blocking uses and the report's coverage.
    public func verdict(blockingUses: Int, coverageReasons: [String]) -> Verdict {
        if blockingUses > 0 { return .blocked }
        return coverageReasons.isEmpty ? .pass : .inconclusive
    }

    /// Sentences that say why the coverage does not support "not used".
    public func coverageReasons(_ coverage: Coverage, scannedLogs: Bool) -> [String] {
        var reasons: [String] = []
        // The path names the input to look at (the first by path when several, so the sentence is stable).
        if let first = coverage.errors.min(by: { ($0.path, $0.offset) < ($1.path, $1.offset) }) {
            let count = coverage.errors.count
            reasons.append(
                count == 1
                    ? "\(first.path) could not be read fully (at byte \(first.offset)), so uses in it may be missed."
                    : "\(count) inputs could not be read fully (\(first.path) at byte \(first.offset) and \(count - 1) "
                        + "more), so uses in them may be missed.")
        }
        // A scan stopped by a signal says so itself (`Gate.interruptionReason`): what it did not reach is not
        // empty.
        let stopped = coverage.interrupted != nil
        if scannedLogs, !stopped, coverage.logFiles > 0, let entries = coverage.entries, entries.parsed == 0 {
            // Empty logs (or none readable) show nothing: never a pass, partial logging accepted or not.
            reasons.append(
                "The log files hold no log entry, so they cannot show whether anything uses the targets.")
        } else if scannedLogs, !acceptPartialLogging, let note = coverage.statementLoggingNote {
            reasons.append(note)
        }
        if scannedLogs, !stopped, coverage.logFiles == 0, coverage.errors.isEmpty {
            reasons.append("No log file was found to scan.")
        }
        return reasons
    }

    /// The overall verdict: blocked wins (a use found is a fact), then inconclusive, then pass.
    public func overall(_ targets: [Verdict], coverageReasons: [String]) -> Verdict {
        if targets.contains(.blocked) { return .blocked }
        if targets.contains(.inconclusive) || !coverageReasons.isEmpty { return .inconclusive }
        return .pass
    }
}

/// Process exit codes: 0 pass, 1 blocked, 2 usage or configuration error, 3 inconclusive.
public enum ExitCode: Int32, Sendable {
    case pass = 0
    case blocked = 1
    case usage = 2
    case inconclusive = 3

    public init(_ verdict: Verdict) {
        switch verdict {
        case .pass: self = .pass
        case .blocked: self = .blocked
        case .inconclusive: self = .inconclusive
        }
    }
}
