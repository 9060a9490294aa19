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
        /// Seconds the model index took: its readers (summed over threads: wall time with one thread) and its
        /// resolution.
        public var indexSeconds: Double = 0
        /// Worker threads of the scan.
        public var threads = 1
        /// The model index and schema the scan used (for `--explain`).
        public var catalog = Catalog()

        public var description: String {
            let mebibytes = Double(bytesScanned) / 1_048_576
            let across = threads > 1 ? " summed over \(threads) threads" : ""
            return String(
                format: "dropscan stats: %d files, %.1f MiB scanned in %.3f s (%.1f MiB/s; first pass %.3f s; ", files,
                mebibytes, seconds, seconds > 0 ? mebibytes / seconds : 0, firstPassSeconds)
                + String(format: "model index %.3f s", indexSeconds) + across
                + String(
                    format: ", %d models); parser: %d distinct statements parsed, %d cache hits, %d evictions\n",
                    catalog.models.count, statementsParsed, parseCacheHits, parseCacheEvictions)
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
        let cancellation = configuration.cancellation
        let walker = InputWalker(options: walkOptions)
        var inputs = InputSet()
        walker.addLogs(configuration.logs, to: &inputs)
        walker.addSources(configuration.sources, to: &inputs)
        for list in configuration.fileLists { walker.addList(list.text, listName: list.name, to: &inputs) }
        let excluded = Set(configuration.excludedPaths.map(Self.canonical))
        // Resolving a path costs a system call per component: only when there is something to exclude.
        let files =
            (excluded.isEmpty ? inputs.files : inputs.files.filter { !excluded.contains(Self.canonical($0.path)) })
            .sorted { $0.size > $1.size }

        let gapSeconds = configuration.gapSeconds
        let total = ScanAccumulator(targetCount: matchers.targets.count, gapSeconds: gapSeconds)
        let schemaTables = try readSchemaFiles()
        // The schema (`--schema`, the live catalogs) binds unqualified columns exactly.
        let knownTables = schemaTables.tables + database.liveTables
        let schemaColumns = SchemaColumns(knownTables)
        let resolver = SQLResolver(targets: matchers.targets, schema: schemaColumns.isEmpty ? nil : schemaColumns)
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
        planner.cancellation = cancellation
        let (plans, planFailures) = planner.plan(files)
        let failedPaths = Set(planFailures.map(\.path))
        let givenPrefix: @Sendable (String) -> String? = { path in
            (rules.first { $0.glob != nil && $0.applies(to: path) } ?? rules.first { $0.glob == nil })?.prefix
                ?? configuredPrefix
        }
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
        let indexed = Mutex((part: IndexPart(), candidates: [Int](), others: [Int](), kept: KeptSources()))
        let nextSource = Atomic<Int>(0)
        let keptBytes = Atomic<Int>(0)
        let keepBudget = configuration.keptSourceBytes
        // Files read to their end, for the count an interrupted report gives.
        let indexedCount = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads(for: sourceIndices.count)) { _ in
            var local = ScanAccumulator(targetCount: matchers.targets.count, gapSeconds: gapSeconds)
            var part = IndexPart()
            var candidates: [Int] = []
            var others: [Int] = []
            var kept = KeptSources()
            let scanner = SourceFileScanner(scanner: screen, scratch: MatchScratch())
            while true {
                let next = nextSource.wrappingAdd(1, ordering: .relaxed).oldValue
                guard next < sourceIndices.count, !cancellation.isCancelled else { break }
                let index = sourceIndices[next]
                let before = local.bytesScanned
                if let (bytes, namesTarget) = scanner.index(files[index], into: &local, part: &part) {
                    if namesTarget { candidates.append(index) } else { others.append(index) }
                    if KeptSources.reserve(bytes.count, namesTarget: namesTarget, budget: keepBudget, used: keptBytes) {
                        kept.keep(bytes, of: files[index])
                    }
                } else {
                    others.append(index)
                }
                indexedCount.wrappingAdd(1, ordering: .relaxed)
                progress.fileDone(bytes: local.bytesScanned - before)
            }
            merged.withLock { $0.merge(local) }
            indexed.withLock {
                $0.part.merge(part)
                $0.candidates += candidates
                $0.others += others
                $0.kept.merge(kept)
            }
        }
        // Moved out of the lock's storage, so that dropping kept bytes below frees them.
        var kept = KeptSources()
        let (part, firstCandidates, others) = indexed.withLock { value in
            swap(&kept, &value.kept)
            return (value.part, value.candidates, value.others)
        }
        configuration.afterFirstPass?()
        // Files skipped for their size are searched for the targets' names in a streaming pass.
        let oversizeErrors = OversizeCheck(scanner: screen, cancellation: cancellation).mark(
            &inputs.skipped, threads: configuration.threads)
        let buildStart = DispatchTime.now().uptimeNanoseconds
        let catalog = ModelIndex.build(part, tables: knownTables)
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
        statistics.threads = threads(for: sourceIndices.count)
        // Attribute names the index maps to a target column (`_image_url`) were not looked for in the first
        // pass: the files that did not name a target are checked again for them.
        let hasAliases = matchers.targets.contains { target in
            target.column.map { !catalog.attributes(ofColumn: $0.name, inTable: target.table.name).isEmpty } ?? false
        }

        // Where each source root lies in its git work tree, once per root: findings link to repository paths.
        let repositoryPrefixes = RepositoryPrefix.prefixes(roots: Set(files.compactMap(\.root)))

        // Second pass: the logs, and the source files that name a target.
        var secondPass: [(index: Int, recheck: Bool)] = files.indices.filter { files[$0].kind == .log }.map {
            ($0, false)
        }
        secondPass += firstCandidates.sorted { files[$0].size > files[$1].size }.map { ($0, false) }
        if hasAliases {
            secondPass += others.map { ($0, true) }
        } else {
            kept.retain(Set(firstCandidates.map { files[$0].path }))
        }
        let work = secondPass
        // Each file's kept bytes are handed to the one worker that scans it and dropped after.
        let keptSlots = KeptSlots(work.map { kept[files[$0.index]] })
        kept = KeptSources()
        let nextFile = Atomic<Int>(0)
        let finishedCount = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads(for: work.count)) { _ in
            var local = ScanAccumulator(targetCount: matchers.targets.count, gapSeconds: gapSeconds)
            let scratch = MatchScratch()
            var logScanner = LogFileScanner(
                matchers: matchers, resolver: resolver, scratch: scratch, chunkSize: chunkSize,
                plans: plans, givenPrefix: givenPrefix, showValues: showValues, pipelineThreshold: pipelineThreshold,
                progress: progress, afterChunk: afterLogChunk, syslogYear: configuration.syslogYear,
                cancellation: cancellation)
            logScanner.slices = configuration.logSlices
            logScanner.countsByDay = configuration.countsByDay
            let sourceScanner = SourceFileScanner(
                scanner: codeScanner, scratch: scratch, repositoryPrefixes: repositoryPrefixes)
            while true {
                let next = nextFile.wrappingAdd(1, ordering: .relaxed).oldValue
                guard next < work.count, !cancellation.isCancelled else { break }
                let file = files[work[next].index]
                switch file.kind {
                case .log:
                    if failedPaths.contains(file.path) {
                        local.logFiles += 1
                        progress.fileDone(bytes: 0)
                    } else if let afterLogFile = configuration.afterLogFile {
                        // A sweep: each file's counts go to the ledger on their own.
                        var single = ScanAccumulator(targetCount: matchers.targets.count, gapSeconds: gapSeconds)
                        let finished = logScanner.scan(file, into: &single)
                        progress.fileDone(bytes: 0)
                        if finished { afterLogFile(file, single) }
                        local.merge(single)
                        if !finished { continue }
                    } else {
                        let finished = logScanner.scan(file, into: &local)
                        progress.fileDone(bytes: 0)
                        if !finished { continue }
                    }
                case .source:
                    let bytes = keptSlots.take(next)
                    if !work[next].recheck || sourceScanner.names(file, bytes: bytes) {
                        sourceScanner.scan(file, bytes: bytes, into: &local)
                    }
                }
                finishedCount.wrappingAdd(1, ordering: .relaxed)
            }
            merged.withLock { $0.merge(local) }
        }
        progress.finish()
        var result = merged.withLock { $0 }
        SourceFileScanner.rescoreWithDefinitions(&result, scanner: codeScanner, cancellation: cancellation)
        let cache = resolver.cacheStatistics
        statistics.files = files.count
        statistics.bytesScanned = result.bytesScanned
        statistics.statementsParsed = cache.misses
        statistics.parseCacheHits = cache.hits
        statistics.parseCacheEvictions = cache.evictions
        result.errors += inputs.errors + planFailures + oversizeErrors
        // Rules compiled on first use that did not compile for some target (validation makes this rare).
        for problem in matchers.logRules.problems + screen.ruleProblems + codeScanner.ruleProblems {
            result.errors.append(
                ReadError(
                    path: problem.file, offset: 0, kind: .unsupported,
                    message: "\(problem): the rule was not run for one target, so its uses may be missed"))
        }
        result.skipped += inputs.skipped
        Self.locateDefinitions(&database, targets: matchers.targets, candidates: firstCandidates.map { files[$0] })
        var builder = ReportBuilder(
            configuration: configuration, targets: matchers.targets, catalog: catalog, startedAt: startedAt,
            inputs: RunClock.records(files), database: database)
        if let signal = cancellation.signal {
            // Files not read to their end: sources the first pass did not reach, and second-pass work left.
            let unfinished =
                (sourceIndices.count - indexedCount.load(ordering: .relaxed))
                + (work.count - finishedCount.load(ordering: .relaxed))
            builder.interruption = Interruption(signal: Cancellation.name(of: signal), inputsNotScanned: unfinished)
        }
        let report = builder.build(result)
        // The snapshot moves on only once the period it closes is in a finished report.
        if builder.interruption == nil, let pending = database.snapshotToWrite {
            try pending.snapshot.write(to: pending.path)
        }
        return report
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
    let targets: [Target]
    var catalog = Catalog()
    /// When the scan started (milliseconds since the epoch) and every file it read.
    let startedAt: Int64
    let inputs: [InputRecord]
    /// Set when a signal stopped the scan.
    var interruption: Interruption?
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
        }.sorted { ($0.path, $0.offset, $0.message) < ($1.path, $1.offset, $1.message) }
        coverage.skipped = result.skipped.map {
            SkippedInput(
                path: $0.path, reason: $0.reason, kind: $0.kind?.rawValue, mayHoldUse: $0.mayHoldUse ? true : nil,
                line: $0.line, offset: $0.offset)
        }.sorted { ($0.path, $0.reason) < ($1.path, $1.reason) }
        coverage.interrupted = interruption
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
        for (index, target) in self.targets.enumerated() {
            var runtime = result.runtime[index]
            runtime.trimGroups(to: configuration.maxStatementGroups)
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
            if runtime.omittedStatements + runtime.omittedFailed > 0 {
                usage.groupsOmitted = OmittedGroups(
                    limit: configuration.maxStatementGroups, statements: runtime.omittedStatements,
                    failed: runtime.omittedFailed)
            }
            // Workers append findings file by file in whatever order they took the files: sorted, the report
            // is the same for any thread count.
            var code = Report.CodeUsage(
                findings: result.findings[index].sorted(by: Self.findingOrder),
                declarations: result.declarations[index].sorted(by: Self.findingOrder),
                deprecations: result.deprecations[index].sorted(by: Self.findingOrder))
            code.limitFindings(to: configuration.maxFindings)

            // The verdicts are decided by the gate below, from these data alone: what could keep this
            // target from a pass is recorded with it (a table no model or schema mentions).
            var entry = TargetUsage(target: target, verdict: .inconclusive, runtime: usage, code: code)
            entry.migration = configuration.migrationSites[target]
            entry.caveat = unmappedTableReason(target, code: code)
            if index < database.usages.count {
                entry.database = Self.databaseUsage(
                    database.usages[index], target: target, read: database.coverage != nil,
                    groups: result.logFiles > 0 ? usage.groups : nil, servers: coverage.database?.servers ?? [])
            }
            targets.append(entry)
        }
        var report = UsageReport(
            tool: ToolInfo(version: dropscanVersion), verdict: .inconclusive, reasons: [], targets: targets,
            coverage: coverage)
        report.models = modelSummaries()
        var run = RunRecord(
            commandLine: configuration.commandLine, startedAt: LogTimestamp.iso8601(milliseconds: startedAt),
            endedAt: LogTimestamp.iso8601(milliseconds: RunClock.nowMilliseconds()), sources: configuration.sources,
            logs: configuration.logs, inputs: [], policy: configuration.policy.record)
        run.recordInputs(inputs, limit: configuration.maxRecordedInputs)
        report.run = run
        Gate.decide(&report, policy: configuration.policy, context: configuration.gateContext)
        return report
    }

    /// Strongest evidence first, then by place; rule and fingerprint settle findings at the same place.
    static func findingOrder(_ lhs: CodeFinding, _ rhs: CodeFinding) -> Bool {
        if (lhs.evidence, lhs.path, lhs.cell ?? -1, lhs.line, lhs.column)
            != (rhs.evidence, rhs.path, rhs.cell ?? -1, rhs.line, rhs.column)
        {
            return (lhs.evidence, lhs.path, lhs.cell ?? -1, lhs.line, lhs.column)
                < (rhs.evidence, rhs.path, rhs.cell ?? -1, rhs.line, rhs.column)
        }
        return (lhs.rule, lhs.fingerprint) < (rhs.rule, rhs.fingerprint)
    }
}
