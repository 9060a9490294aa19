import Foundation
import Testing

@testable import Report

/// The Markdown line each server's table activity gets: marked when it decides a table target, context only
/// for a column target.
@Suite struct TableActivityMarkdownTests {
    func activity(_ outcome: TableActivity.Outcome, note: String) -> TableActivity {
        TableActivity(
            server: "db", table: "public.orders", at: "2026-12-04T10:00:00.000Z",
            serverStarted: "2026-12-01T00:00:00.000Z", statsReset: nil,
            counters: TableCounters(
                seqScan: 2, seqTupRead: 6, idxScan: nil, idxTupFetch: nil, tupInserted: 3, tupUpdated: 0,
                tupDeleted: 0),
            outcome: outcome, note: note)
    }

    func markdown(_ name: String, _ entries: [TableActivity]) throws -> String {
        var usage = try targetUsage(name)
        usage.database = DatabaseUsage()
        usage.database?.tableActivity = entries
        return String(decoding: try MarkdownReporter().render(report([usage])), as: UTF8.self)
    }

    @Test func aTableTargetsReadIsMarkedAndItsNoteShown() throws {
        let text = try markdown(
            "orders.*", [activity(.read, note: "orders was read"), activity(.unread, note: "orders was not read")])
        #expect(text.contains("\nTable activity:\n- ⛔ **read**: orders was read\n- **unread**: orders was not read\n"))
    }

    @Test func aColumnTargetsTableActivityIsContextOnly() throws {
        let text = try markdown("orders.legacy_status", [activity(.read, note: "orders was read")])
        #expect(text.contains("\nTable activity (the column's table, context only):\n- **read**: orders was read\n"))
    }
}
