import Foundation
import Gate
import Matching
import Report
import ScanIO

/// Everything a scan needs, as the command line gave it.
public struct ScanConfiguration: Sendable {
    public var targets: [Target] = []
    /// Log files, directories and globs.
    public var logs: [String] = []
    /// Source trees.
    public var sources: [String] = []
    /// Contents of `--files-from` lists, with the name to cite in errors.
    public var fileLists: [(name: String, text: String)] = []
    /// Extra pattern directories (`--patterns`), loaded after the bundled ones.
    public var patternDirectories: [String] = []
    /// The bundled `Patterns/` directory; found automatically when `nil`.
    public var bundledPatterns: String?
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    public var followSymlinks = false
    public var maxSourceFileSize: Int64 = 10 << 20
    /// Copy literal values of logged statements into the report (off: they are redacted).
    public var showValues = false
    /// Gaps in the logs longer than this many seconds are reported.
    public var gapSeconds: Int64 = 3600
    /// Explicit `log_line_prefix` values (`--log-line-prefix`), each for all logs or for paths matching a
    /// glob; the first that applies to a file wins, scoped ones before unscoped ones.
    public var logLinePrefixes: [ScopedPrefix] = []
    /// The `log_line_prefix` of `--postgresql-conf`, used for logs no `--log-line-prefix` applies to.
    public var configuredPrefix: String?
    /// The year of RFC 3164 syslog times, which have none; from each file's modification time when `nil`.
    public var syslogYear: Int?
    public var policy = GatePolicy()
    /// What the gate needs besides the policy (baseline, attestations, the change under review).
    public var gateContext = GateContext()
    /// The most files the report lists in `run.inputs` (the rest are counted in `run.inputsOmitted`).
    public var maxRecordedInputs = RunRecord.maxRecordedInputs
    /// The most statement shapes the report lists per target (the rest are counted in `groupsOmitted`).
    public var maxStatementGroups = 1000
    /// The most code findings the report lists per target (the rest are counted in `findingsOmitted`).
    public var maxFindings = 2000
    /// The command line, recorded in the report.
    public var commandLine: [String] = Array(CommandLine.arguments.dropFirst())
    /// `pg_dump --schema-only` files (`--schema`): their tables and columns join the model index, and their
    /// objects that depend on a target are reported.
    public var schemaFiles: [String] = []
    /// Connection strings (`--database`: URLs, `key=value` pairs, database names) of the primary and replicas.
    public var databases: [String] = []
    /// The table-activity snapshot (`--snapshot`): compared with, then replaced by this run's counters.
    public var snapshot: String?
    /// Called with a server's `host:port/dbname` once its session is open, before its catalog is read: a seam
    /// for tests that break a connection between the two.
    public var afterDatabaseConnect: (@Sendable (_ server: String) -> Void)?
    /// Files that are the change under review (the migration itself never counts as a use).
    public var excludedPaths: Set<String> = []
    /// Where the migration under review drops or renames each of its targets.
    public var migrationSites: [Target: MigrationSite] = [:]
    /// Show progress on stderr (only honoured when stderr is a terminal).
    public var progress = true
    /// Source files' bytes the first pass keeps for the second, so that a file is read once; files past it are
    /// read again.
    public var keptSourceBytes = 16 << 20
    /// Decompressed bytes handed to the matcher at a time.
    public var chunkSize = 1 << 20
    /// Compressed files at least this large are inflated on their own thread, ahead of the matcher.
    public var pipelineThreshold: Int64 = 4 << 20
    /// Called with a log's path after each chunk of it is read, before the chunk is scanned: a seam for tests
    /// that change a file between two reads (truncate, rotate) without timing.
    public var afterLogChunk: (@Sendable (_ path: String) -> Void)?
    /// Checked between files and between chunks of a file: when set, the scan stops and reports what it
    /// read, marked as interrupted (`coverage.interrupted`). The command line uses
    /// ``Cancellation/interruptSignals``.
    public var cancellation = Cancellation()

    /// Called once the first pass over the sources is done, before the second: a seam for tests that change a
    /// source file between the passes.
    public var afterFirstPass: (@Sendable () -> Void)?

    /// For a sweep: the stretch of each log file (by path) to read; files not listed are read whole.
    var logSlices: [String: LogSlice] = [:]
    /// For a sweep: count runtime uses by UTC day too (``ScanAccumulator/daily``).
    var countsByDay = false
    /// For a sweep: called with what each log file held, once it is read to its end (not when the scan is
    /// cancelled in the middle of it), before it joins the rest; the sweep commits it to the ledger.
    var afterLogFile: (@Sendable (InputFile, ScanAccumulator) -> Void)?

