import Foundation
import Matching
import TestSupport
import Testing

@testable import Report

@Suite struct GitHubAnnotationsTests {
    @Test func annotationsStayWithinGitHubsPerStepLimitsDropLineFirst() throws {
        let usage = try targetUsage(
            findings: (0..<30).map { finding("app/f\($0).rb", line: $0 + 1) },
            migration: MigrationSite(path: "db/migrate/1_drop.rb", line: 3))
        let text = String(
            decoding: try GitHubAnnotationsReporter().render(
                report([usage], reasons: ["orders.legacy_status is still used: 30 code reference(s)."])),
            as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("::error ") }.count == 10)
        #expect(lines.filter { $0.hasPrefix("::warning ") }.count == 0)
        #expect(
            lines[0]
                == "::error file=db/migrate/1_drop.rb,line=3,title=dropscan%3A orders.legacy_status blocked::orders.legacy_status is still used: 30 code reference(s)."
        )
        #expect(
            lines.last?.hasPrefix(
                "::notice title=dropscan%3A more annotations::21 more not shown (see the JSON report)") == true)
    }

    @Test func workflowCommandValuesAreEscaped() {
        #expect(GitHubAnnotationsReporter.property("a,b:c%d") == "a%2Cb%3Ac%25d")
        #expect(GitHubAnnotationsReporter.data("x\n::error::y\r%") == "x%0A::error::y%0D%25")
    }
}

@Suite struct JUnitReporterTests {
    @Test func aTestCasePerTargetWellFormedWhateverTheNames() throws {
        var hostile = try targetUsage(findings: [finding("a.rb", line: 1, snippet: "x < y && \"q\" \u{1}")])
        hostile.target = "orders.\"<&'>\""
        let pass = try targetUsage("audit_notes.*")
        let text = String(decoding: try JUnitReporter().render(report([hostile, pass], reasons: ["r"])), as: UTF8.self)
        let script = """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            suite = root.find('testsuite')
            print(suite.get('tests'), suite.get('failures'), suite.get('errors'))
            for case in suite.findall('testcase'):
                print(case.get('name'), 'failure' if case.find('failure') is not None else 'ok')
            """
        let dir = try TemporaryDirectory()
        let result = try runCapturing("/usr/bin/python3", ["-c", script, try dir.write("r.xml", text)])
        #expect(result.stdout == "2 1 0\norders.\"<&'>\" failure\naudit_notes.* ok\n", "\(result.stderr)")
    }
}

@Suite struct GitLabCodeQualityTests {
    @Test func issuesHaveGitLabsFieldsAndUniqueFingerprints() throws {
        let repeated = finding("app/a.rb", line: 3)
        var again = repeated
        again.line = 8
        let usage = try targetUsage(
            findings: [repeated, again, finding("app/b.rb", line: 2, evidence: .possible)],
            migration: MigrationSite(path: "./db/migrate/1_drop.rb", line: 4))
        let data = try GitLabCodeQualityReporter().render(
            report([usage], reasons: ["orders.legacy_status is still used."]))
        let issues = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(issues.count == 4)
        for issue in issues {
            #expect(issue["description"] is String && issue["check_name"] is String)
            let location = try #require(issue["location"] as? [String: Any])
            #expect(location["path"] is String)
            #expect((location["lines"] as? [String: Int])?["begin"] != nil)
        }
        #expect(Set(issues.compactMap { $0["fingerprint"] as? String }).count == 4)
        #expect(issues.compactMap { $0["severity"] as? String } == ["blocker", "blocker", "blocker", "info"])
        #expect((issues[0]["location"] as? [String: Any])?["path"] as? String == "db/migrate/1_drop.rb")
    }
}
