import Foundation
import Matching
import Report
import Testing

@testable import Gate

/// A report with one target and logs of `days` days, every statement logged, read from one file of the
/// `primary` server; uses and findings are added by each test.
func sampleReport(days: Int = 40, target: String = "orders.legacy_status") throws -> UsageReport {
    var coverage = Coverage()
    coverage.logFiles = 1
    coverage.sourceFiles = 3
    coverage.entries = EntryCounts(parsed: 100, unparsed: 0, unparsedSamples: [])
    coverage.window = window(days: Double(days))
    coverage.statementLogging = "all"
    coverage.applications = ["shop-web": 80, "metabase": 20]
    var report = UsageReport(
        tool: ToolInfo(version: "test"), verdict: .inconclusive, reasons: ["stale"],
        targets: [
            TargetUsage(
                target: try Target(parsing: target), verdict: .blocked, runtime: RuntimeUsage(), code: CodeUsage())
        ], coverage: coverage)
    report.run = RunRecord(
        commandLine: ["scan"], startedAt: "2026-12-01T00:00:00.000Z", endedAt: "2026-12-01T00:00:01.000Z",
        sources: ["app"], logs: ["logs"],
        inputs: [InputRecord(kind: "log", path: "logs/primary/postgresql.log", size: 10, identity: "1:2")],
        policy: GatePolicy().record)
    return report
}

