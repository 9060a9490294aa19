import Foundation
import Testing

@testable import PostgresLog

/// Logs written by a real PostgreSQL 15 (see Fixtures/make-fixtures.sh) in stderr, csvlog and jsonlog at
/// the same time must give the same entries and statements.
@Suite struct RealServerFixtureTests {
    struct Comparable: Hashable {
        var timestamp: Int64?
        var pid: Int32?
        var severity: LogSeverity
        var message: String
        var statement: String?
        var internalQuery: String?
        var detail: String?
        var user: String?
        var database: String?
        var application: String?
    }

    func comparable(_ record: LogRecord, dropMillis: Bool) -> Comparable {
        Comparable(
            timestamp: record.timestamp.map { dropMillis ? $0 / 1000 * 1000 : $0 }, pid: record.pid,
            severity: record.severity, message: StatementExtractor.stripCharacterPosition(record.message),
            statement: record.statement, internalQuery: record.internalQuery, detail: record.detail, user: record.user,
            database: record.database, application: record.application)
    }

    func load(_ name: String) throws -> (stderr: [LogRecord], csv: [LogRecord], json: [LogRecord], formats: [LogFormat])
    {
        var results: [[LogRecord]] = []
        var formats: [LogFormat] = []
        for ext in ["log", "csv", "json"] {
            let bytes = try fixture("\(name).\(ext)")
            let format = try LogFormatDetector.detect(sample: bytes)
            formats.append(format)
            results.append(frameRecords(bytes, format: format).records)
        }
        return (results[0], results[1], results[2], formats)
    }

    @Test func detectsTheThreeFormatsAndThePrefix() throws {
        let all = try load("all")
        #expect(all.formats[0] == .stderr(try LinePrefix(parsing: "%m [%p] %q%u@%d/%a ")))
        #expect(all.formats[1] == .csv)
        #expect(all.formats[2] == .json)
        let duration = try load("duration")
        let expected = try LinePrefix(parsing: "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ")
        #expect(duration.formats[0] == .stderr(expected))
    }

    @Test(arguments: ["all", "duration"])
    func stderrCsvAndJsonGiveTheSameEntries(name: String) throws {
        let logs = try load(name)
        #expect(logs.json.count > 50)
        #expect(logs.stderr.allSatisfy { $0.isParsed })
        #expect(logs.csv.allSatisfy { $0.isParsed })
        #expect(logs.json.allSatisfy { $0.isParsed })
        // %t has no milliseconds: compare on seconds for the duration run.
        let dropMillis = name == "duration"
        let stderr = logs.stderr.map { comparable($0, dropMillis: dropMillis) }
        let csv = logs.csv.map { comparable($0, dropMillis: dropMillis) }
        let json = logs.json.map { comparable($0, dropMillis: dropMillis) }
        #expect(stderr.count == json.count)
        #expect(csv == json)
        for (a, b) in zip(stderr, json) where a != b {
            Issue.record("stderr \(a) != json \(b)")
            break
        }
    }

    @Test func statementCountsAgreeAcrossFormats() throws {
        for name in ["all", "duration"] {
            var counts: [[LoggedStatement.Kind: Int]] = []
            var executions: [Int] = []
            for ext in ["log", "csv", "json"] {
                let bytes = try fixture("\(name).\(ext)")
                var framer = LogEntryFramer(format: try LogFormatDetector.detect(sample: bytes))
                var kinds: [LoggedStatement.Kind: Int] = [:]
                var counted = 0
                _ = bytes.withUnsafeBytes { buffer in
                    framer.frame(buffer, baseOffset: 0, atEnd: true) { entry in
                        for statement in StatementExtractor.statements(in: entry) {
                            kinds[statement.kind, default: 0] += 1
                            if statement.countsAsExecution { counted += 1 }
                        }
                    }
                }
                counts.append(kinds)
                executions.append(counted)
            }
            #expect(counts[0] == counts[1], "\(name): stderr vs csv")
            #expect(counts[1] == counts[2], "\(name): csv vs json")
            #expect(executions[0] == executions[2])
        }
    }

