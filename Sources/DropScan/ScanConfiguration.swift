import Foundation
import Gate
import Matching

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
    /// An explicit `log_line_prefix` for stderr logs (inferred when `nil`).
    public var logLinePrefix: String?
    public var policy = GatePolicy()
    /// What the gate needs besides the policy (baseline, attestations, the change under review).
    public var gateContext = GateContext()
    /// The command line, recorded in the report.
    public var commandLine: [String] = Array(CommandLine.arguments.dropFirst())
    /// Files that are the change under review (the migration itself never counts as a use).
    public var excludedPaths: Set<String> = []
    /// Show progress on stderr (only honoured when stderr is a terminal).
    public var progress = true
    /// Decompressed bytes handed to the matcher at a time.
    public var chunkSize = 1 << 20
    /// Compressed files at least this large are inflated on their own thread, ahead of the matcher.
    public var pipelineThreshold: Int64 = 4 << 20

    public init() {}
}

/// A problem with the configuration (exit code 2), with a message that says what to fix.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case noTargets
    case noInputs
    case patternsNotFound(searched: [String])
    case patterns(String)

    public var description: String {
        switch self {
        case .noTargets:
            return "no targets: give --target, --targets-file or --from-migration"
        case .noInputs:
            return "nothing to scan: give --logs, --source or --files-from"
        case .patternsNotFound(let searched):
            return
                "cannot find the bundled Patterns/ directory (looked in \(searched.joined(separator: ", "))): set DROPSCAN_PATTERNS or pass --patterns-dir"
        case .patterns(let message):
            return message
        }
    }
}

/// Finds the bundled pattern library: `$DROPSCAN_PATTERNS`, next to the executable (installed as
/// `share/dropscan/Patterns`), above it (a build inside the repository), or in the current directory.
public func locateBundledPatterns() throws(ConfigurationError) -> String {
    var candidates: [String] = []
    if let fromEnvironment = ProcessInfo.processInfo.environment["DROPSCAN_PATTERNS"] {
        candidates.append(fromEnvironment)
    }
    let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        .deletingLastPathComponent()
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
