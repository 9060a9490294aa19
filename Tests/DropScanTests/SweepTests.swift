import Foundation
import Matching
import Report
import TestSupport
import Testing

@testable import DropScan
@testable import Ledger

/// Logs of a real server over four simulated days (libfaketime), rotated between sweeps as logrotate
/// does: rename, then gzip; and copytruncate. Made once for the suite; each step's sweep summary is kept.
final class SweptDays: @unchecked Sendable {
    static let script = repositoryRoot + "/Tests/DropScanTests/Fixtures/postgres/sweep-server.sh"
    static let targets = ["orders.legacy_note", "orders.status"]
    let directory: TemporaryDirectory
    let server: String
    var logs: String { server + "/logs" }
    let ledger: String
    var summaries: [SweepSummary] = []

    /// The files at the end, oldest day first.
    var files: [String] {
        ["postgresql.log.1.gz", "postgresql.log.1", "postgresql.log.copy", "postgresql.log"].map { logs + "/" + $0 }
    }

    static let shared = Result { try SweptDays() }

    private init() throws {
        directory = try TemporaryDirectory()
        server = directory.path + "/server"
        ledger = directory.path + "/ledger.sqlite"
        try Self.script(["init", server])
        defer { _ = try? Self.script(["remove", server]) }
        // Day 1 (four days ago): a sweep while the server runs, between two sessions.
        try day(
            4,
            [
                """
                CREATE TABLE orders (id int PRIMARY KEY, status text, legacy_note text);
                INSERT INTO orders (id, status) VALUES (1, 'new');
                SELECT legacy_note FROM orders WHERE id = 1;
                """,
                """
                UPDATE orders SET legacy_note = 'x' WHERE id = 1;
                SELECT status FROM orders;
                SELECT legacy_note, status FROM orders;
                """ + String(repeating: "SELECT 1;\n", count: 120),
            ])
        try FileManager.default.moveItem(atPath: logs + "/postgresql.log", toPath: logs + "/postgresql.log.1")
        // Day 2: renamed yesterday's file is finished by this sweep, today's is new.
        try day(
            3,
            [
                """
                SELECT legacy_note FROM orders WHERE id = 2;
                SELECT status FROM orders WHERE id = 2;
                SELECT legacy_note FROM orders;
                """
            ])
        try sweep()
        _ = try run("/bin/gzip", ["-n", logs + "/postgresql.log.1"])
        try FileManager.default.moveItem(atPath: logs + "/postgresql.log", toPath: logs + "/postgresql.log.1")
        // Day 3: the gzipped day 1 is the file read before; the renamed day 2 too.
        try day(
            2,
            [
                "SELECT status FROM orders WHERE id = 3;\nSELECT status FROM orders WHERE id = 4;\nSELECT status FROM orders WHERE id = 5;"
            ])
        try sweep()
        // copytruncate: the copy is the file read before; the truncated file holds day 4 only.
        try FileManager.default.copyItem(atPath: logs + "/postgresql.log", toPath: logs + "/postgresql.log.copy")
        _ = try run("/usr/bin/truncate", ["-s", "0", logs + "/postgresql.log"])
        try day(1, ["UPDATE orders SET status = 'done';\nSELECT legacy_note FROM orders WHERE id = 9;"])
        try sweep()
        // Nothing new: a repeated sweep adds nothing.
        try sweep()
    }

    /// Runs one simulated day: the server started `daysAgo` days back, each script in its own session, and
    /// a sweep after the first when there are two.
    private func day(_ daysAgo: Int, _ scripts: [String]) throws {
        try Self.script(["start", server, String(daysAgo)])
        for (index, sql) in scripts.enumerated() {
            let file = try directory.write("day\(daysAgo)-\(index).sql", sql + "\n")
            try Self.script(["psql", server, file])
            if index == 0 && scripts.count > 1 { try sweep() }
        }
        try Self.script(["stop", server])
    }

    func sweep(state: String? = nil, shard: String? = nil) throws {
        var request = SweepRequest(state: state ?? ledger, logs: [logs])
        request.targets = Self.targets
        request.server = "db1"
        request.shard = shard
        request.threads = 2
        request.quiet = true
        let summary = try SweepCommand.sweep(request)
        // Only the sweeps of the days' own ledger are the rotation's record.
        if state == nil { summaries.append(summary) }
    }

