import Matching

/// Combines the reports of the shards of one scan (`dropscan inputs` split into parts, each scanned with
/// `--files-from`) into the data one scan of everything would have given. It decides nothing: the
/// verdicts and reasons are decided again from the merged data by the `Gate` module.
///
/// Counts add up, first and last seen widen, statement groups merge by id, findings are kept once per
/// fingerprint and line, coverage adds up. Shards that read the same file (the same path and identity)
/// are refused, since their counts cannot be told apart; a shard given twice (the same inputs) is kept
/// once. Two things are approximate: gaps between the shards' time windows are not searched (each
/// shard's own gaps are kept), and a statement-logging mode that differs between shards is reported as the
/// weakest (with the shards' notes).
public enum ReportMerger {
    public enum MergeError: Error, CustomStringConvertible, Equatable {
        case noReports
        case schemaVersion(name: String, version: Int)
        case noInputsRecorded(name: String)
        case overlap(path: String, size: Int64, first: String, second: String)
        case policiesDiffer(first: String, second: String)

        public var description: String {
            switch self {
            case .noReports: return "nothing to merge: name two or more report files"
            case .schemaVersion(let name, let version):
                return
                    "cannot merge \(name): it is a report of schema version \(version) and this dropscan writes version \(UsageReport.currentSchemaVersion); rescan with it"
            case .noInputsRecorded(let name):
                return "cannot merge \(name): it does not record the files it read; rescan with this dropscan"
            case .overlap(let path, let size, let first, let second):
                return
                    "\(first) and \(second) both read \(path) (\(size) bytes, the same file): their counts would be added twice; split the inputs with dropscan inputs so each file is in one shard"
            case .policiesDiffer(let first, let second):
                return
                    "\(first) and \(second) were decided under different policies; scan the shards with the same options"
            }
        }
    }

    /// The merged data, and notes for the user: shards left out because another shard read exactly the same
    /// inputs, and shards whose reports do not list every file they read.
    public struct Result: Sendable {
        public var report: UsageReport
        public var duplicates: [String]
    }

    /// Merges `reports` (named `names` in errors, the file paths); the result's verdicts are not decided.
    public static func merge(_ reports: [UsageReport], names: [String]? = nil) throws(MergeError) -> Result {
        let names = names ?? reports.indices.map { "report \($0 + 1)" }
        guard !reports.isEmpty else { throw .noReports }
        for (index, report) in reports.enumerated() {
            guard report.schemaVersion == UsageReport.currentSchemaVersion else {
                throw .schemaVersion(name: names[index], version: report.schemaVersion)
            }
            guard report.run != nil else { throw .noInputsRecorded(name: names[index]) }
        }
        // Refuse shards that share a file; keep one of shards with the same inputs.
        var kept: [Int] = []
        var duplicates: [String] = []
        var owner: [String: Int] = [:]
        for (index, report) in reports.enumerated() {
            let inputs = report.run!.inputs
            if let twin = kept.first(where: {
                Set(reports[$0].run!.inputs) == Set(inputs) && !inputs.isEmpty
                    && reports[$0].run!.inputsOmitted == report.run!.inputsOmitted
            }) {
                duplicates.append("\(names[index]) read the same files as \(names[twin]) and was counted once")
                continue
            }
            if let first = kept.first, reports[first].run!.policy != report.run!.policy {
                throw .policiesDiffer(first: names[first], second: names[index])
            }
            if let omitted = report.run!.inputsOmitted, omitted > 0 {
                duplicates.append(
                    "\(names[index]) lists \(inputs.count) of the files it read (\(omitted) more not listed): those were not checked against the other shards, so a file read twice would be counted twice"
                )
            }
            for input in inputs {
                let key = input.kind + "\u{0}" + input.path + "\u{0}" + input.identity
                if let other = owner[key] {
                    throw .overlap(path: input.path, size: input.size, first: names[other], second: names[index])
                }
                owner[key] = index
            }
            kept.append(index)
        }
        var merged = reports[kept[0]]
        for index in kept.dropFirst() {
            let report = reports[index]
            for target in report.targets {
                if let at = merged.targets.firstIndex(where: { $0.target == target.target }) {
                    merged.targets[at] = mergeTarget(merged.targets[at], target)
                } else {
                    merged.targets.append(target)
                }
            }
            merged.coverage = mergeCoverage(merged.coverage, report.coverage)
            merged.run = mergeRun(merged.run!, report.run!)
            for model in report.models where !merged.models.contains(model) { merged.models.append(model) }
        }
        merged.models.sort { ($0.file, $0.line, $0.className) < ($1.file, $1.line, $1.className) }
        merged.reasons = []
        merged.decision = nil
        return Result(report: merged, duplicates: duplicates)
    }

