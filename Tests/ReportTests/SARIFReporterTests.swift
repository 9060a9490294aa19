import Foundation
import Matching
import TestSupport
import Testing

@testable import Report

func sarifResults(_ data: Data) throws -> (run: [String: Any], results: [[String: Any]]) {
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let run = try #require((object["runs"] as? [[String: Any]])?.first)
    return (run, try #require(run["results"] as? [[String: Any]]))
}

func artifact(_ result: [String: Any]) -> [String: Any]? {
    ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])?["artifactLocation"]
        as? [String: Any]
}

@Suite struct SARIFReporterTests {
    func richReport() throws -> UsageReport {
        let repeated = finding("app/my file#1.rb", line: 3)
        var again = repeated
        again.line = 9  // the same text on another line: the same finding fingerprint
        let dropped = try targetUsage(
            findings: [repeated, again, finding("app/b.rb", line: 4, evidence: .possible)],
            groups: [group("00000000000000ab", "update orders set legacy_status = $1", applications: ["billing"])],
            migration: MigrationSite(path: "db/migrate/20240101_drop.rb", line: 3))
        let other = try targetUsage(
            "invoices.*",
            groups: [group("00000000000000cd", "select * from invoices", evidence: .implicit, applications: ["bi"])])
        var coverage = Coverage()
        coverage.errors = [CoverageError(path: "/var/log/pg/b.log.gz", offset: 4096, message: "gzip data ends early")]
        return report([dropped, other], reasons: ["x"], coverage: coverage)
    }

    @Test func validatesAgainstTheOfficialSARIFSchema() throws {
        let problems = try sarifSchemaProblems(try SARIFReporter().render(try richReport()))
        #expect(problems.isEmpty, "\(problems)")
        let capped = try SARIFReporter(options: ReportOptions(maxSARIFResults: 1)).render(try richReport())
        #expect(try sarifSchemaProblems(capped).isEmpty)
    }

    @Test func runtimeUsesAreResultsAtTheDropLineOrNamedByLogAndStatement() throws {
        let (_, results) = try sarifResults(try SARIFReporter().render(try richReport()))
        let atDrop = try #require(
            results.first { ($0["properties"] as? [String: Any])?["statementGroup"] as? String == "00000000000000ab" })
        #expect(atDrop["ruleId"] as? String == "dropscan/runtime-use")
        #expect(artifact(atDrop)?["uri"] as? String == "db/migrate/20240101_drop.rb")
        #expect(artifact(atDrop)?["uriBaseId"] as? String == "%SRCROOT%")
        let noMigration = try #require(
            results.first { ($0["properties"] as? [String: Any])?["statementGroup"] as? String == "00000000000000cd" })
        let logical = try #require(
            ((noMigration["locations"] as? [[String: Any]])?.first?["logicalLocations"] as? [[String: Any]])?.first)
        #expect(logical["fullyQualifiedName"] as? String == "logs/a.log.gz:7/00000000000000cd")
        #expect(artifact(noMigration)?["uri"] as? String == "logs/a.log.gz")
    }

    @Test func fingerprintsAreUniqueAndURIsRelativeAndPercentEncoded() throws {
        let (_, results) = try sarifResults(try SARIFReporter().render(try richReport()))
        #expect(results.count == 5)
        let fingerprints = results.compactMap { ($0["partialFingerprints"] as? [String: String])?.values.first }
        #expect(Set(fingerprints).count == 5)
        let uris = results.compactMap { artifact($0)?["uri"] as? String }
        #expect(uris.filter { $0 == "app/my%20file%231.rb" }.count == 2)
    }

    @Test func levelsFollowTheBlockOnTier() throws {
        let usage = try targetUsage(findings: [
            finding("a.rb", line: 1, evidence: .probable), finding("b.rb", line: 1, evidence: .possible),
        ])
        func levels(_ blockOn: Evidence) throws -> [String] {
            try sarifResults(try SARIFReporter(options: ReportOptions(blockOn: blockOn)).render(report([usage])))
                .results
                .compactMap { $0["level"] as? String }
        }
        #expect(try levels(.probable) == ["error", "note"])
        #expect(try levels(.confirmed) == ["note", "note"])
        #expect(try levels(.possible) == ["error", "error"])
    }

    @Test func resultsAreCappedBlockingFirstAndTheRestCounted() throws {
        let findings =
            (0..<3).map { finding("a\($0).rb", line: 1) }
            + (0..<5).map { finding("p\($0).rb", line: 1, evidence: .possible) }
        let data = try SARIFReporter(options: ReportOptions(maxSARIFResults: 4)).render(
            report([try targetUsage(findings: findings)]))
        let (run, results) = try sarifResults(data)
        #expect(results.compactMap { $0["level"] as? String } == ["error", "error", "error", "note"])
        #expect((run["properties"] as? [String: Any])?["omittedResults"] as? Int == 4)
        let notifications = try #require(
            (run["invocations"] as? [[String: Any]])?.first?["toolExecutionNotifications"] as? [[String: Any]])
        #expect(
            (notifications.last?["message"] as? [String: String])?["text"]?.hasPrefix("4 more results not included")
                == true)
    }

    @Test func readErrorsAreToolExecutionNotifications() throws {
        let (run, _) = try sarifResults(try SARIFReporter().render(try richReport()))
        let notifications = try #require(
            (run["invocations"] as? [[String: Any]])?.first?["toolExecutionNotifications"] as? [[String: Any]])
        #expect(notifications.count == 1)
        #expect(notifications[0]["level"] as? String == "error")
        #expect(
            (notifications[0]["message"] as? [String: String])?["text"]
                == "/var/log/pg/b.log.gz: could not be read past byte 4096: gzip data ends early")
    }

    @Test func everyRuleSaysWhatItFinds() throws {
        let (run, _) = try sarifResults(try SARIFReporter().render(try richReport()))
        let rules = try #require(
            ((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        #expect(
            rules.compactMap { $0["id"] as? String } == [
                "dropscan/runtime-use", "dropscan/failed-after-drop", "dropscan/code-use",
                "dropscan/database-dependent",
            ])
        for rule in rules {
            #expect(((rule["fullDescription"] as? [String: String])?["text"]?.count ?? 0) > 100)
            #expect(((rule["help"] as? [String: String])?["text"]?.count ?? 0) > 100)
        }
    }

    @Test func messagesEscapeBracketsThatWouldBeEmbeddedLinks() {
        #expect(SARIFReporter().plain("a [x](1) \\ b") == "a \\[x\\](1) \\\\ b")
    }
}
