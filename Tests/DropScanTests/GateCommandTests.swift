import Foundation
import TestSupport
import Testing

/// A policy under which the demo's short logs can pass: no minimum window, the attestable items waived.
let lenientPolicy = """
    coverage:
      minimumWindowDays: 0
    checklist:
      waive: [owners-approve, retention, backup, rollback-plan, isolated-change]
    """

func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

@Suite struct GateCommandTests {
    let demoInputs = ["--logs", demo + "/logs", "--source", demo + "/app"]
    /// The demo's models do not map order_items: the schema its server ran says how the table looks.
    let shopSchema = ["--schema", repositoryRoot + "/Tests/DropScanTests/Fixtures/postgres/shop/schema.sql"]

    @Test func aUseBlocksAndTheFirstLinesGiveTheVerdictAndItsReason() throws {
        let result = try dropscan(["gate", "--targets-file", demo + "/targets.txt"] + demoInputs)
        #expect(result.status == 1)
        #expect(lines(result.stdout)[0] == "verdict: blocked")
        #expect(
            lines(result.stdout)[1]
                == "reason: orders.legacy_status is still used: 12 logged statement(s) (11 confirmed, 1 implicit) and 3 code reference(s)."
        )
        #expect(lines(result.stdout).last == "exit code 1 (blocked)")
    }

    @Test func shortLogsAreInconclusiveUnderTheDefaultPolicy() throws {
        let result = try dropscan(
            ["gate", "--target", "order_items.legacy_discount_code"] + demoInputs + shopSchema)
        #expect(result.status == 3)
        #expect(lines(result.stdout)[0] == "verdict: inconclusive")
        #expect(lines(result.stdout)[1].hasPrefix("reason: The logs cover 0.0 days ("))
        #expect(result.stdout.contains("  [missing] The backup strategy is known: Nobody attested it"))
    }

    @Test func anUnusedTargetPassesUnderALenientPolicy() throws {
        let dir = try TemporaryDirectory()
        let policy = try dir.write("policy.yml", lenientPolicy)
        let result = try dropscan(
            [
                "gate", "--policy", policy, "--target", "order_items.legacy_discount_code", "--json",
                dir.path + "/r.json",
            ]
                + demoInputs + shopSchema)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(lines(result.stdout)[0] == "verdict: pass")
        #expect(lines(result.stdout)[1].hasPrefix("reason: No blocking use of 1 target(s) in 2 log file(s)"))
        let report = try decodeReport(
            String(decoding: FileManager.default.contents(atPath: dir.path + "/r.json")!, as: UTF8.self))
        let run = try #require(report["run"] as? [String: Any])
        let recorded = try #require(run["policy"] as? [String: Any])
        #expect(recorded["file"] as? String == policy)
        #expect((run["inputs"] as? [Any])?.count == 6)
        #expect((run["commandLine"] as? [String])?.first == "gate")
    }

    @Test func aBadPolicyIsAUsageErrorNamingTheLine() throws {
        let dir = try TemporaryDirectory()
        let policy = try dir.write("policy.yml", "coverage:\n  minimumWindowDays: 30\n  maximumGapp: 1h\n")
        let result = try dropscan(["gate", "--policy", policy, "--target", "orders.x"] + demoInputs)
        #expect(result.status == 2)
        #expect(result.stderr.contains("policy.yml:3: unknown key 'maximumGapp' in coverage"))
    }

    @Test func aWrittenBaselineLetsTodaysUsesPassAndASavedReportIsDecidedAgain() throws {
        let dir = try TemporaryDirectory()
        let policy = try dir.write("policy.yml", lenientPolicy)
        let first = try dropscan(
            [
                "gate", "--policy", policy, "--target", "orders.legacy_status", "--write-baseline",
                dir.path + "/baseline",
                "--json", dir.path + "/r.json",
            ] + demoInputs)
        #expect(first.status == 1)
        let baseline = try #require(FileManager.default.contents(atPath: dir.path + "/baseline"))
        #expect(lines(String(decoding: baseline, as: UTF8.self)).filter { !$0.hasPrefix("#") }.count >= 4)
        let second = try dropscan(
            ["gate", "--policy", policy, "--baseline", dir.path + "/baseline", "--report", dir.path + "/r.json"])
        #expect(second.status == 0, "\(second.stdout)")
        #expect(lines(second.stdout)[0] == "verdict: pass")
        let withoutBaseline = try dropscan(["gate", "--policy", policy, "--report", dir.path + "/r.json"])
        #expect(withoutBaseline.status == 1)
    }

    @Test func anExpiredAllowlistEntryNoLongerSuppresses() throws {
        let dir = try TemporaryDirectory()
        let policy = try dir.write(
            "policy.yml",
            lenientPolicy + """

                allowlist:
                  - target: orders.legacy_status
                    reason: the nightly export moves in December
                    owner: data-platform
                    expires: 2026-12-31
                """)
        let arguments = ["gate", "--policy", policy, "--target", "orders.legacy_status"] + demoInputs
        let before = try dropscan(arguments + ["--today", "2026-12-31"])
        #expect(before.status == 0, "\(before.stdout)")
        let after = try dropscan(arguments + ["--today", "2027-01-01"])
        #expect(after.status == 1)
        #expect(after.stdout.contains("expired on 2026-12-31 and no longer suppresses"))
    }

    @Test(arguments: [
        ["scan", "--target", "orders.x", "--source", ".", "--json", "-", "--markdown", "-"],
        ["gate", "--target", "orders.x", "--source", ".", "--json", "-", "--sarif", "-"],
        ["scan", "--target", "orders.x", "--source", "/no/such/tree"],
        ["gate", "--target", "orders.x", "--report", "r.json", "--source", "."],
        ["gate", "--target", "orders.x", "--source", ".", "--today", "tomorrow"],
    ])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try dropscan(arguments)
        #expect(result.status == 2)
        #expect(lines(result.stderr).count == 1, "\(result.stderr)")
    }

    @Test func aWriteErrorIsOnePlainSentence() throws {
        let dir = try TemporaryDirectory()
        try dir.write("out/keep", "")
        let result = try dropscan([
            "scan", "-q", "--target", "orders.x", "--source", demo + "/app", "--json", dir.path + "/out",
        ])
        #expect(result.status == 2)
        #expect(result.stderr == "dropscan: cannot write the JSON report to \(dir.path)/out: Is a directory.\n")
    }
}

