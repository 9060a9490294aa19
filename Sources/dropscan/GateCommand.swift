import ArgumentParser
import DropScan
import Foundation

struct Gate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide whether a destructive change may ship: scan (or read saved reports) and apply a policy.",
        discussion: """
            The first lines printed are the verdict and the reason that decided it, then the other reasons,
            the seven-item checklist and warnings. The policy (YAML, see Reports/policy.example.yml) sets the
            blocking tiers, the log coverage a pass needs and an allowlist; without --policy, confirmed,
            implicit and probable uses and failed statements block, and a pass needs 30 days of logs with
            every statement logged, a code search and the whole checklist.
            Exit codes: 0 pass, 1 blocked, 2 usage or configuration error, 3 inconclusive.
            """)

    @Option(help: "The policy file (YAML).")
    var policy: String?

    @Option(help: "A saved JSON report to decide on instead of scanning (repeatable: shards are merged).")
    var report: [String] = []

    @Option(
        help:
            "BASE..HEAD: the change under review. Checks that it holds the destructive migration and only migrations and schema dumps; without targets, its destructive migrations are the targets."
    )
    var diff: String?

    @Option(help: "The git repository --diff is read from.")
    var repo: String = "."

    @Option(
        help:
            "An attestation file (YAML: owners-approve, retention, backup, rollback-plan, each with by and at); dropscan-attestations.yml beside a migration is read too."
    )
    var attestations: [String] = []

    @Option(help: "A baseline file: findings whose fingerprints it lists do not block.")
    var baseline: String?

    @Option(help: "Write the fingerprints of today's blocking findings to this baseline file.")
    var writeBaseline: String?

    @Option(help: "Judge allowlist expiry as of this day (YYYY-MM-DD; default today, UTC).")
    var today: String?

    @Option(
        name: .customLong("target"),
        help: "table.column, schema.table.column, table, table.* or schema.table.* (repeatable)")
    var targets: [String] = []

    @Option(help: "A file of targets, one a line, # comments.")
    var targetsFile: [String] = []

    @Option(help: "A migration under review: its drops and renames become targets (repeatable).")
    var fromMigration: [String] = []

    @Option(help: "PostgreSQL log files, directories or globs (repeatable).")
    var logs: [String] = []

    @Option(help: "Source trees to scan (repeatable).")
    var source: [String] = []

    @Option(help: "An explicit list of inputs ('-' for stdin), as `dropscan inputs` prints it.")
    var filesFrom: [String] = []

    @Option(name: .customLong("patterns"), help: "A directory of extra .rules files (repeatable).")
    var patternDirectories: [String] = []

    @Option(help: "The bundled Patterns/ directory (found automatically).")
    var patternsDir: String?

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Write the JSON report here ('-' for stdout).")
    var json: String?

    @Option(help: "Write a Markdown report here ('-' for stdout).")
    var markdown: String?

    @Option(help: "Write a SARIF report here ('-' for stdout).")
    var sarif: String?

    @Flag(help: "Copy literal values of logged statements into reports (redacted by default).")
    var showValues = false

    @Option(help: "Report gaps in the logs longer than this (e.g. 90m, 1h, 2d).")
    var gap: String = "1h"

    @Option(
        name: .customLong("log-line-prefix"),
        help:
            "The server's log_line_prefix for stderr and syslog logs, or GLOB=PREFIX for the logs matching GLOB (repeatable; inferred when absent)."
    )
    var logLinePrefixes: [String] = []

    @Option(help: "The server's postgresql.conf (includes followed), to take log_line_prefix from.")
    var postgresqlConf: String?

    @Option(
        help:
            "The year of syslog times that have none (RFC 3164, 'Feb 10 23:15:40'); default: each file's modification time."
    )
    var syslogYear: Int?

    @Option(help: "A `pg_dump --schema-only` file: its tables and columns join the model index (repeatable).")
    var schema: [String] = []

    @Flag(name: .customLong("follow"), help: "Follow symbolic links in source trees.")
    var followSymlinks = false

    @Option(help: "Skip (and report) source files larger than this many bytes.")
    var maxFilesize: Int64 = 10 << 20

    func run() throws {
        var scan = ScanRequest(
            targets: targets, targetFiles: targetsFile, migrations: fromMigration, logs: logs, sources: source,
            fileLists: filesFrom, patternDirectories: patternDirectories, bundledPatterns: patternsDir,
            threads: threads, json: json, markdown: markdown, sarif: sarif, showValues: showValues, gap: gap,
            logLinePrefixes: logLinePrefixes, blockOn: "probable", acceptPartialLogging: false,
            followSymlinks: followSymlinks, maxFileSize: maxFilesize, quiet: true)
        scan.postgresqlConf = postgresqlConf
        scan.syslogYear = syslogYear
        scan.schemaFiles = schema
        var request = GateRequest(scan: scan)
        request.reports = report
        request.policy = policy
        request.diff = diff
        request.repository = repo
        request.attestations = attestations
        request.baseline = baseline
        request.writeBaseline = writeBaseline
        request.today = today
        throw ExitRequest(code: GateCommand.run(request))
    }
}
