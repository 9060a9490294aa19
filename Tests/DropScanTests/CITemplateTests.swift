import Foundation
import TestSupport
import Testing

/// The CI templates of Reports/templates run as GitHub Actions and GitLab CI run them
/// (Fixtures/ci/simulate.py): the git and dropscan steps for real against a shallow clone of a
/// pull-request-like history, the network calls (gh, curl, apt-get, the code-scanning upload) through
/// recording fakes on PATH.
@Suite(.serialized) struct CITemplateTests {
    static let ci = repositoryRoot + "/Tests/DropScanTests/Fixtures/ci"
    static let githubTemplate = repositoryRoot + "/Reports/templates/github-actions.yml"
    static let gitlabTemplate = repositoryRoot + "/Reports/templates/gitlab-ci.yml"
    /// What find-migrations.sh must find: both migrations of the pull request, in path order.
    static let migrations = "db/migrate/20261201000000_remove_legacy_status.rb\ndb/migration/V7__drop_audit_notes.sql\n"

    @Test func theGitHubWorkflowGatesEveryMigrationAndUpdatesItsCommentInPlace() throws {
        let history = try PullRequestHistory()
        let first = try history.runGitHub(fork: false, run: "first")
        let gate = try #require(first.jobs["gate"])
        #expect(gate.result == "failure")
        #expect(gate.outcome("Fetch the base branch") == "success")
        #expect(gate.outcome("Gate") == "success")
        // The demo's logs use orders.legacy_status: blocked, so the last step fails the check (exit 1).
        #expect(gate.outcome("Fail the check unless the gate passed") == "failure")
        #expect(gate.exitCode("Fail the check unless the gate passed") == 1)
        #expect(first.jobs["publish"]?.result == "success")

        // The base was fetched into the shallow clone, and the range starts at the merge base: main's later
        // commit (README.md) is not part of the change, the pull request's code change is.
        let workspace = history.work("first") + "/gate/workspace"
        #expect(try history.git(workspace, ["rev-parse", "refs/remotes/origin/main"]) == history.mainTip)
        let artifact = history.work("first") + "/artifacts/dropscan-report"
        #expect(try text(artifact + "/migrations.txt") == Self.migrations)
        let report = try decodeReport(try text(artifact + "/report.json"))
        let targets = (report["targets"] as? [[String: Any]])?.compactMap { $0["target"] as? String }
        #expect(targets == ["orders.legacy_status", "audit_notes.*"])
        #expect(report["verdict"] as? String == "blocked")
        // The logs .dropscan/fetch-logs.sh fetched (the demo's two files) were read.
        #expect((report["coverage"] as? [String: Any])?["logFiles"] as? Int == 2)
        let isolation = try #require(checklistItem(report, "isolated-change"))
        #expect(isolation["status"] as? String == "failed")
        #expect((isolation["detail"] as? String)?.contains("app/models/order.rb") == true)
        #expect((isolation["detail"] as? String)?.contains("README.md") == false)

        #expect(
            try history.calls(tool: "gh") == [
                "GET repos/acme/shop/issues/12/comments", "POST repos/acme/shop/issues/12/comments",
            ])
        #expect(try history.calls(tool: "upload-sarif").count == 1)
        let created = try history.githubComments()
        #expect(created.count == 1)
        #expect(created.first?.body.hasPrefix("<!-- dropscan-report -->\n## ⛔ dropscan: blocked") == true)