@Suite struct MergeContractTests {
    @Test func shardsThatReadTheSameFileAreRefusedAndATwinIsCountedOnce() throws {
        let dir = try TemporaryDirectory()
        let only = ["--target", "orders.legacy_status"]
        _ = try dropscan(["scan", "-q", "--logs", demo + "/logs", "--json", dir.path + "/logs.json"] + only)
        _ = try dropscan(
            ["scan", "-q", "--logs", demo + "/logs", "--source", demo + "/app", "--json", dir.path + "/both.json"]
                + only)
        let overlap = try dropscan(["merge", "-q", dir.path + "/logs.json", dir.path + "/both.json"])
        #expect(overlap.status == 2)
        #expect(overlap.stderr.contains("both read "))
        #expect(overlap.stderr.contains("postgresql-2307"))
        let twin = try dropscan(["merge", "-q", dir.path + "/logs.json", dir.path + "/logs.json", "--json", "-"])
        #expect(twin.status == 1)
        #expect(twin.stderr.contains("read the same files as"))
        let merged = try decodeReport(twin.stdout)
        #expect(
            try target(merged, "orders.legacy_status")["runtime"].flatMap {
                ($0 as? [String: Any])?["statements"] as? Int
            } == 11)
    }

    @Test func mergeDecidesTheReasonsAgainFromTheMergedData() throws {
        let dir = try TemporaryDirectory()
        let only = ["--target", "orders.legacy_status"]
        _ = try dropscan(["scan", "-q", "--logs", demo + "/logs", "--json", dir.path + "/logs.json"] + only)
        _ = try dropscan(["scan", "-q", "--source", demo + "/app", "--json", dir.path + "/code.json"] + only)
        let result = try dropscan(["merge", "-q", dir.path + "/logs.json", dir.path + "/code.json", "--json", "-"])
        #expect(result.status == 1)
        let report = try decodeReport(result.stdout)
        #expect(
            report["reasons"] as? [String] == [
                "orders.legacy_status is still used: 12 logged statement(s) (11 confirmed, 1 implicit) and 3 code reference(s)."
            ])
        let decision = try #require(report["decision"] as? [String: Any])
        #expect(decision["verdict"] as? String == "blocked")
    }
}

