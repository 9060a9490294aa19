import Matching
import Report
import Testing

@testable import Gate

@Suite struct PolicyFileTests {
    @Test func everyFieldIsRead() throws {
        let policy = try PolicyFile.parse(
            """
            version: 1
            block: [confirmed, implicit]
            warn: [probable, possible]
            failedStatements: warn
            coverage:
              minimumWindowDays: 45
              maximumGap: 6h
              statementLogging: [all]
              acceptPartialLogging: true
              applications: [metabase, replica-reader]
              servers:
                - name: replica
                  logs: "logs/replica/**"
              sources: [logs, code, database]
            allowlist:
              - target: Orders.Legacy_Status
                reason: read by the nightly export until it moves
                owner: data-platform
                expires: 2027-01-31
              - path: "scripts/backfill/*.py"
                reason: one-off backfill
                owner: dana
                expires: 2026-12-31
              - fingerprint: 0123456789abcdef0123
                reason: the admin page
                owner: web
                expires: 2027-02-01
            checklist:
              waive: [backup, isolated-change]
              attestations:
                retention:
                  by: Lee (legal)
                  at: 2026-11-30
                  note: seven-year retention ends 2026
            """, file: "policy.yml")
        #expect(policy.file == "policy.yml")
        #expect(policy.blocking == [.confirmed, .implicit])
        #expect(policy.warning == [.probable, .possible])
        #expect(!policy.failedStatementsBlock)
        #expect(policy.requirements.minimumWindowDays == 45)
        #expect(policy.requirements.maximumGapSeconds == 21600)
        #expect(policy.requirements.statementLogging == ["all"])
        #expect(policy.requirements.acceptPartialLogging)
        #expect(policy.requirements.applications == ["metabase", "replica-reader"])
        #expect(policy.requirements.servers == [ServerRequirement(name: "replica", logs: "logs/replica/**")])
        #expect(policy.requirements.sources == ["logs", "code", "database"])
        #expect(policy.allowlist.count == 3)
        #expect(policy.allowlist[0].target == "orders.legacy_status")
        #expect(policy.allowlist[0].owner == "data-platform")
        #expect(policy.allowlist[0].expires == "2027-01-31")
        #expect(policy.allowlist[1].path == "scripts/backfill/*.py")
        #expect(policy.allowlist[2].fingerprint == "0123456789abcdef0123")
        #expect(policy.checklist?.waive == ["backup", "isolated-change"])
        #expect(
            policy.checklist?.attestations == [
                Attestation(
                    item: "retention", by: "Lee (legal)", at: "2026-11-30", note: "seven-year retention ends 2026",
                    source: "policy.yml")
            ])
    }

    @Test func anEmptyPolicyIsTheGateDefault() throws {
        let policy = try PolicyFile.parse("# nothing set\n", file: "p.yml")
        #expect(policy.blocking == [.confirmed, .implicit, .probable])
        #expect(policy.warning == [.possible])
        #expect(policy.failedStatementsBlock)
        #expect(policy.requirements.minimumWindowDays == 30)
        #expect(policy.requirements.statementLogging == ["all", "duration>=0 ms"])
        #expect(policy.requirements.sources == ["logs", "code"])
        #expect(policy.checklist == ChecklistPolicy())
    }

    @Test func coverageKeysLeftOutKeepTheDefaultsAndZeroDaysTurnsTheMinimumOff() throws {
        let kept = try PolicyFile.parse("coverage:\n  maximumGap: 2d\n", file: "p.yml")
        #expect(kept.requirements.minimumWindowDays == 30)
        #expect(kept.requirements.maximumGapSeconds == 172_800)
        let off = try PolicyFile.parse("coverage:\n  minimumWindowDays: 0\n  sources: []\n", file: "p.yml")
        #expect(off.requirements.minimumWindowDays == nil)
        #expect(off.requirements.sources == [])
    }

    @Test(arguments: [
        ("coverage:\n  minimumWindowDay: 30\n", "p.yml:2: unknown key 'minimumWindowDay' in coverage"),
        ("blocks: [confirmed]\n", "p.yml:1: unknown key 'blocks'"),
        ("block: [sometimes]\n", "p.yml:1: block takes confirmed, implicit, probable or possible, not 'sometimes'"),
        ("block: [possible]\nwarn: [possible]\n", "p.yml:2: possible is both in block and in warn"),
        ("version: 2\n", "p.yml:1: version must be 1"),
        ("failedStatements: ignore\n", "p.yml:1: failedStatements must be block or warn"),
        ("coverage:\n  maximumGap: soon\n", "p.yml:2: coverage.maximumGap takes a duration"),
        ("coverage:\n  statementLogging: [mostly]\n", "p.yml:2: coverage.statementLogging takes all"),
        ("coverage:\n  sources: [logs, tea]\n", "p.yml:2: coverage.sources takes logs, code and database, not 'tea'"),
        ("coverage:\n  servers:\n    - name: replica\n", "p.yml:3: a coverage.servers entry needs name and logs"),
        (
            "allowlist:\n  - target: orders.x\n    reason: r\n    expires: 2027-01-01\n",
            "p.yml:2: an allowlist entry needs owner"
        ),
        (
            "allowlist:\n  - target: orders.x\n    path: a/*\n    reason: r\n    owner: o\n    expires: 2027-01-01\n",
            "p.yml:2: an allowlist entry names exactly one of target, path or fingerprint"
        ),
        (
            "allowlist:\n  - path: a/*\n    reason: r\n    owner: o\n    expires: next year\n",
            "p.yml:5: expires must be a date written YYYY-MM-DD"
        ),
        ("checklist:\n  waive: [lunch]\n", "p.yml:2: checklist.waive takes code-search"),
        ("checklist:\n  attestations:\n    backup: {by: ops}\n", "p.yml:3: the attestation for backup needs by"),
        ("block: [confirmed\n", "p.yml: not valid YAML"),
    ])
    func mistakesNameTheFileAndLine(text: String, message: String) throws {
        #expect {
            _ = try PolicyFile.parse(text, file: "p.yml")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test func attestationFilesGiveWhoAndWhenPerItem() throws {
        let attestations = try PolicyFile.parseAttestations(
            """
            owners-approve: {by: "Dana (BI)", at: 2026-11-30, note: dashboards moved}
            rollback-plan:
              by: ops
              at: 2026-12-01
            """, file: "db/migrate/dropscan-attestations.yml")
        #expect(
            attestations == [
                Attestation(
                    item: "owners-approve", by: "Dana (BI)", at: "2026-11-30", note: "dashboards moved",
                    source: "db/migrate/dropscan-attestations.yml"),
                Attestation(
                    item: "rollback-plan", by: "ops", at: "2026-12-01", note: nil,
                    source: "db/migrate/dropscan-attestations.yml"),
            ])
        #expect(throws: PolicyFileError.self) {
            _ = try PolicyFile.parseAttestations("code-search: {by: me, at: 2026-11-30}\n", file: "a.yml")
        }
    }

    @Test func datesAndTimesConvertToDaysAndMilliseconds() {
        #expect(GateClock.day("1970-01-01") == 0)
        #expect(GateClock.day("2000-03-01") == 11017)
        #expect(GateClock.day("26-11-30") == nil)
        #expect(GateClock.milliseconds("1970-01-02T00:00:01.500Z") == 86_401_500)
        #expect(GateClock.days(TimeWindow(from: "2026-11-01T00:00:00.000Z", to: "2026-11-16T12:00:00.000Z")) == 15.5)
    }
}
