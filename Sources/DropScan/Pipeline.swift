import Catalog
import CodeUsage
import Dispatch
import Foundation
import Gate
import Matching
import ModelIndex
import PostgresLog
import Report
import SQLResolution
import ScanIO
import Synchronization

/// The version reported in `tool.version`.
public let dropscanVersion = "0.2.0"

/// Runs a whole scan: walks the inputs, scans files on a pool of worker threads (largest first, so a
/// big file does not start last), merges what the workers saw and builds the report.
public struct ScanPipeline: Sendable {
    public let configuration: ScanConfiguration

    public init(configuration: ScanConfiguration) { self.configuration = configuration }

    /// How a scan went, for `--stats`: time, volume, and the parser's work.
    public struct Statistics: Sendable {
        public var seconds: Double = 0
        public var files = 0
        public var bytesScanned: Int64 = 0
        public var statementsParsed = 0
        public var parseCacheHits = 0
        public var parseCacheEvictions = 0
        /// Seconds of the first pass over the sources (reading, the model index, the candidate check).
        public var firstPassSeconds: Double = 0
        /// Seconds the model index took: its readers (summed over threads) and its resolution.
        public var indexSeconds: Double = 0
        /// The model index and schema the scan used (for `--explain`).
        public var catalog = Catalog()

        public var description: String {
            let mebibytes = Double(bytesScanned) / 1_048_576
            return String(
                format:
                    "dropscan stats: %d files, %.1f MiB scanned in %.2f s (%.1f MiB/s; first pass %.2f s, of which the model index %.3f s, %d models); parser: %d distinct statements parsed, %d cache hits, %d evictions\n",
                files, mebibytes, seconds, seconds > 0 ? mebibytes / seconds : 0, firstPassSeconds, indexSeconds,
                catalog.models.count,
                statementsParsed, parseCacheHits, parseCacheEvictions)
        }
    }

    /// Scans and returns the report with statistics.
    public func runWithStatistics() throws(ConfigurationError) -> (UsageReport, Statistics) {
        let start = DispatchTime.now()
        var statistics = Statistics()
        let report = try run(statistics: &statistics)
        statistics.seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return (report, statistics)
    }

    /// Scans and returns the report; throws only for configuration problems (exit code 2): unreadable
    /// inputs are recorded in the report's coverage instead.
    public func run() throws(ConfigurationError) -> UsageReport {
        var statistics = Statistics()
        return try run(statistics: &statistics)
    }

