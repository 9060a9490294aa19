import Foundation
import Gate
import Matching
import TestSupport
import Testing

@testable import Report

/// Uses the allowlist or the baseline accepts are marked in the JSON and shown apart by every format:
/// never counted, never as blockers.
@Suite struct SuppressedFindingTests {
    /// orders.legacy_status used by app code (blocks), a backfill script (allowed by path) and one logged
    /// statement shape (allowed by its id), decided under a policy with those two allowlist entries.
    func decided() throws -> UsageReport {
        let target = try targetUsage(
            findings: [
                finding("app/models/order.rb", line: 3),
                finding("scripts/backfill.rb", line: 9, snippet: "Order.update_all(legacy_status: nil)"),
            ],
            groups: [group("5f1c0a", "SELECT legacy_status FROM orders WHERE id = $1", count: 4, applications: ["bi"])])
        var usage = report([target])
        var policy = GatePolicy()
        policy.allowlist = [
            AllowlistEntry(path: "scripts/**", reason: "one-off backfill", owner: "data", expires: "2099-12-31"),
            AllowlistEntry(fingerprint: "5f1c0a", reason: "BI export retired", owner: "bi", expires: "2099-12-31"),
        ]
        Gate.decide(&usage, policy: policy)
        return usage
    }

    @Test func theJSONMarksWhatAcceptedEachUseAndTheReasonCountsOnlyTheRest() throws {
        let decided = try decided()
        let code = decided.targets[0].code.findings
        #expect(code.map(\.suppressed) == [nil, "allowlist path scripts/**"])
        #expect(decided.targets[0].runtime.groups.map(\.suppressed) == ["allowlist fingerprint 5f1c0a"])
        #expect(decided.decision?.suppressed == 5)
        #expect(
            decided.reasons.first
                == "orders.legacy_status is still used: 1 code reference(s) (5 more allowed by the allowlist or baseline)."
        )
        // Decided again without the allowlist, nothing stays marked.
        var again = decided
        Gate.decide(&again, policy: GatePolicy())
        #expect(again.targets[0].code.findings.allSatisfy { $0.suppressed == nil })
        #expect(again.targets[0].runtime.groups.allSatisfy { $0.suppressed == nil })
    }

    @Test func markdownCountsOnlyBlockersAndListsAcceptedUsesApart() throws {
        let markdown = String(decoding: try MarkdownReporter().render(try decided()), as: UTF8.self)
        #expect(markdown.contains("| `orders.legacy_status` | ⛔ blocked | 0 | 0 | 1 | – | – |"))
        #expect(
            markdown.contains(
                "5 use(s) accepted by the allowlist or the baseline are not counted and do not block; they are listed under their target."
            ))
        let accepted = try #require(markdown.range(of: "Accepted by the allowlist or the baseline"))
        let blockingCode = try #require(markdown.range(of: "| Code | Evidence | Rule | Snippet |"))
        let blockingSection = markdown[blockingCode.upperBound..<accepted.lowerBound]
        #expect(blockingSection.contains("app/models/order.rb:3"))
        #expect(!blockingSection.contains("scripts/backfill.rb"))
        #expect(!markdown.contains("| Statement in logs |"))
        let acceptedSection = markdown[accepted.upperBound...]
        #expect(acceptedSection.contains("| `scripts/backfill.rb:9` | confirmed |"))
        #expect(acceptedSection.contains("`allowlist path scripts/**`"))
        #expect(acceptedSection.contains("| logs: 4 execution(s) | confirmed |"))
    }

    @Test func sarifKeepsAcceptedUsesAsSuppressedNotes() throws {
        let data = try SARIFReporter().render(try decided())
        #expect(try sarifSchemaProblems(data) == "")
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let run = try #require((document["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.map { $0["level"] as? String } == ["error", "note", "note"])
        #expect(results[0]["suppressions"] == nil)
        let suppressions = results.dropFirst().map { ($0["suppressions"] as? [[String: String]])?.first }
        #expect(
            suppressions == [
                ["kind": "external", "status": "accepted", "justification": "allowlist fingerprint 5f1c0a"],
                ["kind": "external", "status": "accepted", "justification": "allowlist path scripts/**"],
            ])
    }

    @Test func annotationsJUnitGitLabAndTheSummaryNeverShowAcceptedUsesAsBlockers() throws {
        let decided = try decided()
        let annotations = String(decoding: try GitHubAnnotationsReporter().render(decided), as: UTF8.self)
        #expect(annotations.split(separator: "\n").filter { $0.hasPrefix("::error") }.count == 1)
        #expect(annotations.contains("::error file=app/models/order.rb,line=3,"))
        #expect(!annotations.contains("scripts/backfill.rb"))

        let junit = String(decoding: try JUnitReporter().render(decided), as: UTF8.self)
        let failure = try #require(junit.range(of: "</failure>"))
        #expect(!junit[..<failure.lowerBound].contains("scripts/backfill.rb"))
        #expect(
            junit.contains(
                "<system-out>&#10;accepted (allowlist fingerprint 5f1c0a): log: 4 execution(s), confirmed: SELECT legacy_status FROM orders WHERE id = $1&#10;accepted (allowlist path scripts/**): code: scripts/backfill.rb:9 (confirmed, rails.where-hash): Order.update_all(legacy_status: nil)&#10;</system-out>"
            ))

        let gitlab = try #require(
            try JSONSerialization.jsonObject(with: try GitLabCodeQualityReporter().render(decided)) as? [[String: Any]])
        #expect(gitlab.map { $0["severity"] as? String } == ["info", "blocker", "info"])
        let descriptions = gitlab.map { $0["description"] as? String ?? "" }
        #expect(descriptions[0].hasPrefix("Accepted by the allowlist fingerprint 5f1c0a: orders.legacy_status is used"))
        #expect(descriptions[1].hasPrefix("orders.legacy_status is referenced here (confirmed"))
        #expect(
            descriptions[2].hasPrefix("Accepted by the allowlist path scripts/**: orders.legacy_status is referenced"))

        let summary = String(decoding: try SummaryReporter().render(decided), as: UTF8.self)
        #expect(
            summary.contains(
                "orders.legacy_status: blocked (0 logged use(s), 1 code reference(s), 5 accepted by the allowlist or baseline)"
            ))
    }
}