    static func script(_ arguments: [String]) throws {
        let result = try runCapturing("/bin/bash", [script] + arguments)
        guard result.status == 0 else {
            throw NSError(
                domain: "sweep-server.sh", code: Int(result.status),
                userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
    }
}

@Suite(.serialized) struct SweepTests {
    /// The confirmed uses the days' scripts make, counted by hand: legacy_note 1+1+2 (day 1: the CREATE
    /// TABLE that declares it, then the sessions), 2 (day 2), 0 (day 3), 1 (day 4); status 1+1+2, 1, 3, 1.
    static let expectedAllDays = ["orders.legacy_note": 7, "orders.status": 9]
    /// Days 3 and 4 only.
    static let expectedLastTwoDays = ["orders.legacy_note": 1, "orders.status": 4]

    func days() throws -> SweptDays { try SweptDays.shared.get() }

    func scan(_ files: [String]) throws -> UsageReport {
        var configuration = ScanConfiguration()
        configuration.targets = try SweptDays.targets.map { try Target(parsing: $0) }
        configuration.logs = files
        configuration.progress = false
        configuration.threads = 2
        return try ScanPipeline(configuration: configuration).run()
    }

    func ledgerReport(_ state: String, since: String? = nil) throws -> UsageReport {
        var request = LedgerReportRequest(state: state)
        request.since = since
        request.quiet = true
        return try LedgerReportCommand.report(request)
    }

    static func statements(_ report: UsageReport) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: report.targets.map { ($0.target, $0.runtime.statements) })
    }

