import Foundation
import TestSupport
import Testing

@testable import DropScan

/// The demo example: a small app and gzip-compressed logs written by a real PostgreSQL 15 server
/// (`Fixtures/postgres/run-workload.sh` with the `shop` workload).
let demo = repositoryRoot + "/Tests/DropScanTests/Fixtures/demo"

/// Runs the built `dropscan` with `arguments`.
func dropscan(_ arguments: [String]) throws -> ProcessResult {
    try runCapturing(dropscanExecutable(), arguments, environment: ["DROPSCAN_PATTERNS": repositoryRoot + "/Patterns"])
}

func decodeReport(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

func target(_ report: [String: Any], _ name: String) throws -> [String: Any] {
    let targets = try #require(report["targets"] as? [[String: Any]])
    return try #require(targets.first { $0["target"] as? String == name })
}

@Suite struct ExitCodeTests {
    @Test func aUseFoundExitsOneAndIsReported() throws {
        let dir = try TemporaryDirectory()
        try dir.write("app/q.sql", "SELECT legacy_status FROM orders WHERE id = 1;\n")
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--source", dir.path + "/app", "--json", "-",
        ])
        #expect(result.status == 1)
        let report = try decodeReport(result.stdout)
        #expect(report["verdict"] as? String == "blocked")
        #expect(result.stderr.contains("orders.legacy_status: blocked"))
    }

    @Test func nothingFoundOnCleanInputsExitsZero() throws {
        let dir = try TemporaryDirectory()
        try dir.write("app/q.sql", "SELECT id FROM orders;\n")
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--source", dir.path + "/app", "--json", "-",
        ])
        #expect(result.status == 0)
        #expect(try decodeReport(result.stdout)["verdict"] as? String == "pass")
    }

    @Test(arguments: [
        ["scan", "--target", "orders.*.status", "--source", "."],
        ["scan", "--source", "."],
        ["scan", "--target", "orders.x"],
        ["scan", "--target", "orders.x", "--source", ".", "--block-on", "sometimes"],
        ["scan", "--target", "orders.x", "--source", ".", "--gap", "soon"],
        ["scan", "--no-such-flag"],
    ])
    func usageErrorsExitTwoWithAMessage(arguments: [String]) throws {
        let result = try dropscan(arguments)
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
    }

    @Test func malformedTargetMessageNamesIt() throws {
        let result = try dropscan(["scan", "--target", "orders.*.status", "--source", "."])
        #expect(result.stderr.contains("orders.*.status"))
    }

    @Test func targetsFileErrorsNameTheFileAndLine() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("targets.txt", "orders.ok\n\nbad target here\n")
        let result = try dropscan(["scan", "--targets-file", file, "--source", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("targets.txt:3:"))
    }
}

@Suite struct TruncatedInputTests {
    /// Two log files: one intact, one gzip cut in the middle; `orders.legacy_status` is used only in the
    /// part of the cut file that comes before the cut, when `useBeforeCut` is true.
    func scanWithTruncatedLog(useBeforeCut: Bool) throws -> (ProcessResult, [String: Any]) {
        let dir = try TemporaryDirectory()
        let line = "2024-05-02 10:15:42.123 UTC [1] app@shop LOG:  statement: SELECT id FROM orders WHERE id = 1;\n"
        var text = useBeforeCut ? line.replacingOccurrences(of: "SELECT id", with: "SELECT legacy_status") : ""
        text += String(repeating: line, count: 3000)
        let full = try gzip(text)
        try dir.write("logs/cut.log.gz", Data(full.prefix(full.count * 2 / 3)))
        try dir.write("logs/intact.log.gz", try gzip(String(repeating: line, count: 10)))
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", dir.path + "/logs", "--json", "-",
        ])
        return (result, try decodeReport(result.stdout))
    }

    @Test func truncatedGzipWithNothingFoundIsInconclusiveWithItsOffset() throws {
        let (result, report) = try scanWithTruncatedLog(useBeforeCut: false)
        #expect(result.status == 3)
        #expect(report["verdict"] as? String == "inconclusive")
        let coverage = try #require(report["coverage"] as? [String: Any])
        #expect(coverage["logFiles"] as? Int == 2)
        let errors = try #require(coverage["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect((errors[0]["path"] as? String)?.hasSuffix("cut.log.gz") == true)
        #expect((errors[0]["offset"] as? Int ?? 0) > 0)
        #expect((errors[0]["message"] as? String)?.contains("truncated") == true)
    }

    @Test func aUseBeforeTheCutIsStillBlockedAndTheErrorStillListed() throws {
        let (result, report) = try scanWithTruncatedLog(useBeforeCut: true)
        #expect(result.status == 1)
        #expect(report["verdict"] as? String == "blocked")
        let coverage = try #require(report["coverage"] as? [String: Any])
        #expect((coverage["errors"] as? [[String: Any]])?.count == 1)
        let usage = try target(report, "orders.legacy_status")
        #expect((usage["runtime"] as? [String: Any])?["statements"] as? Int == 1)
    }
}

