import Foundation
import Matching
import Report
import Testing

@testable import Gate

let fingerprintA = String(repeating: "a", count: 64)
let fingerprintB = String(repeating: "b", count: 64)

/// One target used by two code findings (app/models/order.rb, scripts/backfill/fix.py) and one logged
/// statement group `9f86d081884c7d65`.
func usedReport() throws -> UsageReport {
    var report = try sampleReport()
    report.targets[0].runtime.byEvidence = ["confirmed": 2]
    report.targets[0].runtime.statements = 2
    report.targets[0].runtime.groups = [group(id: "9f86d081884c7d65")]
    report.targets[0].code = CodeUsage(
        findings: [
            finding("app/models/order.rb", fingerprint: fingerprintA),
            finding("scripts/backfill/fix.py", fingerprint: fingerprintB),
        ], declarations: [], deprecations: [])
    return report
}

func entry(target: String? = nil, path: String? = nil, fingerprint: String? = nil, expires: String = "2027-01-31")
    -> AllowlistEntry
{
    AllowlistEntry(
        target: target, path: path, fingerprint: fingerprint, reason: "accepted", owner: "data-platform",
        expires: expires)
}

@Suite struct AllowlistTests {
    @Test func aTargetEntryAllowsEveryUseOfTheTarget() throws {
        var policy = plainPolicy()
        policy.allowlist = [entry(target: "orders.legacy_status")]
        var report = try usedReport()
        Gate.decide(&report, policy: policy, context: GateContext(now: dec1))
        #expect(report.verdict == .pass)
        #expect(report.decision?.suppressed == 4)
        #expect(report.decision?.allowlist == [AllowlistUse(entry: policy.allowlist[0], status: .used, matched: 3)])
    }

    @Test func aPathEntryAllowsOnlyTheCodeUnderIt() throws {
        var policy = plainPolicy()
        policy.allowlist = [entry(path: "scripts/**")]
        var report = try usedReport()
        Gate.decide(&report, policy: policy, context: GateContext(now: dec1))
        #expect(report.verdict == .blocked)
        #expect(
            report.decision?.reason
                == "orders.legacy_status is still used: 2 logged statement(s) (2 confirmed) and 1 code reference(s) (1 more allowed by the allowlist or baseline)."
        )
        #expect(report.decision?.allowlist.first?.matched == 1)
    }

    @Test func fingerprintEntriesAllowACodeFindingAndAStatementGroup() throws {
        var policy = plainPolicy()
        policy.allowlist = [
            entry(fingerprint: fingerprintA), entry(fingerprint: fingerprintB), entry(fingerprint: "9f86d081884c7d65"),
        ]
        var report = try usedReport()
        Gate.decide(&report, policy: policy, context: GateContext(now: dec1))
        #expect(report.verdict == .pass)
        #expect(report.decision?.allowlist.map(\.status) == [.used, .used, .used])
        #expect(report.decision?.suppressed == 4)
    }

    @Test func anExpiredEntryNoLongerAllowsAndIsReported() throws {
        var policy = plainPolicy()
        policy.allowlist = [entry(target: "orders.legacy_status", expires: "2026-11-30")]
        var onTheDay = try usedReport()
        let nov30 = Date(timeIntervalSince1970: Double(GateClock.day("2026-11-30")!) * 86400 + 3600)
        Gate.decide(&onTheDay, policy: policy, context: GateContext(now: nov30))
        #expect(onTheDay.verdict == .pass)
        var after = try usedReport()
        Gate.decide(&after, policy: policy, context: GateContext(now: dec1))
        #expect(after.verdict == .blocked)
        #expect(after.decision?.allowlist.first?.status == .expired)
        #expect(
            after.decision?.warnings == [
                "Allowlist entry target orders.legacy_status (owner data-platform) expired on 2026-11-30 and no longer suppresses its 3 finding(s): renew or remove it."
            ])
    }

    @Test func anEntryThatMatchesNothingIsReportedUnused() throws {
        var policy = plainPolicy()
        policy.allowlist = [entry(target: "orders.other_column")]
        var report = try sampleReport()
        Gate.decide(&report, policy: policy, context: GateContext(now: dec1))
        #expect(report.verdict == .pass)
        #expect(report.decision?.allowlist.first?.status == .unused)
        #expect(
            report.decision?.warnings == [
                "Allowlist entry target orders.other_column (owner data-platform) matched nothing: remove it."
            ])
    }
}