func window(days: Double) -> TimeWindow {
    let end = Int64(GateClock.day("2026-11-30")!) * 86_400_000
    let start = end - Int64(days * 86_400_000)
    func iso(_ ms: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
    return TimeWindow(from: iso(start), to: iso(end))
}

func finding(
    _ path: String, evidence: Evidence = .confirmed, fingerprint: String = String(repeating: "a", count: 64)
) -> CodeFinding {
    CodeFinding(
        path: path, line: 3, column: 1, rule: "sql.select", evidence: evidence, classification: "app",
        snippet: "SELECT legacy_status", fingerprint: fingerprint)
}

func group(id: String, evidence: Evidence = .confirmed, count: Int = 2, failed: Int = 0) -> StatementGroup {
    StatementGroup(
        id: id, statement: "SELECT legacy_status FROM orders", evidence: evidence, count: count, failed: failed,
        applications: ["shop-web"], firstSeen: nil, lastSeen: nil, sample: nil)
}

/// A policy with no coverage requirements and no checklist, so each test turns on what it checks.
func plainPolicy() -> GatePolicy { GatePolicy() }

let dec1 = Date(timeIntervalSince1970: Double(GateClock.day("2026-12-01")!) * 86400)

@Suite struct GateDecisionTests {
    @Test func cleanDataPassesWithNoReasonsAndSaysWhatThePassRestsOn() throws {
        var report = try sampleReport()
        report.coverage.window = window(days: 40)
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .pass)
        #expect(report.reasons.isEmpty)
        #expect(report.targets[0].verdict == .pass)
        #expect(
            report.decision?.reason
                == "No blocking use of 1 target(s) in 1 log file(s) covering 40.0 days and 3 source file(s).")
        #expect(ExitCode(report.verdict).rawValue == 0)
    }

    @Test func blockingTiersBlockAndTheOthersWarn() throws {
        var report = try sampleReport()
        report.targets[0].runtime.byEvidence = ["probable": 2]
        report.targets[0].runtime.groups = [group(id: "g1", evidence: .probable)]
        report.targets[0].code = CodeUsage(
            findings: [finding("app/a.rb", evidence: .possible)], declarations: [], deprecations: [])
        var blocked = report
        Gate.decide(&blocked, policy: plainPolicy())
        #expect(blocked.verdict == .blocked)
        #expect(blocked.decision?.reason == "orders.legacy_status is still used: 2 logged statement(s) (2 probable).")
        #expect(
            blocked.decision?.warnings == [
                "orders.legacy_status: 1 code reference(s) at tiers the policy does not block on: review them."
            ])
        #expect(ExitCode(blocked.verdict).rawValue == 1)
        var policy = plainPolicy()
        policy.blocking = [.confirmed, .implicit]
        policy.warning = [.probable, .possible]
        Gate.decide(&report, policy: policy)
        #expect(report.verdict == .pass)
        #expect(
            report.decision?.warnings == [
                "orders.legacy_status: 2 logged statement(s) and 1 code reference(s) at tiers the policy does not block on: review them."
            ])
    }

    @Test func failedStatementsBlockUnlessThePolicySaysWarn() throws {
        var report = try sampleReport()
        report.targets[0].runtime.failed = 1
        var blocked = report
        Gate.decide(&blocked, policy: plainPolicy())
        #expect(blocked.verdict == .blocked)
        #expect(
            blocked.reasons == [
                "orders.legacy_status is still used: 1 failed statement(s) naming it after it was gone."
            ])
        var policy = plainPolicy()
        policy.failedStatementsBlock = false
        Gate.decide(&report, policy: policy)
        #expect(report.verdict == .pass)
        #expect(report.decision?.warnings.first?.contains("1 failed statement(s)") == true)
    }

    @Test func aShortWindowIsInconclusiveAndALongOnePasses() throws {
        var policy = plainPolicy()
        policy.requirements.minimumWindowDays = 30
        var short = try sampleReport()
        short.coverage.window = window(days: 3)
        Gate.decide(&short, policy: policy)
        #expect(short.verdict == .inconclusive)
        #expect(short.decision?.reason.hasPrefix("The logs cover 3.0 days (") == true)
        #expect(short.decision?.reason.contains("the policy asks for at least 30") == true)
        #expect(ExitCode(short.verdict).rawValue == 3)
        var long = try sampleReport()
        long.coverage.window = window(days: 31)
        Gate.decide(&long, policy: policy)
        #expect(long.verdict == .pass)
        var untimed = try sampleReport()
        untimed.coverage.window = nil
        Gate.decide(&untimed, policy: policy)
        #expect(
            untimed.decision?.reason
                == "The logs have no timestamps, so they cannot show the 30 days the policy asks for.")
    }

    @Test func aGapLongerThanTheLimitIsInconclusive() throws {
        var policy = plainPolicy()
        policy.requirements.maximumGapSeconds = 6 * 3600
        var report = try sampleReport()
        report.coverage.gaps = [
            TimeWindow(from: "2026-11-02T00:00:00.000Z", to: "2026-11-02T05:00:00.000Z"),
            TimeWindow(from: "2026-11-10T00:00:00.000Z", to: "2026-11-11T12:00:00.000Z"),
        ]
        var within = report
        within.coverage.gaps.removeLast()
        Gate.decide(&within, policy: policy)
        #expect(within.verdict == .pass)
        Gate.decide(&report, policy: policy)
        #expect(
            report.decision?.reason
                == "The logs have a gap of 1.5 days (2026-11-10T00:00:00.000Z to 2026-11-11T12:00:00.000Z), longer than the 6.0 hours the policy allows: uses in it would be missed."
        )
    }

    @Test func theStatementLoggingModeMustBeOneThePolicyNames() throws {
        var policy = plainPolicy()
        policy.requirements.statementLogging = ["all", "duration>=0 ms"]
        var report = try sampleReport()
        report.coverage.statementLogging = "duration>=0 ms"
        var zero = report
        Gate.decide(&zero, policy: policy)
        #expect(zero.verdict == .pass)
        report.coverage.statementLogging = "duration>=250 ms"
        policy.acceptPartialLogging = true  // the scan's own rule is off: only the policy's list decides
        Gate.decide(&report, policy: policy)
        #expect(report.verdict == .inconclusive)
        #expect(
            report.decision?.reason.hasPrefix(
                "Statements were logged as 'duration>=250 ms'; the policy requires 'all' or 'duration>=0 ms'") == true)
    }

    @Test func requiredApplicationsAndServersMustAppear() throws {
        var policy = plainPolicy()
        policy.requirements.applications = ["metabase"]
        policy.requirements.servers = [ServerRequirement(name: "primary", logs: "logs/primary/*")]
        var present = try sampleReport()
        Gate.decide(&present, policy: policy)
        #expect(present.verdict == .pass)
        policy.requirements.applications = ["metabase", "tableau"]
        policy.requirements.servers.append(ServerRequirement(name: "replica", logs: "logs/replica/*"))
        var missing = try sampleReport()
        Gate.decide(&missing, policy: policy)
        #expect(missing.verdict == .inconclusive)
        #expect(missing.reasons.count == 2)
        #expect(missing.reasons[0].hasPrefix("No log entry of application 'tableau' was read"))
        #expect(
            missing.reasons[1]
                == "No log of server 'replica' (paths matching logs/replica/*) was read; the policy requires it.")
    }

    @Test(arguments: [
        ("logs", "The policy requires query logs, and this scan read none (give --logs)."),
        ("code", "The policy requires a code search, and this scan read no source tree (give --source)."),
        (
            "database",
            "The policy requires database evidence, and this scan read no database's catalog to the end (give --database; a --schema file is not the live catalog)."
        ),
    ])
    func requiredEvidenceSourcesMustHaveBeenRead(source: String, reason: String) throws {
        var policy = plainPolicy()
        policy.requirements.sources = [source]
        var report = try sampleReport()
        report.coverage.logFiles = 0
        report.coverage.sourceFiles = 0
        report.run?.sources = []
        report.run?.logs = []
        report.run?.inputs = []
        Gate.decide(&report, policy: policy)
        #expect(report.verdict == .inconclusive)
        #expect(report.decision?.reason == reason)
    }

    @Test func anUnreadableInputOutranksTheWindowAsTheDecidingReason() throws {
        var policy = plainPolicy()
        policy.requirements.minimumWindowDays = 30
        var report = try sampleReport()
        report.coverage.window = window(days: 2)
        report.coverage.errors = [CoverageError(path: "logs/a.gz", offset: 10, message: "unexpected end")]
        Gate.decide(&report, policy: policy)
        #expect(
            report.decision?.reason == "logs/a.gz could not be read fully (at byte 10), so uses in it may be missed.")
        #expect(report.reasons.count == 2)
    }

    @Test func severalUnreadableInputsAreCountedAndTheFirstByPathIsNamed() throws {
        var report = try sampleReport()
        report.coverage.errors = [
            CoverageError(path: "logs/b.gz", offset: 7, message: "unexpected end"),
            CoverageError(
                path: "logs/a.gz", offset: 10, message: "gzip member 1 starts here and fails its CRC-32 check"),
        ]
        Gate.decide(&report, policy: plainPolicy())
        #expect(
            report.decision?.reason
                == "2 inputs could not be read fully (logs/a.gz at byte 10 and 1 more), so uses in them may be missed.")
    }

    @Test func aStaleVerdictAndStaleReasonsInTheReportAreIgnored() throws {
        var report = try sampleReport()
        report.verdict = .blocked
        report.reasons = ["someone else's reason"]
        report.targets[0].verdict = .blocked
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .pass)
        #expect(report.reasons.isEmpty)
        #expect(report.targets[0].verdict == .pass)
    }
}
