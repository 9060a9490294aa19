import Foundation
import TestSupport
import Testing

/// The scheduled-sweep templates of Reports/templates, run as their schedulers run them
/// (Fixtures/schedules/schedules.py): every pod of the Kubernetes Indexed Job, the GitHub Actions matrix
/// and the systemd service, with the built dropscan, over the logs of a real PostgreSQL server, into an
/// SQLite ledger that stands for the PostgreSQL one; then the ledger's report. The files themselves are
/// checked against the Kubernetes and GitHub schemas, systemd-analyze and shellcheck.
@Suite(.serialized) struct ScheduleTemplateTests {
    static let templates = repositoryRoot + "/Reports/templates"
    static let kubernetes = templates + "/kubernetes-sweep.yaml"
    static let github = templates + "/github-sweep.yml"
    static let service = templates + "/systemd/dropscan-sweep.service"
    static let timer = templates + "/systemd/dropscan-sweep.timer"
    static let environmentFile = templates + "/systemd/sweep.env"
    static let simulator = repositoryRoot + "/Tests/DropScanTests/Fixtures/schedules/schedules.py"
    static let kubernetesSchemas = repositoryRoot + "/.build/schemas/kubernetes-v1.33.0-strict"

    /// The shop workload's uses of orders.legacy_status in its stderr logs (`log_statement = 'all'`), counted
    /// by hand with grep: 5 by shop-web, 4 by billing, 2 by metabase, 2 by "report [v2]: ops@night"; the
    /// nightly export's SELECT * is implicit, not a statement naming the column.
    static let legacyStatusStatements = 13
    /// The targets of the templates (the ConfigMap's and the repository's .dropscan/targets.txt).
    static let targets = "# What the contract migrations drop.\norders.legacy_status\naudit_notes.*\n"

    static func simulate(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try runCapturing("/usr/bin/python3", [simulator] + arguments, environment: environment)
    }

    /// A pod, a service or a matrix job run by the simulator.
    static func runOne(_ arguments: [String]) throws -> Run {
        let result = try simulate(arguments)
        try #require(result.status == 0, "schedules.py \(arguments.first ?? ""): \(result.stderr)")
        return try Run(json: result.stdout)
    }

    static func json(_ arguments: [String]) throws -> Any {
        let result = try simulate(arguments)
        try #require(result.status == 0, "\(arguments): \(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    /// One run of a pod, a matrix job's step or a service: its exit status and outputs.
    struct Run {
        let status: Int
        let stdout: String
        let stderr: String

        init(json: String) throws {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            status = object["status"] as? Int ?? -1
            stdout = object["stdout"] as? String ?? ""
            stderr = object["stderr"] as? String ?? ""
        }

        /// A sweep prints one JSON line on stdout and nothing else: its summary.
        var summary: [String: Any]? {
            let lines = stdout.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count == 2, lines[1].isEmpty else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(lines[0].utf8))) as? [String: Any]
        }

