import Foundation

/// GitLab's Code Quality report (a JSON array of issues with `description`, `check_name`, `fingerprint`,
/// `severity` and `location.path`/`location.lines.begin`), shown in the merge request. Fingerprints are
/// unique: GitLab shows only the first issue of a fingerprint.
public struct GitLabCodeQualityReporter: Reporter {
    public static let format = "gitlab"
    public let options: ReportOptions

    public init(options: ReportOptions = ReportOptions()) { self.options = options }

    public func render(_ report: UsageReport) throws -> Data {
        let options = options.adopting(report)
        var issues: [[String: Any]] = []
        var identities = ResultIdentities()
        func issue(
            _ check: String, _ description: String, _ fingerprint: String, _ severity: String, _ path: String,
            _ line: Int
        )
            -> [String: Any]
        {
            [
                "type": "issue",
                "check_name": check,
                "description": description,
                "fingerprint": identities.unique(fingerprint),
                "severity": severity,
                "categories": ["Bug Risk"],
                "location": ["path": RepositoryPath.relative(path), "lines": ["begin": max(line, 1)]],
            ]
        }
        for usage in report.targets {
            let facts = TargetFacts(usage, options: options)
            if let site = usage.migration, usage.verdict != .pass {
                let description =
                    usage.verdict == .blocked
                    ? (report.reasons.first { $0.hasPrefix(usage.target + " ") } ?? "\(usage.target) is still used.")
                    : "Nothing was found, but the evidence does not cover enough to say that nothing uses \(usage.target): "
                        + report.reasons.joined(separator: " ")
                issues.append(
                    issue(
                        "dropscan/\(usage.verdict.rawValue)", description,
                        ResultIdentities.hash("verdict", usage.target, site.path),
                        usage.verdict == .blocked ? "blocker" : "major", site.path, site.line))
            }
            for group in facts.blockingGroups + facts.otherGroups + facts.suppressedGroups {
                let blocking = (options.blocks(group.evidence) || group.failed > 0) && group.suppressed == nil
                var text = group.suppressed.map { "Accepted by the \($0): " } ?? ""
                text +=
                    "\(usage.target) is used by a logged statement (\(group.evidence.rawValue)): \(group.count) execution(s)"
                if group.failed > 0 { text += ", \(group.failed) failed" }
                if !group.applications.isEmpty { text += " by \(group.applications.joined(separator: ", "))" }
                text += ": \(group.statement)"
                let place = usage.migration.map { ($0.path, $0.line) } ?? group.sample.map { ($0.path, $0.line) }
                guard let (path, line) = place else { continue }
                issues.append(
                    issue(
                        group.failed > 0 ? "dropscan/failed-after-drop" : "dropscan/runtime-use", text,
                        ResultIdentities.hash(usage.target, group.id), blocking ? "blocker" : "info", path, line))
            }
            for finding in facts.blockingFindings + facts.otherFindings + facts.suppressedFindings {
                let blocking = options.blocks(finding.evidence) && finding.suppressed == nil
                let accepted = finding.suppressed.map { "Accepted by the \($0): " } ?? ""
                issues.append(
                    issue(
                        "dropscan/code-use",
                        accepted
                            + "\(usage.target) is referenced here (\(finding.evidence.rawValue), rule \(finding.rule)): \(finding.snippet)",
                        finding.fingerprint, blocking ? "blocker" : "info", finding.placePath, finding.line))
            }
        }
        var data = try JSONSerialization.data(
            withJSONObject: issues, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        return data
    }
}
