import Foundation
import Report
import TestSupport
import Testing

@testable import DropScan

/// A server for the table-activity tests: autovacuum off, so that only the tests' own statements move the
/// counters; each test reads its own tables.
enum ActivityServer {
    static let server = Result { () throws -> PostgresServer in
        let server = try PostgresServer(settings: ["autovacuum = off"])
        try server.psql("CREATE DATABASE shop")
        try server.psql("CREATE DATABASE other")
        try server.psql(
            """
            CREATE TABLE orders (id int PRIMARY KEY, customer_id int, legacy_status text);
            CREATE TABLE customers (id int PRIMARY KEY, name text);
            CREATE TABLE archive (id int);
            CREATE TABLE ledger (id int);
            CREATE TABLE notes (id int);
            INSERT INTO orders VALUES (1, 1, 'open'), (2, 1, 'done'), (3, 2, 'open');
            INSERT INTO customers VALUES (1, 'a'), (2, 'b');
            INSERT INTO archive VALUES (1), (2);
            INSERT INTO ledger VALUES (1), (2), (3), (4);
            """, database: "shop")
        try waitForCounter(server, "orders", "n_tup_ins", 3)
        try waitForCounter(server, "ledger", "n_tup_ins", 4)
        return server
    }

    /// Waits until the statistics of `table` show `value` in `column`: a backend hands its counters over
    /// when it goes idle or exits, which may come a moment after psql has returned.
    static func waitForCounter(_ server: PostgresServer, _ table: String, _ column: String, _ value: Int) throws {
        for _ in 0..<200 {
            let now = try server.psql(
                "SELECT \(column) FROM pg_stat_user_tables WHERE relname = '\(table)'", database: "shop")
            if now.trimmingCharacters(in: .whitespacesAndNewlines) == String(value) { return }
            usleep(50_000)
        }
        Issue.record("pg_stat_user_tables.\(column) of \(table) never reached \(value)")
    }
}

@Suite(.serialized) struct TableActivityTests {
    func scan(_ targets: [String], database: String = "shop", snapshot: String?) throws -> (
        status: Int32, stderr: String, report: [String: Any], stdout: String
    ) {
        let server = try ActivityServer.server.get()
        var arguments = ["scan", "--json", "-", "-q", "--database", server.url(database: database)]
        if let snapshot { arguments += ["--snapshot", snapshot] }
        for target in targets { arguments += ["--target", target] }
        let result = try dropscan(arguments)
        let report = result.stdout.isEmpty ? [:] : try decodeReport(result.stdout)
        return (result.status, result.stderr, report, result.stdout)
    }

    /// The target's table activity entries.
    func activity(_ report: [String: Any], _ name: String) throws -> [[String: Any]] {
        let database = try #require(try target(report, name)["database"] as? [String: Any])
        return try #require(database["tableActivity"] as? [[String: Any]])
    }