        var isOneJSONLine: Bool { summary != nil }
    }

    // MARK: Kubernetes

    static func manifest() throws -> [[String: Any]] {
        try #require(try json(["yaml", kubernetes]) as? [[String: Any]])
    }

    static func cronJob(_ name: String) throws -> [String: Any] {
        try #require(
            try manifest().first {
                $0["kind"] as? String == "CronJob" && ($0["metadata"] as? [String: Any])?["name"] as? String == name
            })
    }

    static func value(_ object: Any?, _ path: String) -> Any? {
        path.split(separator: ".").reduce(object) { current, key in
            if let array = current as? [Any], let index = Int(key) { return index < array.count ? array[index] : nil }
            return (current as? [String: Any])?[String(key)]
        }
    }

    @Test func theManifestFollowsTheKubernetesSchema() throws {
        try #require(
            FileManager.default.fileExists(atPath: Self.kubernetesSchemas + "/_definitions.json"),
            "run make test-deps first")
        let valid = try Self.simulate(["kubernetes-validate", Self.kubernetesSchemas, Self.kubernetes])
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        #expect(valid.stdout == "[]\n")
        // The check can fail: the schemas are strict, a misspelt key is refused.
        let dir = try TemporaryDirectory()
        let broken = try dir.write(
            "broken.yaml",
            try text(Self.kubernetes).replacingOccurrences(of: "completionMode:", with: "completionmode:"))
        let refused = try Self.simulate(["kubernetes-validate", Self.kubernetesSchemas, broken])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("completionmode"))
    }

    @Test func theSweepIsAnIndexedJobWithOneShardPerIndex() throws {
        let kinds = try Self.manifest().map { "\($0["apiVersion"] ?? "") \($0["kind"] ?? "")" }
        #expect(kinds == ["v1 ConfigMap", "batch/v1 CronJob", "batch/v1 CronJob"])
        let sweep = try Self.cronJob("dropscan-sweep")
        #expect(Self.value(sweep, "spec.schedule") as? String == "30 2 * * *")
        #expect(Self.value(sweep, "spec.concurrencyPolicy") as? String == "Forbid")
        let job = try #require(Self.value(sweep, "spec.jobTemplate.spec") as? [String: Any])
        #expect(job["completionMode"] as? String == "Indexed")
        #expect(job["completions"] as? Int == 4)
        #expect(job["parallelism"] as? Int == 4)
        #expect(Self.value(job, "template.spec.restartPolicy") as? String == "Never")
        #expect(Self.value(job, "template.spec.securityContext.runAsNonRoot") as? Bool == true)
        let container = try #require(Self.value(job, "template.spec.containers.0") as? [String: Any])
        #expect(Self.value(container, "securityContext.readOnlyRootFilesystem") as? Bool == true)
        #expect(Self.value(container, "securityContext.allowPrivilegeEscalation") as? Bool == false)
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        #expect(mounts.first { $0["name"] as? String == "logs" }?["readOnly"] as? Bool == true)
        // The shard: Kubernetes' 0-based index plus one, of the N that completions and parallelism say.
        let script = try #require((container["args"] as? [String])?.first)
        let shard = try #require(script.firstMatch(of: #/--shard "\$\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/(\d+)"/#))
        #expect(Int(shard.1) == job["completions"] as? Int)
        let ledger = try #require(
            (container["env"] as? [[String: Any]])?.first { $0["name"] as? String == "DROPSCAN_LEDGER" })
        #expect(Self.value(ledger, "valueFrom.secretKeyRef.name") as? String == "dropscan-ledger")
        #expect(Self.value(try Self.cronJob("dropscan-ledger-report"), "spec.suspend") as? Bool == true)
    }

    /// Every pod of the Indexed Job (JOB_COMPLETION_INDEX 0..N-1) on two nights, then the report pod.
    @Test func everyPodOfTheIndexedJobSweepsItsShardAndTheReportCountsEachUseOnce() throws {
        let fixture = try SweepFixture()
        let secrets = try fixture.dir.write(
            "secrets.json", #"{"dropscan-ledger": {"uri": "\#(fixture.ledger)", "password": ""}}"#)
        let completions = try #require(
            Self.value(try Self.cronJob("dropscan-sweep"), "spec.jobTemplate.spec.completions") as? Int)
        // Files read (the summary's "read") on each night, over all shards: each file once, then none.
        var read = [0, 0]
        for night in 1...2 {
            for index in 0..<completions {
                let pod = try Self.runOne([
                    "kubernetes-pod", Self.kubernetes, "dropscan-sweep", "--index", "\(index)", "--secrets", secrets,
                    "--mount", "/var/log/postgresql=" + fixture.logs, "--path", fixture.install + "/bin",
                ])
                #expect(pod.status == 0, "night \(night), index \(index): \(pod.stderr)")
                #expect(pod.isOneJSONLine, "night \(night), index \(index): \(pod.stdout)")
                #expect(pod.summary?["shard"] as? String == "\(index + 1)/4")
                read[night - 1] += pod.summary?["read"] as? Int ?? 0
            }
        }
        #expect(read == [fixture.files, 0])
        let report = try Self.runOne([
            "kubernetes-pod", Self.kubernetes, "dropscan-ledger-report", "--index", "0", "--secrets", secrets,
            "--path", fixture.install + "/bin",
        ])
        #expect(report.status == 1, "blocked: \(report.stderr)")
        try fixture.expectShopReport(try decodeReport(report.stdout))
    }

    @Test func theKubernetesExpansionGivesTheShellTheOneBasedShard() throws {
        // $$ is Kubernetes' escape of $: the shell, not Kubernetes, computes the shard.
        let blocks = try #require(try Self.json(["blocks", "kubernetes", Self.kubernetes]) as? [[String: String]])
        #expect(blocks.count == 2)
        #expect(blocks.first?["script"]?.contains(#"--shard "$((JOB_COMPLETION_INDEX + 1))/4""#) == true)
    }

    // MARK: systemd

    static func unit(_ path: String) throws -> [String: [String: [String]]] {
        let sections = try #require(try json(["unit", path]) as? [String: [[String]]])
        return sections.mapValues { pairs in
            Dictionary(grouping: pairs, by: { pair in pair[0] }).mapValues { same in same.map { pair in pair[1] } }
        }
    }

    @Test func theTimerIsNightlyPersistentAndSpreadAndTheServiceIsConfined() throws {
        let timer = try #require(try Self.unit(Self.timer)["Timer"])
        #expect(timer["OnCalendar"] == ["*-*-* 02:30:00"])
        #expect(timer["Persistent"] == ["true"])
        #expect(timer["RandomizedDelaySec"] == ["30m"])
        let service = try #require(try Self.unit(Self.service)["Service"])
        #expect(service["Type"] == ["oneshot"])
        #expect(service["StateDirectory"] == ["dropscan"])
        #expect(service["EnvironmentFile"] == ["/etc/dropscan/sweep.env"])
        #expect(service["DynamicUser"] == ["yes"])
        #expect(service["ProtectSystem"] == ["strict"])
        #expect(service["ReadOnlyPaths"] == ["/var/log/postgresql"])
        #expect(service["NoNewPrivileges"] == ["yes"])
        #expect(service["PrivateNetwork"] == ["yes"], "an SQLite ledger needs no network")
    }

    /// systemd-analyze (Debian's systemd, installed by make test-deps) loads both units as systemd would.
    /// The command must exist to be verified: the test puts the built binary where `make install` would
    /// (the ExecStart path is rewritten to it in a copy).
    @Test func systemdAnalyzeVerifiesTheUnitsAndRatesTheServiceSafe() throws {
        let analyze = "/usr/bin/systemd-analyze"
        try #require(
            FileManager.default.isExecutableFile(atPath: analyze), "run make test-deps (Debian package systemd)")
        let dir = try TemporaryDirectory()
        let service = try dir.write(
            "dropscan-sweep.service",
            try text(Self.service).replacingOccurrences(
                of: "ExecStart=/usr/local/bin/dropscan ", with: "ExecStart=\(dropscanExecutable()) "))
        let timer = try dir.write("dropscan-sweep.timer", try text(Self.timer))
        let verified = try runCapturing(analyze, ["--man=no", "verify", service, timer])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stderr.isEmpty, "\(verified.stderr)")
        // The exposure systemd-analyze rates: at most 1.5 of 10 (it says 0.9, "SAFE").
        let rated = try runCapturing(analyze, ["security", "--offline=true", "--threshold=15", service])
        #expect(rated.status == 0, "\(rated.stdout)")
        #expect(rated.stdout.contains("Overall exposure level for dropscan-sweep.service: 0.9 SAFE"))
        // The checks can fail: a misspelt key is said, a timer without its calendar refused, and a
        // service without the hardening rated above the threshold.
        let misspelt = try dir.write(
            "misspelt/dropscan-sweep.service",
            try text(service).replacingOccurrences(of: "ProtectSystem=", with: "ProtectSystm="))
        #expect(
            try runCapturing(analyze, ["--man=no", "verify", misspelt]).stderr.contains("Unknown key 'ProtectSystm'"))
        let broken = try dir.write(
            "broken/dropscan-sweep.timer", try text(timer).replacingOccurrences(of: "OnCalendar=", with: "OnCalender="))
        let brokenService = try dir.write("broken/dropscan-sweep.service", try text(service))
        #expect(try runCapturing(analyze, ["--man=no", "verify", broken, brokenService]).status != 0)
        let bare = try dir.write("bare/bare.service", "[Service]\nExecStart=/bin/true\n")
        #expect(try runCapturing(analyze, ["security", "--offline=true", "--threshold=15", bare]).status != 0)
    }

    /// The service's ExecStart as systemd runs it, with the shipped sweep.env, on two nights; then the report.
    @Test func theServiceSweepsIntoItsStateDirectoryAndASecondNightAddsNothing() throws {
        let fixture = try SweepFixture()
        let root = fixture.dir.path + "/root"
        try FileManager.default.createDirectory(atPath: root + "/etc/dropscan", withIntermediateDirectories: true)
        try fixture.dir.write("root/etc/dropscan/targets.txt", Self.targets)
        let mapping = [
            "/var/lib=" + root + "/var/lib", "/var/log/postgresql=" + fixture.logs,
            "/etc/dropscan=" + root + "/etc/dropscan",
            "/usr/local/bin/dropscan=" + fixture.install + "/bin/dropscan",
        ]
        for night in 1...2 {
            let run = try Self.runOne(
                ["systemd-exec", Self.service, "--env-file", Self.environmentFile] + mapping.flatMap { ["--map", $0] })
            #expect(run.status == 0, "night \(night): \(run.stderr)")
            #expect(run.isOneJSONLine, "night \(night): \(run.stdout)")
            #expect(run.summary?["read"] as? Int == (night == 1 ? fixture.files : 0))
            #expect(run.summary?["server"] as? String == "orders-db-1")
        }
        let ledger = root + "/var/lib/dropscan/ledger.sqlite"
        #expect(FileManager.default.fileExists(atPath: ledger))
        // The report the README gives for one server.
        let report = try runCapturing(
            fixture.install + "/bin/dropscan",
            [
                "ledger", "report", "--state", ledger, "--since", "30d", "--server", "orders-db-1", "--targets-file",
                root + "/etc/dropscan/targets.txt", "--json", "-", "--quiet",
            ])
        #expect(report.status == 1, "blocked: \(report.stderr)")
        try fixture.expectShopReport(try decodeReport(report.stdout))
    }

    // MARK: GitHub Actions

    @Test func theWorkflowFollowsGitHubsSchema() throws {
        let schema = repositoryRoot + "/.build/schemas/github-workflows.json"
        try #require(FileManager.default.fileExists(atPath: schema), "run make test-deps first")
        let ci = repositoryRoot + "/Tests/DropScanTests/Fixtures/ci/simulate.py"
        let valid = try runCapturing("/usr/bin/python3", [ci, "validate", schema, Self.github])
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        #expect(valid.stdout == "[]\n")
        let dir = try TemporaryDirectory()
        let broken = try dir.write(
            "broken.yml", try text(Self.github).replacingOccurrences(of: "fail-fast:", with: "fail_fast:"))
        #expect(try runCapturing("/usr/bin/python3", [ci, "validate", schema, broken]).status == 1)
    }

    @Test func theMatrixHasOneJobPerShardAndTheReportFollowsIt() throws {
        let workflow = try #require(try Self.json(["yaml", Self.github]) as? [[String: Any]]).first
        #expect(Self.value(workflow, "on.schedule.0.cron") as? String == "30 2 * * *")
        #expect((Self.value(workflow, "on") as? [String: Any])?.keys.contains("workflow_dispatch") == true)
        #expect((Self.value(workflow, "permissions") as? [String: Any])?.isEmpty == true)
        #expect(Self.value(workflow, "concurrency.cancel-in-progress") as? Bool == false)
        let sweep = try #require(Self.value(workflow, "jobs.sweep") as? [String: Any])
        #expect(Self.value(sweep, "strategy.matrix.shard") as? [Int] == [1, 2, 3, 4])
        #expect(Self.value(sweep, "strategy.fail-fast") as? Bool == false)
        #expect(Self.value(sweep, "permissions") as? [String: String] == ["contents": "read"])
        let step = (sweep["steps"] as? [[String: Any]])?.first { $0["name"] as? String == "Sweep" }
        #expect(Self.value(step, "env.SHARD") as? String == "${{ matrix.shard }}/${{ strategy.job-total }}")
        #expect(Self.value(workflow, "jobs.report.needs") as? String == "sweep")
        #expect(Self.value(workflow, "jobs.report.permissions") as? [String: String] == ["contents": "read"])
    }

    /// Two scheduled runs: each fetches the logs anew (new files, new inodes), sweeps them in four matrix
    /// jobs into one ledger, and reports from it; the second adds nothing.
    @Test func aScheduledRunSweepsEveryShardThenReportsFromTheLedger() throws {
        let fixture = try SweepFixture()
        let origin = fixture.dir.path + "/origin"
        try run("/usr/bin/git", ["init", "-q", "-b", "main", origin])
        // The export script is committed executable, as a repository holds it.
        let fetch = try fixture.dir.write("origin/.dropscan/fetch-logs.sh", "#!/bin/sh\ncp \"$SHOP_LOGS\"/* \"$1\"\n")
        try run("/bin/chmod", ["+x", fetch])
        try commit(origin, files: [".dropscan/targets.txt": Self.targets], message: "sweep")
        #expect(try PullRequestHistory.git(origin, ["ls-files", "-s", ".dropscan/fetch-logs.sh"]).hasPrefix("100755"))
        let secrets = try fixture.dir.write(
            "secrets.json", #"{"DROPSCAN_LEDGER": "\#(fixture.ledger)", "DROPSCAN_LEDGER_PASSWORD": ""}"#)
        let environment = PullRequestHistory.toolEnvironment.merging([
            "FAKE_CALLS": fixture.dir.path + "/calls.jsonl", "SHOP_LOGS": fixture.logs,
        ]) { $1 }
        for night in ["first", "second"] {
            let work = fixture.dir.path + "/runs/" + night
            let result = try Self.simulate(
                [
                    "github-scheduled", Self.github, "--origin", "file://" + origin, "--ref", "main", "--work", work,
                    "--install", fixture.install, "--secrets", secrets,
                ], environment: environment)
            try #require(result.status == 0, "\(result.stderr)\n\((try? text(work + "/ci.log")) ?? "")")
            let summary = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let jobs = try #require(summary["jobs"] as? [String: [String: Any]])
            let log = (try? text(work + "/ci.log")) ?? ""
            #expect(jobs["install"]?["result"] as? String == "success", "\(log)")
            let sweeps = try #require(jobs["sweep"]?["runs"] as? [[String: Any]])
            #expect(sweeps.map { $0["name"] as? String } == ["sweep (1)", "sweep (2)", "sweep (3)", "sweep (4)"])
            #expect(sweeps.allSatisfy { $0["result"] as? String == "success" }, "\(night): \(log)")
            #expect(jobs["report"]?["result"] as? String == "success", "\(night): \(log)")
            let artifact = work + "/artifacts/dropscan-ledger-report"
            #expect(try text(artifact + "/exit-code") == "1\n")
            try fixture.expectShopReport(try decodeReport(try text(artifact + "/report.json")))
            #expect(FileManager.default.fileExists(atPath: artifact + "/report.sarif"))
            let reportRun = try #require((jobs["report"]?["runs"] as? [[String: Any]])?.first)
            #expect((reportRun["summary"] as? String)?.contains("blocked") == true)
        }
    }

    @Test(arguments: ["kubernetes", "github"])
    func everyShellBlockPassesShellcheck(kind: String) throws {
        let blocks = try #require(
            try Self.json(["blocks", kind, kind == "github" ? Self.github : Self.kubernetes]) as? [[String: String]])
        #expect(blocks.count == (kind == "github" ? 9 : 2))
        let dir = try TemporaryDirectory()
        for block in blocks {
            let script = try #require(block["script"])
            #expect(!script.contains("${{"), "\(block["name"] ?? "")")
            let file = try dir.write("block.sh", "# shellcheck shell=\(block["shell"] ?? "bash")\n" + script)
            let result = try runCapturing("/usr/bin/shellcheck", ["--severity=style", file])
            #expect(result.status == 0, "\(block["name"] ?? ""): \(result.stdout)")
        }
    }
}

