import Foundation
import TestSupport
import Testing

/// Secrets on source lines that name a target reach no report, in any format, even with `--show-values`;
/// the code around them stays readable. The keys are fake but shaped as real ones (AWS's documented
/// example key id, a Visa test number).
@Suite struct SourceSecretTests {
    /// Each file's line, and the snippet the report must show for it (written by hand).
    static let files: [(path: String, line: String, snippet: String)] = [
        (
            "db/seed.sql",
            "INSERT INTO orders (card_number, legacy_status) VALUES ('4111 1111 1111 1111', 'open');",
            "INSERT INTO orders (card_number, legacy_status) VALUES ('***', 'open');"
        ),
        (
            "jobs/export.py",
            #"s3 = boto3.client("s3", "AKIAIOSFODNN7EXAMPLE"); cur.execute("SELECT legacy_status FROM orders")"#,
            #"s3 = boto3.client("s3", "AKIA***"); cur.execute("SELECT legacy_status FROM orders")"#
        ),
        (
            "jobs/report.py",
            #"psycopg2.connect("postgres://app:s3cr3t@db/shop").execute("SELECT legacy_status FROM orders")"#,
            #"psycopg2.connect("postgres://app:***@db/shop").execute("SELECT legacy_status FROM orders")"#
        ),
        (
            "app/models/order.rb",
            #"Stripe.api_key = "sk_live_EXAMPLEexample0123456789"; Order.where(legacy_status: "open")"#,
            #"Stripe.api_key = "***"; Order.where(legacy_status: "open")"#
        ),
        (
            "web/client.ts",
            #"const rows = await db.query("SELECT legacy_status FROM orders", { auth: "Bearer ghp_EXAMPLE0123456789abcdefghijklmnopqrs" });"#,
            #"const rows = await db.query("SELECT legacy_status FROM orders", { auth: "Bearer ghp_***" });"#
        ),
    ]

    static let secrets = [
        "4111 1111 1111 1111", "IOSFODNN7EXAMPLE", "s3cr3t", "EXAMPLEexample0123456789",
        "EXAMPLE0123456789abcdefghijklmnopqrs",
    ]

    func scan(_ extra: [String]) throws -> [String: String] {
        let dir = try TemporaryDirectory()
        for file in Self.files { try dir.write("app/" + file.path, file.line + "\n") }
        let result = try dropscan(
            [
                "scan", "--target", "orders.legacy_status", "--source", dir.path + "/app", "--json",
                dir.path + "/r.json",
                "--markdown", dir.path + "/r.md", "--sarif", dir.path + "/r.sarif",
            ] + extra)
        #expect(result.status == 1)
        var outputs = ["stderr": result.stderr, "stdout": result.stdout]
        for name in ["r.json", "r.md", "r.sarif"] {
            outputs[name] = try String(contentsOfFile: dir.path + "/" + name, encoding: .utf8)
        }
        return outputs
    }

    @Test(arguments: [[String](), ["--show-values"]])
    func noSecretReachesAnyReportAndTheCodeStays(extra: [String]) throws {
        let outputs = try scan(extra)
        for (name, text) in outputs {
            for secret in Self.secrets { #expect(!text.contains(secret), "\(secret) leaked into \(name)") }
        }
        // Every line was reported, with the snippet written above.
        let report = try decodeReport(try #require(outputs["r.json"]))
        let code = try #require(try target(report, "orders.legacy_status")["code"] as? [String: Any])
        let findings = try #require(code["findings"] as? [[String: Any]])
        for file in Self.files {
            let snippets = findings.filter { $0["path"] as? String == file.path }.map { $0["snippet"] as? String }
            #expect(snippets == [file.snippet], "\(file.path)")
        }
        // The masked lines are in the other formats too.
        for name in ["r.md", "r.sarif"] {
            let text = try #require(outputs[name])
            for masked in ["AKIA***", "postgres://app:***@db/shop", "ghp_***", "VALUES ('***', 'open')"] {
                #expect(text.contains(masked), "\(masked) is not in \(name)")
            }
        }
    }
}