    @Test func allRunShowsEveryKindOfStatementOfTheWorkload() throws {
        let bytes = try fixture("all.log")
        let result = frameRecords(bytes, format: try LogFormatDetector.detect(sample: bytes))
        let statements = result.statements
        let multiLine = statements.first { $0.kind == .statement && $0.text.hasPrefix("SELECT id,\n") }
        #expect(multiLine?.text == "SELECT id,\n       legacy_col\n  FROM orders\n WHERE customer_id = 10;")
        let failed = statements.filter { $0.kind == .failed }
        #expect(failed.map(\.text).contains("SELECT no_such_col FROM orders;"))
        #expect(
            failed.first { $0.text == "SELECT no_such_col FROM orders;" }?.errorMessage
                == "column \"no_such_col\" does not exist")
        #expect(failed.first { $0.text == "SELECT * FROM no_such_table;" }?.isUndefinedObjectError == true)
        let query = statements.first { $0.kind == .internalQuery }
        #expect(query?.text == "SELECT missing_col        FROM orders WHERE id = 1")
        #expect(query?.errorMessage == "column \"missing_col\" does not exist")
        #expect(
            statements.contains { $0.kind == .preparedDefinition && $0.text.hasPrefix("PREPARE get_order (int) AS") })
        #expect(statements.contains { $0.kind == .statement && $0.text == "SELECT 'tab\tinside', E'line1\\nline2';" })
        // pgbench -M extended / prepared under log_statement=all: execute lines with parameters.
        let executes = statements.filter { $0.kind == .execute }
        #expect(executes.contains { $0.preparedName == "<unnamed>" && $0.hasParameters })
        #expect(executes.contains { $0.preparedName == "P_1" })
        #expect(!statements.contains { $0.kind == .parse || $0.kind == .bind })
        #expect(result.coverage.statementLogging == "all")
        #expect(result.coverage.statementLoggingCaveat == nil)
        // The failed statements were already logged by log_statement: the deduplicator does not count them.
        var dedup = ExecutionDeduplicator()
        let newFailures = statements.filter { dedup.isNewExecution($0) && $0.kind == .failed }
        #expect(newFailures.isEmpty)
    }

    @Test func durationRunShowsParseBindExecuteAndTheTextLoggedOnce() throws {
        let bytes = try fixture("duration.log")
        let result = frameRecords(bytes, format: try LogFormatDetector.detect(sample: bytes))
        let statements = result.statements
        #expect(statements.contains { $0.kind == .parse && $0.durationMilliseconds != nil })
        #expect(statements.contains { $0.kind == .bind && $0.hasParameters })
        #expect(statements.contains { $0.kind == .execute && $0.preparedName == "P_0" && $0.countsAsExecution })
        // With log_statement=all and log_min_duration_statement=0 the text is logged once, then a bare duration.
        let both = statements.filter { $0.text == "SELECT 42 AS both_settings;" }
        #expect(both.count == 1)
        #expect(both.first?.kind == .statement && both.first?.durationMilliseconds == nil)
        let plan = statements.first { $0.kind == .autoExplain }
        #expect(plan?.text == "SELECT count(*) FROM orders WHERE legacy_col IS NOT NULL;")
        // Failed statement without log_statement: the only trace, so it counts.
        var dedup = ExecutionDeduplicator()
        let counted = statements.filter { dedup.isNewExecution($0) }
        #expect(counted.contains { $0.kind == .failed && $0.text == "SELECT no_such_col FROM orders;" })
        #expect(counted.filter { $0.text == "SELECT count(*) FROM orders WHERE legacy_col IS NOT NULL;" }.count == 1)
        #expect(result.coverage.statementLogging == "all")  // one session set log_statement=all
        #expect(result.coverage.durationOnlyLines == 2)
    }
}