    static func mergeRun(_ a: RunRecord, _ b: RunRecord) -> RunRecord {
        var merged = a
        merged.startedAt = min(a.startedAt, b.startedAt)
        merged.endedAt = max(a.endedAt, b.endedAt)
        for source in b.sources where !merged.sources.contains(source) { merged.sources.append(source) }
        for log in b.logs where !merged.logs.contains(log) { merged.logs.append(log) }
        let omitted = (a.inputsOmitted ?? 0) + (b.inputsOmitted ?? 0)
        merged.recordInputs(a.inputs + b.inputs)
        if omitted > 0 { merged.inputsOmitted = (merged.inputsOmitted ?? 0) + omitted }
        return merged
    }

    static func mergeTarget(_ a: TargetUsage, _ b: TargetUsage) -> TargetUsage {
        var merged = a
        var runtime = a.runtime
        runtime.statements += b.runtime.statements
        runtime.failed += b.runtime.failed
        runtime.byApplication.merge(b.runtime.byApplication, uniquingKeysWith: +)
        runtime.byUser.merge(b.runtime.byUser, uniquingKeysWith: +)
        runtime.byDatabase.merge(b.runtime.byDatabase, uniquingKeysWith: +)
        runtime.byEvidence.merge(b.runtime.byEvidence, uniquingKeysWith: +)
        runtime.firstSeen = earliest(a.runtime.firstSeen, b.runtime.firstSeen)
        runtime.lastSeen = latest(a.runtime.lastSeen, b.runtime.lastSeen)
        for (tier, window) in b.runtime.seenByEvidence {
            let mine = runtime.seenByEvidence[tier]
            runtime.seenByEvidence[tier] = SeenWindow(
                first: earliest(mine?.first, window.first) ?? window.first,
                last: latest(mine?.last, window.last) ?? window.last)
        }
        for group in b.runtime.groups {
            if let index = runtime.groups.firstIndex(where: { $0.id == group.id && $0.statement == group.statement }) {
                var existing = runtime.groups[index]
                existing.count += group.count
                existing.failed += group.failed
                existing.evidence = min(existing.evidence, group.evidence)
                existing.applications = Array(Set(existing.applications).union(group.applications)).sorted()
                existing.firstSeen = earliest(existing.firstSeen, group.firstSeen)
                existing.lastSeen = latest(existing.lastSeen, group.lastSeen)
                runtime.groups[index] = existing
            } else {
                runtime.groups.append(group)
            }
        }
        runtime.groups.sort(by: StatementGroup.reportOrder)
        merged.runtime = runtime
        merged.code = CodeUsage(
            findings: union(a.code.findings, b.code.findings),
            declarations: union(a.code.declarations, b.code.declarations),
            deprecations: union(a.code.deprecations, b.code.deprecations))
        merged.migration = a.migration ?? b.migration
        // A shard that could not understand how the code maps the table keeps the target from a pass.
        merged.caveat = a.caveat ?? b.caveat
        merged.database = mergeDatabase(a.database, b.database)
        return merged
    }

    /// Dependents kept once per object and source; a target missing from a server or file in any shard is.
    static func mergeDatabase(_ a: DatabaseUsage?, _ b: DatabaseUsage?) -> DatabaseUsage? {
        guard let b else { return a }
        guard var merged = a else { return b }
        for dependent in b.dependents
        where !merged.dependents.contains(where: {
            $0.fingerprint == dependent.fingerprint && $0.origin == dependent.origin
        }) {
            merged.dependents.append(dependent)
        }
        merged.dependents.sort(by: Dependent.reportOrder)
        for place in b.missingFrom where !merged.missingFrom.contains(place) { merged.missingFrom.append(place) }
        // Table activity is kept whole from each shard (a read in any of them blocks).
        if let activity = b.tableActivity {
            let kept = merged.tableActivity ?? []
            merged.tableActivity = kept + activity.filter { !kept.contains($0) }
        }
        return merged
    }

