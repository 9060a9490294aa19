import Foundation
import TestSupport
import Testing

@testable import DropScan

/// The committed examples (`make examples`): every format of a blocked, a passing and an inconclusive scan.
let exampleNames = ["blocked", "pass", "inconclusive"]
let exampleFiles = [
    "report.json", "report.md", "report.sarif", "report.junit.xml", "report.github.txt", "report.gitlab.json",
]

@Suite struct ExampleReportTests {
    @Test func committedExamplesMatchWhatTheCurrentBuildWrites() throws {
        let dir = try TemporaryDirectory()
        let result = try runCapturing(
            repositoryRoot + "/Reports/examples/generate.sh", [dropscanExecutable(), dir.path])
        try #require(result.status == 0, "\(result.stderr)")
        for name in exampleNames {
            for file in exampleFiles {
                let committed = FileManager.default.contents(
                    atPath: "\(repositoryRoot)/Reports/examples/\(name)/\(file)")
                let fresh = FileManager.default.contents(atPath: "\(dir.path)/\(name)/\(file)")
                #expect(
                    fresh != nil && committed == fresh, "Reports/examples/\(name)/\(file) drifted: run make examples")
            }
        }
    }

    @Test(arguments: exampleNames)
    func exampleSARIFValidatesAgainstTheOfficialSchema(name: String) throws {
        let schema = repositoryRoot + "/.build/schemas/sarif-schema-2.1.0.json"
        try #require(
            FileManager.default.fileExists(atPath: schema),
            "run make test-deps to fetch the official SARIF 2.1.0 schema")
        let script = """
            import json, sys, jsonschema
            validator = jsonschema.Draft4Validator(json.load(open(sys.argv[1])), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
            errors = list(validator.iter_errors(json.load(open(sys.argv[2]))))
            for e in errors: print(list(e.absolute_path), e.message)
            sys.exit(1 if errors else 0)
            """
        let result = try runCapturing(
            "/usr/bin/python3", ["-c", script, schema, "\(repositoryRoot)/Reports/examples/\(name)/report.sarif"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func theBlockedExampleLocatesUsesAtTheMigrationsDropLine() throws {
        let report = try decodeReport(
            try String(contentsOfFile: repositoryRoot + "/Reports/examples/blocked/report.json", encoding: .utf8))
        let migration = try #require(try target(report, "orders.legacy_status")["migration"] as? [String: Any])
        #expect(migration["path"] as? String == "Reports/examples/inputs/contract-blocked.sql")
        #expect(migration["line"] as? Int == 2)
        let annotations = try String(
            contentsOfFile: repositoryRoot + "/Reports/examples/blocked/report.github.txt", encoding: .utf8)
        #expect(
            annotations.hasPrefix(
                "::error file=Reports/examples/inputs/contract-blocked.sql,line=2,title=dropscan%3A orders.legacy_status blocked::"
            ))
    }
}

@Suite struct ReportCommandTests {
    let example = repositoryRoot + "/Reports/examples/blocked/report.json"

    @Test func rendersEachFormatFromASavedReport() throws {
        for (format, start) in [
            ("md", "<!-- dropscan-report -->"), ("sarif", "{"), ("junit", "<?xml"), ("github", "::error "),
            ("gitlab", "["),
        ] {
            let result = try dropscan(["report", "--report", example, "--format", format])
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect(result.stdout.hasPrefix(start), "\(format)")
        }
    }

    @Test func anUnknownFormatOrAMissingReportIsAUsageError() throws {
        let unknown = try dropscan(["report", "--report", example, "--format", "pdf"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--format must be one of"))
        let missing = try dropscan(["report", "--report", "/nonexistent/report.json", "--format", "md"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read /nonexistent/report.json"))
    }

    @Test func githubFormatAppendsTheMarkdownReportToTheStepSummary() throws {
        let dir = try TemporaryDirectory()
        let summary = try dir.write("summary.md", "# Earlier step\n")
        let status = ReportCommand.run(
            .init(report: example, format: "github", output: dir.path + "/annotations.txt"),
            environment: ["GITHUB_STEP_SUMMARY": summary])
        #expect(status == 0)
        let text = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(text.hasPrefix("# Earlier step\n<!-- dropscan-report -->\n## ⛔ dropscan: blocked\n"))
    }

    @Test func linksUseTheRepositoryFromGitHubsVariables() throws {
        let dir = try TemporaryDirectory()
        let output = dir.path + "/report.md"
        let status = ReportCommand.run(
            .init(report: example, format: "md", output: output),
            environment: [
                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop",
                "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
            ])
        #expect(status == 0)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(
            text.contains(
                "[`Tests/DropScanTests/Fixtures/demo/app/shop/models.py:16`](https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/Tests/DropScanTests/Fixtures/demo/app/shop/models.py#L16)"
            ))
    }
}
