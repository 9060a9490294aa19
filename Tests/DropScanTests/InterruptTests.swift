import Foundation
import Gate
import Matching
import Report
import ScanIO
import Synchronization
import TestSupport
import Testing

@testable import DropScan

/// SIGINT and SIGTERM stop the scan between chunks and files; what was read is reported, marked
/// interrupted, never a pass, and the process exits 130 or 143.
@Suite struct InterruptTests {
    final class Counter: Sendable {
        let chunks = Atomic<Int>(0)
    }

    /// The scanning loop itself, without timing: the test seam cancels after the first 4 KiB chunk of the
    /// first log, and no chunk is read after it. A use in the part not read is not counted, and the result
    /// is not a pass.
    @Test func aCancelledScanReadsNoFurtherChunkAndReportsWhatItReadAsInterrupted() throws {
        let dir = try TemporaryDirectory()
        let clean = String(repeating: try cleanServerLog(), count: 40)
        var paths: [String] = []
        for name in ["a", "b", "c"] { paths.append(try dir.write("\(name).log", clean + useLine)) }
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "orders.legacy_status")]
        configuration.logs = paths
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.threads = 1
        configuration.progress = false
        configuration.chunkSize = 4096
        let cancellation = Cancellation()
        configuration.cancellation = cancellation
        let counter = Counter()
        configuration.afterLogChunk = { _ in
            if counter.chunks.wrappingAdd(1, ordering: .relaxed).oldValue == 0 { cancellation.cancel(signal: SIGTERM) }
        }
        let report = try ScanPipeline(configuration: configuration).run()
        #expect(counter.chunks.load(ordering: .relaxed) == 1)
        #expect(report.coverage.interrupted == Interruption(signal: "SIGTERM", inputsNotScanned: 3))
        #expect(report.coverage.logFiles == 1)
        #expect(report.targets[0].runtime.statements == 0)
        #expect(report.verdict == .inconclusive)
        #expect(
            report.reasons.first
                == "The scan was stopped by SIGTERM before it read every input (3 not read to the end), so this report is partial: run the scan again and let it finish."
        )
        #expect(ExitCode(report.verdict) == .inconclusive)
    }

    /// The same three logs read to the end: the use in each is counted (the cancelled scan above missed them).
    @Test func theSameLogsReadToTheEndCountEveryUse() throws {
        let dir = try TemporaryDirectory()
        let clean = String(repeating: try cleanServerLog(), count: 40)
        var paths: [String] = []
        for name in ["a", "b", "c"] { paths.append(try dir.write("\(name).log", clean + useLine)) }
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "orders.legacy_status")]
        configuration.logs = paths
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.threads = 1
        configuration.progress = false
        configuration.chunkSize = 4096
        let report = try ScanPipeline(configuration: configuration).run()
        #expect(report.coverage.interrupted == nil)
        #expect(report.targets[0].runtime.statements == 3)
        #expect(report.verdict == .blocked)
    }

    /// A real process and a real signal. dropscan installs its handlers first, then reads `--files-from -`;
    /// the test waits until the kernel shows the handler installed (`SigCgt` in /proc), signals, then ends
    /// the list, so the signal always arrives before the scan and the result does not depend on timing. The
    /// previous run's passing report must not survive: the partial one replaces it.
    @Test(arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
    func aSignalWritesAPartialReportInPlaceOfThePreviousOneAndExitsWithItsCode(
        signal: Int32, code: Int32, name: String
    ) throws {
        let dir = try TemporaryDirectory()
        let reportPath = dir.path + "/report.json"
        try FileManager.default.copyItem(
            atPath: repositoryRoot + "/Reports/examples/pass/report.json", toPath: reportPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dropscanExecutable())
        process.arguments = [
            "scan", "--target", "orders.legacy_status", "--logs", demo + "/logs", "--files-from", "-", "--json",
            reportPath, "-q",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["DROPSCAN_PATTERNS": repositoryRoot + "/Patterns"]) { $1 }
        let input = Pipe()
        process.standardInput = input
        FileManager.default.createFile(atPath: dir.path + "/stderr", contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path + "/stderr"))
        try process.run()
        let mask = UInt64(1) << UInt64(signal - 1)
        var caught = false
        for _ in 0..<6000 where !caught {
            caught = (Self.caughtSignals(process.processIdentifier) ?? 0) & mask != 0
            if !caught { usleep(10_000) }
        }
        #expect(caught, "dropscan never installed its \(name) handler")
        kill(process.processIdentifier, signal)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == code)
        let report = try decodeReport(
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: reportPath)), as: UTF8.self))
        #expect(report["verdict"] as? String == "inconclusive")
        let interrupted = try #require((report["coverage"] as? [String: Any])?["interrupted"] as? [String: Any])
        #expect(interrupted["signal"] as? String == name)
        #expect(interrupted["inputsNotScanned"] as? Int == 2)
        #expect(
            (report["reasons"] as? [String])?.first
                == "The scan was stopped by \(name) before it read every input (2 not read to the end), so this report is partial: run the scan again and let it finish."
        )
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["report.json", "stderr"])
    }

    /// The `SigCgt` mask of /proc/PID/status: the signals the process has handlers for.
    static func caughtSignals(_ pid: Int32) -> UInt64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") })
        else { return nil }
        return UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
    }
}
