import Foundation
import Matching
import Report

/// What `pg_stat_statements` says against "not used": servers whose statistics could not be read or lost
/// entries, counted shapes the logs never showed, and statements cut short.
extension Gate {
    /// One sentence per server whose counted statements are incomplete: entries lost, texts withheld.
    static func countedStatementReasons(_ coverage: Coverage) -> [String] {
        var reasons: [String] = []
        for server in coverage.database?.servers ?? [] where server.error == nil {
            if let evicted = server.statementsEvicted, evicted > 0 {
                reasons.append(
                    "pg_stat_statements on \(server.server) evicted \(evicted) entr\(evicted == 1 ? "y" : "ies") since \(server.statementsSince ?? "it was reset") (pg_stat_statements.max), so a counted use may be lost: raise pg_stat_statements.max, reset it and scan again later."
                )
            }
            if let hidden = server.statementsWithoutText, hidden > 0 {
                reasons.append(
                    "\(hidden) statement(s) counted by pg_stat_statements on \(server.server) came without their text (another role's statements, or an unreadable query text file), so they cannot be checked: scan as a role with pg_read_all_stats."
                )
            }
        }
        return reasons
    }

    /// Servers without the extension: a warning, not a reason. Nothing given was lost (the scan has the
    /// evidence it would have without `--database`), but a reviewer learns what the server could have told.
    static func countedStatementWarnings(_ coverage: Coverage) -> [String] {
        (coverage.database?.servers ?? []).filter { $0.error == nil }.compactMap(\.statementsUnavailable)
    }

    /// Why the target's counted statements keep a pass on the logs from being a pass: shapes the logs missed,
    /// executions they did not account for, statements cut short.
    static func countedCaveats(_ target: TargetUsage) -> [String] {
        guard let database = target.database else { return [] }
        var caveats: [String] = []
        if let share = database.logCoverage, share.logged < share.executions {
            let percent = min(99, share.logged * 100 / share.executions)
            if share.missedShapes > 0 {
                caveats.append(
                    "\(share.missedExecutions) execution(s) of \(share.missedShapes) statement shape(s) on \(target.target) ran without appearing in the logs given (e.g. inside a function, on a replica whose logs were not given): the logs accounted for \(percent)% of the \(share.executions) execution(s) pg_stat_statements counted (targets[].database.statements[] with inLogs false)."
                )
            } else {
                caveats.append(
                    "The logs given accounted for \(percent)% of the \(share.executions) execution(s) of \(target.target) that pg_stat_statements counted (statements logged fewer times than they ran: a sampled or duration-based logging mode, or logs that do not cover the statistics' window)."
                )
            }
        }
        let cut = (database.statements ?? []).filter { $0.truncated == true && $0.evidence.isUse }
        if !cut.isEmpty {
            caveats.append(
                "\(cut.count) statement(s) counted by pg_stat_statements that name \(target.target) were cut short, so whether they use it cannot be told: raise track_activity_query_size and scan again."
            )
        }
        return caveats
    }
}
