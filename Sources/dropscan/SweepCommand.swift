import ArgumentParser
import DropScan
import Foundation

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add what is new in the logs since the last sweep to a usage ledger (for cron, timers, CI).",
        discussion: """
            Each log file is known by its content (a hash of its first 4 KiB of text), not its name: after
            rotation (postgresql.log → postgresql.log.1 → postgresql.log.1.gz) it is read once; a growing file
            is resumed where the last sweep stopped; a truncated one is read again from its start, and said so.
            Each file's counts are committed with its checkpoint in one transaction: a sweep killed and run
            again counts nothing twice. Prints one JSON line on stdout; exit 0, or 3 when an input could not be
            read fully (recorded in the ledger), 2 for a usage or ledger error.
            """)

    @Option(help: "The ledger: an SQLite file (created if missing) or a postgres:// URI.")
    var state: String

    @Option(help: "PostgreSQL log files, directories or globs (repeatable).")
    var logs: [String] = []

    @Option(
        name: .customLong("target"), help: "A column (table.column) or table (table.*) to count uses of (repeatable).")
    var targets: [String] = []

    @Option(help: "A file of targets, one a line, # comments.")
    var targetsFile: [String] = []

    @Option(help: "The server the logs come from (default: the host name).")
    var server: String?

    @Flag(help: "Take each file's server from the folder below the --logs directory that holds it (/logs/db1/… → db1).")
    var serverFromPath = false

    @Option(help: "Read the K-th of N parts of the files (1 <= K <= N), split by file identity.")
    var shard: String?

    @Option(help: "Prune what the ledger counted before this long ago (e.g. 400d).")
    var keep: String?

    @Option(
        name: .customLong("log-line-prefix"),
        help: "The server's log_line_prefix, or GLOB=PREFIX for the files GLOB matches (repeatable).")
    var logLinePrefixes: [String] = []

    @Option(help: "The server's postgresql.conf, to take log_line_prefix from.")
    var postgresqlConf: String?

    @Option(help: "The year of RFC 3164 syslog times.")
    var syslogYear: Int?

    @Option(help: "Worker threads (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Report gaps in the logs longer than this (e.g. 90m, 1h, 2d).")
    var gap: String = "1h"

    @Flag(help: "Keep literal values of logged statements in the ledger (redacted by default).")
    var showValues = false

    @Flag(name: [.short, .long], help: "Print nothing on stderr.")
    var quiet = false

    func run() throws {
        var request = SweepRequest(state: state, logs: logs)
        request.targets = targets
        request.targetFiles = targetsFile
        request.server = server
        request.serverFromPath = serverFromPath
        request.shard = shard
        request.keep = keep
        request.logLinePrefixes = logLinePrefixes
        request.postgresqlConf = postgresqlConf
        request.syslogYear = syslogYear
        request.threads = threads
        request.gap = gap
        request.showValues = showValues
        request.quiet = quiet
        throw ExitRequest(code: SweepCommand.run(request))
    }
}

struct LedgerCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Read the usage ledger that sweeps write.", subcommands: [LedgerReport.self])

    struct LedgerReport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write the usage report of the ledger's history (the same JSON as a scan; exit 0/1/3 as scan).")

        @Option(help: "The ledger: an SQLite file or a postgres:// URI.")
        var state: String

        @Option(help: "Cover whole UTC days from this long ago (30d) or from a UTC date (2026-11-01).")
        var since: String?

        @Option(help: "The last UTC day covered (a date; default: today).")
        var until: String?

        @Option(help: "Only these servers (repeatable; default: all).")
        var server: [String] = []

        @Option(name: .customLong("target"), help: "Only these targets (repeatable; default: every target swept).")
        var targets: [String] = []

        @Option(help: "A file of targets, one a line, # comments.")
        var targetsFile: [String] = []

        @Option(help: "Write the JSON report here ('-' for stdout).")
        var json: String?

        @Option(help: "Write a Markdown report here ('-' for stdout).")
        var markdown: String?

        @Option(help: "Write a SARIF report here ('-' for stdout).")
        var sarif: String?

        @Option(help: "The weakest evidence that blocks: confirmed, implicit, probable or possible.")
        var blockOn: String = "probable"

        @Flag(help: "Accept logs that show only slow or failed statements as enough for a pass.")
        var acceptPartialLogging = false

        @Option(help: "Report gaps in the logs longer than this (e.g. 90m, 1h, 2d).")
        var gap: String = "1h"

        @Flag(name: [.short, .long], help: "Print no summary on stderr.")
        var quiet = false

        func run() throws {
            var request = LedgerReportRequest(state: state)
            request.since = since
            request.until = until
            request.servers = server
            request.targets = targets
            request.targetFiles = targetsFile
            request.json = json
            request.markdown = markdown
            request.sarif = sarif
            request.blockOn = blockOn
            request.acceptPartialLogging = acceptPartialLogging
            request.gap = gap
            request.quiet = quiet
            throw ExitRequest(code: LedgerReportCommand.run(request))
        }
    }
}
