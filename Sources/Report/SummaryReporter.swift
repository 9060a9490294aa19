import Foundation

/// The short human summary printed on stderr after a scan.
public struct SummaryReporter: Reporter {
    public static let format = "summary"
    public init() {}

    public func render(_ report: UsageReport) throws -> Data {
        var out = "dropscan: \(report.verdict.rawValue)\n"
        for target in report.targets {
            var parts = ["\(target.runtime.statements) logged statement(s)"]
            if target.runtime.failed > 0 { parts.append("\(target.runtime.failed) failed") }
            parts.append("\(target.code.references) code reference(s)")
            if let last = target.runtime.lastSeen { parts.append("last seen \(last)") }
            out += "  \(target.target): \(target.verdict.rawValue) (\(parts.joined(separator: ", ")))\n"
        }
        for reason in report.reasons { out += "  - \(reason)\n" }
        let coverage = report.coverage
        out +=
            "  read \(coverage.logFiles) log file(s), \(coverage.sourceFiles) source file(s), \(coverage.bytesRead) bytes"
        if !coverage.errors.isEmpty { out += ", \(coverage.errors.count) error(s)" }
        if !coverage.skipped.isEmpty { out += ", \(coverage.skipped.count) skipped" }
        out += "\n"
        for error in coverage.errors.prefix(5) {
            out += "  ! \(error.path): at byte \(error.offset): \(error.message)\n"
        }
        return Data(out.utf8)
    }
}
