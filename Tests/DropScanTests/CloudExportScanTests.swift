import Foundation
import TestSupport
import Testing

/// Cloud exports through the command line, detected from their content whatever the file is called.
@Suite struct CloudExportScanTests {
    /// Cloud Logging `LogEntry` lines of a Cloud SQL instance
    /// (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry). Before these were recognised,
    /// the JSON was read as stderr and the use graded `possible`.
    static let googleCloudSQL = """
        {"logName":"projects/shop-prod/logs/cloudsql.googleapis.com%2Fpostgres.log","resource":{"labels":{"database_id":"shop-prod:orders-db"},"type":"cloudsql_database"},"severity":"INFO","textPayload":"2024-05-02 10:15:41.000 UTC [4242]: [2-1] db=shop,user=app LOG:  statement: SELECT 1","timestamp":"2024-05-02T10:15:41.000Z"}
        {"logName":"projects/shop-prod/logs/cloudsql.googleapis.com%2Fpostgres.log","resource":{"labels":{"database_id":"shop-prod:orders-db"},"type":"cloudsql_database"},"severity":"INFO","textPayload":"2024-05-02 10:15:42.123 UTC [4242]: [3-1] db=shop,user=app LOG:  statement: SELECT legacy_status FROM orders WHERE id = 7","timestamp":"2024-05-02T10:15:42.123Z"}

        """

    @Test func aUseInAGoogleCloudSQLExportIsConfirmedAndAttributed() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("logs/postgresql.log", Self.googleCloudSQL)
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", path, "--log-line-prefix",
            "%m [%p]: [%l-1] db=%d,user=%u ", "--json", "-",
        ])
        #expect(result.status == 1)
        let report = try decodeReport(result.stdout)
        let coverage = try #require(report["coverage"] as? [String: Any])
        #expect(coverage["formats"] as? [String: Int] == ["google-cloud-logging": 1])
        let runtime = try #require(try target(report, "orders.legacy_status")["runtime"] as? [String: Any])
        #expect(runtime["statements"] as? Int == 1)
        #expect(runtime["byUser"] as? [String: Int] == ["app": 1])
        #expect(runtime["byDatabase"] as? [String: Int] == ["shop": 1])
    }

    @Test func aJSONArrayExportIsRefusedWithHowToConvertIt() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("logs/export.json", "[\n" + Self.googleCloudSQL.split(separator: "\n")[0] + "\n]\n")
        let result = try dropscan(["scan", "--target", "orders.legacy_status", "--logs", path, "--json", "-"])
        #expect(result.status == 3)
        let report = try decodeReport(result.stdout)
        let coverage = try #require(report["coverage"] as? [String: Any])
        let errors = try #require(coverage["errors"] as? [[String: Any]])
        #expect((errors.first?["message"] as? String)?.contains("jq -c '.[]'") == true)
    }
}

@Suite struct NoTimestampScanTests {
    @Test func aLogWithoutTimestampsCannotPass() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(
            "logs/postgresql.log",
            "[12] app@shop LOG:  statement: SELECT id FROM orders\n[12] app@shop LOG:  statement: SELECT 2\n")
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", path, "--log-line-prefix", "[%p] %q%u@%d ", "--json",
            "-",
        ])
        #expect(result.status == 3)
        let report = try decodeReport(result.stdout)
        let reasons = try #require(report["reasons"] as? [String])
        #expect(reasons.contains { $0.contains("no known window") })
    }
}

/// Heroku Postgres lines as `heroku logs -p postgres` prints them (https://devcenter.heroku.com/articles/logging;
/// the prefix after `[seq-chunk]`: https://help.heroku.com/MJUI0JR0), written here to that documentation.
@Suite struct HerokuScanTests {
    static let log = """
        2024-03-15T12:10:39.000000+00:00 app[postgres.2041]: [CRIMSON] [7-1]  sql_error_code = 00000 LOG:  statement: SELECT id, legacy_status
        2024-03-15T12:10:39.000000+00:00 app[postgres.2077]: [CRIMSON] [3-1]  sql_error_code = 00000 LOG:  statement: SELECT 1
        2024-03-15T12:10:39.000000+00:00 app[postgres.2041]: [CRIMSON] [7-2] \tFROM orders
        2024-03-15T12:10:41.000000+00:00 app[postgres.2077]: [CRIMSON] [4-1]  sql_error_code = 00000 LOG:  statement: SELECT 2

        """

    @Test func aUseSplitOverTwoRecordsIsFoundWithoutAPrefix() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("logs/heroku.log", Self.log)
        let result = try dropscan(["scan", "--target", "orders.legacy_status", "--logs", path, "--json", "-"])
        #expect(result.status == 1)
        let report = try decodeReport(result.stdout)
        let coverage = try #require(report["coverage"] as? [String: Any])
        #expect(coverage["formats"] as? [String: Int] == ["syslog": 1])
        #expect((coverage["entries"] as? [String: Any])?["parsed"] as? Int == 3)
        let runtime = try #require(try target(report, "orders.legacy_status")["runtime"] as? [String: Any])
        #expect(runtime["byEvidence"] as? [String: Int] == ["confirmed": 1])
        #expect(runtime["firstSeen"] as? String == "2024-03-15T12:10:39.000Z")
    }
}

/// First and last seen say which tiers they cover.
@Suite struct SeenByEvidenceTests {
    @Test func firstAndLastSeenCoverTheBlockingTiersAndEachTierHasItsOwn() throws {
        let head = " UTC [7] app@shop/web LOG:  statement: "
        let log =
            "2024-05-02 10:00:00.000" + head + "SELECT legacy_status FROM orders\n"
            + "2024-05-02 11:00:00.000" + head + "SELECT legacy_status FROM orders, customers\n"
            + "2024-05-02 12:00:00.000" + head + "SELECT legacy_status FROM orders WHERE GROUP BY BY\n"
        let dir = try TemporaryDirectory()
        let path = try dir.write("logs/postgresql.log", log)
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", path, "--log-line-prefix", "%m [%p] %q%u@%d/%a ",
            "--block-on", "confirmed", "--json", "-",
        ])
        #expect(result.status == 1)
        let runtime = try #require(
            try target(try decodeReport(result.stdout), "orders.legacy_status")["runtime"] as? [String: Any])
        #expect(runtime["firstSeen"] as? String == "2024-05-02T10:00:00.000Z")
        #expect(runtime["lastSeen"] as? String == "2024-05-02T10:00:00.000Z")
        let seen = try #require(runtime["seenByEvidence"] as? [String: [String: String]])
        #expect(seen["confirmed"] == ["first": "2024-05-02T10:00:00.000Z", "last": "2024-05-02T10:00:00.000Z"])
        #expect(seen["probable"] == ["first": "2024-05-02T11:00:00.000Z", "last": "2024-05-02T11:00:00.000Z"])
        #expect(seen["possible"] == ["first": "2024-05-02T12:00:00.000Z", "last": "2024-05-02T12:00:00.000Z"])
    }
}
