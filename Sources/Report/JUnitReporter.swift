import Foundation

/// JUnit XML for CI test reports: one test case per target, failing when it is blocked, an error when
/// the evidence is inconclusive.
public struct JUnitReporter: Reporter {
    public static let format = "junit"
    public let options: ReportOptions
    /// Lines of detail under a failure; the rest are counted.
    static let detailLines = 50

    public init(options: ReportOptions = ReportOptions()) { self.options = options }

    public func render(_ report: UsageReport) throws -> Data {
        let options = options.adopting(report)
        let failures = report.targets.filter { $0.verdict == .blocked }.count
        let errors = report.targets.filter { $0.verdict == .inconclusive }.count
        let counts = "tests=\"\(report.targets.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"0\""
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"dropscan\" \(counts)>\n"
        out += "  <testsuite name=\"dropscan: is anything still using what the migration drops?\" \(counts)>\n"
        let coverageReasons = report.reasons.filter { reason in
            !report.targets.contains { reason.hasPrefix($0.target + " ") }
        }
        for usage in report.targets {
            let facts = TargetFacts(usage, options: options)
            var attributes = "classname=\"dropscan.targets\" name=\"\(Self.escape(usage.target))\""
            if let site = usage.migration {
                attributes += " file=\"\(Self.escape(site.path))\" line=\"\(site.line)\""
            }
            // Uses the allowlist or the baseline accepted: listed, never a failure.
            let accepted = accepted(facts)
            switch usage.verdict {
            case .pass where accepted.isEmpty:
                out += "    <testcase \(attributes)/>\n"
            case .pass:
                out += "    <testcase \(attributes)>\n"
                out += "      <system-out>\(Self.escape(accepted))</system-out>\n    </testcase>\n"
            case .blocked:
                let reason =
                    report.reasons.first { $0.hasPrefix(usage.target + " ") } ?? "\(usage.target) is still used."
                out += "    <testcase \(attributes)>\n"
                out += "      <failure type=\"blocked\" message=\"\(Self.escape(reason))\">"
                out += Self.escape(details(facts))
                out += "</failure>\n"
                if !accepted.isEmpty { out += "      <system-out>\(Self.escape(accepted))</system-out>\n" }
                out += "    </testcase>\n"
            case .inconclusive:
                let reason = coverageReasons.joined(separator: " ")
                out += "    <testcase \(attributes)>\n"
                out += "      <error type=\"inconclusive\" message=\"\(Self.escape(reason))\">"
                out += Self.escape(coverageReasons.joined(separator: "\n"))
                out += "</error>\n"
                if !accepted.isEmpty { out += "      <system-out>\(Self.escape(accepted))</system-out>\n" }
                out += "    </testcase>\n"
            }
        }
        out += "  </testsuite>\n</testsuites>\n"
        return Data(out.utf8)
    }

    private func details(_ facts: TargetFacts) -> String {
        var lines: [String] = []
        for group in facts.blockingGroups {
            var line = "log: \(group.count) execution(s), \(group.evidence.rawValue)"
            if group.failed > 0 { line += ", \(group.failed) failed" }
            if !group.applications.isEmpty { line += ", by \(group.applications.joined(separator: ", "))" }
            lines.append(line + ": \(group.statement)")
        }
        for finding in facts.blockingFindings {
            lines.append(
                "code: \(finding.placePath):\(finding.line) (\(finding.evidence.rawValue), \(finding.rule)): \(finding.snippet)"
            )
        }
        var shown = lines.prefix(Self.detailLines).joined(separator: "\n")
        if lines.count > Self.detailLines {
            shown += "\n\(lines.count - Self.detailLines) more not shown (see the JSON report)"
        }
        return "\n" + shown + "\n"
    }

    /// The uses the allowlist or the baseline accepted, one a line with what accepted each ("" for none).
    private func accepted(_ facts: TargetFacts) -> String {
        var lines: [String] = []
        for group in facts.suppressedGroups {
            lines.append(
                "accepted (\(group.suppressed ?? "")): log: \(group.count) execution(s), \(group.evidence.rawValue): \(group.statement)"
            )
        }
        for finding in facts.suppressedFindings {
            lines.append(
                "accepted (\(finding.suppressed ?? "")): code: \(finding.placePath):\(finding.line) (\(finding.evidence.rawValue), \(finding.rule)): \(finding.snippet)"
            )
        }
        guard !lines.isEmpty else { return "" }
        var shown = lines.prefix(Self.detailLines).joined(separator: "\n")
        if lines.count > Self.detailLines {
            shown += "\n\(lines.count - Self.detailLines) more not shown (see the JSON report)"
        }
        return "\n" + shown + "\n"
    }

    /// XML 1.0 text and attribute values: the five entities, line breaks in attributes kept as
    /// character references, and characters XML cannot carry replaced by U+FFFD.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += "&#9;"
            default:
                let value = scalar.value
                let allowed = value >= 0x20 && value != 0xFFFE && value != 0xFFFF
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }
}