/// A repository with a `main` commit and a `pr` branch that adds a Rails migration dropping
/// orders.legacy_status with its attestations, and optionally touches application code too.
func pullRequestRepository(touchingCode: Bool) throws -> TemporaryDirectory {
    let dir = try TemporaryDirectory()
    let repo = dir.path + "/origin"
    func git(_ arguments: [String]) throws { try run("/usr/bin/git", ["-C", repo] + arguments) }
    try dir.write("origin/app/models/order.rb", "class Order < ApplicationRecord\n  def total = amount\nend\n")
    try dir.write("origin/db/schema.rb", "create_table :orders do |t|\n  t.string :legacy_status\nend\n")
    try run("/usr/bin/git", ["init", "-q", "-b", "main", repo])
    try git(["-c", "user.name=t", "-c", "user.email=t@example.com", "add", "."])
    try git(["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base"])
    try git(["checkout", "-q", "-b", "pr"])
    try dir.write(
        "origin/db/migrate/20261201000000_drop_legacy_status.rb",
        "class DropLegacyStatus < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :orders, :legacy_status, :string\n  end\nend\n"
    )
    try dir.write("origin/db/schema.rb", "create_table :orders do |t|\nend\n")
    try dir.write(
        "origin/db/migrate/dropscan-attestations.yml",
        """
        owners-approve: {by: "Dana (BI)", at: 2026-11-30}
        retention: {by: "Lee (legal)", at: 2026-11-30}
        backup: {by: ops, at: 2026-12-01, note: nightly base backups kept 35 days}
        rollback-plan: {by: ops, at: 2026-12-01, note: re-add the column and backfill from the backup}

        """)
    if touchingCode { try dir.write("origin/app/models/order.rb", "class Order < ApplicationRecord\nend\n") }
    try git(["-c", "user.name=t", "-c", "user.email=t@example.com", "add", "."])
    try git(["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "drop legacy_status"])
    // What CI has: a shallow clone of the pull request's head.
    try run("/usr/bin/git", ["clone", "-q", "--depth=1", "--branch", "pr", "file://" + repo, dir.path + "/clone"])
    return dir
}

@Suite struct GateDiffTests {
    let policy = "coverage:\n  minimumWindowDays: 0\n  sources: [code]\nchecklist:\n  waive: [query-logs]\n"

    @Test func anIsolatedAttestedDropPassesOnAShallowCloneOnceTheBaseIsFetched() throws {
        let dir = try pullRequestRepository(touchingCode: false)
        let clone = dir.path + "/clone"
        let policyFile = try dir.write("policy.yml", policy)
        let arguments = [
            "gate", "--policy", policyFile, "--diff", "origin/main..HEAD", "--repo", clone, "--source", clone,
        ]
        let shallow = try dropscan(arguments)
        #expect(shallow.status == 2)
        #expect(shallow.stderr.contains("git cannot find origin/main"))
        #expect(shallow.stderr.contains("git fetch --depth=1 origin"))
        try run("/usr/bin/git", ["-C", clone, "fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main"])
        let result = try dropscan(arguments)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("remove_column"))
        #expect(
            result.stdout.contains(
                "[verified] The migration is isolated in its own pull request: origin/main..HEAD changes only migrations and schema dumps (db/migrate/20261201000000_drop_legacy_status.rb drops)."
            ))
        #expect(result.stdout.contains("[attested] The backup strategy is known: Attested by ops on 2026-12-01"))
    }

    @Test func aPullRequestThatAlsoChangesCodeIsInconclusive() throws {
        let dir = try pullRequestRepository(touchingCode: true)
        let clone = dir.path + "/clone"
        try run("/usr/bin/git", ["-C", clone, "fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main"])
        let policyFile = try dir.write("policy.yml", policy)
        let result = try dropscan(
            ["gate", "--policy", policyFile, "--diff", "origin/main..HEAD", "--repo", clone, "--source", clone])
        #expect(result.status == 3)
        #expect(
            lines(result.stdout)[1]
                == "reason: Checklist: origin/main..HEAD also changes app/models/order.rb: ship the destructive migration in a pull request of its own."
        )
    }
}