@Suite struct SourceSkippingTests {
    @Test func binaryAndIgnoredFilesAreSkippedAndBinariesReported() throws {
        let dir = try TemporaryDirectory()
        try dir.write("repo/.gitignore", "dist/\n")
        try dir.write("repo/dist/bundle.sql", "SELECT legacy_status FROM orders;\n")
        try dir.write("repo/blob.bin", Data([0x00, 0x01] + Array("legacy_status".utf8)))
        try dir.write("repo/ok.sql", "SELECT 1;\n")
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--source", dir.path + "/repo", "--json", "-",
        ])
        #expect(result.status == 0)
        let report = try decodeReport(result.stdout)
        let coverage = try #require(report["coverage"] as? [String: Any])
        let skipped = try #require(coverage["skipped"] as? [[String: Any]])
        #expect(skipped.count == 1)
        #expect((skipped[0]["path"] as? String)?.hasSuffix("blob.bin") == true)
        #expect((skipped[0]["reason"] as? String)?.contains("binary") == true)
        #expect(coverage["sourceFiles"] as? Int == 2)  // .gitignore and ok.sql
    }
}

@Suite struct ReportSchemaTests {
    /// Validates with python3's jsonschema (Debian python3-jsonschema, installed by `make test`).
    func validate(_ json: String) throws -> ProcessResult {
        let dir = try TemporaryDirectory()
        let path = try dir.write("report.json", json)
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
            for e in errors: print(list(e.absolute_path), e.message)
            sys.exit(1 if errors else 0)
            """
        return try runCapturing(
            "/usr/bin/python3", ["-c", script, repositoryRoot + "/Reports/schema/report.schema.json", path])
    }

    /// A gate report whose uses the baseline accepted marks each of them, and the schema accepts it.
    @Test func aReportWithAcceptedUsesValidatesAgainstTheSchema() throws {
        let dir = try TemporaryDirectory()
        let policy = try dir.write("policy.yml", lenientPolicy)
        let inputs = ["--target", "orders.legacy_status", "--logs", demo + "/logs", "--source", demo + "/app"]
        _ = try dropscan(["gate", "--policy", policy, "--write-baseline", dir.path + "/baseline"] + inputs)
        let result = try dropscan(
            ["gate", "--policy", policy, "--baseline", dir.path + "/baseline", "--json", "-"] + inputs)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try decodeReport(result.stdout)
        let target = try #require((report["targets"] as? [[String: Any]])?.first)
        let code = try #require(target["code"] as? [String: Any])
        let findings = try #require(code["findings"] as? [[String: Any]])
        let blocking = findings.filter { ["confirmed", "implicit", "probable"].contains($0["evidence"] as? String) }
        #expect(!blocking.isEmpty)
        #expect(blocking.allSatisfy { $0["suppressed"] as? String == "baseline" })
        let validation = try validate(result.stdout)
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
    }

    @Test func demoReportValidatesAgainstTheSchema() throws {
        let result = try dropscan([
            "scan", "--targets-file", demo + "/targets.txt", "--logs", demo + "/logs", "--source", demo + "/app",
            "--json", "-",
        ])
        #expect(result.status == 1)
        let validation = try validate(result.stdout)
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
    }

    @Test func schemaRejectsAReportWithAMissingContractKey() throws {
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", demo + "/logs", "--json", "-",
        ])
        var report = try decodeReport(result.stdout)
        report.removeValue(forKey: "coverage")
        let broken = String(decoding: try JSONSerialization.data(withJSONObject: report), as: UTF8.self)
        #expect(try validate(broken).status == 1)
    }

    @Test(arguments: ["blocked", "pass", "inconclusive"])
    func exampleReportValidatesAgainstTheSchema(name: String) throws {
        let example = try String(
            contentsOfFile: repositoryRoot + "/Reports/examples/\(name)/report.json", encoding: .utf8)
        let validation = try validate(example)
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
    }
}

@Suite struct PatternsCommandTests {
    @Test func checkPassesOnTheBundledLibrary() throws {
        let result = try dropscan(["patterns", "check", repositoryRoot + "/Patterns"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("0 problem(s)"))
    }

    @Test func checkReportsABrokenUserRuleWithItsPlace() throws {
        let dir = try TemporaryDirectory()
        try dir.write(
            "mine.rules", "rule: mine.bad\ndescription: d\nevidence: possible\npattern: ({column}\npositive: x\n")
        let result = try dropscan(["patterns", "check", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("mine.rules:1: rule mine.bad: pattern: PCRE2: missing closing parenthesis"))
    }

    @Test func checkRunsExamplesThroughTheScannerAndNamesOneThatDisagrees() throws {
        let dir = try TemporaryDirectory()
        try dir.write(
            "mine.rules",
            """
            rule: mine.member-status
            description: the column as a member, scoped by the receiver
            evidence: confirmed
            scope: member
            files: *.py
            pattern: \\.{column}
            positive: order.legacy_status
            negative: order.other
            example: confirmed: print(↓order.legacy_status)
            example: confirmed: print(↓row.legacy_status)

            """)
        let result = try dropscan(["patterns", "check", dir.path])
        #expect(result.status == 2)
        #expect(result.stdout.contains("1 rules, 2 samples and 2 examples checked, 1 problem(s)"))
        #expect(
            result.stderr.contains(
                "mine.rules:10: rule mine.member-status: example line 1 in example.py: expected confirmed from this rule, got mine.member-status possible"
            ))
    }
}

@Suite struct UnparsedLineTests {
    @Test func anUnparsedLineNamingATargetMakesACleanResultInconclusive() throws {
        let dir = try TemporaryDirectory()
        let good = "2024-05-02 10:15:42.123 UTC [7] app@shop/web LOG:  statement: SELECT id FROM orders\n"
        // Before any entry, a line that fits no prefix cannot be a continuation line: it stays unparsed.
        try dir.write("a.log", "garbage: legacy_status was here\n" + String(repeating: good, count: 10))
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", dir.path + "/a.log", "--json", "-",
        ])
        #expect(result.status == 3)
        let report = try decodeReport(result.stdout)
        #expect((report["reasons"] as? [String])?.contains { $0.contains("fit no log format") } == true)
        let entries = try #require((report["coverage"] as? [String: Any])?["entries"] as? [String: Any])
        #expect(entries["unparsed"] as? Int == 1)
        let samples = try #require(entries["unparsedSamples"] as? [[String: Any]])
        #expect(samples.first?["line"] as? Int == 1)
    }

    @Test func aLineWithoutPrefixAfterAnEntryIsJoinedAndCountedAndInconclusiveWhenItHidesATarget() throws {
        let dir = try TemporaryDirectory()
        let good = "2024-05-02 10:15:42.123 UTC [7] app@shop/web LOG:  statement: SELECT id FROM orders\n"
        try dir.write("a.log", String(repeating: good, count: 10) + "garbage: legacy_status was here\n" + good)
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", dir.path + "/a.log", "--json", "-",
        ])
        #expect(result.status == 3)
        let report = try decodeReport(result.stdout)
        #expect(
            (report["reasons"] as? [String])?.contains { $0.contains("joined to them as continuation lines") } == true)
        let entries = try #require((report["coverage"] as? [String: Any])?["entries"] as? [String: Any])
        #expect(entries["unparsed"] as? Int == 0)
        #expect(entries["joinedLines"] as? Int == 1)
        #expect(entries["parsed"] as? Int == 11)
    }

    @Test func unparsedLinesThatNameNoTargetDoNotBlockAPass() throws {
        let dir = try TemporaryDirectory()
        let good = "2024-05-02 10:15:42.123 UTC [7] app@shop/web LOG:  statement: SELECT id FROM orders\n"
        try dir.write("a.log", String(repeating: good, count: 10) + "garbage written by a wrapper\n" + good)
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", dir.path + "/a.log", "--json", "-",
        ])
        #expect(result.status == 0, "\(result.stdout)")
    }
}

@Suite struct EmptyInputTests {
    @Test func anEmptyLogFileIsAnEmptyLogNotAnError() throws {
        let dir = try TemporaryDirectory()
        try dir.write("logs/empty.log", "")
        try dir.write("logs/empty.log.gz", try gzip(""))
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--logs", dir.path + "/logs", "--json", "-",
        ])
        let coverage = try #require(try decodeReport(result.stdout)["coverage"] as? [String: Any])
        #expect((coverage["errors"] as? [Any])?.isEmpty == true)
        #expect(coverage["logFiles"] as? Int == 2)
    }
}