@Suite struct BaselineTests {
    @Test func aWrittenBaselineAllowsTodaysFindingsButNotNewOnes() throws {
        let report = try usedReport()
        let text = Baseline.render(report, policy: plainPolicy())
        #expect(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") } == [
                "9f86d081884c7d65\torders.legacy_status\tlog statement",
                "\(fingerprintA)\torders.legacy_status\tapp/models/order.rb:3",
                "\(fingerprintB)\torders.legacy_status\tscripts/backfill/fix.py:3",
            ])
        let baseline = try Baseline.parse(text, path: "baseline.txt")
        var same = report
        Gate.decide(&same, policy: plainPolicy(), context: GateContext(now: dec1, baseline: baseline))
        #expect(same.verdict == .pass)
        #expect(same.decision?.baseline == "baseline.txt")
        var grown = try usedReport()
        grown.targets[0].code.findings.append(finding("app/new.rb", fingerprint: String(repeating: "c", count: 64)))
        Gate.decide(&grown, policy: plainPolicy(), context: GateContext(now: dec1, baseline: baseline))
        #expect(grown.verdict == .blocked)
        #expect(grown.decision?.reason.contains("1 code reference(s)") == true)
    }

    @Test func unusedBaselineFingerprintsAreReportedAndJunkIsRefused() throws {
        let baseline = try Baseline.parse("# x\n\(fingerprintA)\n\(fingerprintB)\textra\n", path: "b.txt")
        var report = try sampleReport()
        Gate.decide(&report, policy: plainPolicy(), context: GateContext(now: dec1, baseline: baseline))
        #expect(
            report.decision?.warnings == [
                "2 baseline fingerprint(s) in b.txt matched nothing: rewrite it with --write-baseline."
            ])
        #expect(throws: PolicyFileError.self) { _ = try Baseline.parse("not a fingerprint\n", path: "b.txt") }
    }
}

@Suite struct ChecklistTests {
    func checklistPolicy(waive: [String] = []) -> GatePolicy {
        var policy = plainPolicy()
        policy.checklist = ChecklistPolicy(
            waive: waive,
            attestations: [Attestation(item: "retention", by: "Lee", at: "2026-11-30", note: nil, source: "policy.yml")]
        )
        return policy
    }

    let isolated = ChangeSet(
        range: "main..pr",
        files: [
            ChangeSet.File(
                path: "db/migrate/20261201_drop.rb", status: "A", classification: "migration", destructive: true),
            ChangeSet.File(path: "db/schema.rb", status: "M", classification: "schema", destructive: false),
        ])

    func attestations() -> [Attestation] {
        ["owners-approve", "backup", "rollback-plan"].map {
            Attestation(item: $0, by: "ops", at: "2026-12-01", note: nil, source: "dropscan-attestations.yml")
        }
    }

