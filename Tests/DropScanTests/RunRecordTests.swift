import Foundation
import Report
import TestSupport
import Testing

@testable import DropScan
@testable import Gate
@testable import Matching

@Suite struct RepositoryPathTests {
    /// A monorepo: the scanned source is `services/api` below the work tree's top.
    func monorepo() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        try run("/usr/bin/git", ["init", "-q", dir.path + "/repo"])
        try dir.write("repo/services/api/app/report.sql", "SELECT legacy_status FROM orders;\n")
        try dir.write("outside/app/report.sql", "SELECT legacy_status FROM orders;\n")
        return dir
    }

    func scan(_ source: String) throws -> [CodeFinding] {
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "orders.legacy_status")]
        configuration.sources = [source]
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.progress = false
        return try ScanPipeline(configuration: configuration).run().targets[0].code.findings
    }

    @Test func findingsBelowAWorkTreesTopCarryTheirRepositoryPath() throws {
        let dir = try monorepo()
        let findings = try scan(dir.path + "/repo/services/api")
        #expect(findings.map(\.path) == ["app/report.sql"])
        #expect(findings.map(\.repositoryPath) == ["services/api/app/report.sql"])
        #expect(findings.map(\.placePath) == ["services/api/app/report.sql"])
    }

    @Test func findingsAtTheTopOrOutsideGitHaveNone() throws {
        let dir = try monorepo()
        #expect(try scan(dir.path + "/repo").map(\.repositoryPath) == [nil])
        #expect(try scan(dir.path + "/outside").map(\.repositoryPath) == [nil])
    }

    @Test func linksAndCodeScanningUseTheRepositoryPath() throws {
        let dir = try monorepo()
        var usage = TargetUsage(
            target: try Target(parsing: "orders.legacy_status"), verdict: .blocked, runtime: RuntimeUsage(),
            code: CodeUsage(findings: try scan(dir.path + "/repo/services/api"), declarations: [], deprecations: []))
        usage.code.references = 1
        let report = UsageReport(
            tool: ToolInfo(version: "test"), verdict: .blocked, reasons: ["orders.legacy_status is still used."],
            targets: [usage], coverage: Coverage())
        let link = try RepositoryLink(baseURL: "https://github.com/acme/shop", commit: "0123456", style: .github)
        let markdown = String(
            decoding: try MarkdownReporter(options: ReportOptions(repository: link)).render(report), as: UTF8.self)
        #expect(
            markdown.contains(
                "[`services/api/app/report.sql:1`](https://github.com/acme/shop/blob/0123456/services/api/app/report.sql#L1)"
            ))
        let sarif = String(decoding: try SARIFReporter().render(report), as: UTF8.self)
        #expect(sarif.contains("\"uri\" : \"services/api/app/report.sql\""))
    }
}

@Suite struct RecordedInputsTests {
    @Test func theRunListsAtMostTheCapLogFilesFirstAndCountsTheRest() throws {
        let dir = try TemporaryDirectory()
        for name in ["a", "b", "c"] { try dir.write("logs/\(name).log", "") }
        try dir.write("src/x.sql", "SELECT 1;\n")
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "orders.legacy_status")]
        configuration.logs = [dir.path + "/logs"]
        configuration.sources = [dir.path + "/src"]
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.progress = false
        configuration.maxRecordedInputs = 2
        let run = try #require(try ScanPipeline(configuration: configuration).run().run)
        #expect(run.inputs.map { ($0.path as NSString).lastPathComponent } == ["a.log", "b.log"])
        #expect(run.inputsOmitted == 2)
        configuration.maxRecordedInputs = 10
        let whole = try #require(try ScanPipeline(configuration: configuration).run().run)
        #expect(whole.inputs.count == 4)
        #expect(whole.inputsOmitted == nil)
    }

    @Test func mergeSaysWhenAShardDoesNotListEveryFile() throws {
        func shard(_ path: String, omitted: Int?) -> UsageReport {
            var report = UsageReport(
                tool: ToolInfo(version: "test"), verdict: .pass, reasons: [], targets: [], coverage: Coverage())
            report.run = RunRecord(
                commandLine: [], startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:00.000Z",
                sources: [], logs: [], inputs: [InputRecord(kind: "log", path: path, size: 1, identity: "1:\(path)")],
                policy: GatePolicy().record)
            report.run?.inputsOmitted = omitted
            return report
        }
        let result = try ReportMerger.merge([shard("a.log", omitted: 7000), shard("b.log", omitted: nil)])
        #expect(
            result.duplicates == [
                "report 1 lists 1 of the files it read (7000 more not listed): those were not checked against the other shards, so a file read twice would be counted twice"
            ])
        #expect(result.report.run?.inputs.map(\.path) == ["a.log", "b.log"])
        #expect(result.report.run?.inputsOmitted == 7000)
    }

    @Test func aServerWhoseLogsAreNotListedSaysSo() throws {
        var report = UsageReport(
            tool: ToolInfo(version: "test"), verdict: .pass, reasons: [], targets: [], coverage: Coverage())
        report.run = RunRecord(
            commandLine: [], startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:00.000Z",
            sources: [], logs: [], inputs: [InputRecord(kind: "log", path: "primary/a.log", size: 1, identity: "1")],
            policy: GatePolicy().record)
        report.run?.inputsOmitted = 9000
        report.coverage.logFiles = 9001
        var policy = GatePolicy()
        policy.requirements.servers = [ServerRequirement(name: "replica", logs: "replica/**")]
        let reasons = RequirementCheck(policy: policy, report: report, scannedLogs: true).reasons()
        #expect(
            reasons.contains(
                "No log of server 'replica' (paths matching replica/**) was read (the report lists 1 of the files read; 9000 are not listed, so their paths cannot be matched); the policy requires it."
            ))
    }
}