        // A second push: the comment the first run posted is found by its marker and updated.
        _ = try history.runGitHub(fork: false, run: "second")
        #expect(
            try history.calls(tool: "gh").suffix(2) == [
                "GET repos/acme/shop/issues/12/comments", "PATCH repos/acme/shop/issues/comments/1000",
            ])
        #expect(try history.githubComments().map(\.id) == [1000])
    }

    @Test func aPullRequestFromAForkKeepsTheReportAsAnArtifactAndCallsNoAPI() throws {
        let history = try PullRequestHistory()
        let result = try history.runGitHub(fork: true, run: "fork")
        #expect(result.jobs["gate"]?.outcome("Gate") == "success")
        #expect(result.jobs["publish"]?.result == "skipped")
        let artifact = history.work("fork") + "/artifacts/dropscan-report"
        #expect(try text(artifact + "/report.md").hasPrefix("<!-- dropscan-report -->\n"))
        #expect(try text(artifact + "/migrations.txt") == Self.migrations)
        #expect(try history.calls(tool: "gh").isEmpty)
        #expect(try history.calls(tool: "upload-sarif").isEmpty)
        #expect(try history.githubComments().isEmpty)
    }

    @Test func theGitLabJobGatesEveryMigrationAndUpdatesItsNoteInPlace() throws {
        let history = try PullRequestHistory()
        let first = try history.runGitLab(fork: false, run: "first")
        let job = try #require(first.jobs["dropscan"])
        #expect(job.result == "failed")
        #expect(job.exitCode == 1)
        #expect(job.reports == ["codequality": true, "junit": true])
        let artifact = history.work("first") + "/artifacts/dropscan-report"
        #expect(try text(artifact + "/migrations.txt") == Self.migrations)
        #expect(
            try history.git(history.work("first") + "/dropscan/project", ["rev-parse", "origin/main"])
                == history.mainTip)
        let api = "https://gitlab.example.com/api/v4"
        #expect(
            try history.calls(tool: "curl") == [
                "GET \(api)/user", "GET \(api)/projects/42/merge_requests/7/notes?per_page=100&page=1",
                "POST \(api)/projects/42/merge_requests/7/notes",
            ])
        #expect(try history.gitlabNotes().count == 1)

        _ = try history.runGitLab(fork: false, run: "second")
        #expect(try history.calls(tool: "curl").last == "PUT \(api)/projects/42/merge_requests/7/notes/500")
        let notes = try history.gitlabNotes()
        #expect(notes.map(\.id) == [500])
        #expect(notes.first?.body.hasPrefix("<!-- dropscan-report -->\n## ⛔ dropscan: blocked") == true)
    }

    @Test func aGitLabPipelineOfAForkKeepsTheReportAsAnArtifactAndCallsNoAPI() throws {
        let history = try PullRequestHistory()
        let result = try history.runGitLab(fork: true, run: "fork")
        #expect(result.jobs["dropscan"]?.exitCode == 1)
        #expect(
            try text(history.work("fork") + "/artifacts/dropscan-report/report.md").hasPrefix(
                "<!-- dropscan-report -->"))
        #expect(try history.calls(tool: "curl").isEmpty)
    }

    /// shellcheck on every shell block as the CI service hands it to bash, and on the scripts they call.
    @Test(arguments: ["github", "gitlab"])
    func everyShellBlockPassesShellcheck(kind: String) throws {
        let template = kind == "github" ? Self.githubTemplate : Self.gitlabTemplate
        let listing = try run("/usr/bin/python3", [Self.ci + "/simulate.py", "blocks", kind, template])
        let blocks = try #require(try JSONSerialization.jsonObject(with: listing) as? [[String: String]])
        #expect(blocks.count >= (kind == "github" ? 7 : 1))
        let dir = try TemporaryDirectory()
        for block in blocks {
            let script = try #require(block["script"])
            // Expressions belong in env:, never in the script text (script injection).
            #expect(!script.contains("${{"), "\(block["name"] ?? "")")
            let file = try dir.write("block.sh", "# shellcheck shell=bash\n" + script)
            let result = try runCapturing("/usr/bin/shellcheck", ["--severity=style", file])
            #expect(result.status == 0, "\(block["name"] ?? ""): \(result.stdout)")
        }
    }

    @Test func theScriptsPassShellcheck() throws {
        let scripts = try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/Reports/templates/ci")
            .filter { $0.hasSuffix(".sh") }.sorted()
        #expect(scripts == ["fetch-base.sh", "find-migrations.sh", "gate.sh", "github-comment.sh", "gitlab-note.sh"])
        let paths = scripts.map { repositoryRoot + "/Reports/templates/ci/" + $0 } + [Self.ci + "/fakes/apt-get"]
        let result = try runCapturing("/usr/bin/shellcheck", ["--severity=style"] + paths)
        #expect(result.status == 0, "\(result.stdout)")
    }

    /// SchemaStore's schemas, as check-jsonschema vendors them (`make test-deps` fetches them).
    @Test(arguments: [("github", "github-workflows"), ("gitlab", "gitlab-ci")])
    func theTemplatesFollowTheirServicesSchema(kind: String, schema: String) throws {
        let template = kind == "github" ? Self.githubTemplate : Self.gitlabTemplate
        let schemaPath = repositoryRoot + "/.build/schemas/\(schema).json"
        try #require(FileManager.default.fileExists(atPath: schemaPath), "run make test-deps first")
        let valid = try runCapturing("/usr/bin/python3", [Self.ci + "/simulate.py", "validate", schemaPath, template])
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        #expect(valid.stdout == "[]\n")
        // The check can fail: a misspelt key is refused.
        let dir = try TemporaryDirectory()
        let broken = try dir.write(
            "broken.yml",
            try text(template).replacingOccurrences(
                of: kind == "github" ? "runs-on:" : "before_script:", with: "runs_on:"))
        let refused = try runCapturing("/usr/bin/python3", [Self.ci + "/simulate.py", "validate", schemaPath, broken])
        #expect(refused.status == 1)
    }

    /// gate.sh on a change: the exit code it records and the report it leaves for the comment.
    func gate(_ files: [String: String]) throws -> (code: String, report: String, stderr: String) {
        let dir = try TemporaryDirectory()
        let repo = dir.path + "/repo"
        try run("/usr/bin/git", ["init", "-q", "-b", "main", repo])
        try commit(repo, files: ["app/models/order.rb": "class Order < ApplicationRecord\nend\n"], message: "base")
        try commit(repo, files: files, message: "change")
        var environment = PullRequestHistory.toolEnvironment
        environment["DROPSCAN"] = dropscanExecutable()
        environment["DROPSCAN_PATTERNS"] = repositoryRoot + "/Patterns"
        let script = "cd \"$1\" && \"$2\" HEAD~1..HEAD \"$3\""
        let result = try runCapturing(
            "/bin/bash",
            ["-c", script, "gate", repo, repositoryRoot + "/Reports/templates/ci/gate.sh", dir.path + "/out"],
            environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        return (
            try text(dir.path + "/out/exit-code").trimmingCharacters(in: .whitespacesAndNewlines),
            (try? text(dir.path + "/out/report.md")) ?? "", result.stderr
        )
    }

    @Test func aChangeWithoutMigrationsIsNothingToGate() throws {
        let result = try gate(["README.md": "The shop.\n"])
        #expect(result.code == "none")
        #expect(result.report.isEmpty)
    }

    @Test func aLiquibaseXMLChangelogWithoutATargetsFileFailsWithASentenceNeverPasses() throws {
        let result = try gate([
            "db/changelog/2026/drop-status.xml":
                "<databaseChangeLog><changeSet id=\"7\" author=\"t\"><dropColumn tableName=\"orders\" columnName=\"legacy_status\"/></changeSet></databaseChangeLog>\n"
        ])
        #expect(result.code == "2")
        #expect(result.report.hasPrefix("<!-- dropscan-report -->\n## ⚠️ dropscan could not decide\n"))
        #expect(result.report.contains("  db/changelog/2026/drop-status.xml\n"))
        #expect(result.stderr.contains("List the tables and columns they drop or rename in .dropscan/targets.txt"))
    }

    @Test func findMigrationsKnowsEachToolsLayout() throws {
        let dir = try TemporaryDirectory()
        let repo = dir.path + "/repo"
        try run("/usr/bin/git", ["init", "-q", "-b", "main", repo])
        try commit(repo, files: ["README.md": "shop\n"], message: "base")
        let migrations = [
            "src/main/resources/db/migration/V2_1__drop_status.sql", "db/changelog/2026/drop-status.xml",
            "db/changelog-master.yaml", "alembic/versions/3f2a1b_drop_status.py", "migrations/versions/9c1d_drop.py",
            "shop/migrations/0007_remove_order_status.py", "db/migrate/20261201000000_remove_status.rb",
            "prisma/migrations/20261201_drop_status/migration.sql", "migrations/20261201_drop_status.js",
            "db/migrations/20261201-drop-status.cjs", "src/migration/1733011200000-DropStatus.ts",
            "db/migrations/000012_drop_status.up.sql",
        ]
        let others = [
            "shop/models.py", "app/models/order.rb", "src/migration/types.d.ts", "docs/migrations.md",
            "shop/migrations/__init__.py", "db/schema.rb",
        ]
        try commit(
            repo, files: Dictionary(uniqueKeysWithValues: (migrations + others).map { ($0, "x\n") }), message: "pr")
        let found = try runCapturing(
            repositoryRoot + "/Reports/templates/ci/find-migrations.sh", ["HEAD~1..HEAD", repo])
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.split(separator: "\n").map(String.init) == migrations.sorted())
    }
}