@Suite struct PolicyExampleTests {
    /// The commented example in Reports/ is a policy the gate reads, and applies to the demo.
    @Test func theExamplePolicyIsReadAndDecidesTheDemo() throws {
        let dir = try TemporaryDirectory()
        _ = try dropscan(
            [
                "scan", "-q", "--targets-file", demo + "/targets.txt", "--logs", demo + "/logs", "--source",
                demo + "/app",
                "--json", dir.path + "/r.json",
            ])
        let result = try dropscan(
            [
                "gate", "--policy", repositoryRoot + "/Reports/policy.example.yml", "--report", dir.path + "/r.json",
                "--today", "2026-12-01", "--json", "-",
            ])
        #expect(result.status == 1)
        let report = try decodeReport(result.stdout)
        let decision = try #require(report["decision"] as? [String: Any])
        let checklist = try #require(decision["checklist"] as? [[String: Any]])
        #expect(
            checklist.map { $0["status"] as? String } == [
                "failed", "failed", "missing", "attested", "missing", "missing", "waived",
            ])
        let allowlist = try #require(decision["allowlist"] as? [[String: Any]])
        #expect(allowlist.first?["status"] as? String == "unused")
        #expect(result.stderr.hasPrefix("verdict: blocked\nreason: orders.legacy_status is still used"))
    }
}

extension ReportSchemaTests {
    /// A gate report (checklist, allowlist) validates; the same report edited into a contradiction does not.
    @Test func theSchemaAcceptsAGateReportAndRefusesContradictions() throws {
        let dir = try TemporaryDirectory()
        _ = try dropscan(
            [
                "scan", "-q", "--targets-file", demo + "/targets.txt", "--logs", demo + "/logs", "--source",
                demo + "/app",
                "--json", dir.path + "/r.json",
            ])
        let gate = try dropscan(
            [
                "gate", "--policy", repositoryRoot + "/Reports/policy.example.yml", "--report", dir.path + "/r.json",
                "--json", "-",
            ])
        #expect(try validate(gate.stdout).status == 0)
        let report = try decodeReport(gate.stdout)
        func edited(_ change: (inout [String: Any]) -> Void) throws -> String {
            var copy = report
            change(&copy)
            return String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self)
        }
        let passOverBlocked = try edited {
            $0["verdict"] = "pass"
            $0["reasons"] = [String]()
        }
        #expect(try validate(passOverBlocked).status == 1)
        let blockedWithoutReason = try edited { $0["reasons"] = [String]() }
        #expect(try validate(blockedWithoutReason).status == 1)
        let withoutRun = try edited { $0.removeValue(forKey: "run") }
        #expect(try validate(withoutRun).status == 1)
    }
}
