import Foundation
import TestSupport
import Testing

/// `coverage.applications` counts every parsed entry by its `application_name`, interleaved or not.
@Suite struct ApplicationTallyTests {
    @Test func everyParsedEntryIsCountedUnderItsApplication() throws {
        let dir = try TemporaryDirectory()
        let lines = [
            "2024-05-02 10:15:42.100 UTC [11] app@shop/shop-web LOG:  statement: SELECT 1",
            "2024-05-02 10:15:42.200 UTC [12] app@shop/billing LOG:  statement: SELECT 2",
            "2024-05-02 10:15:42.300 UTC [11] app@shop/shop-web LOG:  statement: SELECT 3",
            "2024-05-02 10:15:42.400 UTC [11] app@shop/shop-web LOG:  statement: SELECT 4",
            "2024-05-02 10:15:42.500 UTC [13] app@shop/[unknown] LOG:  statement: SELECT 5",
            "2024-05-02 10:15:42.600 UTC [12] app@shop/billing LOG:  statement: SELECT 6",
            "2024-05-02 10:15:42.700 UTC [14] LOG:  checkpoint starting: time",
            "2024-05-02 10:15:42.800 UTC [15] app@shop/report [v2]: ops@night LOG:  statement: SELECT 7",
        ]
        let log = try dir.write("logs/postgresql.log", lines.joined(separator: "\n") + "\n")
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", log, "--log-line-prefix", "%m [%p] %q%u@%d/%a ",
            "--json", "-", "-q",
        ])
        let report = try decodeReport(result.stdout)
        let coverage = try #require(report["coverage"] as? [String: Any])
        #expect(
            coverage["applications"] as? [String: Int]
                == ["shop-web": 3, "billing": 2, "(unknown)": 2, "report [v2]: ops@night": 1])
    }
}