    /// What must be the same in a ledger's report and a scan's: every runtime count and statement group.
    static func runtime(_ report: UsageReport) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: report.targets.map { target in
                let runtime = target.runtime
                let groups = runtime.groups.map { "\($0.id)×\($0.count) \($0.evidence.rawValue) \($0.applications)" }
                return (
                    target.target,
                    "\(runtime.statements) \(runtime.failed) \(runtime.byEvidence.sorted { $0.key < $1.key }) \(runtime.byApplication.sorted { $0.key < $1.key }) \(runtime.byUser.sorted { $0.key < $1.key }) \(groups)"
                )
            })
    }

    @Test func sweepsAcrossRotationsCountWhatOneScanOfAllFilesCounts() throws {
        let days = try days()
        let ledger = try ledgerReport(days.ledger)
        #expect(Self.statements(ledger) == Self.expectedAllDays)
        let scanned = try scan(days.files)
        #expect(Self.statements(scanned) == Self.expectedAllDays)
        #expect(Self.runtime(ledger) == Self.runtime(scanned))
        #expect(ledger.coverage.entries?.parsed == scanned.coverage.entries?.parsed)
        #expect(ledger.coverage.entries?.unparsed == scanned.coverage.entries?.unparsed)
        #expect(ledger.coverage.window == scanned.coverage.window)
        #expect(ledger.coverage.logFiles == 4)
        #expect(ledger.verdict == .blocked)
        #expect(ledger.coverage.errors.isEmpty)
        // The same contract as a scan's report.
        let json = String(decoding: try JSONReporter().render(ledger), as: UTF8.self)
        let validation = try ReportSchemaTests().validate(json)
        #expect(validation.status == 0, "\(validation.stdout)")
    }

    @Test func rotationIsReadOnceAndTruncationIsSaid() throws {
        let days = try days()
        let summaries = days.summaries
        try #require(summaries.count == 5)
        // Mid-day 1; after day 2 (the rest of the renamed day 1, and day 2); after day 3 (the gzipped day 1
        // is decompressed to where it was read, day 3 new); after day 4; repeated.
        #expect(summaries.map(\.read) == [1, 2, 2, 1, 0])
        #expect(summaries[4].unchanged == 4)
        #expect(summaries[3].notes.count == 1)
        #expect(summaries[3].notes.first?.contains("postgresql.log holds new content") == true)
        #expect(summaries.allSatisfy { $0.errors == 0 && $0.alreadyCounted == 0 })
    }

    @Test func reportSinceADayCountsWhatAScanOfThatDaysFilesCounts() throws {
        let days = try days()
        let twoDaysAgo = LedgerDay.of(Int64(Date().timeIntervalSince1970 * 1000) - 2 * 86_400_000)
        let ledger = try ledgerReport(days.ledger, since: twoDaysAgo)
        #expect(Self.statements(ledger) == Self.expectedLastTwoDays)
        let scanned = try scan(Array(days.files.suffix(2)))
        #expect(Self.runtime(ledger) == Self.runtime(scanned))
    }

    @Test func aSweeperKilledBeforeItsCommitCountsNothingAndTheRerunCountsAll() throws {
        let days = try days()
        let state = days.directory.path + "/killed.sqlite"
        // Create the ledger, then hold its write lock so that the sweeper blocks at its first commit, with
        // its first file read.
        try ledgerReportOrNothing(state)
        let holder = try SQLiteConnection(path: state)
        try holder.begin()
        let sweeper = Process()
        sweeper.executableURL = URL(fileURLWithPath: dropscanExecutable())
        sweeper.arguments =
            ["sweep", "--state", state, "--logs", days.logs, "--server", "db1", "--threads", "1", "--quiet"]
            + SweptDays.targets.flatMap { ["--target", $0] }
        sweeper.standardOutput = FileHandle.nullDevice
        try sweeper.run()
        Thread.sleep(forTimeInterval: 3)
        #expect(sweeper.isRunning)
        kill(sweeper.processIdentifier, SIGKILL)
        sweeper.waitUntilExit()
        #expect(sweeper.terminationReason == .uncaughtSignal)
        holder.rollback()
        #expect(Self.statements(try ledgerReport(state)) == ["orders.legacy_note": 0, "orders.status": 0])
        try days.sweep(state: state)
        #expect(Self.statements(try ledgerReport(state)) == Self.expectedAllDays)
        try days.sweep(state: state)
        #expect(Self.statements(try ledgerReport(state)) == Self.expectedAllDays)
    }

    @Test func aTargetAddedAfterTheLogsWereSweptIsInconclusiveWithAReason() throws {
        let days = try days()
        let state = days.directory.path + "/added-later.sqlite"
        var first = SweepRequest(state: state, logs: [days.logs])
        first.targets = ["orders.status"]
        first.server = "db1"
        first.quiet = true
        _ = try SweepCommand.sweep(first)
        var second = first
        second.targets = SweptDays.targets
        #expect(try SweepCommand.sweep(second).read == 0)
        let report = try ledgerReport(state)
        let added = try #require(report.targets.first { $0.target == "orders.legacy_note" })
        #expect(added.verdict == .inconclusive)
        #expect(added.caveat?.contains("did not look for orders.legacy_note in 4 of the 4 log reads") == true)
    }

    @Test func aDamagedFileIsRecordedAndKeepsTheLedgersReportFromAPass() throws {
        let days = try days()
        let logs = try TemporaryDirectory()
        let whole = try Data(contentsOf: URL(fileURLWithPath: days.files[0]))
        // Cut inside the deflate stream: the member never ends.
        let cut = try logs.write("postgresql.log.1.gz", whole.prefix(whole.count - 20))
        let state = logs.path + "/ledger.sqlite"
        var request = SweepRequest(state: state, logs: [cut])
        request.targets = ["orders.never_used"]
        request.server = "db1"
        request.quiet = true
        let summary = try SweepCommand.sweep(request)
        #expect(summary.errors == 1)
        let report = try ledgerReport(state)
        #expect(report.verdict == .inconclusive)
        #expect(report.coverage.errors.map(\.path) == [cut])
        // A damaged file is not done with: every sweep reads it again from its checkpoint and says so.
        #expect(SweepCommand.run(request) == 3)
        #expect(try SweepCommand.sweep(request).errors == 1)
    }

    @Test func serversTakenFromThePathAreCountedApart() throws {
        let days = try days()
        let fleet = try TemporaryDirectory()
        // Two servers' folders holding the same files: the same identities, counted once per server.
        for server in ["db1", "db2"] {
            try FileManager.default.createDirectory(
                atPath: fleet.path + "/logs/" + server, withIntermediateDirectories: true)
            for file in days.files {
                try FileManager.default.copyItem(
                    atPath: file, toPath: fleet.path + "/logs/\(server)/" + URL(fileURLWithPath: file).lastPathComponent
                )
            }
        }
        var request = SweepRequest(state: fleet.path + "/ledger.sqlite", logs: [fleet.path + "/logs"])
        request.targets = SweptDays.targets
        request.serverFromPath = true
        request.quiet = true
        #expect(try SweepCommand.sweep(request).read == 8)
        #expect(Self.statements(try ledgerReport(request.state)) == ["orders.legacy_note": 14, "orders.status": 18])
        var one = LedgerReportRequest(state: request.state)
        one.servers = ["db2"]
        one.quiet = true
        #expect(Self.statements(try LedgerReportCommand.report(one)) == Self.expectedAllDays)
    }

    @Test func aShorterCopyOfAFileAlreadyCountedAddsNothing() throws {
        let days = try days()
        let extra = try TemporaryDirectory()
        let state = extra.path + "/ledger.sqlite"
        var request = SweepRequest(state: state, logs: [days.logs])
        request.targets = SweptDays.targets
        request.server = "db1"
        request.quiet = true
        _ = try SweepCommand.sweep(request)
        // The first 6 KiB of day 1's text (more than the 4 KiB that identify it), as a half-finished copy.
        let day1 = try run("/bin/gzip", ["-dc", days.files[0]])
        try #require(day1.count > 6144)
        _ = try extra.write("copy/postgresql.log.1", day1.prefix(6144))
        request.logs = [days.logs, extra.path + "/copy"]
        let again = try SweepCommand.sweep(request)
        // The copy has the first 4 KiB of day 1's file: it is that file, already counted to its end.
        #expect(again.files == 4)
        #expect(again.read == 0)
        #expect(again.unchanged == 4)
        #expect(Self.statements(try ledgerReport(state)) == Self.expectedAllDays)
    }

    @Test func sinceTakesADurationOrAUTCDateAndRefusesOthers() throws {
        // 2026-11-20 12:00 UTC.
        let now: Int64 = 1_795_176_000_000
        #expect(try LedgerReportCommand.dayStart("2026-11-01", now: now, option: "--since") == 1_793_491_200_000)
        #expect(try LedgerReportCommand.dayStart("19d", now: now, option: "--since") == 1_793_491_200_000)
        #expect(throws: UsageError.self) { try LedgerReportCommand.dayStart("2026-13-01", now: now, option: "--since") }
        #expect(throws: UsageError.self) { try LedgerReportCommand.dayStart("last week", now: now, option: "--since") }
    }

    /// Registers the targets in a new ledger (so that a report names them) without reading any log.
    func ledgerReportOrNothing(_ state: String) throws {
        let empty = try TemporaryDirectory()
        var request = SweepRequest(state: state, logs: [empty.path])
        request.targets = SweptDays.targets
        request.server = "db1"
        request.quiet = true
        _ = try SweepCommand.sweep(request)
    }

    @Test func fourShardsSweepingConcurrentlyIntoPostgresCountWhatOneSweeperCounts() throws {
        let days = try days()
        let database = try PostgresServer()
        let state = database.url()
        let processes = try (1...4).map { shard in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dropscanExecutable())
            process.arguments =
                [
                    "sweep", "--state", state, "--logs", days.logs, "--server", "db1", "--shard", "\(shard)/4",
                    "--quiet",
                ] + SweptDays.targets.flatMap { ["--target", $0] }
            let output = days.directory.path + "/shard-\(shard).json"
            FileManager.default.createFile(atPath: output, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: output)
            try process.run()
            return (process, output)
        }
        for (process, _) in processes { process.waitUntilExit() }
        #expect(processes.map(\.0.terminationStatus) == [0, 0, 0, 0])
        // The files are spread over the shards (so that the sweepers did write at the same time), each once.
        let counts = try processes.map { _, output in
            try JSONDecoder().decode(SweepSummary.self, from: Data(contentsOf: URL(fileURLWithPath: output))).files
        }
        #expect(counts.reduce(0, +) == 4)
        // Each shard read the files that the documented rule gives it (the first 16 hex digits of the SHA-256 of
        // a file's first 4 KiB of text, modulo the shard count), computed here with gzip, head and sha256sum.
        // Which shards get files depends on the server's bytes of this run, so this is asserted, not a spread.
        var digests = Set<String>()
        for name in try FileManager.default.contentsOfDirectory(atPath: days.logs) {
            let head = try runCapturing(
                "/bin/bash", ["-c", "gzip -dcf \"$1\" | head -c 4096 | sha256sum", "-", days.logs + "/" + name])
            digests.insert(String(head.stdout.prefix(64)))
        }
        var expected = [0, 0, 0, 0]
        for digest in digests { expected[Int(try #require(UInt64(digest.prefix(16), radix: 16)) % 4)] += 1 }
        #expect(counts == expected)
        let fleet = try ledgerReport(state)
        #expect(Self.statements(fleet) == Self.expectedAllDays)
        let single = try ledgerReport(days.ledger)
        #expect(Self.runtime(fleet) == Self.runtime(single))
        #expect(fleet.coverage.entries?.parsed == single.coverage.entries?.parsed)
        #expect(fleet.coverage.logFiles == 4)
        // Swept again, all shards add nothing.
        for shard in 1...4 { try days.sweep(state: state, shard: "\(shard)/4") }
        #expect(Self.runtime(try ledgerReport(state)) == Self.runtime(single))
    }
}
