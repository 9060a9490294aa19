import Foundation
import ScanIO

/// A statement found in a log entry, with how it should be counted.
public struct LoggedStatement: Sendable, Hashable {
    /// Where in the entry the statement text came from.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `statement: …` (simple protocol; log_statement, or log_min_duration_statement with a duration).
        case statement
        /// `execute <name>: …` (extended protocol Execute; `<unnamed>`, `S_1`, `S_1/C_2`).
        case execute
        /// `execute fetch from <name>: …`: more rows from a portal whose execution was already logged.
        case executeFetch
        /// `parse <name>: …` (only with a duration).
        case parse
        /// `bind <name>: …` (only with a duration).
        case bind
        /// The client statement of an ERROR/FATAL/PANIC (`STATEMENT:`, csv `query`, json `statement`).
        case failed
        /// The statement attached to a non-error message (lock waits, temporary files, …).
        case attached
        /// `QUERY:` (csv/json `internal_query`): a statement run inside PL/pgSQL or another function.
        case internalQuery
        /// `CONTEXT:  SQL statement "…"`: the statement a PL/pgSQL function was running.
        case contextStatement
        /// auto_explain's `Query Text` in a `duration: … ms  plan:` message (text, json, yaml or xml).
        case autoExplain
        /// The statement column of a pgaudit `AUDIT:` message.
        case audit
        /// `DETAIL:  prepare: PREPARE …`, the definition behind an SQL-level `EXECUTE name(…)`.
        case preparedDefinition
    }

    /// Where the text came from.
    public let kind: Kind
    /// The SQL text, unescaped (TAB continuation and csv/json escapes removed).
    public let text: String
    /// The duration logged with the statement, in milliseconds.
    public let durationMilliseconds: Double?
    /// Whether this line stands for one execution of the statement.
    ///
    /// The rules (checked on PostgreSQL 15): `statement:` and `execute …:` count once, with or without a
    /// `duration:` prefix. With both `log_statement` and `log_min_duration_statement`, the server logs the
    /// text once, on the `statement:`/`execute` line, and the completion as a bare `duration: X ms` with no
    /// text, so nothing is counted twice. `parse`/`bind` lines, `execute fetch from` (more rows of an
    /// execution already logged), nested statements (``Kind/internalQuery``, ``Kind/contextStatement``),
    /// prepared definitions and attached statements never count. ``Kind/failed`` and ``Kind/autoExplain``
    /// do not count here because the same execution is often also logged by `log_statement`: use
    /// ``ExecutionDeduplicator`` to count them when they are the only trace of an execution. pgaudit
    /// `SESSION` lines count; `OBJECT` lines (one per object) do not.
    public let countsAsExecution: Bool
    /// The prepared statement (and portal) name of parse/bind/execute lines: `<unnamed>`, `S_1/C_2`.
    public let preparedName: String?
    /// Whether the entry carried bind parameter values (`DETAIL:  parameters:`/`Parameters:`).
    public let hasParameters: Bool
    /// The parameter values, only when asked for with `includeParameters` (they may hold personal data).
    public let parameters: String?
    /// For failed and internal statements of an error: the SQLSTATE when the log gives it (`42703` for an
    /// undefined column, `42P01` for an undefined table; csvlog and jsonlog always give it).
    public let sqlState: String?
    /// For failed and internal statements of an error: the error message, e.g.
    /// `column "legacy_col" does not exist`.
    public let errorMessage: String?
    /// The process that ran the statement.
    public let pid: Int32?
    /// When the entry was logged (milliseconds since the epoch, UTC).
    public let timestamp: Int64?

    /// Whether the error says a column or relation does not exist (SQLSTATE 42703/42P01, or the message),
    /// the trace left by a query that still uses something already dropped.
    public var isUndefinedObjectError: Bool {
        if sqlState == "42703" || sqlState == "42P01" { return true }
        guard let errorMessage else { return false }
        return (errorMessage.hasPrefix("column ") || errorMessage.hasPrefix("relation "))
            && errorMessage.contains("does not exist")
    }
}

