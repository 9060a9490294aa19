import DatabaseEvidence
import Foundation
import Matching
import SQLResolution
import TestSupport
import Testing

@testable import DropScan

/// `pg_stat_statements` as runtime evidence (`scan --database`), against real servers the tests start: each
/// workload runs through the server, then dropscan reads what the extension counted.
@Suite(.serialized) struct CountedStatementsTests {
    static let orders = """
        CREATE TABLE orders (id int PRIMARY KEY, amount int NOT NULL, legacy_status text);
        INSERT INTO orders VALUES (1, 10, 'open'), (2, 20, 'held');
        """

    /// A server with the database `shop` holding `orders` (and the extension when `withExtension`), its counters
    /// reset after the set-up so that only the workload is counted.
    func shop(settings: [String] = [], withExtension: Bool = true, more: String = "") throws -> PostgresServer {
        let server = try PostgresServer(settings: settings)
        try server.psql("CREATE DATABASE shop")
        try server.psql(
            (withExtension ? "CREATE EXTENSION pg_stat_statements;\n" : "") + Self.orders + more, database: "shop")
        if withExtension { try server.psql("SELECT pg_stat_statements_reset()", database: "shop") }
        return server
    }

    /// Runs `sql` in `shop` as `role`, in a session of its own.
    func run(_ sql: String, as role: String, on server: PostgresServer) throws {
        let result = try runCapturing(
            server.bindir + "/psql",
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", server.url(database: "shop", user: role), "-c", sql])
        #expect(result.status == 0, "\(result.stderr)")
    }

    func scan(_ arguments: [String]) throws -> (ProcessResult, [String: Any]) {
        let result = try dropscan(
            ["scan", "--target", "orders.legacy_status", "--json", "-", "-q"] + arguments)
        return (result, try decodeReport(result.stdout))
    }

    /// `role evidence calls rows text` of each counted statement of the target.
    func counted(_ report: [String: Any]) throws -> Set<String> {
        let database = try #require(try target(report, "orders.legacy_status")["database"] as? [String: Any])
        let statements = try #require(database["statements"] as? [[String: Any]])
        return Set(
            statements.map {
                "\($0["role"] as? String ?? "?") \($0["evidence"] as? String ?? "?") \($0["calls"] as? Int ?? -1) "
                    + "\($0["rows"] as? Int ?? -1) \($0["text"] as? String ?? "?")"
            })
    }

    @Test func aWorkloadOfTwoRolesIsCountedWithTheCallsOfEach() throws {
        let server = try shop(
            more: """
                CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN;
                GRANT SELECT, UPDATE ON orders TO alice, bob;
                """)
        for _ in 1...3 { try run("SELECT legacy_status FROM orders WHERE id = 1", as: "alice", on: server) }
        for _ in 1...2 { try run("SELECT legacy_status FROM orders WHERE id = 2", as: "bob", on: server) }
        try run("UPDATE orders SET legacy_status = 'closed' WHERE id = 2", as: "bob", on: server)
        // A statement over the table that does not name the column is no use of it.
        try run("SELECT id FROM orders WHERE amount > 5", as: "alice", on: server)

        let (result, report) = try scan(["--database", server.url(database: "shop")])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            try counted(report) == [
                "alice confirmed 3 3 select legacy_status from orders where id = $1",
                "bob confirmed 2 2 select legacy_status from orders where id = $1",
                "bob confirmed 1 1 update orders set legacy_status = $1 where id = $2",
            ])
        let database = try #require(try target(report, "orders.legacy_status")["database"] as? [String: Any])
        let statements = try #require(database["statements"] as? [[String: Any]])
        #expect(statements.allSatisfy { $0["server"] as? String == "127.0.0.1:\(server.port)/shop" })
        #expect(statements.allSatisfy { $0["database"] as? String == "shop" && $0["truncated"] == nil })
        #expect(statements.allSatisfy { ($0["queryid"] as? String)?.isEmpty == false })
        #expect(database["logCoverage"] == nil, "no logs were given")
        let reasons = try #require(report["reasons"] as? [String])
        #expect(
            reasons.first
                == "orders.legacy_status is still used: 6 execution(s) of 2 statement shape(s) counted by pg_stat_statements."
        )
        let coverage = try #require((report["coverage"] as? [String: Any])?["database"] as? [String: Any])
        let read = try #require((coverage["servers"] as? [[String: Any]])?.first)
        let since = try #require(read["statementsSince"] as? String)
        #expect(since.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(since)")
        #expect(read["statementsUnavailable"] == nil)
        let validation = try ReportSchemaTests().validate(result.stdout)
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
    }

    @Test func aStatementRunOnlyInsideAFunctionIsAUseTheLogsMissed() throws {
        let server = try shop(
            settings: ["pg_stat_statements.track = all", "log_statement = 'all'", "log_line_prefix = '%m [%p] '"],
            more: """
                CREATE FUNCTION archive_status(p_id int) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE orders SET legacy_status = 'archived' WHERE id = p_id;
                END $$;
                """)
        for _ in 1...3 { try run("SELECT legacy_status FROM orders WHERE id = 1", as: "postgres", on: server) }
        for _ in 1...2 { try run("SELECT archive_status(2)", as: "postgres", on: server) }

        let (result, report) = try scan([
            "--database", server.url(database: "shop"), "--logs", server.directory + "/server.log",
        ])
        #expect(result.status == 1, "\(result.stderr)")
        let database = try #require(try target(report, "orders.legacy_status")["database"] as? [String: Any])
        let statements = try #require(database["statements"] as? [[String: Any]])
        let byText = Dictionary(
            statements.map { ($0["text"] as? String ?? "?", $0["inLogs"] as? Bool) }, uniquingKeysWith: { $1 })
        #expect(
            byText == [
                "select legacy_status from orders where id = $1": true,
                "update orders set legacy_status = $1 where id = p_id": false,
            ])
        let share = try #require(database["logCoverage"] as? [String: Any])
        #expect(share["executions"] as? Int == 5)
        #expect(share["logged"] as? Int == 3)
        #expect(share["share"] as? Double == 0.6)
        #expect(share["missedShapes"] as? Int == 1)
        #expect(share["missedExecutions"] as? Int == 2)
        let reasons = try #require(report["reasons"] as? [String])
        #expect(
            reasons.contains(
                "2 execution(s) of 1 statement shape(s) on orders.legacy_status ran without appearing in the logs given (e.g. inside a function, on a replica whose logs were not given): the logs accounted for 60% of the 5 execution(s) pg_stat_statements counted (targets[].database.statements[] with inLogs false)."
            ), "\(reasons)")
        let validation = try ReportSchemaTests().validate(result.stdout)
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
        let markdown = try dropscan([
            "scan", "--target", "orders.legacy_status", "--database", server.url(database: "shop"), "--logs",
            server.directory + "/server.log", "--markdown", "-", "-q",
        ])
        #expect(
            markdown.stdout.contains(
                "Counted by `pg_stat_statements`: the logs given accounted for 3 of 5 execution(s); 2 execution(s) of 1 shape(s) never appeared in them."
            ), "\(markdown.stdout)")
        #expect(
            markdown.stdout.contains(
                "| `update orders set legacy_status = $1 where id = p_id` | confirmed | 2 | 2 | `postgres` | `127.0.0.1:\(server.port)/shop` | **no** |"
            ))
    }

    /// A missing extension loses nothing the scan was given: the scan stands on its other evidence, and the
    /// sentence is a warning a reviewer reads.
    @Test func aDatabaseWithoutTheExtensionIsSaidAsAWarning() throws {
        let server = try shop(withExtension: false)
        let (result, report) = try scan(["--database", server.url(database: "shop")])
        #expect(result.status == 0, "\(result.stderr)")
        let sentence =
            "pg_stat_statements is not installed in 127.0.0.1:\(server.port)/shop, so statements that ran there without reaching the logs could not be counted: run CREATE EXTENSION pg_stat_statements in that database (with pg_stat_statements in shared_preload_libraries)."
        #expect(report["reasons"] as? [String] == [])
        #expect((report["decision"] as? [String: Any])?["warnings"] as? [String] == [sentence])
        let coverage = try #require((report["coverage"] as? [String: Any])?["database"] as? [String: Any])
        let read = try #require((coverage["servers"] as? [[String: Any]])?.first)
        #expect(read["statementsUnavailable"] as? String == sentence)
        let database = try #require(try target(report, "orders.legacy_status")["database"] as? [String: Any])
        #expect(database["statements"] == nil)
    }

    /// pg_stat_statements keeps whole texts (since PostgreSQL 9.4); `track_activity_query_size` cuts what the
    /// server shows of a running statement (`pg_stat_activity.query`). The counted text is graded as it is,
    /// and a text the server cut at that size is graded as cut short.
    @Test func aStatementCutAtTrackActivityQuerySizeIsGradedAsCutShort() throws {
        let server = try shop(settings: ["track_activity_query_size = 100"])
        let statement =
            "SELECT o.id, pg_sleep(2) AS paused_in_a_test FROM orders o WHERE o.amount > 0 AND o.legacy_status = 'open'"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: server.bindir + "/psql")
        process.arguments = ["-X", "-q", "-d", server.url(database: "shop"), "-c", statement]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var shown = ""
        for _ in 0..<40 where shown.isEmpty {
            shown = try server.psql(
                "SELECT query FROM pg_stat_activity WHERE query LIKE 'SELECT o.id, pg_sleep%'", database: "shop"
            ).trimmingCharacters(in: .newlines)
            if shown.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        process.waitUntilExit()
        #expect(
            shown
                == "SELECT o.id, pg_sleep(2) AS paused_in_a_test FROM orders o WHERE o.amount > 0 AND o.legacy_status ="
        )

        let (result, report) = try scan(["--database", server.url(database: "shop")])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(
            try counted(report) == [
                "postgres confirmed 1 1 select o.id, pg_sleep($1) as paused_in_a_test from orders o where o.amount > $2 and o.legacy_status = $3"
            ])

        let resolver = SQLResolver(targets: [try Target(parsing: "orders.legacy_status")])
        let cut = CountedStatement(queryid: "1", text: shown, calls: 1, rows: 1, role: "postgres", database: "shop")
        let uses = CountedStatements.uses(
            of: cut, text: shown, server: "s", resolver: resolver, querySize: 100, showValues: false)
        #expect(uses.map(\.1.evidence) == [.possible])
        #expect(uses.map(\.1.truncated) == [true])
    }

    @Test func statementsARoleMayNotReadAreCountedAsUncheckedAndNotAPass() throws {
        let server = try shop(
            more: "CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; GRANT SELECT ON orders TO alice, bob;")
        try run("SELECT legacy_status FROM orders WHERE id = 1", as: "bob", on: server)
        // alice has no pg_read_all_stats: the texts of postgres's reset and bob's statement are hidden from her.
        let (result, report) = try scan(["--database", server.url(database: "shop", user: "alice")])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(
            report["reasons"] as? [String] == [
                "2 statement(s) counted by pg_stat_statements on 127.0.0.1:\(server.port)/shop came without their text (another role's statements, or an unreadable query text file), so they cannot be checked: scan as a role with pg_read_all_stats."
            ])
    }
}