/// A pull-request-like history: `main`, a `pr` branch from it that adds a Rails and a Flyway migration
/// and changes application code, then one more commit on `main`, so that the merge base is not main's tip.
/// The repository carries `.dropscan/policy.yml` and `.dropscan/fetch-logs.sh` (the demo's logs).
struct PullRequestHistory {
    let dir: TemporaryDirectory
    let origin: String
    let mainTip: String
    let install: String

    init() throws {
        dir = try TemporaryDirectory()
        origin = dir.path + "/origin"
        try run("/usr/bin/git", ["init", "-q", "-b", "main", origin])
        try commit(
            origin,
            files: [
                "app/models/order.rb": "class Order < ApplicationRecord\n  def total = amount\nend\n",
                "db/schema.rb": "create_table :orders do |t|\n  t.string :legacy_status\nend\n",
                ".dropscan/policy.yml": "coverage:\n  minimumWindowDays: 0\n",
                ".dropscan/fetch-logs.sh": "#!/bin/sh\ncp \"$DEMO_LOGS\"/*.gz \"$1\"\n",
            ], message: "base",
            // Stored executable, as the templates require (`[ -x .dropscan/fetch-logs.sh ]`).
            executable: [".dropscan/fetch-logs.sh"])
        try run("/usr/bin/git", ["-C", origin, "checkout", "-q", "-b", "pr"])
        try commit(
            origin,
            files: [
                "db/migrate/20261201000000_remove_legacy_status.rb":
                    "class RemoveLegacyStatus < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :orders, :legacy_status, :string\n  end\nend\n",
                "db/migration/V7__drop_audit_notes.sql": "DROP TABLE audit_notes;\n",
                "app/models/order.rb": "class Order < ApplicationRecord\nend\n",
            ], message: "drop legacy_status and audit_notes")
        try run("/usr/bin/git", ["-C", origin, "checkout", "-q", "main"])
        try commit(origin, files: ["README.md": "The shop.\n"], message: "main moves on")
        mainTip = try Self.git(origin, ["rev-parse", "HEAD"])
        // What `make install` puts under PREFIX, as a cache hit restores it.
        install = dir.path + "/install"
        try FileManager.default.createDirectory(atPath: install + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: install + "/share/dropscan", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dropscanExecutable(), toPath: install + "/bin/dropscan")
        try FileManager.default.copyItem(
            atPath: repositoryRoot + "/Patterns", toPath: install + "/share/dropscan/Patterns")
        try FileManager.default.copyItem(
            atPath: repositoryRoot + "/Reports/templates/ci", toPath: install + "/share/dropscan/ci")
        try FileManager.default.createDirectory(atPath: dir.path + "/state", withIntermediateDirectories: true)
    }

