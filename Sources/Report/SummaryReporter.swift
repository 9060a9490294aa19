import Foundation

/// The short human summary printed on stderr after a scan.
public struct SummaryReporter: Reporter {
    public static let format = "summary"
    /// The blocking tiers the counts follow (a report that records its policy uses that policy's).
    public let options: ReportOptions
    public init(options: ReportOptions = ReportOptions()) { self.options = options }

    /// Each target's counts are those of its reasons and of every other format (``TargetFacts``): logged
    /// uses and code references at a blocking tier, and the last blocking use.
    public func render(_ report: UsageReport) throws -> Data {
        let options = options.adopting(report)
        var out = "dropscan: \(report.verdict.rawValue)\n"
        for target in report.targets {
            let facts = TargetFacts(target, options: options)
            var parts = ["\(facts.loggedUses) logged use(s)"]
            if facts.failed > 0 { parts.append("\(facts.failed) failed") }
            parts.append("\(facts.blockingFindings.count) code reference(s)")
            if facts.suppressedCount > 0 {
                parts.append("\(facts.suppressedCount) accepted by the allowlist or baseline")
            }
            let dependents = (target.database?.dependents ?? []).filter {
                options.blocks($0.evidence) && $0.suppressed == nil
            }.count
            if dependents > 0 { parts.append("\(dependents) database dependent(s)") }
            if let last = target.runtime.lastSeen { parts.append("last seen \(last)") }
            out += "  \(target.target): \(target.verdict.rawValue) (\(parts.joined(separator: ", ")))\n"
        }
        for reason in report.reasons { out += "  - \(reason)\n" }
        let coverage = report.coverage
        out +=
            "  read \(coverage.logFiles) log file(s), \(coverage.sourceFiles) source file(s), \(coverage.bytesRead) bytes"
        if !coverage.errors.isEmpty { out += ", \(coverage.errors.count) error(s)" }
        if !coverage.skipped.isEmpty { out += ", \(coverage.skipped.count) skipped" }
        if let database = coverage.database {
            out += ", \(database.servers.count) database(s), \(database.schemaFiles.count) schema file(s)"
        }
        out += "\n"
        for error in coverage.errors.prefix(5) {
            out += "  ! \(error.path): at byte \(error.offset): \(error.message)\n"
        }
        for input in coverage.skipped.filter({ $0.mayHoldUse == true }).prefix(5) {
            out += "  ! skipped \(input.path): \(input.reason)\n"
        }
        return Data(out.utf8)
    }
}
