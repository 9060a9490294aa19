import CodeUsage
import Foundation
import Gate
import Matching
import PostgresLog
import Report
import SQLResolution
import ScanIO

/// The `scan` command's arguments as given, before validation.
public struct ScanRequest: Sendable {
    public var targets: [String]
    public var targetFiles: [String]
    public var migrations: [String]
    public var logs: [String]
    public var sources: [String]
    public var fileLists: [String]
    public var patternDirectories: [String]
    public var bundledPatterns: String?
    public var threads: Int
    public var json: String?
    public var markdown: String?
    public var sarif: String?
    public var showValues: Bool
    public var gap: String
    /// `--log-line-prefix` values: `PREFIX` or `GLOB=PREFIX`.
    public var logLinePrefixes: [String]
    /// `--postgresql-conf`: the server's configuration file, for its `log_line_prefix`.
    public var postgresqlConf: String?
    /// `--syslog-year`: the year of RFC 3164 syslog times (else each file's modification time).
    public var syslogYear: Int?
    public var blockOn: String
    public var acceptPartialLogging: Bool
    public var followSymlinks: Bool
    public var maxFileSize: Int64
    public var quiet: Bool
    /// Print timings and the parser's cache statistics on stderr.
    public var stats = false
    /// The repository's web address and commit, for links in reports (else GitHub's or GitLab's CI variables).
    public var repoURL: String?
    public var commit: String?
    /// `pg_dump --schema-only` files whose tables join the model index (`--schema`).
    public var schemaFiles: [String] = []
    /// Targets whose resolution to models, files and rules is printed on stderr (`--explain`).
    public var explain: [String] = []
    /// The table-activity snapshot file (`--snapshot`).
    public var snapshot: String?
    /// Connection strings of the databases to read (`--database`): the primary and each replica.
    public var databases: [String] = []

    public init(
        targets: [String], targetFiles: [String], migrations: [String] = [], logs: [String], sources: [String],
        fileLists: [String],
        patternDirectories: [String], bundledPatterns: String?, threads: Int, json: String?, markdown: String?,
        sarif: String?, showValues: Bool, gap: String, logLinePrefixes: [String], blockOn: String,
        acceptPartialLogging: Bool, followSymlinks: Bool, maxFileSize: Int64, quiet: Bool
    ) {
        self.targets = targets
        self.targetFiles = targetFiles
        self.migrations = migrations
        self.logs = logs
        self.sources = sources
        self.fileLists = fileLists
        self.patternDirectories = patternDirectories
        self.bundledPatterns = bundledPatterns
        self.threads = threads
        self.json = json
        self.markdown = markdown
        self.sarif = sarif
        self.showValues = showValues
        self.gap = gap
        self.logLinePrefixes = logLinePrefixes
        self.blockOn = blockOn
        self.acceptPartialLogging = acceptPartialLogging
        self.followSymlinks = followSymlinks
        self.maxFileSize = maxFileSize
        self.quiet = quiet
    }
}