    @Test func aTableReadBetweenTwoSnapshotsIsReportedAndBlocks() throws {
        let server = try ActivityServer.server.get()
        let dir = try TemporaryDirectory()
        let snapshot = dir.path + "/activity.json"
        let first = try scan(["orders.*"], snapshot: snapshot)
        #expect(first.status == 0, "\(first.stderr)")
        let before = try #require(try activity(first.report, "orders.*").first)
        #expect(before["outcome"] as? String == "first")
        #expect(before["table"] as? String == "public.orders")
        #expect(before["server"] as? String == "127.0.0.1:\(server.port)/shop")
        #expect(FileManager.default.fileExists(atPath: snapshot))

        try server.psql("SELECT count(*) FROM orders", database: "shop")
        // Building the primary key's index was the first sequential scan; the count(*) is the second.
        try ActivityServer.waitForCounter(server, "orders", "seq_scan", 2)

        let second = try scan(["orders.*"], snapshot: snapshot)
        #expect(second.status == 1, "\(second.stderr)")
        let entry = try #require(try activity(second.report, "orders.*").first)
        #expect(entry["outcome"] as? String == "read")
        #expect(entry["since"] as? String == before["at"] as? String)
        let deltas = try #require(entry["deltas"] as? [String: Any])
        // One count(*) over three rows: one sequential scan that read three tuples; nothing else moved.
        #expect(deltas["seqScan"] as? Int == 1)
        #expect(deltas["seqTupRead"] as? Int == 3)
        #expect(deltas["idxScan"] as? Int == 0)
        #expect(deltas["tupInserted"] as? Int == 0)
        let counters = try #require(entry["counters"] as? [String: Any])
        #expect(counters["seqScan"] as? Int == 2)
        #expect(counters["tupInserted"] as? Int == 3)
        let validation = try ReportSchemaTests().validate(second.stdout)
        #expect(validation.status == 0, "\(validation.stdout)")
        let reasons = try #require(second.report["reasons"] as? [String])
        let period = "between \(before["at"] as? String ?? "?") and \(entry["at"] as? String ?? "?")"
        #expect(
            reasons.first
                == "orders.* is still used: its table's activity counters (public.orders on 127.0.0.1:\(server.port)/shop was read \(period): seqScan +1, seqTupRead +3)."
        )
    }

    @Test func anUntouchedTablePassesOnTheSnapshotsEvidence() throws {
        let dir = try TemporaryDirectory()
        let snapshot = dir.path + "/activity.json"
        let first = try scan(["archive.*"], snapshot: snapshot)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try scan(["archive.*"], snapshot: snapshot)
        #expect(second.status == 0, "\(second.stderr)")
        let entry = try #require(try activity(second.report, "archive.*").first)
        #expect(entry["outcome"] as? String == "unread")
        #expect(try target(second.report, "archive.*")["verdict"] as? String == "pass")
        let deltas = try #require(entry["deltas"] as? [String: Any])
        #expect(deltas["seqScan"] as? Int == 0 && deltas["seqTupRead"] as? Int == 0)
    }

    @Test func withoutSnapshotTheCountersAreContextOnly() throws {
        let server = try ActivityServer.server.get()
        try server.psql("SELECT count(*) FROM notes", database: "shop")
        try ActivityServer.waitForCounter(server, "notes", "seq_scan", 1)
        let result = try scan(["notes.*"], snapshot: nil)
        #expect(result.status == 0, "\(result.stderr)")
        let entry = try #require(try activity(result.report, "notes.*").first)
        #expect(entry["outcome"] as? String == "recorded")
        #expect(entry["deltas"] == nil && entry["since"] == nil)
        #expect((entry["note"] as? String)?.contains("recorded as context only") == true)
        #expect((entry["counters"] as? [String: Any])?["seqScan"] as? Int == 1)
    }

    @Test func aCounterResetMakesTheComparisonInconclusive() throws {
        let server = try ActivityServer.server.get()
        try server.psql("SELECT count(*) FROM ledger", database: "shop")
        try ActivityServer.waitForCounter(server, "ledger", "seq_scan", 1)
        let dir = try TemporaryDirectory()
        let snapshot = dir.path + "/activity.json"
        let first = try scan(["ledger.*"], snapshot: snapshot)
        #expect(first.status == 0, "\(first.stderr)")
        try server.psql("SELECT pg_stat_reset_single_table_counters('ledger'::regclass)", database: "shop")
        let second = try scan(["ledger.*"], snapshot: snapshot)
        #expect(second.status == 3, "\(second.stderr)")
        let entry = try #require(try activity(second.report, "ledger.*").first)
        #expect(entry["outcome"] as? String == "inconclusive")
        let deltas = try #require(entry["deltas"] as? [String: Any])
        #expect(deltas["seqScan"] as? Int == -1)
        #expect(deltas["seqTupRead"] as? Int == -4)
        #expect(deltas["tupInserted"] as? Int == -4)
        let reasons = try #require(second.report["reasons"] as? [String])
        #expect(
            reasons.first?.hasPrefix(
                "Counters of public.ledger on 127.0.0.1:\(server.port)/shop went down between ") == true)
        #expect(reasons.first?.contains("(seqScan -1, seqTupRead -4, tupInserted -4)") == true)
    }

    @Test func aSnapshotOfAnotherDatabaseIsRefused() throws {
        let server = try ActivityServer.server.get()
        let dir = try TemporaryDirectory()
        let snapshot = dir.path + "/activity.json"
        let first = try scan(["archive.*"], snapshot: snapshot)
        #expect(first.status == 0, "\(first.stderr)")
        let stored = try Data(contentsOf: URL(fileURLWithPath: snapshot))
        let other = try scan(["archive.*"], database: "other", snapshot: snapshot)
        #expect(other.status == 2)
        #expect(other.report.isEmpty)
        #expect(
            other.stderr
                == "dropscan: the snapshot \(snapshot) holds counters of 127.0.0.1:\(server.port)/shop, not of 127.0.0.1:\(server.port)/other: counters of another database say nothing about this one, so give a --snapshot file of this database (or a new path)\n"
        )
        // The stored snapshot is left as it was.
        #expect(try Data(contentsOf: URL(fileURLWithPath: snapshot)) == stored)
    }

    @Test func theSchemaBindsAnUnqualifiedColumnOverSeveralTables() throws {
        let server = try ActivityServer.server.get()
        let dir = try TemporaryDirectory()
        try dir.write(
            "reports/open.sql",
            "SELECT name, legacy_status FROM orders JOIN customers ON customers.id = orders.customer_id;\n")
        func evidence(_ extra: [String]) throws -> [String] {
            let result = try dropscan(
                ["scan", "--json", "-", "-q", "--source", dir.path + "/reports", "--target", "orders.legacy_status"]
                    + extra)
            let report = try decodeReport(result.stdout)
            let code = try #require(try target(report, "orders.legacy_status")["code"] as? [String: Any])
            let findings = try #require(code["findings"] as? [[String: Any]])
            return findings.map { $0["evidence"] as? String ?? "?" }
        }
        // customers has no legacy_status in the database: the column can only be orders'.
        #expect(try evidence([]) == ["probable"])
        #expect(try evidence(["--database", server.url(database: "shop")]) == ["confirmed"])
        // The same from the database's pg_dump --schema-only.
        let dump = try dir.write("schema.sql", try server.schemaDump(database: "shop"))
        #expect(try evidence(["--schema", dump]) == ["confirmed"])
    }
}