    @Test func everyItemVerifiedOrAttestedPasses() throws {
        var report = try sampleReport()
        Gate.decide(
            &report, policy: checklistPolicy(),
            context: GateContext(now: dec1, attestations: attestations(), change: isolated))
        #expect(report.verdict == .pass)
        #expect(
            report.decision?.checklist.map(\.status) == [
                .verified, .verified, .attested, .attested, .attested, .attested, .verified,
            ])
        #expect(report.decision?.checklist[3].by == "Lee")
        #expect(report.decision?.checklist[3].detail == "Attested by Lee on 2026-11-30 (policy.yml).")
        #expect(report.decision?.reason.hasSuffix("every checklist item is verified, attested or waived.") == true)
    }

    @Test func aMissingItemIsInconclusiveUnlessWaived() throws {
        var missing = try sampleReport()
        Gate.decide(&missing, policy: checklistPolicy(), context: GateContext(now: dec1, change: isolated))
        #expect(missing.verdict == .inconclusive)
        #expect(missing.targets[0].verdict == .inconclusive)
        #expect(missing.decision?.checklist[2].status == .missing)
        #expect(
            missing.decision?.reason
                == "Checklist: \"Downstream and reporting owners approve\" is missing. Nobody attested it (add owners-approve to the attestation file beside the migration, with by and at)."
        )
        var waived = try sampleReport()
        Gate.decide(
            &waived, policy: checklistPolicy(waive: ["owners-approve", "backup", "rollback-plan"]),
            context: GateContext(now: dec1, change: isolated))
        #expect(waived.verdict == .pass)
        #expect(waived.decision?.checklist.map(\.status)[2...5] == [.waived, .attested, .waived, .waived])
    }

    @Test func aChangeThatAlsoTouchesApplicationCodeIsNotIsolated() throws {
        var change = isolated
        change.files.append(
            ChangeSet.File(path: "app/models/order.rb", status: "M", classification: "app", destructive: false))
        var report = try sampleReport()
        Gate.decide(
            &report, policy: checklistPolicy(),
            context: GateContext(now: dec1, attestations: attestations(), change: change))
        #expect(report.verdict == .inconclusive)
        #expect(report.decision?.checklist[6].status == .failed)
        #expect(
            report.decision?.reason
                == "Checklist: main..pr also changes app/models/order.rb: ship the destructive migration in a pull request of its own."
        )
        var noDrop = isolated
        noDrop.files = [noDrop.files[1]]
        var nothing = try sampleReport()
        Gate.decide(
            &nothing, policy: checklistPolicy(),
            context: GateContext(now: dec1, attestations: attestations(), change: noDrop))
        #expect(nothing.decision?.checklist[6].detail == "main..pr holds no destructive migration.")
    }

    @Test func usesFailTheCodeAndLogItemsAndTheTargetsReasonDecides() throws {
        var report = try usedReport()
        Gate.decide(
            &report, policy: checklistPolicy(),
            context: GateContext(now: dec1, attestations: attestations(), change: isolated))
        #expect(report.verdict == .blocked)
        #expect(report.decision?.checklist[0].status == .failed)
        #expect(report.decision?.checklist[1].status == .failed)
        #expect(report.decision?.reason.hasPrefix("orders.legacy_status is still used") == true)
    }

    @Test func withoutLogsTheLogItemIsMissing() throws {
        var report = try sampleReport()
        report.coverage.logFiles = 0
        report.run?.logs = []
        report.run?.inputs = []
        Gate.decide(
            &report, policy: checklistPolicy(),
            context: GateContext(now: dec1, attestations: attestations(), change: isolated))
        #expect(report.verdict == .inconclusive)
        #expect(report.decision?.checklist[1].status == .missing)
        #expect(report.decision?.checklist[1].detail == "No query log was read (give --logs).")
    }
}

@Suite struct AllowedDependentTests {
    /// A view over the target, as the catalog reports it, with a hand-written fingerprint.
    func reportWithADependentView() throws -> UsageReport {
        var report = try sampleReport()
        var view = Dependent(
            kind: .view, name: "public.open_orders", table: nil,
            definition: "SELECT id FROM orders WHERE legacy_status = 'open'", evidence: .confirmed,
            reason: "reads legacy_status", onDrop: .breaks, source: .database, origin: "localhost:5432/shop")
        view.fingerprint = String(repeating: "c", count: 64)
        report.targets[0].database = DatabaseUsage(dependents: [view])
        return report
    }

    @Test func aDependentBlocksUntilTheAllowlistAcceptsItAndIsThenMarkedWithTheEntry() throws {
        var blocked = try reportWithADependentView()
        Gate.decide(&blocked, policy: plainPolicy(), context: GateContext(now: dec1))
        #expect(blocked.verdict == .blocked)
        #expect(blocked.targets[0].database?.dependents[0].suppressed == nil)

        var policy = plainPolicy()
        policy.allowlist = [entry(fingerprint: String(repeating: "c", count: 64))]
        var report = try reportWithADependentView()
        Gate.decide(&report, policy: policy, context: GateContext(now: dec1))
        #expect(report.verdict == .pass)
        #expect(
            report.targets[0].database?.dependents[0].suppressed == "allowlist fingerprint "
                + String(repeating: "c", count: 64))
    }
}
