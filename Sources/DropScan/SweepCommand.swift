import Crypto
import Foundation
import Gate
import Ledger
import Report
import ScanIO
import Synchronization

/// The `sweep` command's arguments as given.
public struct SweepRequest: Sendable {
    /// The ledger: an SQLite path or a `postgres://` URI.
    public var state: String
    public var logs: [String]
    public var targets: [String] = []
    public var targetFiles: [String] = []
    /// The name the sweep's reads are recorded under (default: the host name).
    public var server: String?
    /// Take each file's server from the folder below a `--logs` directory that holds it
    /// (`/logs/db1/postgresql.log` → `db1`); files directly in that directory are `server`'s.
    public var serverFromPath = false
    /// `K/N`: this sweeper reads the K-th of N parts of the files (1-based).
    public var shard: String?
    /// How long the ledger keeps what it counted (`400d`).
    public var keep: String?
    public var logLinePrefixes: [String] = []
    public var postgresqlConf: String?
    public var syslogYear: Int?
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var gap = "1h"
    public var showValues = false
    public var quiet = false
    public var patternDirectories: [String] = []
    public var bundledPatterns: String?
    /// Test seam: called after each file's read is committed, with its path.
    public var afterCommit: (@Sendable (String) -> Void)?

    public init(state: String, logs: [String]) {
        self.state = state
        self.logs = logs
    }
}

/// What a sweep did, printed as one JSON line on stdout.
public struct SweepSummary: Codable, Sendable, Equatable {
    public var server: String
    public var shard: String?
    /// Log files seen (in this shard), files read (in part or whole), and files with nothing new.
    public var files = 0
    public var read = 0
    public var unchanged = 0
    public var bytesRead: Int64 = 0
    public var bytesScanned: Int64 = 0
    /// Inputs that could not be read fully (recorded in the ledger: reports over this time are inconclusive).
    public var errors = 0
    /// Files another sweeper counted while this one read them (left to it).
    public var alreadyCounted = 0
    /// Files read again from their start, and why.
    public var notes: [String] = []
}