/// The comparison alone, on readings written by hand: what a restart, a table created again and writes
/// without reads show.
@Suite struct ActivityComparisonTests {
    func reading(
        at: String, started: String = "2026-12-01T00:00:00.000Z", relid: String = "16390", seqScan: Int64 = 5,
        inserted: Int64 = 10
    ) -> ActivitySnapshot.Reading {
        ActivitySnapshot.Reading(
            server: "db:5432/shop", databaseOID: "16384", database: "shop", table: "public.orders", relid: relid,
            at: at, serverStarted: started, statsReset: nil,
            counters: TableCounters(
                seqScan: seqScan, seqTupRead: seqScan * 10, idxScan: nil, idxTupFetch: nil, tupInserted: inserted,
                tupUpdated: 0, tupDeleted: 0))
    }

    @Test func aRestartAfterTheEarlierReadingIsInconclusiveEvenWhenNoCounterMoved() {
        let earlier = reading(at: "2026-12-02T00:00:00.000Z")
        let now = reading(at: "2026-12-03T00:00:00.000Z", started: "2026-12-02T12:00:00.000Z")
        let activity = ActivityComparison.compare(current: now, previous: earlier, snapshot: true)
        #expect(activity.outcome == .inconclusive)
        #expect(
            activity.note
                == "The server restarted at 2026-12-02T12:00:00.000Z after the earlier reading of public.orders on db:5432/shop at 2026-12-02T00:00:00.000Z, so its counters may have started again from zero and hide reads in between; take a new snapshot and compare again."
        )
    }

    @Test func rowsWrittenWithoutAReadAreAWrite() {
        let earlier = reading(at: "2026-12-02T00:00:00.000Z")
        let now = reading(at: "2026-12-03T00:00:00.000Z", inserted: 12)
        let activity = ActivityComparison.compare(current: now, previous: earlier, snapshot: true)
        #expect(activity.outcome == .written)
        #expect(activity.deltas?.tupInserted == 2)
        #expect(activity.deltas?.idxScan == nil)
        #expect(
            activity.note
                == "public.orders on db:5432/shop was written but not read between 2026-12-02T00:00:00.000Z and 2026-12-03T00:00:00.000Z: tupInserted +2."
        )
    }

    @Test func aTableCreatedAgainAndNotReadSinceIsInconclusive() {
        let earlier = reading(at: "2026-12-02T00:00:00.000Z")
        let now = reading(at: "2026-12-03T00:00:00.000Z", relid: "17000", seqScan: 0, inserted: 0)
        let activity = ActivityComparison.compare(current: now, previous: earlier, snapshot: true)
        #expect(activity.outcome == .inconclusive)
        let read = ActivityComparison.compare(
            current: reading(at: "2026-12-03T00:00:00.000Z", relid: "17000", seqScan: 1), previous: earlier,
            snapshot: true)
        #expect(read.outcome == .read)
    }
}