    public init() {}
}

/// A `--log-line-prefix` value: `PREFIX` for every log, or `GLOB=PREFIX` for the logs whose path (or, for
/// a glob without `/`, whose file name) matches `GLOB`.
public struct ScopedPrefix: Sendable, Equatable {
    public var glob: String?
    public var prefix: String

    public init(glob: String?, prefix: String) {
        self.glob = glob
        self.prefix = prefix
    }

    /// Reads `GLOB=PREFIX` when the text before the first `=` holds a glob character or a `/` and no `%`
    /// (so that `user=%u,db=%d ` stays a prefix), else the whole text as a prefix.
    public init(argument: String) {
        if let equals = argument.firstIndex(of: "=") {
            let head = argument[..<equals]
            if !head.isEmpty, !head.contains("%"), head.contains(where: { "*?[/".contains($0) }) {
                self.init(glob: String(head), prefix: String(argument[argument.index(after: equals)...]))
                return
            }
        }
        self.init(glob: nil, prefix: argument)
    }

    /// Whether this prefix applies to the log at `path`.
    public func applies(to path: String) -> Bool {
        guard let glob else { return true }
        if GlobMatcher.matches(glob, path) { return true }
        if !glob.contains("/") { return GlobMatcher.matches(glob, (path as NSString).lastPathComponent) }
        return false
    }
}

/// A problem with the configuration (exit code 2), with a message that says what to fix.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case noTargets
    case noInputs
    case patternsNotFound(searched: [String])
    case patterns(String)
    /// A `--schema` file that cannot be read.
    case schemaUnreadable(path: String, message: String)
    /// A `--database` that cannot be connected to (one sentence, no password).
    case database(String)

    public var description: String {
        switch self {
        case .noTargets:
            return "no targets: give --target, --targets-file or --from-migration"
        case .noInputs:
            return "nothing to scan: give --logs, --source, --files-from, --database or --schema"
        case .patternsNotFound(let searched):
            return
                "cannot find the bundled Patterns/ directory (looked in \(searched.joined(separator: ", "))): set DROPSCAN_PATTERNS or pass --patterns-dir"
        case .patterns(let message):
            return message
        case .schemaUnreadable(let path, let message):
            return "cannot read the schema file \(path): \(message); give a `pg_dump --schema-only` file to --schema"
        case .database(let message):
            return message
        }
    }
}

/// The running executable's path: the kernel's (`/proc/self/exe`), else the first argument, looked up on
/// `PATH` when it is a bare name (as a shell runs an installed `dropscan`).
func executablePath() -> String {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
    let first = CommandLine.arguments.first ?? "."
    if first.contains("/") { return first }
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let candidate = "\(directory)/\(first)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return first
}

/// Finds the bundled pattern library: `$DROPSCAN_PATTERNS`, next to the executable (installed as
/// `share/dropscan/Patterns`), above it (a build inside the repository), or in the current directory.
public func locateBundledPatterns() throws(ConfigurationError) -> String {
    var candidates: [String] = []
    if let fromEnvironment = ProcessInfo.processInfo.environment["DROPSCAN_PATTERNS"] {
        candidates.append(fromEnvironment)
    }
    let executable = URL(fileURLWithPath: executablePath()).resolvingSymlinksInPath().deletingLastPathComponent()
    candidates.append(executable.appendingPathComponent("../share/dropscan/Patterns").standardizedFileURL.path)
    var directory = executable
    for _ in 0..<6 {
        candidates.append(directory.appendingPathComponent("Patterns").path)
        directory = directory.deletingLastPathComponent()
    }
    candidates.append(FileManager.default.currentDirectoryPath + "/Patterns")
    for candidate in candidates where FileManager.default.fileExists(atPath: candidate + "/sql.rules") {
        return candidate
    }
    throw .patternsNotFound(searched: candidates)
}

/// The stretch of a log file a sweep reads: from `start` (bytes of its text, decompressed; an entry boundary,
/// where the last sweep stopped) to `end` (exclusive; the end of its last complete line when the sweep
/// began), or to its end when `end` is `nil`.
struct LogSlice: Sendable, Equatable {
    var start: Int64
    /// The line number at `start`.
    var startLine: Int
    var end: Int64?
}
