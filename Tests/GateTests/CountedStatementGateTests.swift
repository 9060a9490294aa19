import Foundation
import Matching
import Report
import Testing

@testable import Gate

/// How the gate weighs what `pg_stat_statements` counted (`targets[].database.statements[]` and
/// `logCoverage`) against logs that show nothing blocking.
@Suite struct CountedStatementGateTests {
    func counted(_ evidence: Evidence, calls: Int, inLogs: Bool?, truncated: Bool? = nil) -> CountedUse {
        var use = CountedUse(
            server: "db1:5432/shop", queryid: "42", id: "00000000000000ab", evidence: evidence, calls: calls,
            rows: calls, role: "app", database: "shop", text: "select legacy_status from orders o, customers c",
            truncated: truncated)
        use.inLogs = inLogs
        return use
    }

    func report(_ uses: [CountedUse], share: LogShare?) throws -> UsageReport {
        var report = try sampleReport()
        var database = DatabaseUsage()
        database.statements = uses
        database.logCoverage = share
        report.targets[0].database = database
        report.coverage.database = DatabaseCoverage(
            servers: [
                DatabaseServer(
                    server: "db1:5432/shop", version: "15", replica: false, readAt: "2026-12-01T00:00:00.000Z")
            ])
        return report
    }

    @Test func aPassOnLogsAloneIsNotAPassWhenTheServerCountedShapesTheLogsNeverShowed() throws {
        var report = try report(
            [counted(.possible, calls: 4, inLogs: false)],
            share: LogShare(executions: 4, logged: 0, missedShapes: 1, missedExecutions: 4))
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(
            report.reasons == [
                "4 execution(s) of 1 statement shape(s) on orders.legacy_status ran without appearing in the logs given (e.g. inside a function, on a replica whose logs were not given): the logs accounted for 0% of the 4 execution(s) pg_stat_statements counted (targets[].database.statements[] with inLogs false)."
            ])
    }

    @Test func logsThatShowFewerExecutionsThanTheServerCountedAreNotAPass() throws {
        var report = try report(
            [counted(.possible, calls: 10, inLogs: true)],
            share: LogShare(executions: 10, logged: 7, missedShapes: 0, missedExecutions: 0))
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(
            report.reasons == [
                "The logs given accounted for 70% of the 10 execution(s) of orders.legacy_status that pg_stat_statements counted (statements logged fewer times than they ran: a sampled or duration-based logging mode, or logs that do not cover the statistics' window)."
            ])
    }

    @Test func everyCountedExecutionLoggedAndNoneBlockingPasses() throws {
        var report = try report(
            [counted(.possible, calls: 3, inLogs: true)],
            share: LogShare(executions: 3, logged: 3, missedShapes: 0, missedExecutions: 0))
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .pass)
        #expect(
            report.decision?.warnings.contains(
                "orders.legacy_status: 3 execution(s) counted by pg_stat_statements at tiers the policy does not block on: review them."
            ) == true)
    }

    @Test func aCountedUseAtABlockingTierBlocksUntilTheBaselineAcceptsItsShape() throws {
        var report = try report([counted(.confirmed, calls: 5, inLogs: nil)], share: nil)
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .blocked)
        #expect(
            report.reasons.first
                == "orders.legacy_status is still used: 5 execution(s) of 1 statement shape(s) counted by pg_stat_statements."
        )
        Gate.decide(
            &report, policy: plainPolicy(),
            context: GateContext(now: dec1, baseline: Baseline(path: "b", fingerprints: ["00000000000000ab"])))
        #expect(report.verdict == .pass)
        #expect(report.targets[0].database?.statements?.first?.suppressed == "baseline")
    }

    @Test func aCountedStatementCutShortIsNotAPass() throws {
        var report = try report([counted(.possible, calls: 1, inLogs: nil, truncated: true)], share: nil)
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(
            report.reasons == [
                "1 statement(s) counted by pg_stat_statements that name orders.legacy_status were cut short, so whether they use it cannot be told: raise track_activity_query_size and scan again."
            ])
    }

    @Test func aServerWithoutTheExtensionIsAWarningNotAReason() throws {
        var report = try report([], share: nil)
        report.coverage.database?.servers[0].statementsUnavailable = "pg_stat_statements is not installed in db1."
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .pass)
        #expect(report.reasons == [])
        #expect(report.decision?.warnings == ["pg_stat_statements is not installed in db1."])
    }

    @Test func evictedEntriesAndTextsTheRoleMayNotReadAreNotAPass() throws {
        var report = try report([], share: nil)
        report.coverage.database?.servers[0].statementsSince = "2026-11-01T00:00:00.000Z"
        report.coverage.database?.servers[0].statementsEvicted = 12
        report.coverage.database?.servers[0].statementsWithoutText = 3
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(
            report.reasons == [
                "pg_stat_statements on db1:5432/shop evicted 12 entries since 2026-11-01T00:00:00.000Z (pg_stat_statements.max), so a counted use may be lost: raise pg_stat_statements.max, reset it and scan again later.",
                "3 statement(s) counted by pg_stat_statements on db1:5432/shop came without their text (another role's statements, or an unreadable query text file), so they cannot be checked: scan as a role with pg_read_all_stats.",
            ])
    }
}
