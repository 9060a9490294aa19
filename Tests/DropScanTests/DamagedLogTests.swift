import Foundation
import Gate
import Matching
import Synchronization
import TestSupport
import Testing

@testable import DropScan

/// The first lines of the demo's first log (a real PostgreSQL 15 server, prefix `%m [%p] %q%u@%d/%a `):
/// start-up lines and a statement that does not use the target.
func cleanServerLog() throws -> String {
    let data = try run("/bin/gzip", ["-dc", demo + "/logs/postgresql-230746.log.gz"])
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    return lines[0..<7].joined(separator: "\n") + "\n"
}

/// A line of that log that uses `orders.legacy_status` (line 8 of the same file).
let useLine =
    "2026-11-24 23:07:47.138 UTC [13087] postgres@postgres/shop-web LOG:  execute <unnamed>: SELECT o.id, o.legacy_status FROM orders o WHERE o.id = $1;\n"

func scanLogs(_ paths: [String], _ extra: [String] = []) throws -> (ProcessResult, [String: Any]) {
    let result = try dropscan(
        ["scan", "--target", "orders.legacy_status", "--json", "-", "-q"] + paths.flatMap { ["--logs", $0] } + extra)
    return (result, try decodeReport(result.stdout))
}

func coverageErrors(_ report: [String: Any]) throws -> [[String: Any]] {
    try #require((report["coverage"] as? [String: Any])?["errors"] as? [[String: Any]])
}

@Suite struct DamagedLogTests {
    @Test func theCleanLogAlonePasses() throws {
        let dir = try TemporaryDirectory()
        let (result, report) = try scanLogs([try dir.write("postgresql.log", try cleanServerLog())])
        #expect(result.status == 0, "\(report["reasons"] ?? "")")
    }

    /// A NUL would end the statement for PostgreSQL's parser (a C string): the use must still be counted, and
    /// the damage reported at its byte.
    @Test func aNULInsideAStatementStillCountsTheUseAndIsReportedAtItsOffset() throws {
        let dir = try TemporaryDirectory()
        let clean = try cleanServerLog()
        let damaged = useLine.replacingOccurrences(of: "SELECT o.id, ", with: "SELECT o.id, \0")
        let path = try dir.write("postgresql.log", clean + damaged + clean)
        let (result, report) = try scanLogs([path])
        #expect(result.status == 1)
        let runtime = try #require(try target(report, "orders.legacy_status")["runtime"] as? [String: Any])
        #expect(runtime["statements"] as? Int == 1)
        #expect((runtime["byEvidence"] as? [String: Int]) == ["confirmed": 1])
        let errors = try coverageErrors(report)
        #expect(errors.count == 1)
        let nulOffset = clean.utf8.count + Array(damaged.utf8).firstIndex(of: 0)!
        #expect(errors.first?["offset"] as? Int == nulOffset)
        #expect((errors.first?["message"] as? String)?.contains("holds 1 NUL byte(s)") == true)
    }

    /// A crash leaves zero-filled blocks: the text they replaced is lost, so a clean result cannot pass.
    @Test func aBlockOfNULsInACleanLogIsInconclusiveWithItsOffset() throws {
        let dir = try TemporaryDirectory()
        let clean = try cleanServerLog()
        let path = try dir.write("postgresql.log", Data(clean.utf8) + Data(count: 512) + Data(clean.utf8))
        let (result, report) = try scanLogs([path])
        #expect(result.status == 3)
        let errors = try coverageErrors(report)
        #expect(errors.count == 1)
        #expect(errors.first?["offset"] as? Int == clean.utf8.count)
        #expect((errors.first?["message"] as? String)?.contains("holds 512 NUL byte(s)") == true)
        #expect((report["reasons"] as? [String])?.contains { $0.contains("could not be read fully") } == true)
    }

    @Test func anEmptyGzipBesideACleanLogIsInconclusive() throws {
        let dir = try TemporaryDirectory()
        try dir.write("logs/postgresql.log", try cleanServerLog())
        try dir.write("logs/postgresql.log.1.gz", Data())
        let (result, report) = try scanLogs([dir.path + "/logs"])
        #expect(result.status == 3)
        let errors = try coverageErrors(report)
        #expect(errors.count == 1)
        #expect((errors.first?["path"] as? String)?.hasSuffix("postgresql.log.1.gz") == true)
        #expect(errors.first?["offset"] as? Int == 0)
        #expect((errors.first?["message"] as? String)?.contains("not a gzip stream") == true)
    }