    private func run(statistics: inout Statistics) throws(ConfigurationError) -> UsageReport {
        let startedAt = RunClock.nowMilliseconds()
        guard !configuration.targets.isEmpty else { throw .noTargets }
        guard
            !configuration.logs.isEmpty || !configuration.sources.isEmpty || !configuration.fileLists.isEmpty
                || !configuration.databases.isEmpty || !configuration.schemaFiles.isEmpty
        else {
            throw .noInputs
        }
        let library = try loadLibrary()
        let matchers = try TargetMatchers(targets: configuration.targets, library: library)
        var database = try readDatabaseFindings(targets: matchers.targets)

        var walkOptions = WalkOptions()
        walkOptions.followSymlinks = configuration.followSymlinks
        walkOptions.maxSourceFileSize = configuration.maxSourceFileSize
        let walker = InputWalker(options: walkOptions)
        var inputs = InputSet()
        walker.addLogs(configuration.logs, to: &inputs)
        walker.addSources(configuration.sources, to: &inputs)
        for list in configuration.fileLists { walker.addList(list.text, listName: list.name, to: &inputs) }
        let excluded = Set(configuration.excludedPaths.map(Self.canonical))
        let files = inputs.files.filter { !excluded.contains(Self.canonical($0.path)) }
            .sorted { $0.size > $1.size }

        let gapSeconds = configuration.gapSeconds
        let total = ScanAccumulator(targetCount: matchers.targets.count, gapSeconds: gapSeconds)
        let resolver = SQLResolver(targets: matchers.targets)
        let screen: CodeScanner
        do {
            screen = try CodeScanner(targets: matchers.targets, library: library)
        } catch {
            throw .patterns(error.description)
        }
        let rules = configuration.logLinePrefixes
        let configuredPrefix = configuration.configuredPrefix
        var planner = LogPrefixPlanner(
            rules: rules, configuredPrefix: configuredPrefix, threads: max(1, configuration.threads))
        planner.showValues = configuration.showValues
        let (plans, planFailures) = planner.plan(files)
        let failedPaths = Set(planFailures.map(\.path))
        let givenPrefix: @Sendable (String) -> String? = { path in
            (rules.first { $0.glob != nil && $0.applies(to: path) } ?? rules.first { $0.glob == nil })?.prefix
                ?? configuredPrefix
        }
        let schemaTables = try readSchemaFiles()
        let showValues = configuration.showValues
        let pipelineThreshold = configuration.pipelineThreshold
        let afterLogChunk = configuration.afterLogChunk
        let merged = Mutex(total)
        let progress = Progress(totalFiles: files.count, enabled: configuration.progress)
        let chunkSize = configuration.chunkSize
        func threads(for count: Int) -> Int { max(1, min(configuration.threads, max(count, 1))) }

        // First pass: every source file once, for the model index and to find the few that name a target.
        let indexStart = DispatchTime.now()
        let sourceIndices = files.indices.filter { files[$0].kind == .source }
        let indexed = Mutex((part: IndexPart(), candidates: [Int](), others: [Int]()))
        let nextSource = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads(for: sourceIndices.count)) { _ in
            var local = ScanAccumulator(targetCount: matchers.targets.count, gapSeconds: gapSeconds)
            var part = IndexPart()
            var candidates: [Int] = []
            var others: [Int] = []
            let scanner = SourceFileScanner(scanner: screen, scratch: MatchScratch())
            while true {
                let next = nextSource.wrappingAdd(1, ordering: .relaxed).oldValue
                guard next < sourceIndices.count else { break }
                let index = sourceIndices[next]
                let before = local.bytesScanned
                if scanner.index(files[index], into: &local, part: &part) {
                    candidates.append(index)
                } else {
                    others.append(index)
                }
                progress.fileDone(bytes: local.bytesScanned - before)
            }
            merged.withLock { $0.merge(local) }
            indexed.withLock {
                $0.part.merge(part)
                $0.candidates += candidates
                $0.others += others
            }
        }
        let (part, firstCandidates, others) = indexed.withLock { $0 }
        let buildStart = DispatchTime.now().uptimeNanoseconds
        let catalog = ModelIndex.build(part, tables: schemaTables.tables)
        let buildNanoseconds = DispatchTime.now().uptimeNanoseconds - buildStart
        merged.withLock { $0.errors += schemaTables.errors }
        let codeScanner: CodeScanner
        do {
            codeScanner = try CodeScanner(
                targets: matchers.targets, library: library, sqlResolver: ParserSQLResolver(resolver: resolver),
                catalog: catalog)
        } catch {
            throw .patterns(error.description)
        }
        statistics.firstPassSeconds =
            Double(DispatchTime.now().uptimeNanoseconds - indexStart.uptimeNanoseconds) / 1e9
        statistics.indexSeconds =
            Double(merged.withLock { $0.indexNanoseconds } + buildNanoseconds) / 1e9
        statistics.catalog = catalog
        // Attribute names the index maps to a target column (`_image_url`) were not looked for in the first
        // pass: the files that did not name a target are checked again for them.
        let hasAliases = matchers.targets.contains { target in
            target.column.map { !catalog.attributes(ofColumn: $0.name, inTable: target.table.name).isEmpty } ?? false
        }

