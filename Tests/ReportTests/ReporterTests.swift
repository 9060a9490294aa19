import Foundation
import Gate
import Matching
import Testing

@testable import Report

func sampleReport() throws -> UsageReport {
    var runtime = RuntimeUsage()
    runtime.statements = 3
    runtime.byApplication = ["billing": 3]
    runtime.byEvidence = ["confirmed": 3, "not-a-use": 1]
    runtime.firstSeen = "2024-05-02T10:15:42.123Z"
    runtime.lastSeen = "2024-05-02T11:00:00.000Z"
    runtime.groups = [
        StatementGroup(
            id: "00000000000000ab", statement: "update orders set legacy_status = $1 where id = $2",
            evidence: .confirmed,
            count: 3, failed: 0, applications: ["billing"], firstSeen: runtime.firstSeen, lastSeen: runtime.lastSeen,
            sample: LogLocation(path: "logs/a.log.gz", line: 7, offset: 812))
    ]
    var code = CodeUsage()
    code.findings = [
        CodeFinding(
            path: "app/jobs/export.rb", line: 12, column: 5, rule: "rails.where-hash", evidence: .confirmed,
            classification: "app", snippet: "Order.where(legacy_status: 'v0')",
            fingerprint: Fingerprint.finding(
                rule: "rails.where-hash", target: "orders.legacy_status", path: "app/jobs/export.rb",
                lineText: "Order.where(legacy_status: 'v0')"))
    ]
    code.references = 1
    let column = TargetUsage(
        target: try Target(parsing: "orders.legacy_status"), verdict: .blocked, runtime: runtime, code: code)
    let table = TargetUsage(
        target: try Target(parsing: "audit_notes.*"), verdict: .pass, runtime: RuntimeUsage(), code: CodeUsage())
    var coverage = Coverage()
    coverage.logFiles = 2
    coverage.errors = [CoverageError(path: "logs/b.log.gz", offset: 4096, message: "gzip data ends early")]
    return UsageReport(
        tool: ToolInfo(version: "0.1.0"), verdict: .blocked, reasons: ["orders.legacy_status is still used."],
        targets: [column, table], coverage: coverage)
}

@Suite struct ReporterTests {
    @Test func jsonRoundTripsAndWritesNullForAWholeTableColumn() throws {
        let report = try sampleReport()
        let data = try JSONReporter().render(report)
        #expect(try JSONReporter.decode(data) == report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let targets = try #require(object["targets"] as? [[String: Any]])
        #expect(targets[1]["column"] is NSNull)
        #expect(targets[1]["target"] as? String == "audit_notes.*")
        #expect(object["schemaVersion"] as? Int == 2)
    }

    @Test func markdownStartsWithTheMarkerVerdictReasonAndNextStep() throws {
        let text = String(decoding: try MarkdownReporter().render(try sampleReport()), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "<!-- dropscan-report -->")
        #expect(lines[1] == "## ⛔ dropscan: blocked")
        #expect(lines[3] == "**Why:** orders\\.legacy\\_status is still used\\.")
        #expect(lines[5].hasPrefix("**Next:** Do not drop yet"))
        #expect(text.contains("| `orders.legacy_status` | ⛔ blocked | 3 | 0 | 1 | `billing` | "))
        #expect(text.contains("`update orders set legacy_status = $1 where id = $2`"))
        #expect(text.contains("| `app/jobs/export.rb:12` | confirmed | `rails.where-hash` |"))
        #expect(text.contains("`logs/b.log.gz` at byte 4096"))
    }

    @Test func sarifCarriesEachCodeFindingWithItsFingerprintAndPlace() throws {
        let report = try sampleReport()
        let data = try SARIFReporter().render(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["version"] as? String == "2.1.0")
        let run = try #require((object["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 2)  // the statement group in the logs and the code finding
        let code = try #require(results.first { $0["ruleId"] as? String == "dropscan/code-use" })
        #expect((code["properties"] as? [String: Any])?["patternRule"] as? String == "rails.where-hash")
        #expect(code["level"] as? String == "error")
        let fingerprint = try #require((code["partialFingerprints"] as? [String: String])?["dropscanFinding/v1"])
        #expect(fingerprint == report.targets[0].code.findings[0].fingerprint)
        let region = try #require(
            ((code["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["region"]
                as? [String: Int])
        #expect(region == ["startLine": 12, "startColumn": 5])
    }

    @Test func fingerprintIgnoresLineNumbersAndWhitespaceButNotText() {
        let a = Fingerprint.finding(rule: "r", target: "t", path: "p", lineText: "  x  =  legacy_status ")
        let b = Fingerprint.finding(rule: "r", target: "t", path: "p", lineText: "x = legacy_status")
        let c = Fingerprint.finding(rule: "r", target: "t", path: "p", lineText: "y = legacy_status")
        #expect(a == b)
        #expect(a != c)
    }
}

@Suite struct GatePolicyTests {
    @Test func probableAndStrongerBlockByDefault() {
        let policy = GatePolicy()
        #expect(policy.blocks(.confirmed) && policy.blocks(.implicit) && policy.blocks(.probable))
        #expect(!policy.blocks(.possible) && !policy.blocks(.notAUse))
        #expect(GatePolicy(blockOn: .possible).blocks(.possible))
        #expect(!GatePolicy(blockOn: .possible).blocks(.notAUse))
    }

    @Test func blockedWinsOverInconclusiveAndInconclusiveOverPass() {
        let policy = GatePolicy()
        #expect(policy.overall([.pass, .blocked, .inconclusive], coverageReasons: ["x"]) == .blocked)
        #expect(policy.overall([.pass], coverageReasons: ["unreadable"]) == .inconclusive)
        #expect(policy.overall([.pass, .pass], coverageReasons: []) == .pass)
        #expect(policy.verdict(blockingUses: 1, coverageReasons: ["x"]) == .blocked)
        #expect(policy.verdict(blockingUses: 0, coverageReasons: ["x"]) == .inconclusive)
    }

    @Test func partialLoggingIsAReasonUnlessAccepted() {
        var coverage = Coverage()
        coverage.logFiles = 1
        coverage.statementLoggingNote = "Only statements slower than 250 ms are logged."
        #expect(GatePolicy().coverageReasons(coverage, scannedLogs: true) == [coverage.statementLoggingNote!])
        #expect(GatePolicy(acceptPartialLogging: true).coverageReasons(coverage, scannedLogs: true).isEmpty)
        #expect(GatePolicy().coverageReasons(coverage, scannedLogs: false).isEmpty)
    }

    @Test func exitCodesFollowTheVerdict() {
        #expect(ExitCode(.pass).rawValue == 0)
        #expect(ExitCode(.blocked).rawValue == 1)
        #expect(ExitCode(.inconclusive).rawValue == 3)
        #expect(ExitCode.usage.rawValue == 2)
    }
}