    /// A rotated log of two gzip members (as `cat a.gz b.gz` makes) whose second member fails its CRC-32: the
    /// damage shows only at that member's end, so the error points at the member's start and names the
    /// decompressed bytes that cannot be trusted, and the scan cannot pass.
    @Test func aGzipMemberFailingItsCRCIsInconclusiveAtTheMembersStartWithItsBytes() throws {
        let dir = try TemporaryDirectory()
        let member = try gzip(try cleanServerLog())
        try #require(member.count == 428, "gzip -n gave \(member.count) bytes; the offsets below assume 428")
        var damaged = member
        damaged[421] ^= 0xFF  // the CRC-32 is bytes 420–423 of the member
        let path = try dir.write("postgresql.log.1.gz", member + damaged)
        let (result, report) = try scanLogs([path])
        #expect(result.status == 3)
        #expect(report["verdict"] as? String == "inconclusive")
        #expect(
            report["reasons"] as? [String] == [
                "\(path) could not be read fully (at byte 428), so uses in it may be missed."
            ])
        let errors = try coverageErrors(report)
        #expect(errors.count == 1)
        #expect(errors.first?["path"] as? String == path)
        #expect(errors.first?["offset"] as? Int == 428)
        // The clean log is 806 bytes, so the second member's are 806–1612.
        #expect(
            errors.first?["message"] as? String
                == "gzip member 2 starts here and fails its CRC-32 check: its decompressed bytes 806–1612 were read "
                + "but are damaged somewhere (gzip checks a member only at its end); restore the file from a good "
                + "copy (`gzip -t` tests one)")
    }

    /// Empty logs (plain, or a gzip of nothing) are empty logs, not errors, but they show nothing: even with
    /// partial logging accepted they cannot earn a pass.
    @Test func logsWithNoEntryNeverPassEvenWithPartialLoggingAccepted() throws {
        let dir = try TemporaryDirectory()
        try dir.write("logs/postgresql.log", "")
        try dir.write("logs/postgresql.log.1.gz", try gzip(""))
        let (result, report) = try scanLogs([dir.path + "/logs"], ["--accept-partial-logging"])
        #expect(result.status == 3)
        #expect(try coverageErrors(report).isEmpty)
        #expect(
            report["reasons"] as? [String] == [
                "The log files hold no log entry, so they cannot show whether anything uses the targets."
            ])
    }

    @Test func aFIFONamedAsALogIsRefusedWithoutBlockingAndTheResultIsInconclusive() throws {
        let dir = try TemporaryDirectory()
        let clean = try dir.write("postgresql.log", try cleanServerLog())
        #expect(mkfifo(dir.path + "/pipe.log", 0o600) == 0)
        let (result, report) = try scanLogs([clean, dir.path + "/pipe.log"])
        #expect(result.status == 3)
        let errors = try coverageErrors(report)
        #expect(errors.count == 1)
        #expect((errors.first?["path"] as? String)?.hasSuffix("pipe.log") == true)
        #expect(errors.first?["offset"] as? Int == 0)
        #expect((errors.first?["message"] as? String)?.hasPrefix("a named pipe (FIFO), not a regular file") == true)
    }

    @Test func aFIFOAndASocketInALogDirectoryAreSkippedAndListed() throws {
        let dir = try TemporaryDirectory()
        try dir.write("logs/postgresql.log", try cleanServerLog())
        #expect(mkfifo(dir.path + "/logs/pipe", 0o600) == 0)
        try run(
            "/usr/bin/python3",
            ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", dir.path + "/logs/sock"])
        let (result, report) = try scanLogs([dir.path + "/logs"])
        #expect(result.status == 0)
        let skipped = try #require((report["coverage"] as? [String: Any])?["skipped"] as? [[String: Any]])
        #expect(
            skipped.compactMap { ($0["path"] as? String).map { ($0 as NSString).lastPathComponent } } == [
                "pipe", "sock",
            ])
        #expect((skipped.first?["reason"] as? String)?.hasPrefix("a named pipe (FIFO)") == true)
    }
}

/// A log truncated between two chunks of the scan (as `copytruncate` rotation does), through the whole
/// pipeline: the test seam truncates the file after the first 4 KiB chunk, so no timing is involved.
@Suite struct ChangedWhileScannedTests {
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    @Test func aLogTruncatedBetweenTwoChunksMakesTheResultInconclusiveAtTheOffsetReached() throws {
        let dir = try TemporaryDirectory()
        let text = String(repeating: try cleanServerLog(), count: 40)
        let path = try dir.write("postgresql.log", text)
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "orders.legacy_status")]
        configuration.logs = [path]
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.threads = 1
        configuration.progress = false
        configuration.chunkSize = 4096
        let truncated = Flag()
        configuration.afterLogChunk = { chunkPath in
            if chunkPath == path, !truncated.value.exchange(true, ordering: .relaxed) { _ = truncate(chunkPath, 0) }
        }
        let report = try ScanPipeline(configuration: configuration).run()
        let didTruncate = truncated.value.load(ordering: .relaxed)
        #expect(didTruncate)
        #expect(ExitCode(report.verdict) == .inconclusive)
        #expect(report.coverage.errors.count == 1)
        #expect(report.coverage.errors.first?.offset == 4096)
        #expect(report.coverage.errors.first?.message.contains("shrank while it was read") == true)
    }
}