/// Runs `dropscan sweep`: reads what is new in the logs since the last sweep and adds it to the ledger.
public enum SweepCommand {
    public static func run(_ request: SweepRequest) -> Int32 {
        Cancellation.installSignalHandlers()
        do {
            let summary = try sweep(request)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let line = String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n"
            _ = writeOut(line, what: "the sweep summary")
            if !request.quiet {
                for note in summary.notes { StandardError.write("dropscan: \(note)\n") }
                StandardError.write(
                    "dropscan: swept \(summary.read) of \(summary.files) log files (\(summary.unchanged) unchanged) into the ledger\(summary.errors > 0 ? "; \(summary.errors) could not be read fully" : "")\n"
                )
            }
            if let signal = Cancellation.interruptSignals.signal { return 128 + signal }
            return summary.errors > 0 ? ExitCode.inconclusive.rawValue : ExitCode.pass.rawValue
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
    }

    /// Sweeps and returns what it did; throws for configuration and ledger problems.
    public static func sweep(_ request: SweepRequest) throws -> SweepSummary {
        let shard = try parseShard(request.shard)
        let keep = try request.keep.map { text throws in
            guard let seconds = try? ScanCommandRunner.parseDuration(text) else {
                throw UsageError("--keep takes a duration such as 400d, not '\(text)'")
            }
            return seconds
        }
        var scan = ScanRequest(
            targets: request.targets, targetFiles: request.targetFiles, logs: request.logs, sources: [], fileLists: [],
            patternDirectories: request.patternDirectories, bundledPatterns: request.bundledPatterns,
            threads: request.threads, json: nil, markdown: nil, sarif: nil, showValues: request.showValues,
            gap: request.gap, logLinePrefixes: request.logLinePrefixes, blockOn: "probable",
            acceptPartialLogging: false, followSymlinks: false, maxFileSize: 10 << 20, quiet: request.quiet)
        scan.postgresqlConf = request.postgresqlConf
        scan.syslogYear = request.syslogYear
        var configuration = try ScanCommandRunner.makeConfiguration(scan)
        guard !configuration.targets.isEmpty else {
            throw UsageError("give the targets to sweep for with --target or --targets-file")
        }
        guard !request.logs.isEmpty else { throw UsageError("give the logs to sweep with --logs") }
        let server = request.server ?? ProcessInfo.processInfo.hostName
        let serverOf = ServerNaming(
            roots: request.serverFromPath ? request.logs : [], fallback: server)
        let ledger = try Ledger(state: request.state)
        let names = configuration.targets.map(\.normalized)
        let targetSet = try ledger.register(
            targets: names, digest: SweepPlanner.digest(Array(names.sorted().joined(separator: "\n").utf8)[...]))
        let now = RunClock.nowMilliseconds()
        var summary = SweepSummary(server: request.serverFromPath ? "(from path)" : server, shard: request.shard)

        // Walk and identify; keep this shard's files, one per identity.
        var inputs = InputSet()
        InputWalker(options: WalkOptions()).addLogs(request.logs, to: &inputs)
        var unreadable: [CoverageError] = inputs.errors.map {
            CoverageError(path: $0.path, offset: $0.offset, message: $0.message)
        }
        for skipped in inputs.skipped {
            unreadable.append(CoverageError(path: skipped.path, offset: 0, message: "not read: \(skipped.reason)"))
        }
        var files: [SweptFile] = []
        var identities: Set<String> = []
        for file in inputs.files.sorted(by: { Self.preference($0, $1) }) {
            do {
                var swept = try SweepPlanner.identify(file)
                swept.server = serverOf.server(of: file.path)
                guard SweepPlanner.inShard(swept.identity, index: shard.index, count: shard.count) else { continue }
                // `postgresql.log.1` and `postgresql.log.1.gz` at once: the same text, read once.
                guard
                    swept.identity.headLength == 0
                        || identities.insert(swept.server + "\u{0}" + swept.identity.digest).inserted
                else { continue }
                files.append(swept)
            } catch {
                guard Self.pathInShard(file.path, shard) else { continue }
                unreadable.append(CoverageError(path: error.path, offset: error.offset, message: error.message))
            }
        }
        unreadable = unreadable.filter { Self.pathInShard($0.path, shard) }
        summary.files = files.count
        var shortHeads: [String: [Int]] = [:]
        for index in files.indices {
            let fileServer = files[index].server
            if shortHeads[fileServer] == nil {
                shortHeads[fileServer] = try ledger.shortHeadLengths(server: fileServer)
            }
            try SweepPlanner.plan(
                &files[index], server: fileServer, ledger: ledger, shortHeads: shortHeads[fileServer]!)
        }
        let toRead = files.filter { $0.slice != nil }
        summary.unchanged = files.count - toRead.count
        summary.notes = toRead.compactMap(\.note)

        let outcome = Mutex((summary: summary, committed: Set<String>(), failure: String?.none))
        if !toRead.isEmpty {
            configuration.logs = toRead.map(\.file.path)
            configuration.logSlices = Dictionary(uniqueKeysWithValues: toRead.map { ($0.file.path, $0.slice!) })
            configuration.countsByDay = true
            configuration.progress = !request.quiet
            configuration.cancellation = .interruptSignals
            let byPath = Dictionary(uniqueKeysWithValues: toRead.map { ($0.file.path, $0) })
            let targets = configuration.targets
            let showValues = request.showValues
            let afterCommit = request.afterCommit
            configuration.afterLogFile = { file, accumulator in
                guard let swept = byPath[file.path], let slice = swept.slice else { return }
                let end = accumulator.readEnds[file.path] ?? ReadEnd(offset: slice.start, line: slice.startLine)
                let checkpoint = LedgerRead.Checkpoint(
                    known: swept.known?.identity, expectedConsumed: swept.known?.consumed ?? 0,
                    identity: swept.identity, device: swept.device, inode: swept.inode, compressed: swept.compressed,
                    size: file.size, consumed: end.offset, consumedLines: Int64(end.line),
                    // A compressed file that could not be read to its end is read again by the next sweep
                    // (from its checkpoint), which says so again, until it is repaired or removed.
                    complete: swept.compressed && accumulator.errors.isEmpty)
                let usage = accumulator.daily.sorted { ($0.key.target, $0.key.day) < ($1.key.target, $1.key.day) }.map {
                    $0.value.dailyUsage(
                        target: targets[$0.key.target].normalized, server: swept.server, day: $0.key.day)
                }
                let read = LedgerRead(
                    server: swept.server, path: file.path, checkpoint: checkpoint, readMs: now,
                    startOffset: slice.start,
                    firstMs: accumulator.coverage.from, lastMs: accumulator.coverage.to, note: swept.note,
                    coverage: SweptCoverage(accumulator, showValues: showValues).encoded(), targetSet: targetSet,
                    usage: usage)
                do {
                    let result = try ledger.commit(read)
                    outcome.withLock { state in
                        state.committed.insert(file.path)
                        switch result {
                        case .committed:
                            state.summary.read += 1
                            state.summary.bytesRead += accumulator.bytesRead
                            state.summary.bytesScanned += accumulator.bytesScanned
                            state.summary.errors += accumulator.errors.isEmpty ? 0 : 1
                        case .alreadyCounted:
                            state.summary.alreadyCounted += 1
                            state.summary.notes.append(
                                "\(file.path) was counted by another sweeper while this one read it: left to it")
                        }
                    }
                    afterCommit?(file.path)
                } catch {
                    outcome.withLock { $0.failure = $0.failure ?? "\(error)" }
                }
            }
            let report = try ScanPipeline(configuration: configuration).run()
            // Errors that belong to no committed read (a prefix that could not be decided, an unreadable
            // file): recorded on their own, so that reports over this time are inconclusive.
            let committed = outcome.withLock { $0.committed }
            unreadable += report.coverage.errors.filter { !committed.contains($0.path) }
        }
        if let failure = outcome.withLock({ $0.failure }) { throw UsageError(failure) }
        for (path, errors) in Dictionary(grouping: unreadable, by: \.path).sorted(by: { $0.key < $1.key }) {
            _ = try ledger.commit(
                LedgerRead(
                    server: serverOf.server(of: path), path: path, checkpoint: nil, readMs: now, startOffset: 0,
                    firstMs: nil, lastMs: nil,
                    note: nil, coverage: SweptCoverage(errors: errors, gapSeconds: configuration.gapSeconds).encoded(),
                    targetSet: targetSet, usage: []))
        }
        let unchanged = files.filter { $0.slice == nil && $0.known != nil }
        for (fileServer, group) in Dictionary(grouping: unchanged, by: \.server) {
            try ledger.touch(server: fileServer, seen: group.map { ($0.known!.identity, $0.file.path) }, at: now)
        }
        if let keep { try ledger.prune(before: now - keep * 1000) }
        summary = outcome.withLock { $0.summary }
        summary.errors += Set(unreadable.map(\.path)).count
        return summary
    }

    /// `K/N` as a 0-based index and a count.
    static func parseShard(_ text: String?) throws -> (index: Int, count: Int) {
        guard let text else { return (0, 1) }
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else {
            throw UsageError("--shard takes K/N with 1 <= K <= N (such as 2/4), not '\(text)'")
        }
        return (k - 1, n)
    }

    /// Inputs that could not be identified go to a shard by their path.
    static func pathInShard(_ path: String, _ shard: (index: Int, count: Int)) -> Bool {
        SweepPlanner.inShard(
            FileIdentity(digest: SweepPlanner.digest(Array(path.utf8)[...]), headLength: 0), index: shard.index,
            count: shard.count)
    }

    /// Of two copies of the same text, the plain file is read (it is cheaper, and may still grow).
    static func preference(_ a: InputFile, _ b: InputFile) -> Bool {
        let aGzip = a.path.hasSuffix(".gz")
        let bGzip = b.path.hasSuffix(".gz")
        return aGzip != bGzip ? !aGzip : a.path < b.path
    }
}

/// Which server a log file's reads are recorded under: with `--server-from-path`, the folder below the
/// `--logs` directory that holds it (`/logs/db1/postgresql.log` → `db1`); otherwise, and for files directly
/// in such a directory, `--server` (default: the host name).
struct ServerNaming: Sendable {
    let roots: [String]
    let fallback: String

    init(roots: [String], fallback: String) {
        self.roots = roots.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.fallback = fallback
    }

    func server(of path: String) -> String {
        for root in roots where path.hasPrefix(root + "/") {
            let rest = path.dropFirst(root.count + 1)
            if let slash = rest.firstIndex(of: "/") { return String(rest[..<slash]) }
        }
        return fallback
    }
}