/// What a message says about statement logging, read from its first bytes without decoding.
struct StatementLine {
    enum Kind: UInt8 {
        case none, statement, execute, executeFetch, parse, bind, durationOnly, plan, audit
    }
    var kind: Kind = .none
    var duration: Double?
    /// Offset of the statement text in the decoded message (ASCII before it, so raw and decoded agree
    /// after removing a leading csv quote).
    var textOffset = 0
    var nameRange: Range<Int>? = nil
}

/// Classifies the message of an entry (`duration: 1.2 ms  execute S_1: …`) on bytes.
func classifyStatementLine(_ entry: LogEntry) -> StatementLine {
    guard entry.isParsed, let raw = entry.layout.raw(.message, entry.bytes) else { return StatementLine() }
    var index = 0
    let end = min(raw.count, 512)
    var line = StatementLine()
    if entry.layout.encoding == .csv {
        guard end > 0, raw[0] == UInt8(ascii: "\"") else { return line }
        index = 1
    }
    let base = index
    @inline(__always) func starts(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - index >= count else { return false }
        return literal.withUTF8Buffer { literal in
            for k in 0..<count where raw[index + k] != literal[k] { return false }
            return true
        }
    }
    if starts("duration: ") {
        index += 10
        var value = 0.0
        var scale = 0.0
        let numberStart = index
        while index < end {
            let byte = raw[index]
            if byte &- 48 <= 9 {
                if scale == 0 {
                    value = value * 10 + Double(byte - 48)
                } else {
                    value += Double(byte - 48) * scale
                    scale /= 10
                }
            } else if byte == UInt8(ascii: "."), scale == 0 {
                scale = 0.1
            } else {
                break
            }
            index += 1
        }
        guard index > numberStart, starts(" ms") else { return line }
        line.duration = value
        index += 3
        let rest = raw.count - index
        if rest == 0 || (rest == 1 && entry.layout.encoding == .csv) {
            line.kind = .durationOnly
            return line
        }
        guard starts("  ") else { return line }
        index += 2
    }
    func named(_ kind: StatementLine.Kind, _ skip: Int) -> StatementLine {
        var result = line
        index += skip
        let nameStart = index
        while index + 1 < end, !(raw[index] == UInt8(ascii: ":") && raw[index + 1] == UInt8(ascii: " ")) { index += 1 }
        guard index + 1 < end else { return line }
        result.kind = kind
        result.nameRange = nameStart..<index
        result.textOffset = index + 2 - base
        return result
    }
    if starts("statement: ") {
        line.kind = .statement
        line.textOffset = index + 11 - base
    } else if starts("execute fetch from ") {
        return named(.executeFetch, 19)
    } else if starts("execute ") {
        return named(.execute, 8)
    } else if starts("parse ") {
        return named(.parse, 6)
    } else if starts("bind ") {
        return named(.bind, 5)
    } else if starts("plan:") {
        line.kind = .plan
        line.textOffset = index + 5 - base
    } else if starts("AUDIT: ") {
        line.kind = .audit
        line.textOffset = index + 7 - base
    }
    return line
}

