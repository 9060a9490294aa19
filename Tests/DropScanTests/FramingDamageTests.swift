import Foundation
import TestSupport
import Testing

/// Damaged log entries through the command line: a use that may hide in bytes the framer could not read
/// makes the result inconclusive (exit 3) with the path, the entry's byte offset and the reason.
@Suite struct FramingDamageTests {
    static let before = """
        2024-05-02 10:15:40.000 UTC [7] app@shop LOG:  statement: SELECT id FROM orders WHERE id = 1
        2024-05-02 10:15:41.000 UTC [7] app@shop LOG:  statement: SELECT 1

        """
    static let after = """
        2024-05-02 10:15:43.000 UTC [7] app@shop LOG:  statement: SELECT 2

        """

    /// A stderr log with one entry of 17 MiB whose names lie past the 16 MiB cut.
    func scanLongEntry(naming name: String) throws -> (ProcessResult, [String: Any]) {
        let dir = try TemporaryDirectory()
        // Written in pieces: a 17 MiB string in this process would disturb the memory tests running alongside.
        let path = try dir.write("logs/postgresql.log", Self.before)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try file.seekToEnd()
        try file.write(contentsOf: Data("2024-05-02 10:15:42.000 UTC [7] app@shop LOG:  statement: SELECT /* ".utf8))
        let megabyte = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<17 { try file.write(contentsOf: megabyte) }
        try file.write(contentsOf: Data(" */ \(name)\n".utf8) + Data(Self.after.utf8))
        try file.close()
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", path, "--log-line-prefix", "%m [%p] %q%u@%d ",
            "--json", "-",
        ])
        return (result, try decodeReport(result.stdout))
    }

    @Test func aTargetPastTheCutOfAnEntryOver16MiBIsInconclusiveWithItsOffset() throws {
        let (result, report) = try scanLongEntry(naming: "legacy_status FROM orders")
        #expect(result.status == 3)
        #expect(report["verdict"] as? String == "inconclusive")
        let coverage = try #require(report["coverage"] as? [String: Any])
        let errors = try #require(coverage["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect((errors.first?["path"] as? String)?.hasSuffix("postgresql.log") == true)
        #expect(errors.first?["offset"] as? Int == Self.before.utf8.count)
        let message = try #require(errors.first?["message"] as? String)
        #expect(message.contains("longer than 16 MiB"))
        #expect(message.contains("(line 3)"))
        #expect(message.contains("names a target"))
        // The entry after the long one is still read.
        let entries = try #require(coverage["entries"] as? [String: Any])
        #expect(entries["parsed"] as? Int == 4)
    }

    @Test func anEntryOver16MiBThatNamesNoTargetLosesNothing() throws {
        // Neither the column nor its table: nothing that could use the target was cut off.
        let (result, report) = try scanLongEntry(naming: "other_column FROM invoices")
        let coverage = try #require(report["coverage"] as? [String: Any])
        #expect((coverage["errors"] as? [[String: Any]])?.isEmpty ?? true)
        #expect(result.status == 0)
    }

    @Test func aCsvRecordWhoseQuoteNeverClosesIsInconclusiveWithItsRange() throws {
        let dir = try TemporaryDirectory()
        let first =
            "2024-05-02 10:15:42.123 UTC,\"app\",\"shop\",12345,\"10.0.0.5:53210\",66336a1e.3039,7,\"SELECT\",2024-05-02 10:10:06 UTC,3/1822,0,LOG,00000,\"statement: SELECT 1\",,,,,,,,\"myapp\",\"client backend\",,0\n"
        let cut =
            "2024-05-02 10:15:42.200 UTC,\"app\",\"shop\",12345,\"10.0.0.5:53210\",66336a1e.3039,8,\"SELECT\",2024-05-02 10:10:06 UTC,3/1823,0,LOG,00000,\"statement: SELECT legacy_status FROM orders WHERE note = 'a\n"
        let last =
            "2024-05-02 10:15:43.000 UTC,\"app\",\"shop\",12345,\"10.0.0.5:53210\",66336a1e.3039,9,\"SELECT\",2024-05-02 10:10:06 UTC,3/1824,0,LOG,00000,\"statement: SELECT 2\",,,,,,,,\"myapp\",\"client backend\",,0\n"
        let path = try dir.write("logs/postgresql.csv", first + cut + last)
        let result = try dropscan(["scan", "--target", "orders.legacy_status", "--logs", path, "--json", "-"])
        #expect(result.status == 3)
        let report = try decodeReport(result.stdout)
        let coverage = try #require(report["coverage"] as? [String: Any])
        let errors = try #require(coverage["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors.first?["offset"] as? Int == first.utf8.count)
        let message = try #require(errors.first?["message"] as? String)
        #expect(message.contains("never closes"))
        #expect(message.contains("bytes \(first.utf8.count)–\(first.utf8.count + cut.utf8.count - 1)"))
        let entries = try #require(coverage["entries"] as? [String: Any])
        #expect(entries["parsed"] as? Int == 2)
        #expect(entries["unparsed"] as? Int == 1)
    }
}
