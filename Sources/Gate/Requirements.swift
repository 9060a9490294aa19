import Report
import ScanIO

/// The policy's coverage requirements checked against what the report read: each unmet one is a
/// sentence that makes the verdict inconclusive.
struct RequirementCheck {
    let policy: GatePolicy
    let report: UsageReport
    let scannedLogs: Bool

    func reasons() -> [String] {
        let required = policy.requirements
        let coverage = report.coverage
        var reasons: [String] = []
        let sources = Set(required.sources)
        if sources.contains("logs"), coverage.logFiles == 0 {
            reasons.append("The policy requires query logs, and this scan read none (give --logs).")
        }
        if sources.contains("code"), !Gate.scannedCode(report) {
            reasons.append("The policy requires a code search, and this scan read no source tree (give --source).")
        }
        if sources.contains("database"), !(coverage.database?.hasCompleteServer ?? false) {
            reasons.append(
                "The policy requires database evidence, and this scan read no database's catalog to the end (give --database; a --schema file is not the live catalog)."
            )
        }
        // The rest is about logs: without any, the lines above (or the scan's own reasons) say so.
        guard coverage.logFiles > 0 else { return reasons }
        if let minimum = required.minimumWindowDays {
            if let window = coverage.window, let days = GateClock.days(window) {
                if days < Double(minimum) {
                    let covered = String(format: "%.1f", days)
                    reasons.append(
                        "The logs cover \(covered) days (\(window.from) to \(window.to)); the policy asks for at least \(minimum), so a job that runs less often may not appear."
                    )
                }
            } else {
                reasons.append(
                    "The logs have no timestamps, so they cannot show the \(minimum) days the policy asks for.")
            }
        }
        if let maximum = required.maximumGapSeconds {
            let longest = coverage.gaps.compactMap { gap -> (TimeWindow, Int64)? in
                guard let from = GateClock.milliseconds(gap.from), let to = GateClock.milliseconds(gap.to) else {
                    return nil
                }
                return (gap, (to - from) / 1000)
            }.max { $0.1 < $1.1 }
            if let (gap, seconds) = longest, seconds > maximum {
                reasons.append(
                    "The logs have a gap of \(GateClock.describe(seconds: seconds)) (\(gap.from) to \(gap.to)), longer than the \(GateClock.describe(seconds: maximum)) the policy allows: uses in it would be missed."
                )
            }
        }
        if !required.statementLogging.isEmpty {
            let mode = coverage.statementLogging ?? "unknown"
            if !required.statementLogging.contains(mode) {
                reasons.append(
                    "Statements were logged as '\(mode)'; the policy requires \(required.statementLogging.map { "'\($0)'" }.joined(separator: " or ")) (log_statement = 'all' or log_min_duration_statement = 0)."
                )
            }
        }
        let seen = coverage.applications ?? [:]
        for application in required.applications where (seen[application] ?? 0) == 0 {
            reasons.append(
                "No log entry of application '\(application)' was read; the policy requires it, so its uses would be missed (check that its server's logs are included and log application_name)."
            )
        }
        let logPaths = (report.run?.inputs ?? []).filter { $0.kind == "log" }.map(\.path)
        for server in required.servers where !logPaths.contains(where: { GlobMatcher.matches(server.logs, $0) }) {
            let omitted = report.run?.inputsOmitted ?? 0
            let unlisted =
                omitted > 0
                ? " (the report lists \(logPaths.count) of the files read; \(omitted) are not listed, so their paths cannot be matched)"
                : ""
            reasons.append(
                "No log of server '\(server.name)' (paths matching \(server.logs)) was read\(unlisted); the policy requires it."
            )
        }
        return reasons
    }
}
