import Foundation
import TestSupport
import Testing

@testable import DropScan

func skippedInputs(_ report: [String: Any]) throws -> [[String: Any]] {
    try #require((report["coverage"] as? [String: Any])?["skipped"] as? [[String: Any]])
}

func scanSource(_ root: String, _ extra: [String] = []) throws -> (ProcessResult, [String: Any]) {
    let result = try dropscan(
        ["scan", "--target", "orders.legacy_status", "--source", root, "--json", "-", "-q"] + extra)
    return (result, try decodeReport(result.stdout))
}

/// Nothing skipped without a say: every input left out is listed with its reason, and one that may hold a
/// use keeps a clean result from a pass.
@Suite struct SkippedInputTests {
    /// SQL saved as UTF-16 (as SSMS and PowerShell's `Out-File` do) has a NUL byte in every other byte; it is
    /// decoded and scanned, and the finding is on the file's own line.
    @Test func utf16AndUtf32SourceFilesAreDecodedAndScannedWithTheirLineNumbers() throws {
        let dir = try TemporaryDirectory()
        let text = "-- monthly report\n\nSELECT legacy_status\n  FROM orders;\n"
        try dir.write(
            "app/report.sql", try run("/usr/bin/iconv", ["-f", "UTF-8", "-t", "UTF-16"], stdin: Data(text.utf8)))
        try dir.write(
            "app/export.sql", try run("/usr/bin/iconv", ["-f", "UTF-8", "-t", "UTF-32LE"], stdin: Data(text.utf8)))
        let (result, report) = try scanSource(dir.path + "/app")
        #expect(result.status == 1, "\(result.stderr)")
        let findings = try #require(
            (try target(report, "orders.legacy_status")["code"] as? [String: Any])?["findings"] as? [[String: Any]])
        #expect(findings.map { "\($0["path"]!):\($0["line"]!)" } == ["export.sql:3", "report.sql:3"])
        #expect(findings.map { $0["snippet"] as? String } == ["SELECT legacy_status", "SELECT legacy_status"])
        #expect(try skippedInputs(report).isEmpty)
    }

    @Test func aFileOverTheSizeLimitThatNamesATargetMakesACleanResultInconclusiveAtItsLine() throws {
        let dir = try TemporaryDirectory()
        try dir.write("app/ok.sql", "SELECT id FROM orders;\n")
        let filler = String(repeating: "INSERT INTO audit VALUES (1);\n", count: 4000)
        let big = try dir.write("app/dump.sql", filler + "UPDATE orders SET legacy_status = 'x';\n")
        let (result, report) = try scanSource(dir.path + "/app", ["--max-filesize", "100000"])
        #expect(result.status == 3, "\(result.stderr)")
        let skipped = try skippedInputs(report)
        #expect(skipped.count == 1)
        #expect(skipped.first?["path"] as? String == big)
        #expect(skipped.first?["kind"] as? String == "too-large")
        #expect(skipped.first?["mayHoldUse"] as? Bool == true)
        #expect(skipped.first?["line"] as? Int == 4001)
        #expect(skipped.first?["offset"] as? Int == filler.utf8.count + "UPDATE orders SET ".utf8.count)
        #expect(
            report["reasons"] as? [String] == [
                "\(big) was skipped (larger than the 100000-byte limit (--max-filesize) and names orders.legacy_status on line 4001: raise --max-filesize to scan it), so a use may hide in it."
            ])
    }

    /// The streaming pass reads 1 MiB at a time: a name that straddles two reads is still found.
    @Test func aNameAcrossTheStreamingPassesReadBoundaryIsFound() throws {
        let dir = try TemporaryDirectory()
        let lead = String(repeating: "-- filler line.\n", count: 65536)  // exactly 1 MiB
        // The name starts 5 bytes before the end of the first 1 MiB read.
        let text = String(lead.dropLast(13)) + "\nSELECT legacy_status FROM orders;\n"
        let big = try dir.write("app/big.sql", text)
        let (result, report) = try scanSource(dir.path + "/app", ["--max-filesize", "4096"])
        #expect(result.status == 3)
        let skipped = try skippedInputs(report)
        #expect(skipped.map { $0["path"] as? String } == [big])
        #expect(skipped.first?["line"] as? Int == 65537)
    }

    @Test func aFileOverTheSizeLimitThatNamesNoTargetIsListedButDoesNotBlockAPass() throws {
        let dir = try TemporaryDirectory()
        try dir.write("app/ok.sql", "SELECT id FROM orders;\n")
        try dir.write("app/dump.sql", String(repeating: "INSERT INTO audit VALUES (1);\n", count: 4000))
        let (result, report) = try scanSource(dir.path + "/app", ["--max-filesize", "100000"])
        #expect(result.status == 0, "\(report["reasons"] ?? "")")
        let skipped = try skippedInputs(report)
        #expect(skipped.map { $0["kind"] as? String } == ["too-large"])
        #expect(skipped.first?["mayHoldUse"] == nil)
    }

    /// A `.sql` file with a stray NUL byte is binary to the scan, but reads as text and names the target.
    @Test func aBinaryFileThatReadsAsTextAndNamesATargetMakesTheResultInconclusive() throws {
        let dir = try TemporaryDirectory()
        let head = "-- copied from a crashed editor\0\n"
        let path = try dir.write(
            "app/fix.sql", head + "SELECT id FROM orders;\nUPDATE orders SET legacy_status = NULL;\n")
        let (result, report) = try scanSource(dir.path + "/app")
        #expect(result.status == 3)
        let skipped = try skippedInputs(report)
        #expect(skipped.count == 1)
        #expect(skipped.first?["kind"] as? String == "binary")
        #expect(skipped.first?["line"] as? Int == 3)
        #expect(skipped.first?["offset"] as? Int == (head + "SELECT id FROM orders;\nUPDATE orders SET ").utf8.count)
        #expect(
            (report["reasons"] as? [String])?.first
                == "\(path) was skipped (binary file (NUL byte in the first 8 KiB) that reads as text and names orders.legacy_status on line 3: remove its NUL bytes to scan it), so a use may hide in it."
        )
    }

    @Test func anImageIsListedAsBinaryAndDoesNotBlockAPass() throws {
        let dir = try TemporaryDirectory()
        try dir.write("app/ok.sql", "SELECT id FROM orders;\n")
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]
        for index in 0..<512 { png.append(UInt8(truncatingIfNeeded: index * 7)) }
        png += Array("legacy_status".utf8)
        let image = try dir.write("app/logo.png", Data(png))
        let (result, report) = try scanSource(dir.path + "/app")
        #expect(result.status == 0, "\(report["reasons"] ?? "")")
        let skipped = try skippedInputs(report)
        #expect(skipped.map { $0["path"] as? String } == [image])
        #expect(skipped.first?["reason"] as? String == "binary file (NUL byte in the first 8 KiB)")
        #expect(skipped.first?["mayHoldUse"] == nil)
    }

    /// The loop of the issue: one file scanned 41 times through `sub/loop -> ..`. Now once, and the loop listed.
    @Test func followingALinkLoopScansEachFileOnceAndListsTheLoop() throws {
        let dir = try TemporaryDirectory()
        try dir.write("app/q.sql", "SELECT legacy_status FROM orders;\n")
        try FileManager.default.createDirectory(atPath: dir.path + "/app/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/app/sub/loop", withDestinationPath: "..")
        let (result, report) = try scanSource(dir.path + "/app", ["--follow"])
        #expect(result.status == 1)
        let findings = try #require(
            (try target(report, "orders.legacy_status")["code"] as? [String: Any])?["findings"] as? [[String: Any]])
        #expect(findings.map { $0["path"] as? String } == ["q.sql"])
        #expect((report["coverage"] as? [String: Any])?["sourceFiles"] as? Int == 1)
        let skipped = try skippedInputs(report)
        #expect(skipped.map { $0["kind"] as? String } == ["symlink-loop"])
        #expect(skipped.first?["path"] as? String == dir.path + "/app/sub/loop")
    }

    /// The Markdown report lists each skipped input with its reason, not only a count.
    @Test func markdownListsEverySkippedInputWithItsReason() throws {
        let dir = try TemporaryDirectory()
        try dir.write("app/ok.sql", "SELECT id FROM orders;\n")
        try dir.write("app/dump.sql", String(repeating: "-- x\n", count: 100) + "SELECT legacy_status FROM orders;\n")
        #expect(mkfifo(dir.path + "/app/queue", 0o644) == 0)
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--source", dir.path + "/app", "--markdown", "-", "-q",
            "--max-filesize", "100",
        ])
        #expect(result.status == 3)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "- ❗ skipped `\(dir.path)/app/dump.sql`: larger than the 100\\-byte limit \\(\\-\\-max\\-filesize\\) and names orders\\.legacy\\_status on line 101\\: raise \\-\\-max\\-filesize to scan it"
            ), "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("- ⏭ skipped `\(dir.path)/app/queue`: a named pipe \\(FIFO\\)") })
    }
}