        // Second pass: the logs, and the source files that name a target.
        var secondPass: [(index: Int, recheck: Bool)] = files.indices.filter { files[$0].kind == .log }.map {
            ($0, false)
        }
        secondPass += firstCandidates.sorted { files[$0].size > files[$1].size }.map { ($0, false) }
        if hasAliases { secondPass += others.map { ($0, true) } }
        let work = secondPass
        let nextFile = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads(for: work.count)) { _ in
            var local = ScanAccumulator(targetCount: matchers.targets.count, gapSeconds: gapSeconds)
            let scratch = MatchScratch()
            let logScanner = LogFileScanner(
                matchers: matchers, resolver: resolver, scratch: scratch, chunkSize: chunkSize,
                plans: plans, givenPrefix: givenPrefix, showValues: showValues, pipelineThreshold: pipelineThreshold,
                progress: progress, afterChunk: afterLogChunk, syslogYear: configuration.syslogYear)
            let sourceScanner = SourceFileScanner(scanner: codeScanner, scratch: scratch)
            while true {
                let next = nextFile.wrappingAdd(1, ordering: .relaxed).oldValue
                guard next < work.count else { break }
                let file = files[work[next].index]
                switch file.kind {
                case .log:
                    if failedPaths.contains(file.path) {
                        local.logFiles += 1
                        progress.fileDone(bytes: 0)
                        continue
                    }
                    logScanner.scan(file, into: &local)
                    progress.fileDone(bytes: 0)
                case .source:
                    if work[next].recheck && !sourceScanner.names(file) { continue }
                    sourceScanner.scan(file, into: &local)
                }
            }
            merged.withLock { $0.merge(local) }
        }
        progress.finish()
        var result = merged.withLock { $0 }
        SourceFileScanner.rescoreWithDefinitions(&result, scanner: codeScanner, threads: configuration.threads)
        let cache = resolver.cacheStatistics
        statistics.files = files.count
        statistics.bytesScanned = result.bytesScanned
        statistics.statementsParsed = cache.misses
        statistics.parseCacheHits = cache.hits
        statistics.parseCacheEvictions = cache.evictions
        result.errors += inputs.errors + planFailures
        result.skipped += inputs.skipped
        Self.locateDefinitions(&database, targets: matchers.targets, candidates: firstCandidates.map { files[$0] })
        return ReportBuilder(
            configuration: configuration, matchers: matchers, catalog: catalog, startedAt: startedAt,
            inputs: RunClock.records(files), database: database
        ).build(result)
    }

    private func loadLibrary() throws(ConfigurationError) -> PatternLibrary {
        var bundled = configuration.bundledPatterns ?? ""
        if bundled.isEmpty { bundled = try locateBundledPatterns() }
        do {
            return try PatternLibrary.load(directories: [bundled] + configuration.patternDirectories)
        } catch {
            throw .patterns(error.description)
        }
    }

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

/// Builds the report from what the workers saw.
struct ReportBuilder {
    let configuration: ScanConfiguration
    let matchers: TargetMatchers
    var catalog = Catalog()
    /// When the scan started (milliseconds since the epoch) and every file it read.
    let startedAt: Int64
    let inputs: [InputRecord]
    /// What the databases and schema files say about each target.
    var database = DatabaseFindings(targetCount: 0)