/// Extracts the statements of log entries.
public enum StatementExtractor {
    /// The statements an entry holds: the logged statement of its message, the failed statement of an
    /// error, PL/pgSQL `QUERY:`/`CONTEXT:` statements, auto_explain `Query Text`, pgaudit statements and
    /// `DETAIL:  prepare:` definitions. Bare `duration: X ms` lines have no text and give none.
    ///
    /// - Parameter includeParameters: also copy the bind parameter values (`DETAIL:  parameters:`) into
    ///   ``LoggedStatement/parameters``; off by default because they may hold personal data.
    public static func statements(in entry: LogEntry, includeParameters: Bool = false) -> [LoggedStatement] {
        guard entry.isParsed else { return [] }
        var result: [LoggedStatement] = []
        let line = classifyStatementLine(entry)
        let detail = entry.detail
        let hasParameters =
            detail.map { $0.hasPrefix("parameters: ") || $0.hasPrefix("Parameters: ") } ?? false
        let isError = entry.severity.isError
        let errorMessage = isError ? stripCharacterPosition(entry.message) : nil
        let sqlState = isError ? entry.sqlState : nil
        func make(
            _ kind: LoggedStatement.Kind, _ text: String, counts: Bool, name: String? = nil, withError: Bool = false
        ) -> LoggedStatement {
            LoggedStatement(
                kind: kind, text: text, durationMilliseconds: withError ? nil : line.duration,
                countsAsExecution: counts,
                preparedName: name, hasParameters: withError ? false : hasParameters,
                parameters: includeParameters && hasParameters && !withError
                    ? detail.map { String($0.dropFirst(12)) } : nil,
                sqlState: withError ? sqlState : nil, errorMessage: withError ? errorMessage : nil, pid: entry.pid,
                timestamp: entry.timestamp)
        }
        if line.kind != .none && line.kind != .durationOnly {
            // The message's bytes, decoded once (not a String first, then its UTF-8 again).
            let message =
                entry.layout.raw(.message, entry.bytes).map { decode($0, encoding: entry.layout.encoding) } ?? []
            let text = String(decoding: message[min(line.textOffset, message.count)...], as: UTF8.self)
            var name: String?
            if let range = line.nameRange, let raw = entry.layout.raw(.message, entry.bytes) {
                name = String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self)
            }
            switch line.kind {
            case .statement: result.append(make(.statement, text, counts: true))
            case .execute: result.append(make(.execute, text, counts: true, name: name))
            case .executeFetch: result.append(make(.executeFetch, text, counts: false, name: name))
            case .parse: result.append(make(.parse, text, counts: false, name: name))
            case .bind: result.append(make(.bind, text, counts: false, name: name))
            case .plan:
                if let query = autoExplainQueryText(text) { result.append(make(.autoExplain, query, counts: false)) }
            case .audit:
                let fields = splitCSV(text)
                if fields.count >= 8, fields[7] != "<previously logged>" {
                    result.append(make(.audit, fields[7], counts: fields[0] == "SESSION"))
                }
            case .none, .durationOnly: break
            }
        }
        if let detail, detail.hasPrefix("prepare: ") {
            result.append(make(.preparedDefinition, String(detail.dropFirst(9)), counts: false))
        }
        if let query = entry.internalQuery {
            result.append(make(.internalQuery, query, counts: false, withError: isError))
        }
        if let context = entry.context {
            for text in contextStatements(context) {
                result.append(make(.contextStatement, text, counts: false, withError: isError))
            }
        }
        if let statement = entry.statement {
            result.append(make(isError ? .failed : .attached, statement, counts: false, withError: isError))
        }
        return result
    }

    /// Removes the ` at character N` that stderr (but not csvlog/jsonlog) appends to error messages.
    static func stripCharacterPosition(_ message: String) -> String {
        guard let range = message.range(of: " at character ", options: .backwards) else { return message }
        let tail = message[range.upperBound...]
        return !tail.isEmpty && tail.allSatisfy(\.isNumber) ? String(message[..<range.lowerBound]) : message
    }

    /// The SQL of `SQL statement "…"` lines of a CONTEXT.
    static func contextStatements(_ context: String) -> [String] {
        var result: [String] = []
        var rest = Substring(context)
        while let start = rest.range(of: "SQL statement \"") {
            let after = rest[start.upperBound...]
            // The text ends at a quote followed by a newline or the end.
            var end = after.endIndex
            var index = after.startIndex
            while index < after.endIndex {
                if after[index] == "\"" {
                    let next = after.index(after: index)
                    if next == after.endIndex || after[next] == "\n" {
                        end = index
                        break
                    }
                }
                index = after.index(after: index)
            }
            result.append(String(after[..<end]))
            rest = end < after.endIndex ? after[after.index(after: end)...] : after[after.endIndex...]
        }
        return result
    }

    /// The `Query Text` of an auto_explain plan in text, json, yaml or xml format.
    static func autoExplainQueryText(_ plan: String) -> String? {
        if let range = plan.range(of: "\"Query Text\": \"") {  // json
            return unquote(plan[range.upperBound...], json: true)
        }
        if let range = plan.range(of: "<Query-Text>") {  // xml
            let rest = plan[range.upperBound...]
            let end = rest.range(of: "</Query-Text>")?.lowerBound ?? rest.endIndex
            return xmlUnescape(String(rest[..<end]))
        }
        guard let range = plan.range(of: "Query Text: ") else { return nil }
        let rest = plan[range.upperBound...]
        if rest.hasPrefix("\"") { return unquote(rest.dropFirst(), json: true) }  // yaml
        if rest.hasPrefix("'") {  // yaml single-quoted
            var out = ""
            var index = rest.index(after: rest.startIndex)
            while index < rest.endIndex {
                let character = rest[index]
                let next = rest.index(after: index)
                if character == "'" {
                    if next < rest.endIndex, rest[next] == "'" {
                        out.append("'")
                        index = rest.index(after: next)
                        continue
                    }
                    break
                }
                out.append(character)
                index = next
            }
            return out
        }
        // Text format: the query runs until the plan starts (a line with a cost/actual estimate or
        // `Query Parameters:`); without such a line, the first line only.
        let lines = rest.split(separator: "\n", omittingEmptySubsequences: false)
        var taken: [Substring] = []
        for (number, line) in lines.enumerated() {
            if number > 0
                && (line.contains("(cost=") || line.contains("(actual ") || line.hasPrefix("Query Parameters:"))
            {
                return taken.joined(separator: "\n")
            }
            taken.append(line)
        }
        return String(lines.first ?? "")
    }

    private static func unquote(_ text: Substring, json: Bool) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var end = 0
        while end < utf8.count {
            if utf8[end] == UInt8(ascii: "\\") {
                end += 2
                continue
            }
            if utf8[end] == UInt8(ascii: "\"") { break }
            end += 1
        }
        utf8[..<min(end, utf8.count)].withUnsafeBytes { JSONText.unescape($0, into: &bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func xmlUnescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Splits one CSV record (pgaudit's message format).
    static func splitCSV(_ text: String) -> [String] {
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") {
                inQuotes = true
            } else if byte == UInt8(ascii: ",") {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll()
            } else {
                field.append(byte)
            }
            index += 1
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }
}

/// Counts each execution once when a failed statement or an auto_explain plan repeats a statement
/// already logged for the same process.
///
/// PostgreSQL logs a failing statement twice when `log_statement` is on: first `statement: X`, then
/// `ERROR: …` with `STATEMENT:  X`. Without `log_statement`, the `STATEMENT:` is the only trace. Likewise
/// auto_explain logs the `Query Text` of a statement whose `duration: … statement:` line may follow (the
/// plan is written first) or whose `statement:` line preceded it. Feed every statement of the process
/// in log order: a primary statement (``LoggedStatement/countsAsExecution``) counts unless it repeats the
/// secondary one (failed or auto_explain) just counted for that pid; a secondary one counts unless it
/// repeats the last statement counted for that pid. One process runs one statement at a time, so
/// comparing with its last counted text is enough.
public struct ExecutionDeduplicator: Sendable {
    private var last: [Int32: (text: String, secondary: Bool)] = [:]

    public init() {}

    /// Whether `statement` is a new execution (to count as a use), given the statements seen before.
    public mutating func isNewExecution(_ statement: LoggedStatement) -> Bool {
        let pid = statement.pid ?? -1
        switch statement.kind {
        case .failed, .autoExplain:
            if let previous = last[pid], previous.text == statement.text { return false }
            last[pid] = (statement.text, true)
            return true
        default:
            guard statement.countsAsExecution else { return false }
            if let previous = last[pid], previous.secondary, previous.text == statement.text {
                last[pid] = (statement.text, false)
                return false
            }
            last[pid] = (statement.text, false)
            return true
        }
    }
}
