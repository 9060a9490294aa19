import Foundation
import Matching
import TestSupport
import Testing

@testable import Report

/// A finding with a real fingerprint.
func finding(
    _ path: String, line: Int, evidence: Evidence = .confirmed, snippet: String = "Order.where(legacy_status: 'v0')",
    target: String = "orders.legacy_status", rule: String = "rails.where-hash"
) -> CodeFinding {
    CodeFinding(
        path: path, line: line, column: 5, rule: rule, evidence: evidence, classification: "app", snippet: snippet,
        fingerprint: Fingerprint.finding(rule: rule, target: target, path: path, lineText: snippet))
}

/// A target with the given code findings and statement groups; its verdict blocked when any is given.
func targetUsage(
    _ name: String = "orders.legacy_status", findings: [CodeFinding] = [], groups: [StatementGroup] = [],
    migration: MigrationSite? = nil
) throws -> TargetUsage {
    var runtime = RuntimeUsage()
    runtime.groups = groups
    for group in groups {
        runtime.byEvidence[group.evidence.rawValue, default: 0] += group.count
        if group.evidence == .confirmed {
            runtime.statements += group.count
            for app in group.applications { runtime.byApplication[app, default: 0] += group.count }
        }
    }
    var usage = TargetUsage(
        target: try Target(parsing: name), verdict: findings.isEmpty && groups.isEmpty ? .pass : .blocked,
        runtime: runtime, code: CodeUsage(findings: findings, declarations: [], deprecations: []))
    usage.migration = migration
    return usage
}

func group(
    _ id: String, _ statement: String, evidence: Evidence = .confirmed, count: Int = 1, applications: [String],
    sample: LogLocation? = LogLocation(path: "logs/a.log.gz", line: 7, offset: 812)
) -> StatementGroup {
    StatementGroup(
        id: id, statement: statement, evidence: evidence, count: count, failed: 0, applications: applications,
        firstSeen: "2024-05-02T10:15:42.123Z", lastSeen: "2024-05-02T11:00:00.000Z", sample: sample)
}

func report(_ targets: [TargetUsage], reasons: [String] = [], coverage: Coverage = Coverage()) -> UsageReport {
    let verdict: Verdict =
        targets.contains { $0.verdict == .blocked } ? .blocked : reasons.isEmpty ? .pass : .inconclusive
    return UsageReport(
        tool: ToolInfo(version: "0.1.0"), verdict: verdict, reasons: reasons, targets: targets, coverage: coverage)
}

/// The official SARIF 2.1.0 schema, fetched by `make test-deps`.
let sarifSchema = repositoryRoot + "/.build/schemas/sarif-schema-2.1.0.json"

/// Validates a SARIF document against the official schema with python3's jsonschema; the problems, or
/// an empty string.
func sarifSchemaProblems(_ data: Data) throws -> String {
    guard FileManager.default.fileExists(atPath: sarifSchema) else {
        return "\(sarifSchema) is missing: run `make test-deps` to fetch the official SARIF 2.1.0 schema"
    }
    let dir = try TemporaryDirectory()
    let path = try dir.write("report.sarif", data)
    let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
        for e in validator.iter_errors(json.load(open(sys.argv[2]))): print(list(e.absolute_path), e.message)
        """
    let result = try runCapturing("/usr/bin/python3", ["-c", script, sarifSchema, path])
    return result.status == 0 ? result.stdout : "python3 failed: \(result.stderr)"
}

/// Markdown rendered by cmark-gfm with GitHub's extensions, raw HTML let through so that a test can see it.
func renderGFM(_ markdown: Data) throws -> String {
    let dir = try TemporaryDirectory()
    let path = try dir.write("report.md", markdown)
    let result = try runCapturing(
        "/usr/bin/cmark-gfm",
        ["--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter", path])
    try #require(result.status == 0, "cmark-gfm (Debian cmark-gfm, installed by make test-deps): \(result.stderr)")
    return result.stdout
}