/// A usage error: exit code 2 with a message that says what to fix.
public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `dropscan scan`: builds the configuration, scans, writes the reports, returns the exit code.
public enum ScanCommandRunner {
    public static func run(_ request: ScanRequest) -> Int32 {
        // From here on SIGINT and SIGTERM stop the scan, which then writes what it read, marked interrupted.
        Cancellation.installSignalHandlers()
        var configuration: ScanConfiguration
        var options = ReportOptions()
        do {
            try ReportOutputs(json: request.json, markdown: request.markdown, sarif: request.sarif).validate()
            configuration = try makeConfiguration(request)
            configuration.cancellation = .interruptSignals
            // The blocking tiers come from the policy the report records (`ReportOptions.adopting`).
            options = ReportOptions(
                repository: try RepositoryLink.resolve(
                    repoURL: request.repoURL, commit: request.commit, environment: ProcessInfo.processInfo.environment))
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
        let outputs = ReportOutputs(
            json: request.json, markdown: request.markdown, sarif: request.sarif, options: options)
        guard let report = scanOrNothingToCheck(configuration, request: request) else {
            return ExitCode.usage.rawValue
        }
        do {
            try outputs.emit(report, summary: !request.quiet)
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
        return exitCode(report)
    }

    /// 130 after SIGINT and 143 after SIGTERM (128 + the signal, as shells report it), else the verdict's.
    static func exitCode(_ report: UsageReport) -> Int32 {
        if let signal = Cancellation.interruptSignals.signal { return 128 + signal }
        return ExitCode(report.verdict).rawValue
    }

    /// Scans, or when the migrations under review remove nothing, the report that says so (decided by the
    /// gate like any other); `nil` after printing a configuration error.
    static func scanOrNothingToCheck(_ configuration: ScanConfiguration, request: ScanRequest) -> UsageReport? {
        if configuration.targets.isEmpty && !request.migrations.isEmpty {
            // The change under review removes nothing: there is nothing to prove unused.
            StandardError.write("dropscan: the migration has no destructive operation: nothing to check\n")
            let now = LogTimestamp.iso8601(milliseconds: RunClock.nowMilliseconds())
            var report = UsageReport(
                tool: ToolInfo(version: dropscanVersion), verdict: .inconclusive, reasons: [], targets: [],
                coverage: Coverage())
            report.run = RunRecord(
                commandLine: configuration.commandLine, startedAt: now, endedAt: now, sources: configuration.sources,
                logs: configuration.logs, inputs: [], policy: configuration.policy.record)
            Gate.decide(&report, policy: configuration.policy, context: configuration.gateContext)
            return report
        }
        do {
            let (scanned, statistics) = try ScanPipeline(configuration: configuration).runWithStatistics()
            if request.stats { StandardError.write(statistics.description) }
            for text in request.explain {
                let target = try Target(parsing: text)
                StandardError.write(Explanation.render(target: target, report: scanned, catalog: statistics.catalog))
            }
            return scanned
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return nil
        }
    }

    /// Validates the request into a configuration; every error names the bad value.
    public static func makeConfiguration(_ request: ScanRequest) throws -> ScanConfiguration {
        var configuration = ScanConfiguration()
        for text in request.targets { configuration.targets.append(try Target(parsing: text)) }
        for path in request.targetFiles {
            let text: String
            do {
                text = try readText(path)
            } catch {
                throw TargetError.unreadableFile(path: path, message: "\(error)")
            }
            configuration.targets += try Target.parseList(text, path: path)
        }
        for path in request.migrations {
            let text = try readText(path)
            let operations = try MigrationReader.operations(in: text, path: path, neighbours: DiskNeighbourhood())
            for operation in operations {
                StandardError.write(
                    "dropscan: \(path):\(operation.line): \(operation.description) → target \(operation.target)\n")
                configuration.targets.append(operation.target)
                if configuration.migrationSites[operation.target] == nil {
                    configuration.migrationSites[operation.target] = MigrationSite(
                        path: relativeToWorkingDirectory(path), line: operation.line)
                }
            }
            configuration.excludedPaths.insert(path)
        }
        var seen: Set<Target> = []
        configuration.targets = configuration.targets.filter { seen.insert($0).inserted }
        configuration.logs = request.logs
        for root in request.sources where !FileManager.default.fileExists(atPath: root) {
            throw UsageError("--source \(root) does not exist: give a source tree that is there")
        }
        configuration.sources = request.sources
        for list in request.fileLists {
            configuration.fileLists.append((name: list == "-" ? "(stdin)" : list, text: try readText(list)))
        }
        configuration.patternDirectories = request.patternDirectories
        configuration.bundledPatterns = request.bundledPatterns
        guard request.threads >= 1 else { throw UsageError("--threads must be at least 1, not \(request.threads)") }
        configuration.threads = request.threads
        configuration.showValues = request.showValues
        configuration.gapSeconds = try parseDuration(request.gap)
        configuration.syslogYear = request.syslogYear
        configuration.logLinePrefixes = request.logLinePrefixes.map(ScopedPrefix.init(argument:))
        for rule in configuration.logLinePrefixes {
            do {
                _ = try LinePrefix(parsing: rule.prefix)
            } catch {
                throw UsageError("--log-line-prefix: \(error)")
            }
        }
        if let path = request.postgresqlConf {
            let conf: PostgresConf
            do {
                conf = try PostgresConf.load(path: path)
            } catch {
                throw UsageError("--postgresql-conf: \(error)")
            }
            let destinations = (conf.settings["log_destination"] ?? "stderr").lowercased()
            guard let prefix = conf.settings["log_line_prefix"] else {
                throw UsageError(
                    "--postgresql-conf: \(path) does not set log_line_prefix, so the server uses its default '%m [%p] '; pass --log-line-prefix '%m [%p] ' if that is right"
                )
            }
            if destinations.contains("stderr") || destinations.contains("syslog") {
                configuration.configuredPrefix = prefix
            }
        }
        guard let blockOn = Evidence(rawValue: request.blockOn), blockOn != .notAUse else {
            throw UsageError("--block-on must be confirmed, implicit, probable or possible, not '\(request.blockOn)'")
        }
        configuration.policy = GatePolicy(blockOn: blockOn, acceptPartialLogging: request.acceptPartialLogging)
        configuration.followSymlinks = request.followSymlinks
        configuration.maxSourceFileSize = request.maxFileSize
        configuration.progress = !request.quiet
        configuration.schemaFiles = request.schemaFiles
        configuration.databases = request.databases
        configuration.snapshot = request.snapshot
        if request.snapshot != nil && request.databases.isEmpty {
            throw UsageError("--snapshot compares table counters read from a database: give --database too")
        }
        configuration.commandLine = redactingDatabases(configuration.commandLine)
        for text in request.explain {
            let target = try Target(parsing: text)
            guard configuration.targets.contains(target) else {
                throw UsageError(
                    "--explain \(text) is not one of the scan's targets (\(configuration.targets.map(\.normalized).joined(separator: ", ")))"
                )
            }
        }
        return configuration
    }

    /// The command line with each `--database` value replaced by `(connection string)`: a URL may hold a
    /// password, and the command line is written into reports.
    static func redactingDatabases(_ arguments: [String]) -> [String] {
        var redacted: [String] = []
        var valueNext = false
        for argument in arguments {
            if valueNext {
                redacted.append("(connection string)")
                valueNext = false
            } else if argument == "--database" {
                redacted.append(argument)
                valueNext = true
            } else if argument.hasPrefix("--database=") {
                redacted.append("--database=(connection string)")
            } else {
                redacted.append(argument)
            }
        }
        return redacted
    }

    /// `90s`, `30m`, `1h`, `2d`, or a number of seconds.
    public static func parseDuration(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let last = trimmed.last, let unit = units[last], let value = Int64(trimmed.dropLast()), value > 0 {
            return value * unit
        }
        if let value = Int64(trimmed), value > 0 { return value }
        throw UsageError("--gap takes a duration such as 90m, 1h or 2d, not '\(text)'")
    }

    static func readText(_ path: String) throws -> String {
        if path == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// `path` relative to the working directory when it lies below it (the repository root in CI), so that
    /// reports name the migration as the repository does.
    static func relativeToWorkingDirectory(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        let directory = FileManager.default.currentDirectoryPath
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}

/// `dropscan patterns check` and `dropscan patterns list`.
public enum PatternCommands {
    public static func check(directories: [String]) -> Int32 {
        let library: PatternLibrary
        do {
            library = try load(directories)
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
        let result = library.check()
        // Examples only run where every rule compiles: a broken rule would fail each of them.
        let examples = result.problems.isEmpty ? RuleExamples.check(library) : RuleExamples.Result()
        let problems = result.problems + examples.problems
        for problem in problems { StandardError.write(problem + "\n") }
        let line =
            "\(result.rulesChecked) rules, \(result.samplesChecked) samples and \(examples.examplesChecked) examples checked, \(problems.count) problem(s)\n"
        guard writeOut(line) else { return ExitCode.usage.rawValue }
        return problems.isEmpty ? 0 : ExitCode.usage.rawValue
    }

    public static func list(directories: [String]) -> Int32 {
        do {
            let lines = try load(directories).rules.map {
                "\($0.id)\t\($0.subject.rawValue)\t\($0.evidence.rawValue)\t\($0.description)\n"
            }
            return writeOut(lines.joined()) ? 0 : ExitCode.usage.rawValue
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
    }

    static func load(_ directories: [String]) throws -> PatternLibrary {
        try PatternLibrary.load(directories: directories.isEmpty ? [try locateBundledPatterns()] : directories)
    }
}

/// `dropscan inputs`: the input list in `--files-from` format.
public enum InputsCommand {
    public static func run(logs: [String], sources: [String], followSymlinks: Bool) -> Int32 {
        var options = WalkOptions()
        options.followSymlinks = followSymlinks
        let walker = InputWalker(options: options)
        var set = InputSet()
        walker.addLogs(logs, to: &set)
        walker.addSources(sources, to: &set)
        let lines = set.files.map { file in
            switch file.kind {
            case .log: return "log\t\(file.path)\n"
            case .source: return "source\t\(file.root ?? ".")\t\(file.relativePath)\n"
            }
        }
        for error in set.errors { StandardError.write("dropscan: \(error)\n") }
        guard writeOut(lines.joined()) else { return ExitCode.usage.rawValue }
        return set.errors.isEmpty ? 0 : ExitCode.usage.rawValue
    }
}

/// `dropscan merge`: one report from the reports of a scan's shards, decided again by the gate under the
/// policy the shards recorded.
public enum MergeCommand {
    public static func run(reports paths: [String], json: String?, markdown: String?, sarif: String?, quiet: Bool)
        -> Int32
    {
        do {
            let outputs = ReportOutputs(json: json, markdown: markdown, sarif: sarif)
            try outputs.validate()
            let reports = try paths.map { path throws in try readReport(path) }
            let result = try ReportMerger.merge(reports, names: paths)
            for note in result.duplicates { StandardError.write("dropscan: \(note)\n") }
            var merged = result.report
            merged.run?.commandLine = Array(CommandLine.arguments.dropFirst())
            Gate.decide(&merged, policy: GatePolicy(record: merged.run!.policy))
            try outputs.emit(merged, summary: !quiet)
            return ExitCode(merged.verdict).rawValue
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
    }

    /// Reads a saved JSON report; errors name the file.
    static func readReport(_ path: String) throws -> UsageReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsageError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        do {
            return try JSONReporter.decode(data)
        } catch {
            throw UsageError("\(path) is not a dropscan JSON report: \(error)")
        }
    }
}

/// What the process sets up before any command runs.
public enum ProcessSetup {
    /// SIGPIPE ignored: a closed standard output is a write error that names it (EPIPE), not a silent death.
    public static func ignoreBrokenPipes() { Cancellation.ignoreBrokenPipes() }
}

/// Writes `text` to standard output; on failure (a full disk, a reader that has gone) says so in one sentence
/// on stderr and returns `false` (exit code 2).
func writeOut(_ text: String, what: String = "the output") -> Bool {
    do {
        try StandardOutput.write(text)
        return true
    } catch {
        StandardError.write("dropscan: cannot write \(what) to standard output: \(error.reason).\n")
        return false
    }
}