/// What every template sweeps: the stderr logs (gzipped, rotated) of a real PostgreSQL server running the
/// shop workload, an SQLite ledger path, and dropscan laid out as `make install` lays it out (the image,
/// the runner's cache, /usr/local).
struct SweepFixture {
    let dir: TemporaryDirectory
    let logs: String
    /// How many log files the server wrote (rotated: at least two).
    let files: Int
    let ledger: String
    let install: String

    init() throws {
        dir = try TemporaryDirectory()
        logs = dir.path + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let server = try ServerLogs.everyStatement.get()
        let files = try FileManager.default.contentsOfDirectory(atPath: server).filter { $0.hasSuffix(".log.gz") }
        self.files = files.count
        #expect(files.count >= 2, "rotated files")
        for file in files { try FileManager.default.copyItem(atPath: server + "/" + file, toPath: logs + "/" + file) }
        ledger = dir.path + "/ledger.sqlite"
        install = dir.path + "/install"
        try FileManager.default.createDirectory(atPath: install + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: install + "/share/dropscan", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dropscanExecutable(), toPath: install + "/bin/dropscan")
        try FileManager.default.copyItem(
            atPath: repositoryRoot + "/Patterns", toPath: install + "/share/dropscan/Patterns")
    }

    /// The ledger's report: blocked, each use of orders.legacy_status counted once, audit_notes unused.
    func expectShopReport(_ report: [String: Any]) throws {
        #expect(report["verdict"] as? String == "blocked")
        let names = (report["targets"] as? [[String: Any]])?.compactMap { $0["target"] as? String }
        #expect(names == ["orders.legacy_status", "audit_notes.*"])
        let legacy = try runtime(report, "orders.legacy_status")
        #expect(legacy["statements"] as? Int == ScheduleTemplateTests.legacyStatusStatements)
        #expect(
            legacy["byApplication"] as? [String: Int] == [
                "shop-web": 5, "billing": 4, "metabase": 2, "report [v2]: ops@night": 2,
            ])
        #expect(try runtime(report, "audit_notes.*")["statements"] as? Int == 0)
    }
}
