import DatabaseEvidence
import Foundation
import Matching
import Report
import SQLResolution

/// `pg_stat_statements` as runtime evidence: each counted statement resolved like a logged one, and compared
/// with what the logs showed.
enum CountedStatements {
    /// Reads `session`'s statistics into `server` (window, why they are unavailable) and returns, per target
    /// (by index), the counted statement shapes that touch or name it. Each text goes through `resolver`, the
    /// one logged statements go through; a text cut short is graded as a truncated logged statement is: at
    /// least `possible` where it names the target's table or column, never `not-a-use`.
    static func read(
        _ session: DatabaseSession, resolver: SQLResolver, showValues: Bool, server: inout DatabaseServer
    ) throws(DatabaseError) -> [[CountedUse]] {
        let statistics = try session.countedStatements()
        var perTarget = Array(repeating: [CountedUse](), count: resolver.targets.count)
        server.statementsSince = statistics.since
        server.statementsUnavailable = statistics.unavailable
        if let evicted = statistics.evicted, evicted > 0 { server.statementsEvicted = evicted }
        var withoutText = 0
        for statement in statistics.statements where statement.calls > 0 {
            guard let text = statement.text, text != "<insufficient privilege>" else {
                withoutText += 1
                continue
            }
            for (index, use) in Self.uses(
                of: statement, text: text, server: session.server, resolver: resolver,
                querySize: statistics.querySize, showValues: showValues)
            {
                perTarget[index].append(use)
            }
        }
        if withoutText > 0 { server.statementsWithoutText = withoutText }
        return perTarget
    }

    /// The targets (by index) that one counted statement touches or names, each with its use.
    static func uses(
        of statement: CountedStatement, text: String, server: String, resolver: SQLResolver, querySize: Int?,
        showValues: Bool
    ) -> [(Int, CountedUse)] {
        let normalized = SQLNormalizer.normalize(text)
        let resolution = resolver.resolve(text, normalized: normalized)
        let truncated = isCutShort(resolution, length: text.utf8.count, querySize: querySize)
        let words = truncated ? Set(lowercaseWords(text)) : []
        var result: [(Int, CountedUse)] = []
        for (index, target) in resolver.targets.enumerated() {
            var evidence = resolution.outcome(forTarget: index)?.evidence
            if truncated, evidence ?? .notAUse == .notAUse,
                words.contains(target.table.name.lowercased())
                    || target.column.map({ words.contains($0.name.lowercased()) }) ?? false
            {
                evidence = .possible
            }
            guard let evidence else { continue }
            result.append(
                (
                    index,
                    CountedUse(
                        server: server, queryid: statement.queryid, id: normalized.id, evidence: evidence,
                        calls: statement.calls, rows: statement.rows, role: statement.role,
                        database: statement.database, text: showValues ? text : normalized.text,
                        truncated: truncated ? true : nil)
                ))
        }
        return result
    }

    /// Whether a text ends mid-statement: it does not parse and the parser ran out of input, or it fills
    /// `track_activity_query_size` (where a server keeps only that much of a statement).
    static func isCutShort(_ resolution: StatementResolution, length: Int, querySize: Int?) -> Bool {
        guard let error = resolution.parseError else { return false }
        return error.contains("at end of input") || querySize.map { length >= $0 - 1 } ?? false
    }

    /// The words of `text` (runs of letters, digits, `_` and `$`), lower-cased.
    static func lowercaseWords(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") }.map(String.init)
    }

    /// Compares the shapes the servers counted for a target with the statement groups the logs showed, and
    /// sets each counted use's `inLogs`.
    ///
    /// Both sides are reduced to the same key: the text normalized by `SQLNormalizer` (the log groups' ids
    /// come from it: comments and layout gone, unquoted words in lower case, every literal and parameter a
    /// placeholder) with the placeholders' numbers erased, since `pg_stat_statements` numbers its constants
    /// after the statement's own parameters and a multi-statement log entry numbers across its statements.
    /// A logged group stands for each statement it holds (a simple-protocol query string with several
    /// statements is one log entry but several counted shapes). A group counts only if it was seen in the
    /// statistics' window (its `lastSeen` not before the server's `statementsSince`), and a shape the logs
    /// showed `n` times accounts for at most `n` of its counted calls. The logs do not say which server wrote
    /// them, so a shape logged on the primary also accounts for its calls on a replica. A shape the two sides
    /// spell differently (an `IN` list the extension folds, a `true` it replaces) counts as missed: an
    /// inconclusive result, never a silent pass. So does a shape among the groups a report leaves out
    /// (`runtime.groupsOmitted`, beyond 1,000 shapes per target).
    static func compare(_ uses: inout [CountedUse], groups: [StatementGroup], since: [String: String]) -> LogShare? {
        var logged: [String: (count: Int, lastSeen: String?)] = [:]
        func add(_ key: String, _ group: StatementGroup) {
            let known = logged[key]
            logged[key] = (
                (known?.count ?? 0) + group.count, [known?.lastSeen, group.lastSeen].compactMap { $0 }.max()
            )
        }
        for group in groups where group.evidence.isUse && group.count > 0 {
            for key in shapeKeys(group.statement) { add(key, group) }
            // The id too: a group's statement may be cut for the report; its id is of the whole shape.
            add("#" + group.id, group)
        }
        var counted: [String: (calls: Int, logged: Int?)] = [:]
        for index in uses.indices where uses[index].evidence.isUse {
            let key = shapeKeys(uses[index].text).joined(separator: ";")
            var seen = logged[key] ?? logged["#" + uses[index].id]
            if let window = since[uses[index].server], let last = seen?.lastSeen, last < window { seen = nil }
            uses[index].inLogs = seen != nil
            let known = counted[key]
            counted[key] = ((known?.calls ?? 0) + uses[index].calls, seen?.count)
        }
        let executions = counted.values.reduce(0) { $0 + $1.calls }
        guard executions > 0 else { return nil }
        let accounted = counted.values.reduce(0) { $0 + min($1.calls, $1.logged ?? 0) }
        let missed = counted.values.filter { $0.logged == nil }
        return LogShare(
            executions: executions, logged: accounted, missedShapes: missed.count,
            missedExecutions: missed.reduce(0) { $0 + $1.calls })
    }

    /// The keys of the statements in `text` (see `compare`).
    static func shapeKeys(_ text: String) -> [String] {
        let normalized = Array(SQLNormalizer.normalize(text).text.utf8)
        var keys: [String] = []
        var current: [UInt8] = []
        var index = 0
        while index < normalized.count {
            let byte = normalized[index]
            if byte == UInt8(ascii: "$"), index + 1 < normalized.count, (48...57).contains(normalized[index + 1]) {
                current.append(byte)
                index += 1
                while index < normalized.count, (48...57).contains(normalized[index]) { index += 1 }
                continue
            }
            if byte == UInt8(ascii: ";") {
                keys.append(String(decoding: current, as: UTF8.self))
                current = []
            } else {
                current.append(byte)
            }
            index += 1
        }
        keys.append(String(decoding: current, as: UTF8.self))
        return keys.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
