import Foundation
import Matching

/// Renders a report in one output format. Every format is rendered from the same `UsageReport`.
public protocol Reporter {
    /// The format's name on the command line (`json`, `markdown`, `sarif`).
    static var format: String { get }
    func render(_ report: UsageReport) throws -> Data
}

/// The versioned JSON contract (`Reports/schema/report.schema.json`).
public struct JSONReporter: Reporter {
    public static let format = "json"
    public init() {}

    public func render(_ report: UsageReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(report)
        data.append(0x0A)
        return data
    }

    /// Reads a report back (for `dropscan gate` and merging shards).
    public static func decode(_ data: Data) throws -> UsageReport {
        try JSONDecoder().decode(UsageReport.self, from: data)
    }
}

/// A Markdown summary for a pull request: the verdict, a table of targets, the uses, and coverage.
public struct MarkdownReporter: Reporter {
    public static let format = "markdown"
    public init() {}

    public func render(_ report: UsageReport) throws -> Data {
        var out = ""
        let icon = ["pass": "✅", "blocked": "⛔", "inconclusive": "⚠️"][report.verdict.rawValue] ?? ""
        out += "## dropscan: \(icon) \(report.verdict.rawValue)\n\n"
        for reason in report.reasons { out += "- \(reason)\n" }
        if !report.reasons.isEmpty { out += "\n" }
        out += "| Target | Verdict | Statements in logs | Failed | Code references | Last seen |\n"
        out += "|---|---|---:|---:|---:|---|\n"
        for target in report.targets {
            out +=
                "| `\(target.target)` | \(target.verdict.rawValue) | \(target.runtime.statements) | \(target.runtime.failed)"
            out += " | \(target.code.references) | \(target.runtime.lastSeen ?? "–") |\n"
        }
        for target in report.targets
        where target.runtime.statements + target.code.references > 0 || !target.runtime.groups.isEmpty
            || !target.code.deprecations.isEmpty
        {
            out += "\n### `\(target.target)`\n\n"
            if !target.runtime.byApplication.isEmpty {
                let apps = target.runtime.byApplication.sorted { $0.value > $1.value }.map { "\($0.key) (\($0.value))" }
                out += "Applications: " + apps.joined(separator: ", ") + "\n\n"
            }
            if !target.runtime.groups.isEmpty {
                out += "| Statements | Evidence | Count | Applications | Last seen |\n|---|---|---:|---|---|\n"
                for group in target.runtime.groups.prefix(20) {
                    let statement = group.statement.replacingOccurrences(of: "|", with: "\\|").prefix(160)
                    out +=
                        "| `\(statement)` | \(group.evidence.rawValue) | \(group.count) | \(group.applications.joined(separator: ", ")) | \(group.lastSeen ?? "–") |\n"
                }
                out += "\n"
            }
            let strong = target.code.findings.filter { $0.evidence != .possible }
            if !strong.isEmpty {
                out += "| Code | Evidence | Rule | Line |\n|---|---|---|---|\n"
                for finding in strong.prefix(50) {
                    let snippet = finding.snippet.replacingOccurrences(of: "|", with: "\\|").prefix(120)
                    out +=
                        "| `\(finding.path):\(finding.line)` | \(finding.evidence.rawValue) | \(finding.rule) | `\(snippet)` |\n"
                }
                out += "\n"
            }
            if !target.code.deprecations.isEmpty {
                out += "Prepared for the drop: "
                out += target.code.deprecations.prefix(10).map { "`\($0.path):\($0.line)` (\($0.rule))" }.joined(
                    separator: ", ")
                out += "\n\n"
            }
            if !target.code.declarations.isEmpty {
                out += "Declarations (migrations, schema dumps; not uses): \(target.code.declarations.count)\n\n"
            }
            if !target.code.possibleByFile.isEmpty {
                out += "Possible (name only) matches by file: "
                out += target.code.possibleByFile.sorted { $0.key < $1.key }.map { "`\($0.key)` (\($0.value))" }.joined(
                    separator: ", ")
                out += "\n"
            }
        }
        let coverage = report.coverage
        out += "\n### Coverage\n\n"
        out +=
            "- Log files: \(coverage.logFiles), source files: \(coverage.sourceFiles), bytes read: \(coverage.bytesRead)\n"
        if let window = coverage.window { out += "- Time window: \(window.from) – \(window.to)\n" }
        if let mode = coverage.statementLogging { out += "- Statement logging: `\(mode)`\n" }
        if let note = coverage.statementLoggingNote { out += "- \(note)\n" }
        if !coverage.gaps.isEmpty { out += "- Gaps with no log entries: \(coverage.gaps.count)\n" }
        if let entries = coverage.entries {
            out += "- Log entries parsed: \(entries.parsed), unparsed: \(entries.unparsed)\n"
        }
        for error in coverage.errors { out += "- ❗ `\(error.path)` at byte \(error.offset): \(error.message)\n" }
        if !coverage.skipped.isEmpty { out += "- Skipped files: \(coverage.skipped.count)\n" }
        out += checklistSection(report)
        return Data(out.utf8)
    }
}

/// SARIF 2.1.0, so that code findings appear as annotations in code review tools.
public struct SARIFReporter: Reporter {
    public static let format = "sarif"
    public init() {}

    public func render(_ report: UsageReport) throws -> Data {
        var rules: [String: [String: Any]] = [:]
        var results: [[String: Any]] = []
        for target in report.targets {
            for finding in target.code.findings where finding.evidence.isUse {
                rules[finding.rule] = ["id": finding.rule, "shortDescription": ["text": finding.rule]]
                let level = finding.evidence <= .probable ? "error" : "note"
                results.append([
                    "ruleId": finding.rule,
                    "level": level,
                    "message": ["text": "\(target.target) is still referenced (\(finding.evidence.rawValue))"],
                    "partialFingerprints": ["dropscan/v1": finding.fingerprint],
                    "locations": [
                        [
                            "physicalLocation": [
                                "artifactLocation": ["uri": finding.path],
                                "region": ["startLine": finding.line, "startColumn": finding.column],
                            ]
                        ]
                    ],
                ])
            }
        }
        let document: [String: Any] = [
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [
                [
                    "tool": [
                        "driver": [
                            "name": report.tool.name, "version": report.tool.version,
                            "rules": rules.keys.sorted().map { rules[$0]! },
                        ]
                    ],
                    "results": results,
                ]
            ],
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    }
}

/// The reporter for a format name, or `nil` for an unknown one.
public func reporter(forFormat name: String) -> (any Reporter)? {
    switch name {
    case JSONReporter.format: JSONReporter()
    case MarkdownReporter.format, "md": MarkdownReporter()
    case SARIFReporter.format: SARIFReporter()
    default: nil
    }
}

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
