import Foundation
import TestSupport
import Testing

@testable import Ledger

@Suite struct LedgerSchemaTests {
    @Test func aNewLedgerIsCreatedAtTheCurrentVersion() throws {
        let directory = try TemporaryDirectory()
        let ledger = try Ledger(state: directory.path + "/usage.sqlite")
        #expect(try ledger.schemaVersion() == 1)
    }

    @Test func aLedgerFromANewerDropscanIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/usage.sqlite"
        _ = try Ledger(state: path)
        try SQLiteConnection(path: path).query("UPDATE ledger_meta SET value = '7' WHERE key = 'schema_version'")
        #expect(throws: LedgerError.newerSchema(ledger: path, version: 7, supported: 1)) { try Ledger(state: path) }
    }

    @Test func aDatabaseWithOtherTablesIsNotTakenForALedger() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/app.sqlite"
        try SQLiteConnection(path: path).execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
        #expect(throws: LedgerError.notALedger(ledger: path)) { try Ledger(state: path) }
    }

    @Test func pruningDeletesDaysBeforeTheCutAndKeepsTheRest() throws {
        let directory = try TemporaryDirectory()
        let ledger = try Ledger(state: directory.path + "/usage.sqlite")
        let set = try ledger.register(targets: ["orders.status"], digest: "one")
        // 2026-11-01 and 2026-11-20, noon UTC.
        let early: Int64 = 1_793_534_400_000
        let late: Int64 = 1_795_176_000_000
        for (index, time) in [early, late].enumerated() {
            var usage = DailyUsage(target: "orders.status", server: "db1", day: LedgerDay.of(time))
            usage.statements = 3
            usage.counts = ["evidence": ["confirmed": 3]]
            let read = LedgerRead(
                server: "db1", path: "postgresql.log.\(index)",
                checkpoint: LedgerRead.Checkpoint(
                    known: nil, expectedConsumed: 0, identity: FileIdentity(digest: "file\(index)", headLength: 4096),
                    device: 1, inode: Int64(index), compressed: false, size: 100, consumed: 100, consumedLines: 3,
                    complete: false), readMs: time, startOffset: 0, firstMs: time, lastMs: time, note: nil,
                coverage: "{}", targetSet: set, usage: [usage])
            #expect(try ledger.commit(read) == .committed)
        }
        #expect(
            try ledger.history(from: nil, to: nil, servers: [], targets: []).usage.map(\.day) == [
                "2026-11-01", "2026-11-20",
            ])
        // Kept: 10 days before 2026-11-20 noon.
        try ledger.prune(before: late - 10 * 86_400_000)
        let history = try ledger.history(from: nil, to: nil, servers: [], targets: [])
        #expect(history.usage.map(\.day) == ["2026-11-20"])
        #expect(history.reads.map(\.path) == ["postgresql.log.1"])
        #expect(try ledger.file(server: "db1", identity: FileIdentity(digest: "file0", headLength: 4096)) == nil)
    }

    @Test func aCommitFromAStaleCheckpointWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let ledger = try Ledger(state: directory.path + "/usage.sqlite")
        let set = try ledger.register(targets: ["orders.status"], digest: "one")
        let identity = FileIdentity(digest: "abc", headLength: 4096)
        func read(known: FileIdentity?, from: Int64, to: Int64) -> LedgerRead {
            var usage = DailyUsage(target: "orders.status", server: "db1", day: "2026-11-20")
            usage.statements = 1
            return LedgerRead(
                server: "db1", path: "postgresql.log",
                checkpoint: LedgerRead.Checkpoint(
                    known: known, expectedConsumed: from, identity: identity, device: 1, inode: 2, compressed: false,
                    size: to, consumed: to, consumedLines: 1, complete: false), readMs: 0, startOffset: from,
                firstMs: nil, lastMs: nil, note: nil, coverage: "{}", targetSet: set, usage: [usage])
        }
        #expect(try ledger.commit(read(known: nil, from: 0, to: 100)) == .committed)
        // A second sweeper that began when the file was new.
        #expect(try ledger.commit(read(known: nil, from: 0, to: 100)) == .alreadyCounted(consumed: 100))
        // One that began before the first commit moved the checkpoint.
        #expect(try ledger.commit(read(known: identity, from: 50, to: 150)) == .alreadyCounted(consumed: 100))
        #expect(try ledger.commit(read(known: identity, from: 100, to: 150)) == .committed)
        let usage = try ledger.history(from: nil, to: nil, servers: [], targets: []).usage
        #expect(usage.map(\.statements) == [2])
    }
}