    static func mergeCoverage(_ a: Coverage, _ b: Coverage) -> Coverage {
        var merged = a
        merged.logFiles += b.logFiles
        merged.sourceFiles += b.sourceFiles
        merged.bytesRead += b.bytesRead
        merged.bytesScanned += b.bytesScanned
        merged.errors += b.errors
        merged.skipped += b.skipped
        merged.formats.merge(b.formats, uniquingKeysWith: +)
        if let applications = b.applications {
            merged.applications = (a.applications ?? [:]).merging(applications, uniquingKeysWith: +)
        }
        if let unparsed = b.unparsedNamingTargets {
            merged.unparsedNamingTargets = (a.unparsedNamingTargets ?? 0) + unparsed
        }
        if let joined = b.joinedNamingTargets {
            merged.joinedNamingTargets = (a.joinedNamingTargets ?? 0) + joined
        }
        if let stopped = b.interrupted {
            // An interrupted shard leaves the merged report partial too.
            merged.interrupted = Interruption(
                signal: a.interrupted?.signal ?? stopped.signal,
                inputsNotScanned: (a.interrupted?.inputsNotScanned ?? 0) + stopped.inputsNotScanned)
        }
        if a.logFormats != nil || b.logFormats != nil {
            merged.logFormats = ((a.logFormats ?? []) + (b.logFormats ?? [])).sorted { $0.path < $1.path }
        }
        merged.gaps += b.gaps
        if let database = b.database {
            var combined = a.database ?? DatabaseCoverage()
            for server in database.servers where !combined.servers.contains(server) { combined.servers.append(server) }
            for file in database.schemaFiles where !combined.schemaFiles.contains(file) {
                combined.schemaFiles.append(file)
            }
            merged.database = combined
        }
        switch (a.entries, b.entries) {
        case (let x?, let y?):
            merged.entries = EntryCounts(
                parsed: x.parsed + y.parsed, unparsed: x.unparsed + y.unparsed,
                joinedLines: x.joinedLines + y.joinedLines,
                unparsedSamples: Array(
                    (x.unparsedSamples + y.unparsedSamples).sorted {
                        ($0.path, $0.line, $0.offset) < ($1.path, $1.line, $1.offset)
                    }.prefix(5)))
        case (nil, let y): merged.entries = y
        default: break
        }
        switch (a.window, b.window) {
        case (let x?, let y?): merged.window = TimeWindow(from: min(x.from, y.from), to: max(x.to, y.to))
        case (nil, let y): merged.window = y
        default: break
        }
        if a.statementLogging != b.statementLogging, let other = b.statementLogging {
            if let mine = a.statementLogging {
                // The weaker mode is what the merged logs can be trusted to show.
                let order = ["all", "duration>=0 ms", "mod", "ddl", "errors-only", "none", "unknown"]
                let rank = { (mode: String) in order.firstIndex(of: mode) ?? 2 }
                merged.statementLogging = rank(mine) >= rank(other) ? mine : other
            } else {
                merged.statementLogging = other
            }
        }
        merged.statementLoggingNote = [a.statementLoggingNote, b.statementLoggingNote].compactMap { $0 }.first
        return merged
    }

    static func union(_ a: [CodeFinding], _ b: [CodeFinding]) -> [CodeFinding] {
        var seen = Set(a.map { "\($0.fingerprint)@\($0.line)" })
        var result = a
        for finding in b where seen.insert("\(finding.fingerprint)@\(finding.line)").inserted { result.append(finding) }
        return result
    }

    static func earliest(_ a: String?, _ b: String?) -> String? { [a, b].compactMap { $0 }.min() }
    static func latest(_ a: String?, _ b: String?) -> String? { [a, b].compactMap { $0 }.max() }
}
