import Foundation
import Matching
import Report
import Testing

@testable import Gate

/// What the scan records with the data (a target's caveat, an untrustworthy inferred prefix, entries without
/// a time) is decided again by the gate from a saved or merged report, so no reason is lost on the way.
@Suite struct RecordedReasonTests {
    let unmapped =
        "No model, schema file or SQL in the sources mentions table orders, though they declare 2 ORM models, so how the code maps it is not understood: check the table's name or give its schema with --schema."

    @Test func aTargetCaveatMakesItInconclusiveUnlessAUseBlocksIt() throws {
        var report = try sampleReport()
        report.targets[0].caveat = unmapped
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(report.targets[0].verdict == .inconclusive)
        #expect(report.decision?.reason == unmapped)

        var used = try sampleReport()
        used.targets[0].caveat = unmapped
        used.targets[0].code = CodeUsage(findings: [finding("app/orders.py")], declarations: [], deprecations: [])
        Gate.decide(&used, policy: plainPolicy())
        #expect(used.verdict == .blocked)
        #expect(!used.reasons.contains(unmapped))
    }

    @Test func aTargetCaveatLeavesTheCodeSearchItemMissingWithItsReasonOnce() throws {
        var policy = plainPolicy()
        policy.checklist = ChecklistPolicy(waive: ["owners-approve", "retention", "backup", "rollback-plan"])
        var report = try sampleReport()
        report.targets[0].caveat = unmapped
        Gate.decide(&report, policy: policy)
        let item = try #require(report.decision?.checklist.first { $0.id == "code-search" })
        #expect(item.status == .missing)
        #expect(item.detail == unmapped)
        #expect(report.reasons.filter { $0.contains("ORM models") }.count == 1)
    }

    @Test func anUntrustedInferredPrefixIsAReasonNamingItsFiles() throws {
        let problem = "8 of 8 sampled statement lines have no user or database."
        var report = try sampleReport()
        report.coverage.logFormats = [
            LogFileFormat(path: "logs/b.log", format: "stderr", prefix: "%m ", prefixSource: "inferred"),
            LogFileFormat(path: "logs/a.log", format: "stderr", prefix: "%m ", prefixSource: "inferred"),
            LogFileFormat(path: "logs/c.log", format: "stderr", prefix: "%m [%p] ", prefixSource: "given"),
        ]
        report.coverage.logFormats?[0].problem = problem
        report.coverage.logFormats?[1].problem = problem
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(report.reasons == ["logs/a.log and 1 more log file(s): \(problem)"])
    }

    @Test func joinedContinuationLinesThatNameATargetCannotPass() throws {
        var report = try sampleReport()
        report.coverage.joinedNamingTargets = 2
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(
            report.reasons == [
                "2 log entries had lines that fit no log_line_prefix joined to them as continuation lines (coverage.entries.joinedLines) and name a target that none of their statements uses, so a use may hide in them; pass the server's --log-line-prefix."
            ])
    }

    @Test func firstAndLastSeenSpanTheTiersThePolicyBlocks() throws {
        var report = try sampleReport()
        report.targets[0].runtime.seenByEvidence = [
            "confirmed": SeenWindow(first: "2026-11-10T00:00:00.000Z", last: "2026-11-12T00:00:00.000Z"),
            "possible": SeenWindow(first: "2026-11-01T00:00:00.000Z", last: "2026-11-29T00:00:00.000Z"),
        ]
        var strict = report
        Gate.decide(&strict, policy: plainPolicy())
        #expect(strict.targets[0].runtime.firstSeen == "2026-11-10T00:00:00.000Z")
        #expect(strict.targets[0].runtime.lastSeen == "2026-11-12T00:00:00.000Z")
        Gate.decide(&report, policy: GatePolicy(blockOn: .possible))
        #expect(report.targets[0].runtime.firstSeen == "2026-11-01T00:00:00.000Z")
        #expect(report.targets[0].runtime.lastSeen == "2026-11-29T00:00:00.000Z")
    }

    @Test func entriesWithoutATimeCannotPassEvenWithoutAWindowRequirement() throws {
        var report = try sampleReport()
        report.coverage.window = nil
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(
            report.reasons == [
                "None of the 100 log entries carries a timestamp, so the logs cover no known window and \"not used\" cannot be concluded; add %m to log_line_prefix."
            ])
    }

    @Test func aMergeKeepsAShardsCaveatAndTheGateDecidesOnIt() throws {
        var first = try sampleReport()
        first.targets[0].caveat = unmapped
        var second = try sampleReport()
        second.run?.inputs = [InputRecord(kind: "log", path: "logs/other.log", size: 10, identity: "1:3")]
        let merged = try ReportMerger.merge([second, first]).report
        #expect(merged.targets[0].caveat == unmapped)
        var decided = merged
        Gate.decide(&decided, policy: GatePolicy(record: merged.run!.policy))
        #expect(decided.verdict == .inconclusive)
        #expect(decided.decision?.reason == unmapped)
    }
}

/// Reporters render a saved report with the blocking tiers it was decided with.
@Suite struct RecordedPolicyRenderingTests {
    @Test func theRecordedPolicysTiersWinOverTheOptions() throws {
        var report = try sampleReport()
        report.targets[0].code = CodeUsage(
            findings: [finding("app/orders.py", evidence: .possible)], declarations: [], deprecations: [])
        var policy = GatePolicy(blockOn: .possible)
        report.run?.policy = policy.record
        Gate.decide(&report, policy: policy)
        #expect(report.verdict == .blocked)
        let options = ReportOptions(blockOn: .probable).adopting(report)
        #expect(options.blocks(.possible))
        #expect(options.blockingDescription == "from `confirmed` down to `possible`")
        let markdown = String(decoding: try MarkdownReporter().render(report), as: UTF8.self)
        #expect(markdown.contains("Uses are counted from `confirmed` down to `possible` evidence"))
        #expect(markdown.contains("| ⛔ blocked | 0 | 0 | 1 |"))

        policy.blocking = [.confirmed, .possible]
        report.run?.policy = policy.record
        #expect(ReportOptions().adopting(report).blockingDescription == "at `confirmed` and `possible`")
        report.run = nil
        #expect(!ReportOptions().adopting(report).blocks(.possible))
    }
}
