import Foundation
import TestSupport
import Testing

@Suite struct MergeTests {
    /// The demo split into two shards with `dropscan inputs`: scanning each and merging gives the counts,
    /// findings and coverage of one scan of everything.
    @Test func shardsMergeIntoTheReportOfOneScan() throws {
        let dir = try TemporaryDirectory()
        let listing = try dropscan(["inputs", "--logs", demo + "/logs", "--source", demo + "/app"])
        #expect(listing.status == 0)
        let lines = listing.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        let first = try dir.write(
            "part-a.txt", lines.enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined(separator: "\n"))
        let second = try dir.write(
            "part-b.txt", lines.enumerated().filter { $0.offset % 2 == 1 }.map(\.element).joined(separator: "\n"))
        let targets = ["--targets-file", demo + "/targets.txt"]
        for (name, list) in [("a", first), ("b", second)] {
            _ = try dropscan(["scan", "-q", "--files-from", list, "--json", dir.path + "/\(name).json"] + targets)
        }
        let merged = try dropscan(["merge", "-q", dir.path + "/a.json", dir.path + "/b.json", "--json", "-"])
        let whole = try dropscan(
            ["scan", "-q", "--logs", demo + "/logs", "--source", demo + "/app", "--json", "-"] + targets)
        #expect(merged.status == whole.status)
        let mergedReport = try decodeReport(merged.stdout)
        let wholeReport = try decodeReport(whole.stdout)
        #expect(mergedReport["verdict"] as? String == wholeReport["verdict"] as? String)
        for name in ["orders.legacy_status", "order_items.legacy_discount_code", "audit_notes.*"] {
            let a = try runtime(mergedReport, name)
            let b = try runtime(wholeReport, name)
            for key in ["statements", "failed", "firstSeen", "lastSeen"] {
                #expect("\(a[key] ?? "nil")" == "\(b[key] ?? "nil")", "\(name) \(key)")
            }
            #expect(a["byApplication"] as? [String: Int] == b["byApplication"] as? [String: Int])
            #expect(a["byEvidence"] as? [String: Int] == b["byEvidence"] as? [String: Int])
            let codeA = try #require(try target(mergedReport, name)["code"] as? [String: Any])
            let codeB = try #require(try target(wholeReport, name)["code"] as? [String: Any])
            #expect(codeA["references"] as? Int == codeB["references"] as? Int)
            let fingerprints = { (code: [String: Any]) in
                Set(((code["findings"] as? [[String: Any]]) ?? []).compactMap { $0["fingerprint"] as? String })
            }
            #expect(fingerprints(codeA) == fingerprints(codeB))
        }
        let coverageA = try #require(mergedReport["coverage"] as? [String: Any])
        let coverageB = try #require(wholeReport["coverage"] as? [String: Any])
        for key in ["logFiles", "sourceFiles", "bytesRead", "statementLogging"] {
            #expect("\(coverageA[key] ?? "nil")" == "\(coverageB[key] ?? "nil")", "\(key)")
        }
        #expect(coverageA["window"] as? [String: String] == coverageB["window"] as? [String: String])
        #expect(coverageA["window"] as? [String: String] != nil)
    }

    @Test func somethingThatIsNotAReportIsAUsageError() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("x.json", "{\"hello\": 1}")
        let result = try dropscan(["merge", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("x.json is not a dropscan JSON report"))
    }
}