    func work(_ run: String) -> String { dir.path + "/runs/" + run }

    func git(_ repository: String, _ arguments: [String]) throws -> String { try Self.git(repository, arguments) }

    static func git(_ repository: String, _ arguments: [String]) throws -> String {
        String(decoding: try run("/usr/bin/git", ["-C", repository] + arguments), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The fakes first on PATH.
    static var toolEnvironment: [String: String] {
        ["PATH": CITemplateTests.ci + "/fakes:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    var environment: [String: String] {
        Self.toolEnvironment.merging([
            "FAKE_CALLS": dir.path + "/state/calls.jsonl", "FAKE_STATE": dir.path + "/state",
            "FAKE_GITLAB_TOKEN": "glpat-simulated", "DEMO_LOGS": demo + "/logs",
        ]) { $1 }
    }

    func runGitHub(fork: Bool, run name: String) throws -> SimulatedRun {
        try FileManager.default.createDirectory(atPath: work(name), withIntermediateDirectories: true)
        let head = fork ? "someone/shop" : "acme/shop"
        let event: [String: Any] = [
            "repository": ["full_name": "acme/shop"], "sender": ["login": fork ? "someone" : "dana"],
            "pull_request": [
                "number": 12, "base": ["ref": "main", "repo": ["full_name": "acme/shop"]],
                "head": ["ref": "pr", "sha": try git(origin, ["rev-parse", "pr"]), "repo": ["full_name": head]],
            ],
        ]
        let eventFile = try dir.write("event-\(name).json", try JSONSerialization.data(withJSONObject: event))
        return try simulate([
            "github", CITemplateTests.githubTemplate, "--origin", "file://" + origin, "--ref", "pr", "--event",
            eventFile, "--work", work(name), "--install", install, "--source", repositoryRoot,
        ])
    }

    func runGitLab(fork: Bool, run name: String) throws -> SimulatedRun {
        try FileManager.default.createDirectory(atPath: work(name), withIntermediateDirectories: true)
        var variables = [
            "CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_IID": "7",
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "pr",
            "CI_MERGE_REQUEST_PROJECT_ID": "42", "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": fork ? "43" : "42",
            "CI_PROJECT_ID": fork ? "43" : "42", "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
            "CI_SERVER_URL": "https://gitlab.example.com", "CI_PROJECT_URL": "https://gitlab.example.com/acme/shop",
            "CI_COMMIT_SHA": try git(origin, ["rev-parse", "pr"]), "CI_JOB_TOKEN": "job-token-simulated",
        ]
        if !fork { variables["DROPSCAN_GITLAB_TOKEN"] = "glpat-simulated" }
        let variablesFile = try dir.write(
            "variables-\(name).json", try JSONSerialization.data(withJSONObject: variables))
        return try simulate([
            "gitlab", CITemplateTests.gitlabTemplate, "--origin", "file://" + origin, "--ref", "pr", "--variables",
            variablesFile, "--work", work(name), "--install", install, "--repo", origin, "--target", "main",
        ])
    }

    private func simulate(_ arguments: [String]) throws -> SimulatedRun {
        let result = try runCapturing(
            "/usr/bin/python3", [CITemplateTests.ci + "/simulate.py"] + arguments, environment: environment)
        guard result.status == 0 else {
            let work = arguments[arguments.firstIndex(of: "--work")! + 1]
            let log = (try? text(work + "/ci.log")) ?? ""
            Issue.record("simulate.py failed (\(result.status)): \(result.stderr)\n\(log)")
            throw CocoaError(.fileReadUnknown)
        }
        return try SimulatedRun(json: result.stdout)
    }

    /// Each recorded call of one fake: `METHOD endpoint` for gh and curl.
    func calls(tool: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: dir.path + "/state/calls.jsonl") else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let call = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                call["tool"] as? String == tool
            else { return nil }
            if tool == "gh" { return "\(call["method"] ?? "") \(call["endpoint"] ?? "")" }
            if tool == "curl" { return "\(call["method"] ?? "") \(call["url"] ?? "")" }
            return "\(call["file"] ?? "")"
        }
    }

    func githubComments() throws -> [(id: Int, body: String)] { try stored("github.json", "comments") }
    func gitlabNotes() throws -> [(id: Int, body: String)] { try stored("gitlab.json", "notes") }

    private func stored(_ file: String, _ key: String) throws -> [(id: Int, body: String)] {
        guard let data = FileManager.default.contents(atPath: dir.path + "/state/" + file) else { return [] }
        let state = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let items = try #require(state[key] as? [[String: Any]])
        return items.map { ($0["id"] as? Int ?? -1, $0["body"] as? String ?? "") }
    }
}

/// What simulate.py says about a run: each job's result and its steps' outcomes.
struct SimulatedRun {
    struct Job {
        let result: String
        let steps: [[String: Any]]
        let exitCode: Int?
        let reports: [String: Bool]