    func build(_ result: ScanAccumulator) -> UsageReport {
        var coverage = Coverage()
        coverage.logFiles = result.logFiles
        coverage.sourceFiles = result.sourceFiles
        coverage.bytesRead = result.bytesRead
        coverage.bytesScanned = result.bytesScanned
        coverage.errors = result.errors.map {
            CoverageError(path: $0.path, offset: $0.offset, message: $0.message)
        }.sorted { ($0.path, $0.offset) < ($1.path, $1.offset) }
        coverage.skipped = result.skipped.map { SkippedInput(path: $0.path, reason: $0.reason) }.sorted {
            $0.path < $1.path
        }
        coverage.formats = result.formats
        if result.logFiles > 0 { coverage.logFormats = result.logFormats.sorted { $0.path < $1.path } }
        let log = result.coverage
        if result.logFiles > 0 {
            coverage.entries = EntryCounts(
                parsed: log.parsedEntries, unparsed: log.unparsedEntries, joinedLines: log.joinedLines,
                unparsedSamples: log.unparsedSamples.map {
                    // A line that fits no format may hold anything (`PASSWORD '…'`): redacted like a statement.
                    let text = configuration.showValues ? $0.text : SQLNormalizer.redactLogLine($0.text)
                    return UnparsedSample(path: $0.path, line: $0.line, offset: $0.offset, text: text)
                })
            if let from = log.from, let to = log.to {
                coverage.window = TimeWindow(
                    from: LogTimestamp.iso8601(milliseconds: from), to: LogTimestamp.iso8601(milliseconds: to))
            }
            coverage.gaps = log.gaps.map {
                TimeWindow(
                    from: LogTimestamp.iso8601(milliseconds: $0.from), to: LogTimestamp.iso8601(milliseconds: $0.to))
            }
            coverage.statementLogging = log.statementLogging
            coverage.statementLoggingNote = log.statementLoggingCaveat
        }

        if result.logFiles > 0 { coverage.applications = result.applications.byName() }
        if result.unparsedNamingTargets > 0 { coverage.unparsedNamingTargets = result.unparsedNamingTargets }
        if result.joinedNamingTargets > 0 { coverage.joinedNamingTargets = result.joinedNamingTargets }
        coverage.database = database.coverage
        let policy = configuration.policy
        var targets: [TargetUsage] = []
        for (index, target) in matchers.targets.enumerated() {
            let runtime = result.runtime[index]
            var usage = RuntimeUsage()
            usage.statements = runtime.statements
            usage.failed = runtime.failed
            usage.byApplication = runtime.byApplication
            usage.byUser = runtime.byUser
            usage.byDatabase = runtime.byDatabase
            usage.byEvidence = Dictionary(uniqueKeysWithValues: runtime.byEvidence.map { ($0.key.rawValue, $0.value) })
            // First and last seen over the tiers that block; each tier's own in seenByEvidence.
            let blockingSpan = runtime.span(where: policy.blocks)
            usage.firstSeen = blockingSpan.map { LogTimestamp.iso8601(milliseconds: $0.first) }
            usage.lastSeen = blockingSpan.map { LogTimestamp.iso8601(milliseconds: $0.last) }
            usage.seenByEvidence = Dictionary(
                uniqueKeysWithValues: runtime.seen.map {
                    (
                        $0.key.rawValue,
                        SeenWindow(
                            first: LogTimestamp.iso8601(milliseconds: $0.value.first),
                            last: LogTimestamp.iso8601(milliseconds: $0.value.last))
                    )
                })
            usage.groups = runtime.groups.values.map { group in
                StatementGroup(
                    id: group.id, statement: group.statement, evidence: group.evidence, count: group.count,
                    failed: group.failed,
                    applications: group.applications.sorted(),
                    firstSeen: group.firstSeen.map(LogTimestamp.iso8601(milliseconds:)),
                    lastSeen: group.lastSeen.map(LogTimestamp.iso8601(milliseconds:)), sample: group.sample)
            }
            .sorted(by: StatementGroup.reportOrder)
            let code = Report.CodeUsage(
                findings: result.findings[index], declarations: result.declarations[index],
                deprecations: result.deprecations[index])

            // The verdicts are decided by the gate below, from these data alone: what could keep this
            // target from a pass is recorded with it (a table no model or schema mentions).
            var entry = TargetUsage(target: target, verdict: .inconclusive, runtime: usage, code: code)
            entry.migration = configuration.migrationSites[target]
            entry.caveat = unmappedTableReason(target, code: code)
            if index < database.usages.count {
                entry.database = Self.databaseUsage(
                    database.usages[index], target: target, read: database.coverage != nil)
            }
            targets.append(entry)
        }
        var report = UsageReport(
            tool: ToolInfo(version: dropscanVersion), verdict: .inconclusive, reasons: [], targets: targets,
            coverage: coverage)
        report.models = modelSummaries()
        report.run = RunRecord(
            commandLine: configuration.commandLine, startedAt: LogTimestamp.iso8601(milliseconds: startedAt),
            endedAt: LogTimestamp.iso8601(milliseconds: RunClock.nowMilliseconds()), sources: configuration.sources,
            logs: configuration.logs, inputs: inputs, policy: configuration.policy.record)
        Gate.decide(&report, policy: configuration.policy, context: configuration.gateContext)
        return report
    }
}
