import Foundation
import Gate
import Matching
import Report
import TestSupport
import Testing

@testable import DropScan

/// The report lists a bounded number of statement shapes and findings per target; what it leaves out is
/// counted, keeps blocking, and is the same whatever the thread count.
@Suite struct ReportLimitTests {
    /// orders.legacy_status over the demo's logs (six statement shapes, 14 executions: 11 confirmed,
    /// 1 implicit, 2 not-a-use) and its app with the shop's schema (two confirmed findings and one possible), as in
    /// Reports/examples/blocked.
    func scan(groups: Int, findings: Int, threads: Int, allowlist: [AllowlistEntry] = []) throws -> UsageReport {
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "orders.legacy_status")]
        configuration.logs = [demo + "/logs"]
        configuration.sources = [demo + "/app"]
        configuration.schemaFiles = [repositoryRoot + "/Tests/DropScanTests/Fixtures/postgres/shop/schema.sql"]
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.threads = threads
        configuration.progress = false
        configuration.maxStatementGroups = groups
        configuration.maxFindings = findings
        configuration.policy.allowlist = allowlist
        return try ScanPipeline(configuration: configuration).run()
    }

    @Test func shapesPastTheLimitAreCountedAndTheSameWhateverTheThreads() throws {
        let one = try scan(groups: 2, findings: 1, threads: 1)
        let runtime = one.targets[0].runtime
        #expect(runtime.groups.count <= 2)
        let omitted = try #require(runtime.groupsOmitted)
        #expect(omitted.limit == 2)
        #expect(runtime.groups.map(\.count).reduce(0, +) + omitted.statements == 14)
        #expect(runtime.byEvidence == ["confirmed": 11, "implicit": 1, "not-a-use": 2])
        for threads in [2, 8] {
            let other = try scan(groups: 2, findings: 1, threads: threads)
            #expect(other.targets[0].runtime.groups.map(\.id) == runtime.groups.map(\.id))
            #expect(other.targets[0].runtime.groupsOmitted == omitted)
        }
        #expect(one.verdict == .blocked)
    }

    @Test func findingsPastTheLimitAreCountedByTierAndStillBlock() throws {
        let report = try scan(groups: 1000, findings: 1, threads: 2)
        let code = report.targets[0].code
        #expect(code.findings.map(\.evidence) == [.confirmed])
        #expect(code.findingsOmitted == ["confirmed": 1, "possible": 1])
        #expect(code.references == 3)
        #expect(report.targets[0].runtime.groupsOmitted == nil)
    }

    @Test func omittedUsesAreAcceptedOnlyByAnEntryForTheWholeTarget() throws {
        let ids = try scan(groups: 1000, findings: 1000, threads: 1).targets[0]
        // Every shape, finding and database dependent (the schema's reporting view) accepted by its own
        // fingerprint: a pass when all are listed.
        let each =
            ids.runtime.groups.map { AllowlistEntry(fingerprint: $0.id) }
            + ids.code.findings.map { AllowlistEntry(fingerprint: $0.fingerprint) }
            + (ids.database?.dependents ?? []).map { AllowlistEntry(fingerprint: $0.fingerprint) }
        let listed = try scan(groups: 1000, findings: 1000, threads: 1, allowlist: each)
        #expect(listed.verdict == .pass, "\(listed.reasons)")
        // The same entries cannot accept what the report does not list.
        #expect(try scan(groups: 2, findings: 1, threads: 1, allowlist: each).verdict == .blocked)
        let whole = [AllowlistEntry(target: "orders.legacy_status")]
        #expect(try scan(groups: 2, findings: 1, threads: 1, allowlist: whole).verdict == .pass)
    }

    @Test func theShapesKeptAreThoseBelowTheCeilingWhicheverWorkerSawThem() {
        func group(_ id: String, _ count: Int) -> GroupAccumulator {
            var group = GroupAccumulator(id: id, statement: id, evidence: .confirmed, sample: nil)
            group.count = count
            return group
        }
        var first = RuntimeAccumulator()
        var second = RuntimeAccumulator()
        first.groups[1] = group("a", 1)
        first.groups[0x8000_0000_0000_0000] = group("d", 4)
        second.groups[2] = group("b", 2)
        second.groups[0x4000_0000_0000_0000] = group("c", 3)
        second.groups[0xC000_0000_0000_0000] = group("e", 5)
        var both = first
        both.merge(second)
        both.trimGroups(to: 2)
        var reversed = second
        reversed.merge(first)
        reversed.trimGroups(to: 2)
        // Halved twice: d and e go at the first halving, c at the second.
        for accumulator in [both, reversed] {
            #expect(Set(accumulator.groups.keys) == [1, 2])
            #expect(accumulator.omittedStatements == 12)
            #expect(accumulator.groupCeiling == 0x3FFF_FFFF_FFFF_FFFF)
        }
    }

    @Test func aLongStatementIsCutInItsGroupSayingHowMuch() {
        let text = "SELECT legacy_status FROM orders WHERE note = '" + String(repeating: "é", count: 3000) + "'"
        let capped = GroupAccumulator.capped(text)
        // 6,048 bytes; at most 4,032 kept: the 47 ASCII bytes and 1,992 é (3,984 bytes; half an é is not kept).
        #expect(capped.hasPrefix("SELECT legacy_status FROM orders WHERE note = 'éé"))
        #expect(capped.hasSuffix(" … (2017 more bytes not shown)"))
        #expect(GroupAccumulator.capped("SELECT 1") == "SELECT 1")
    }
}

extension AllowlistEntry {
    init(target: String? = nil, fingerprint: String? = nil) {
        self.init(
            target: target, path: nil, fingerprint: fingerprint, reason: "accepted", owner: "data-platform",
            expires: "2099-12-31")
    }
}