        func outcome(_ name: String) -> String? { steps.first { $0["name"] as? String == name }?["outcome"] as? String }
        func exitCode(_ name: String) -> Int? { steps.first { $0["name"] as? String == name }?["exitCode"] as? Int }
    }

    let jobs: [String: Job]

    init(json: String) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let jobs = try #require(object["jobs"] as? [String: [String: Any]])
        self.jobs = jobs.mapValues { job in
            Job(
                result: job["result"] as? String ?? "", steps: job["steps"] as? [[String: Any]] ?? [],
                exitCode: job["exitCode"] as? Int, reports: job["reports"] as? [String: Bool] ?? [:])
        }
    }
}

func commit(_ repository: String, files: [String: String], message: String, executable: Set<String> = []) throws {
    for (path, content) in files {
        let full = repository + "/" + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: full))
        if executable.contains(path) { try run("/bin/chmod", ["+x", full]) }
    }
    let identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    try run("/usr/bin/git", ["-C", repository] + identity + ["add", "."])
    try run("/usr/bin/git", ["-C", repository] + identity + ["commit", "-q", "-m", message])
}

func text(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw CocoaError(.fileNoSuchFile) }
    return String(decoding: data, as: UTF8.self)
}

func checklistItem(_ report: [String: Any], _ id: String) -> [String: Any]? {
    let decision = report["decision"] as? [String: Any]
    return (decision?["checklist"] as? [[String: Any]])?.first { $0["id"] as? String == id }
}
