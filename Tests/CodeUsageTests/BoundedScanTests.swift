import Matching
import Testing

@testable import CodeUsage

@Suite struct BoundedScanTests {
    @Test func aLineWhereARuleReachesTheLimitIsNamedAndTheOtherRulesStillRun() throws {
        let user = try PatternLibrary.parse(
            """
            rule: user.backtracks
            description: overlapping alternatives under a repeat
            evidence: confirmed
            pattern: {column}\\s(?:\\w|\\w\\w)+[!?]
            positive: legacy_status ab!
            """, file: "user.rules")
        let library = PatternLibrary(rules: try bundledLibrary().rules + user)
        let scanner = try CodeScanner(targets: [try Target(parsing: "orders.legacy_status")], library: library)
        let text = "import db\nrows = legacy_status " + String(repeating: "a", count: 200) + "\nx = 1\n"
        let scratch = MatchScratch(matchLimit: 1_000_000)
        let result = scanner.scan(relativePath: "report.py", bytes: Array(text.utf8), scratch: scratch)
        #expect(
            result.limitHits == [RuleLimitHit(line: 2, offset: 10, rule: "user.backtracks", targetIndex: 0, cell: nil)])
        #expect(result.findings[0].map(\.line) == [2])
        #expect(result.findings[0].first?.rule != "user.backtracks")
    }

    @Test func ruleLinesThatAnswerReportNoLimit() throws {
        let scanner = try makeScanner(["orders.legacy_status"])
        let result = scanText(scanner, path: "q.sql", "SELECT legacy_status FROM orders;\n")
        #expect(result.limitHits == [])
        #expect(brief(result.findings[0]) == ["1:sql.column-with-table:probable"])
    }
}
