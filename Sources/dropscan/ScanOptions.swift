import ArgumentParser
import DropScan
import Foundation

/// The options `scan` and `gate` share: what to scan, how to read it, and where the reports go.
struct ScanOptions: ParsableArguments {
    @Option(
        name: .customLong("target"),
        help: "table.column, schema.table.column, table, table.* or schema.table.* (repeatable)")
    var targets: [String] = []

    @Option(help: "A file of targets, one a line, # comments.")
    var targetsFile: [String] = []

    @Option(
        help:
            "A migration under review (SQL, Flyway, Liquibase SQL, Prisma, Rails, Django, Alembic, Knex, Sequelize, TypeORM): its drops and renames become targets."
    )
    var fromMigration: [String] = []

    @Option(help: "PostgreSQL log files, directories or globs (repeatable).")
    var logs: [String] = []

    @Option(help: "Source trees to scan (repeatable).")
    var source: [String] = []

    @Option(
        help: "An explicit list of inputs ('-' for stdin): a path, 'log<TAB>path' or 'source<TAB>root<TAB>relative'.")
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

    @Flag(name: .customLong("follow"), help: "Follow symbolic links in source trees.")
    var followSymlinks = false

    @Option(
        help:
            "Skip (and report) source files larger than this many bytes; they are still searched for the targets' names."
    )
    var maxFilesize: Int64 = 10 << 20

    @Option(
        help:
            "A `pg_dump --schema-only` file: its tables and columns join the model index, and the objects it defines that depend on a target are reported (repeatable)."
    )
    var schema: [String] = []

    @Option(
        name: .customLong("database"),
        help:
            "A database to read dependents from, read-only (repeatable: the primary and each replica): a postgresql:// URL, 'service=name' or key=value pairs, or a database name; PG* variables and ~/.pgpass apply."
    )
    var databases: [String] = []

    @Option(
        help:
            "A file of table counters (pg_stat_user_tables) from --database: read and compared if it exists (a target table read since blocks), then replaced with this run's reading."
    )
    var snapshot: String?

    /// The scan these options ask for; `blockOn`, `acceptPartialLogging` and `quiet` are the command's own.
    func request(blockOn: String, acceptPartialLogging: Bool, quiet: Bool) -> ScanRequest {
        var request = ScanRequest(
            targets: targets, targetFiles: targetsFile, migrations: fromMigration, logs: logs, sources: source,
            fileLists: filesFrom, patternDirectories: patternDirectories, bundledPatterns: patternsDir,
            threads: threads, json: json, markdown: markdown, sarif: sarif, showValues: showValues, gap: gap,
            logLinePrefixes: logLinePrefixes, blockOn: blockOn, acceptPartialLogging: acceptPartialLogging,
            followSymlinks: followSymlinks, maxFileSize: maxFilesize, quiet: quiet)
        request.syslogYear = syslogYear
        request.postgresqlConf = postgresqlConf
        request.schemaFiles = schema
        request.databases = databases
        request.snapshot = snapshot
        return request
    }
}
