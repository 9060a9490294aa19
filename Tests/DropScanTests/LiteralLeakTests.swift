import Foundation
import TestSupport
import Testing

/// Literal values planted in every place a log can carry them must reach no report (JSON, Markdown, SARIF)
/// and no message on stderr unless `--show-values`.
@Suite struct LiteralLeakTests {
    static let head = "2026-11-24 23:07:47.138 UTC [13087] postgres@postgres/shop-web LOG:  statement: "

    /// Statements that use the target, each of its own shape and holding a literal of one kind; most the parser
    /// rejects, so that only the fallback normaliser stands between the literal and the report.
    static let statements = [
        "SELECT legacy_status FROM orders WHERE c1 = E'zqxescaped\\'still' ORDER BY BY",
        "SELECT legacy_status FROM orders WHERE c2 = $$it's zqxdollar$$",
        "SELECT legacy_status FROM orders WHERE c3 = $t$zqxtagged$t$ AND AND",
        "SELECT legacy_status FROM orders WHERE c4 = U&'zqxunicode' WHERE",
        "SELECT legacy_status FROM orders WHERE c5 = B'10110111' OR bits = X'DEADBEEFCAFE' FROM",
        "SELECT legacy_status FROM orders WHERE c6 = 987654321 GROUP",
        "SELECT legacy_status FROM orders WHERE c7 = 'zqx\\' and zqxambiguous' OR",
        "UPDATE orders SET c9 = 1, legacy_status = 'zqxunterminated",
        "SELECT legacy_status FROM orders WHERE c8 = 'zqxnul\0'",
    ]

    static let secrets = [
        "zqxunparsed", "zqxquoted", "zqxfirstline", "zqxescaped", "zqxdollar", "zqxtagged", "zqxunicode",
        "10110111", "deadbeefcafe", "987654321", "zqxambiguous", "zqxunterminated", "zqxnul",
    ]

    func plant(in dir: TemporaryDirectory) throws -> String {
        // Lines that fit no format, before any entry (later ones would be continuation lines): a password on
        // one, a double-quoted value on another.
        var log = "wrapper: ALTER ROLE app PASSWORD 'zqxunparsed' applied\n"
        log += "wrapper: invalid input syntax for type integer: \"zqxquoted\" legacy_status\n"
        log += try cleanServerLog()
        for statement in Self.statements { log += Self.head + statement + "\n" }
        log += try cleanServerLog()
        try dir.write("logs/postgresql.log", log)
        // A file whose first line fits no format, quoted by the error that refuses it.
        try dir.write("logs/garbage.log", "'zqxfirstline' was the password\nsomething else\n")
        return dir.path + "/logs"
    }

    func scan(_ logs: String, in dir: TemporaryDirectory, _ extra: [String]) throws -> [String: String] {
        let result = try dropscan(
            [
                "scan", "--target", "orders.legacy_status", "--logs", logs, "--json", dir.path + "/r.json",
                "--markdown", dir.path + "/r.md", "--sarif", dir.path + "/r.sarif",
            ] + extra)
        #expect(result.status == 1)
        var outputs = ["stderr": result.stderr, "stdout": result.stdout]
        for name in ["r.json", "r.md", "r.sarif"] {
            outputs[name] = try String(contentsOfFile: dir.path + "/" + name, encoding: .utf8)
        }
        return outputs
    }

    @Test func noPlantedLiteralReachesAnyReportOrMessage() throws {
        let dir = try TemporaryDirectory()
        let logs = try plant(in: dir)
        let outputs = try scan(logs, in: dir, [])
        for (name, text) in outputs {
            for secret in Self.secrets {
                #expect(!text.lowercased().contains(secret), "\(secret) leaked into \(name)")
            }
        }
        // The places were really reached: every statement is a group, both lines are samples, the file's
        // refusal is an error.
        let report = try decodeReport(try #require(outputs["r.json"]))
        let groups = try #require(try target(report, "orders.legacy_status")["runtime"] as? [String: Any])["groups"]
        #expect((groups as? [Any])?.count == Self.statements.count)
        let coverage = try #require(report["coverage"] as? [String: Any])
        let samples = try #require((coverage["entries"] as? [String: Any])?["unparsedSamples"] as? [[String: Any]])
        #expect(samples.count == 2)
        #expect(
            samples.first?["text"] as? String == "wrapper: alter role app password $1 applied")
        let errors = try #require(coverage["errors"] as? [[String: Any]])
        #expect(
            errors.contains {
                ($0["message"] as? String)?.contains("from the first line \"$1 was the password\"") == true
            })
    }

    /// The same scan with --show-values shows them: the test above would see a leak if there were one.
    @Test func showValuesShowsThePlantedLiterals() throws {
        let dir = try TemporaryDirectory()
        let logs = try plant(in: dir)
        let json = try #require(try scan(logs, in: dir, ["--show-values"])["r.json"]).lowercased()
        for secret in Self.secrets where secret != "zqxnul" {
            #expect(json.contains(secret), "\(secret) is not in the report even with --show-values")
        }
    }
}
