import Foundation
import TestSupport
import Testing

/// A user rule that backtracks exponentially on the lines that name `legacy_status` with a long word after it.
let backtrackingRule = """
    rule: user.backtracks
    description: overlapping alternatives under a repeat (a rule written in haste)
    evidence: confirmed
    pattern: {column}\\s(?:\\w|\\w\\w)+[!?]
    positive: legacy_status ab!
    negative: legacy_status
    """

/// What matching does when a rule gives up at PCRE2's limit, and what many or huge targets do.
@Suite(.serialized) struct BoundedMatchingCommandTests {
    @Test func aSourceLineWhereARuleReachesTheLimitMakesTheResultInconclusiveWithItsPlace() throws {
        let dir = try TemporaryDirectory()
        try dir.write("rules/mine.rules", backtrackingRule + "\ninputs: source\n")
        let head = "import db\n"
        try dir.write("app/report.py", head + "rows = legacy_status " + String(repeating: "a", count: 200) + "\n")
        let result = try dropscan([
            "scan", "--patterns", dir.path + "/rules", "--target", "orders.legacy_status", "--source",
            dir.path + "/app", "--json", "-", "-q",
        ])
        #expect(result.status == 3, "\(result.stderr)")
        let report = try decodeReport(result.stdout)
        let errors = try #require((report["coverage"] as? [String: Any])?["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect((errors.first?["path"] as? String)?.hasSuffix("/app/report.py") == true)
        #expect(errors.first?["offset"] as? Int == head.utf8.count)
        let message = try #require(errors.first?["message"] as? String)
        #expect(
            message.hasPrefix("line 2 names orders.legacy_status, but rule user.backtracks reached PCRE2's match limit")
        )
    }

    @Test func logStatementsWhereARuleReachesTheLimitAreResolvedByTheParser() throws {
        let dir = try TemporaryDirectory()
        // The three column rules of the logs, replaced (same ids) by one with two ways to take each byte after the
        // name and a tail that always fails: 2^n paths, the limit on every statement that names the column. Were
        // a rule that gives up skipped, no statement would be counted.
        var rules = ""
        for id in ["sql.qualified-column", "sql.column-with-table", "sql.bare-column"] {
            rules += "rule: \(id)\ndescription: d\nevidence: confirmed\ninputs: logs\npattern: {column}(?:.|.)*(?!)\n\n"
        }
        try dir.write("rules/mine.rules", rules)
        let result = try dropscan([
            "scan", "--patterns", dir.path + "/rules", "--target", "orders.legacy_status", "--logs", demo + "/logs",
            "--json", "-", "-q",
        ])
        #expect(result.status == 1, "\(result.stderr)")
        let usage = try target(try decodeReport(result.stdout), "orders.legacy_status")
        let runtime = try #require(usage["runtime"] as? [String: Any])
        // The demo's logs: 5 executions by shop-web, 4 by billing, 2 by metabase; `SELECT *` by nightly-export
        // (no rule needed); another table's column (`archived_orders`), discarded by the parser. The name in a
        // string literal (`'legacy_status cleanup'`) has too few bytes after it to reach the limit: that rule
        // answers no there, and the statement is not looked at.
        #expect(runtime["statements"] as? Int == 11)
        #expect(runtime["byEvidence"] as? [String: Int] == ["confirmed": 11, "implicit": 1, "not-a-use": 1])
    }

    @Test func aTargetNameLongerThanPostgreSQLKeepsIsAUsageErrorThatNamesIt() throws {
        let name = String(repeating: "x", count: 10_000)
        let result = try dropscan(["scan", "--target", "orders." + name, "--logs", demo + "/logs", "--json", "-"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr.contains(
                "invalid target 'orders.\(String(repeating: "x", count: 53))… (10007 bytes)': a name in it is 10000 bytes long"
            ))
        #expect(!result.stderr.contains("rule"))
    }

    @Test func tenThousandTargetsOverARealLogGiveTheFindingsOfTheFewItNames() throws {
        let dir = try TemporaryDirectory()
        var lines = ["orders.legacy_status", "order_items.legacy_discount_code", "audit_notes.*"]
        for index in 1...9_997 {
            lines.append(index.isMultiple(of: 2) ? "table_\(index).column_\(index)" : "t_\(index).*")
        }
        let targets = try dir.write("targets.txt", lines.joined(separator: "\n") + "\n")
        let result = try dropscan(["scan", "--targets-file", targets, "--logs", demo + "/logs", "--json", "-", "-q"])
        #expect(result.status == 1, "\(result.stderr)")
        let report = try decodeReport(result.stdout)
        let all = try #require(report["targets"] as? [[String: Any]])
        #expect(all.count == 10_000)
        let runtime = try #require(try target(report, "orders.legacy_status")["runtime"] as? [String: Any])
        #expect(runtime["statements"] as? Int == 11)
        #expect(runtime["byEvidence"] as? [String: Int] == ["confirmed": 11, "implicit": 1, "not-a-use": 2])
        let others = all.filter { $0["target"] as? String != "orders.legacy_status" }
        let used = others.filter { (($0["runtime"] as? [String: Any])?["byEvidence"] as? [String: Int]) != [:] }
        #expect(used.map { $0["target"] as? String } == [])
    }
}
