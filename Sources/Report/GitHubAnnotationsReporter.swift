import Foundation

/// GitHub Actions workflow commands (`::error file=…,line=…::…`) that annotate the migration's drop line
/// and the code that blocks it. GitHub shows at most 10 error and 10 warning annotations per step (and
/// 50 per job), so the most important come first and one notice counts those left out. The job summary
/// is the Markdown report, written to `$GITHUB_STEP_SUMMARY` by the command.
public struct GitHubAnnotationsReporter: Reporter {
    public static let format = "github"
    /// Annotations of one level GitHub shows per step.
    public static let perLevelLimit = 10
    /// Bytes a step's summary file may hold.
    public static let stepSummaryLimit = 1 << 20
    public let options: ReportOptions

    public init(options: ReportOptions = ReportOptions()) { self.options = options }

    struct Annotation {
        var level: String
        var path: String?
        var line: Int?
        var title: String
        var message: String
    }

    public func render(_ report: UsageReport) throws -> Data {
        let options = options.adopting(report)
        var annotations: [Annotation] = []
        var reasons: [String: String] = [:]
        for reason in report.reasons {
            if let target = report.targets.first(where: { reason.hasPrefix($0.target + " ") }) {
                reasons[target.target] = reasons[target.target] ?? reason
            }
        }
        let coverageReason = report.reasons.first { reason in
            !report.targets.contains { reason.hasPrefix($0.target + " ") }
        }
        // The drop lines first: that is where the reviewer looks.
        for usage in report.targets {
            guard let site = usage.migration else { continue }
            let level = ["blocked": "error", "inconclusive": "warning", "pass": "notice"][usage.verdict.rawValue]!
            let why =
                usage.verdict == .blocked
                ? reasons[usage.target] ?? "\(usage.target) is still used."
                : usage.verdict == .inconclusive
                    ? coverageReason ?? "The evidence does not cover enough to say that nothing uses \(usage.target)."
                    : "Nothing uses \(usage.target) in the logs and code scanned."
            annotations.append(
                Annotation(
                    level: level, path: site.path, line: site.line,
                    title: "dropscan: \(usage.target) \(usage.verdict.rawValue)", message: why))
        }
        for usage in report.targets {
            let facts = TargetFacts(usage, options: options)
            for finding in facts.blockingFindings where finding.cell == nil {
                annotations.append(
                    Annotation(
                        level: "error", path: finding.placePath, line: finding.line,
                        title: "dropscan: \(usage.target) still referenced",
                        message:
                            "\(usage.target) is referenced here (\(finding.evidence.rawValue), rule \(finding.rule)): \(finding.snippet)"
                    ))
            }
            if usage.migration == nil {
                for group in facts.blockingGroups {
                    annotations.append(
                        Annotation(
                            level: "error", path: nil, line: nil, title: "dropscan: \(usage.target) used at run time",
                            message:
                                "\(group.count) logged execution(s) (\(group.evidence.rawValue)) by \(group.applications.joined(separator: ", ")): \(group.statement)"
                        ))
                }
            }
        }
        var shown: [String: Int] = [:]
        var hidden = 0
        var out = ""
        for annotation in annotations {
            // One notice is kept for the count of those left out.
            let limit = annotation.level == "notice" ? Self.perLevelLimit - 1 : Self.perLevelLimit
            guard shown[annotation.level, default: 0] < limit else {
                hidden += 1
                continue
            }
            shown[annotation.level, default: 0] += 1
            out += command(annotation)
        }
        if hidden > 0 {
            out += command(
                Annotation(
                    level: "notice", path: nil, line: nil, title: "dropscan: more annotations",
                    message:
                        "\(hidden) more not shown (see the JSON report): GitHub shows \(Self.perLevelLimit) error and \(Self.perLevelLimit) warning annotations per step."
                ))
        }
        return Data(out.utf8)
    }

    private func command(_ annotation: Annotation) -> String {
        var properties: [String] = []
        if let path = annotation.path, RepositoryPath.isRelative(path) {
            properties.append("file=" + Self.property(RepositoryPath.relative(path)))
            if let line = annotation.line { properties.append("line=\(line)") }
        }
        properties.append("title=" + Self.property(annotation.title))
        return "::\(annotation.level) \(properties.joined(separator: ","))::\(Self.data(annotation.message))\n"
    }

    /// A workflow command's message: `%`, CR and LF percent-encoded, as the Actions toolkit does.
    static func data(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            case "\r\n": out += "%0D%0A"
            default: out.append(character)
            }
        }
        return out
    }

    /// A workflow command's property value: as `data`, and `:` and `,` encoded too.
    static func property(_ text: String) -> String {
        data(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
