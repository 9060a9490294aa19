import Foundation
import Ledger
import Matching
import PostgresLog
import Report
import SQLResolution
import ScanIO

/// Scans one log file: streams it in chunks, detects its format from the content, frames entries,
/// observes every entry for coverage, and only for the few entries the name prefilter hits extracts
/// statements, runs the target's rules, resolves the statement with PostgreSQL's parser and counts.
struct LogFileScanner {
    let matchers: TargetMatchers
    let resolver: SQLResolver
    let scratch: MatchScratch
    let chunkSize: Int
    /// Formats and prefixes decided before the scan (``LogPrefixPlanner``).
    let plans: [String: PlannedLog]
    /// The prefix given for a path (`--log-line-prefix` or `--postgresql-conf`), for a file with no plan.
    let givenPrefix: @Sendable (String) -> String?
    let showValues: Bool
    let pipelineThreshold: Int64
    let progress: Progress
    /// The test seam of `ScanConfiguration.afterLogChunk`.
    var afterChunk: (@Sendable (String) -> Void)? = nil
    /// The year of RFC 3164 syslog times (`--syslog-year`); from each file's modification time when `nil`.
    var syslogYear: Int? = nil
    /// Checked before each chunk: when set, the file is left where it is.
    var cancellation: Cancellation? = nil
    /// For a sweep: the stretch of each file to read (``LogSlice``); files not listed are read whole.
    var slices: [String: LogSlice] = [:]
    /// For a sweep: count uses by UTC day too.
    var countsByDay = false
    /// Per-worker memo of the uses of each statement shape: a prepared statement logged a million times
    /// is matched and resolved once.
    let memo = UseMemo()

    /// Scans `file`; `false` when the scan was cancelled before its end.
    @discardableResult
    func scan(_ file: InputFile, into accumulator: inout ScanAccumulator) -> Bool {
        accumulator.logFiles += 1
        var source: ByteSource
        do {
            source = try openByteSource(path: file.path)
        } catch {
            accumulator.errors.append(error)
            return true
        }
        if source is GzipSource && file.size >= pipelineThreshold {
            source = PipelinedSource(wrapping: source, blockSize: chunkSize)
        }
        let stream = ChunkedStream(chunkSize: chunkSize)
        var framer: LogEntryFramer?
        var formatFailed = false
        let slice = slices[file.path]
        var readEnd = ReadEnd(offset: slice?.start ?? 0, line: slice?.startLine ?? 1)
        if let plan = plans[file.path] {
            framer = LogEntryFramer(format: plan.format, syslogYears: syslogYears(file.path))
            framer?.nextLine = readEnd.line
            accumulator.formats[plan.format.name, default: 0] += 1
            accumulator.noteFormat(of: file.path, plan.format, plan.decision)
        }
        var scanned: Int64 = 0
        var carriedIn: Int64 = 0
        var deduplicator = ExecutionDeduplicator()
        var nulBytes = NULDamage()
        var damaged = DamagedEntries()
        accumulator.coverage.beginFile(file.path)
        var finished = true
        do {
            try stream.run(source) { whole, wholeOffset, wholeAtEnd, mustConsume in
                if cancellation?.isCancelled == true { throw ScanCancelled() }
                progress.advance(bytes: Int64(whole.count) - carriedIn)
                afterChunk?(file.path)
                // A sweep reads a stretch of the file: what comes before it was counted by an earlier sweep,
                // what comes after it (a line still being written) is left for the next.
                let skip = slice.map { Int(max(0, min(Int64(whole.count), $0.start - wholeOffset))) } ?? 0
                let streamOffset = wholeOffset + Int64(skip)
                var length = whole.count - skip
                var sliceEnds = false
                if let end = slice?.end, streamOffset + Int64(length) >= end {
                    length = Int(max(0, end - streamOffset))
                    sliceEnds = true
                }
                let bytes = UnsafeRawBufferPointer(rebasing: whole[skip..<(skip + length)])
                let atEnd = wholeAtEnd || sliceEnds
                if skip == whole.count && !wholeAtEnd { return whole.count }
                if framer == nil && !formatFailed {
                    // An empty file is an empty log, not an unreadable one.
                    if bytes.isEmpty && atEnd {
                        if sliceEnds { throw SliceEnded() }
                        return whole.count
                    }
                    do {
                        let sample = UnsafeRawBufferPointer(rebasing: bytes[0..<min(bytes.count, 64 * 1024)])
                        let format = try LogFormatDetector.detect(
                            sample: sample, explicitPrefix: givenPrefix(file.path))
                        framer = LogEntryFramer(format: format, syslogYears: syslogYears(file.path))
                        framer?.nextLine = readEnd.line
                        accumulator.formats[format.name, default: 0] += 1
                        accumulator.noteFormat(of: file.path, format, nil)
                    } catch {
                        formatFailed = true
                        accumulator.errors.append(
                            ReadError(
                                path: file.path, offset: 0, kind: .read,
                                message:
                                    "not a PostgreSQL log this scan can read: \(Self.describe(error, showValues: showValues))"
                            ))
                    }
                }
                guard var current = framer else {
                    if sliceEnds { throw SliceEnded() }
                    return whole.count
                }
                nulBytes.note(bytes, at: streamOffset)
                let jsonEscapes = current.format.isJSON
                // One pass of the prefilter over the whole chunk; entries then look up their hits.
                var hits = ChunkHits()
                matchers.logPrefilter.scan(bytes, jsonEscapes: jsonEscapes, scratch: scratch) { name, range in
                    hits.append(position: range.lowerBound, name: name)
                }
                hits.sortIfNeeded()
                let used = current.frame(bytes, baseOffset: streamOffset, atEnd: atEnd || mustConsume) { entry in
                    accumulator.coverage.observe(entry)
                    accumulator.applications.observe(entry)
                    let names: (target: Bool, table: Bool)
                    if let base = bytes.baseAddress, let start = entry.bytes.baseAddress, start >= base,
                        start + entry.bytes.count <= base + bytes.count
                    {
                        names = hits.names(in: (start - base)..<(start - base + entry.bytes.count), matchers: matchers)
                    } else {
                        names = namesIn(entry.bytes, jsonEscapes: jsonEscapes)  // a reassembled (syslog) entry
                    }
                    if entry.truncated { damaged.note(entry: entry.offset, names: names) }
                    guard entry.isParsed else {
                        // A line that fits no format cannot be read as a statement: if it names a target, a
                        // use may hide in it.
                        if names.target { accumulator.unparsedNamingTargets += 1 }
                        return
                    }
                    guard isCandidate(entry.bytes, names: names, jsonEscapes: jsonEscapes) else { return }
                    let strongest = examine(entry, file: file, deduplicator: &deduplicator, into: &accumulator)
                    // Lines joined to the entry as continuation lines that lost their TAB may be anything:
                    // when they name a target and no statement of the entry resolves to a use of one (only
                    // `possible` at best), a use may hide in them.
                    if entry.joinedLines > 0, names.target, strongest.map({ $0 >= .possible }) ?? true {
                        accumulator.joinedNamingTargets += 1
                    }
                }
                for damage in current.takeDamage() where damage.kind != .unusablePrefixChange {
                    let lower = Int(damage.range.lowerBound - streamOffset)
                    let upper = Int(damage.range.upperBound - streamOffset)
                    damaged.note(
                        damage, names: hits.anyNames(in: max(0, lower)..<min(upper, bytes.count), matchers: matchers))
                }
                framer = current
                scanned += Int64(used)
                carriedIn = Int64(whole.count - skip - used)
                readEnd = ReadEnd(offset: streamOffset + Int64(used), line: current.nextLine)
                if sliceEnds { throw SliceEnded() }
                return skip + used
            }
        } catch is SliceEnded {
            // The stretch a sweep reads ended before the file.
        } catch is ScanCancelled {
            finished = false
        } catch let error as ReadError {
            accumulator.errors.append(error)
        } catch {
            accumulator.errors.append(
                ReadError(path: file.path, offset: source.fileOffset, kind: .read, message: "\(error)"))
        }
        if let damage = nulBytes.error(path: file.path, compressed: !(source is PlainFileSource)) {
            accumulator.errors.append(damage)
        }
        accumulator.errors += damaged.errors(
            path: file.path, compressed: source is GzipSource || source is PipelinedSource)
        accumulator.bytesRead += source.fileOffset
        accumulator.bytesScanned += scanned
        if slice != nil { accumulator.readEnds[file.path] = readEnd }
        return finished
    }

    /// How RFC 3164 syslog times get their year: `--syslog-year`, else the file's modification time.
    private func syslogYears(_ path: String) -> SyslogYear {
        if let syslogYear { return .fixed(syslogYear) }
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        else { return .writtenNow }
        return .writtenBy(Int64(modified.timeIntervalSince1970 * 1000))
    }

    /// Whether an entry may use a target: it names a target, or names a column target's table and could
    /// use its columns without naming them (`*`, INSERT, COPY).
    private func isCandidate(_ bytes: UnsafeRawBufferPointer, names: (target: Bool, table: Bool), jsonEscapes: Bool)
        -> Bool
    {
        if names.target { return true }
        guard names.table else { return false }
        return ByteSearch.firstIndex(of: UInt8(ascii: "*"), in: bytes, from: 0) != nil
            || Self.implicitKeywords.containsAny(bytes, jsonEscapes: jsonEscapes, scratch: scratch)
    }

    /// Whether `bytes` name a target, or only a column target's table.
    private func namesIn(_ bytes: UnsafeRawBufferPointer, jsonEscapes: Bool) -> (target: Bool, table: Bool) {
        var result = (target: false, table: false)
        matchers.logPrefilter.scan(bytes, jsonEscapes: jsonEscapes, scratch: scratch) { name, _ in
            matchers.note(name: name, in: &result)
        }
        return result
    }

    static let implicitKeywords = NamePrefilter(names: ["insert", "copy"])

    /// An entry that names a target: count each of its statements for each target it uses. Returns the
    /// strongest evidence of a use found, if any.
    private func examine(
        _ entry: LogEntry, file: InputFile, deduplicator: inout ExecutionDeduplicator,
        into accumulator: inout ScanAccumulator
    ) -> Evidence? {
        let statements = StatementExtractor.statements(in: entry)
        guard !statements.isEmpty else { return nil }
        var strongest: Evidence?
        // `EXECUTE name(…)` runs the statement of `DETAIL:  prepare: PREPARE name AS …`: count the execution
        // under the definition's text.
        let definition = statements.first { $0.kind == .preparedDefinition }
        var attribution: Attribution?
        for statement in statements {
            let isNew = deduplicator.isNewExecution(statement)
            let countsAsExecution: Bool
            var text: String
            switch statement.kind {
            case .statement, .execute, .audit:
                countsAsExecution = isNew
                if let definition, statement.text.range(of: "execute", options: [.caseInsensitive, .anchored]) != nil {
                    text = definition.text
                } else {
                    text = statement.text
                }
            case .failed, .autoExplain:
                countsAsExecution = isNew
                text = statement.text
            case .internalQuery, .contextStatement:
                // A statement a function ran: the top-level statement that called it names no target.
                countsAsExecution = true
                text = statement.text
            case .parse, .bind, .executeFetch, .attached, .preparedDefinition:
                continue
            }
            // A NUL (damage: no server writes one) would end the text for the parser: read it as a space.
            if Self.holdsNUL(&text) { text = text.replacingOccurrences(of: "\0", with: " ") }
            let isFailedUse = statement.kind == .failed && statement.isUndefinedObjectError
            let (normalized, knownUses) = memo.normalized(text)
            let uses = knownUses ?? targetsUsed(by: text, normalized: normalized)
            if uses.isEmpty { continue }
            for (_, evidence) in uses where evidence.isUse { strongest = min(strongest ?? evidence, evidence) }
            if attribution == nil { attribution = memo.attribution(of: entry) }
            for (target, evidence) in uses {
                func count(into runtime: inout RuntimeAccumulator) {
                    record(
                        target: target, evidence: evidence, counted: countsAsExecution,
                        failed: isFailedUse && evidence.isUse,
                        text: text, normalized: normalized, entry: entry, attribution: attribution!, file: file,
                        into: &runtime)
                }
                count(into: &accumulator.runtime[target])
                // A sweep also counts by UTC day, for the ledger.
                if countsByDay {
                    let day = entry.timestamp.map(LedgerDay.start(of:)) ?? DayTarget.undated
                    count(into: &accumulator.daily[DayTarget(day: day, target: target), default: RuntimeAccumulator()])
                }
            }
        }
        return strongest
    }

    /// Counts one statement for one target. An execution counts once in `byEvidence` for its tier, and
    /// in `statements` and the attribution maps when it is `confirmed`; a failed use counts in `failed`.
    private func record(
        target: Int, evidence: Evidence, counted: Bool, failed: Bool, text: String, normalized: NormalizedSQL,
        entry: LogEntry, attribution: Attribution, file: InputFile, into runtime: inout RuntimeAccumulator
    ) {
        guard counted || failed else { return }
        if counted { runtime.byEvidence[evidence, default: 0] += 1 }
        if counted && evidence == .confirmed {
            runtime.statements += 1
            attribution.count(into: &runtime)
        }
        if failed { runtime.failed += 1 }
        if evidence.isUse { runtime.see(at: entry.timestamp, evidence) }
        let key = normalized.fingerprint ^ (UInt64(truncatingIfNeeded: target) &* 0x9E37_79B9_7F4A_7C15)
        if runtime.omits(key) {
            runtime.omittedStatements += counted ? 1 : 0
            runtime.omittedFailed += failed ? 1 : 0
            return
        }
        var group =
            runtime.groups[key]
            ?? GroupAccumulator(
                id: normalized.id, statement: showValues ? text : normalized.text, evidence: evidence,
                sample: LogLocation(path: file.path, line: entry.line, offset: entry.offset))
        group.evidence = min(group.evidence, evidence)
        // The earliest sample by place, whichever file this worker read first (within a file, the first is).
        if let sample = group.sample, file.path != sample.path, file.path < sample.path {
            group.sample = LogLocation(path: file.path, line: entry.line, offset: entry.offset)
        }
        if counted { group.count += 1 }
        if failed { group.failed += 1 }
        group.applications.insert(attribution.application ?? "(unknown)")
        if let timestamp = entry.timestamp {
            group.firstSeen = min(group.firstSeen ?? timestamp, timestamp)
            group.lastSeen = max(group.lastSeen ?? timestamp, timestamp)
        }
        runtime.groups[key] = group
        if runtime.groups.count > RuntimeAccumulator.groupLimit {
            runtime.trimGroups(to: RuntimeAccumulator.groupLimit)
        }
    }

    /// The targets a statement text uses, with the evidence for each: the prefilter says which targets it
    /// names, their log rules say whether it is worth parsing, and PostgreSQL's parser decides the tier.
    /// (A text seen before has its uses in the memo: `UseMemo.normalized(_:)` gives them.)
    func targetsUsed(by text: String, normalized: NormalizedSQL) -> [(Int, Evidence)] {
        let uses = targetsUsedByShape(by: text, normalized: normalized)
        // The same text (an extended-protocol statement, with its `$1`) always has the same uses.
        if !normalized.redactedToEnd { memo.remember(text: text, uses) }
        return uses
    }

    private func targetsUsedByShape(by text: String, normalized: NormalizedSQL) -> [(Int, Evidence)] {
        var utf8 = Array(text.utf8)
        var named: Set<Int> = []
        var tableNamed: Set<Int> = []
        utf8.withUnsafeMutableBytes { mutable in
            let buffer = UnsafeRawBufferPointer(mutable)
            matchers.logPrefilter.scan(buffer, scratch: scratch) { name, _ in
                named.formUnion(matchers.logNameTargets[name])
                tableNamed.formUnion(matchers.logTableNameTargets[name])
            }
        }
        if named.isEmpty && tableNamed.isEmpty { return [] }
        // Same shape and same names found: same uses (a name inside a literal is not part of the shape, so
        // the names found tell such statements apart).
        var key = Hasher()
        key.combine(normalized.fingerprint)
        key.combine(named.sorted())
        key.combine(tableNamed.sorted())
        let memoKey = key.finalize()
        // A shape that hides the rest of the text stands for many statements: never share its uses.
        if !normalized.redactedToEnd, let known = memo.uses[memoKey] { return known }
        let uses = resolveUses(utf8: &utf8, text: text, normalized: normalized, named: named, tableNamed: tableNamed)
        if !normalized.redactedToEnd { memo.remember(memoKey, uses) }
        return uses
    }

    private func resolveUses(
        utf8: inout [UInt8], text: String, normalized: NormalizedSQL, named: Set<Int>, tableNamed: Set<Int>
    ) -> [(Int, Evidence)] {
        var ruleHit: Set<Int> = []
        utf8.withUnsafeMutableBytes { mutable in
            let buffer = UnsafeRawBufferPointer(mutable)
            for target in named {
                for rule in matchers.logRules[target] {
                    // A rule that gives up at a PCRE2 limit cannot say no: the parser decides instead, as for
                    // a match (the prefilter found the name; the parser cannot backtrack).
                    let hit: Bool
                    do { hit = try rule.firstMatch(in: buffer, scratch: scratch) != nil } catch { hit = true }
                    if hit {
                        ruleHit.insert(target)
                        break
                    }
                }
            }
        }
        // `SELECT *`, `t.*`, `RETURNING *`, an INSERT without a column list or a COPY name no column but
        // still read or write it: statements that name a column target's table and could be such are parsed.
        let implicitCandidates =
            tableNamed.subtracting(ruleHit).isEmpty || !Self.mayUseImplicitly(utf8) ? [] : tableNamed
        if ruleHit.isEmpty && implicitCandidates.isEmpty { return [] }
        let resolution = resolver.resolve(text, normalized: normalized)
        var uses: [(Int, Evidence)] = []
        for target in ruleHit.union(implicitCandidates).sorted() {
            if let outcome = resolution.outcome(forTarget: target) {
                uses.append((target, outcome.evidence))
            } else if ruleHit.contains(target) {
                // The rule matched text the parser does not bind to anything (for example a parameter
                // value): not a use.
                uses.append((target, resolution.parsed ? .notAUse : .possible))
            }
        }
        return uses
    }
}

extension LogFileScanner {
    /// A format error as a message: the log text it quotes is redacted like a statement unless `--show-values`.
    static func describe(_ error: any Error, showValues: Bool) -> String {
        guard !showValues, let error = error as? LogFormatError else { return "\(error)" }
        switch error {
        case .undetectable(let firstLine):
            return LogFormatError.undetectable(firstLine: SQLNormalizer.redactLogLine(firstLine)).description
        case .invalidPrefix, .emptySample, .refusedExport:
            // These quote only the prefix the user gave, or nothing from the log.
            return error.description
        }
    }

    /// Whether `text` holds a NUL byte (`memchr` over its UTF-8, made contiguous first if it is not).
    static func holdsNUL(_ text: inout String) -> Bool {
        text.withUTF8 { ByteSearch.firstIndex(of: 0, in: UnsafeRawBufferPointer($0), from: 0) != nil }
    }

    /// Whether a statement could use columns without naming them: it holds `*`, or starts with INSERT or COPY.
    static func mayUseImplicitly(_ bytes: [UInt8]) -> Bool {
        if bytes.contains(UInt8(ascii: "*")) { return true }
        guard let first = bytes.firstIndex(where: { $0 > 0x20 && $0 != UInt8(ascii: "(") }) else { return false }
        let word = bytes[first...].prefix(6).map { $0 | 0x20 }
        return word.starts(with: Array("insert".utf8)) || word.starts(with: Array("copy".utf8))
    }
}

/// NUL bytes in a log: a server never writes one (messages are C strings), so each is damage, such as the
/// zero-filled blocks a crash leaves, and the text it replaced is lost.
struct NULDamage {
    private(set) var count = 0
    private(set) var first: Int64?
    /// The stream offset up to which bytes were checked (chunks overlap by the carried tail).
    private var checkedTo: Int64 = 0

    mutating func note(_ bytes: UnsafeRawBufferPointer, at streamOffset: Int64) {
        var index = Int(max(0, checkedTo - streamOffset))
        checkedTo = max(checkedTo, streamOffset + Int64(bytes.count))
        while let found = ByteSearch.firstIndex(of: 0, in: bytes, from: index) {
            count += 1
            if first == nil { first = streamOffset + Int64(found) }
            index = found + 1
        }
    }

    func error(path: String, compressed: Bool) -> ReadError? {
        guard let first else { return nil }
        let place = compressed ? "byte \(first) of the decompressed text" : "byte \(first)"
        return ReadError(
            path: path, offset: first, kind: .corrupt,
            message:
                "holds \(count) NUL byte(s), the first at \(place): a PostgreSQL server never writes one, so the file "
                + "was damaged there (a crash, a disk or copy fault) and the text they replaced is lost; "
                + "the entries around them were still read")
    }
}

/// The prefilter's hits in one chunk, in position order, visited by entries in order.
struct ChunkHits {
    private var positions: [Int] = []
    private var names: [Int] = []
    private var cursor = 0
    private var sorted = true

    mutating func append(position: Int, name: Int) {
        if let last = positions.last, position < last { sorted = false }
        positions.append(position)
        names.append(name)
    }

    mutating func sortIfNeeded() {
        guard !sorted else { return }
        let order = positions.indices.sorted { positions[$0] < positions[$1] }
        positions = order.map { positions[$0] }
        names = order.map { names[$0] }
        sorted = true
    }

    /// Whether the hits in `range` name a target, or only a column target's table, in any order.
    func anyNames(in range: Range<Int>, matchers: TargetMatchers) -> (target: Bool, table: Bool) {
        var result = (target: false, table: false)
        var low = 0
        var high = positions.count
        while low < high {
            let middle = (low + high) / 2
            if positions[middle] < range.lowerBound { low = middle + 1 } else { high = middle }
        }
        while low < positions.count && positions[low] < range.upperBound {
            matchers.note(name: names[low], in: &result)
            low += 1
        }
        return result
    }

    /// Whether the hits in `range` name a target, or only a column target's table. Ranges must come in order.
    mutating func names(in range: Range<Int>, matchers: TargetMatchers) -> (target: Bool, table: Bool) {
        while cursor < positions.count && positions[cursor] < range.lowerBound { cursor += 1 }
        var result = (target: false, table: false)
        var index = cursor
        while index < positions.count && positions[index] < range.upperBound {
            matchers.note(name: names[index], in: &result)
            index += 1
        }
        return result
    }
}

/// Entries of one file that the framer could not read whole (see ``FramingDamage``), and whether their
/// bytes, kept or skipped, name a target: those are reported as errors, since a use in them may be lost.
struct DamagedEntries {
    private var entries: [Int64: (damage: FramingDamage?, names: Bool)] = [:]

    mutating func note(entry offset: Int64, names: (target: Bool, table: Bool)) {
        entries[offset, default: (nil, false)].names = entries[offset]?.names == true || names.target || names.table
    }

    mutating func note(_ damage: FramingDamage, names: (target: Bool, table: Bool)) {
        var known = entries[damage.entryOffset] ?? (nil, false)
        if known.damage == nil || damage.kind != .entryTooLong { known.damage = damage }
        known.names = known.names || names.target || names.table
        entries[damage.entryOffset] = known
    }

    /// One error per damaged entry that names a target, in file order.
    func errors(path: String, compressed: Bool) -> [ReadError] {
        entries.sorted { $0.key < $1.key }.compactMap { offset, value in
            guard value.names, let damage = value.damage else { return nil }
            let kind: ReadError.Kind = damage.kind == .entryTooLong ? .tooLarge : .corrupt
            let place = compressed ? " of the decompressed log" : ""
            return ReadError(
                path: path, offset: offset, decompressedOffset: compressed ? offset : nil, kind: kind,
                message: "\(damage)\(place), and it names a target, so a use in it may be missed"
                    + (damage.kind == .entryTooLong
                        ? "; check the entry (a statement this long is usually generated) and search it by hand"
                        : "; repair the record (or re-export the log) and scan again"))
        }
    }
}

/// Bounded per-worker memos (each cleared when full): statement shape to its uses, statement text to its shape
/// and uses, and raw application/user/database to their attribution.
final class UseMemo {
    private(set) var uses: [Int: [(Int, Evidence)]] = [:]
    private let capacity = 200_000

    func remember(_ key: Int, _ value: [(Int, Evidence)]) {
        if uses.count >= capacity { uses.removeAll(keepingCapacity: true) }
        uses[key] = value
    }

    /// Statement texts already normalized: an extended-protocol statement is logged with the same text (its
    /// `$1` placeholders) at every execution, so it is lexed once. Only short texts are kept, at most 4,096.
    private var texts: [String: (normalized: NormalizedSQL, uses: [(Int, Evidence)]?)] = [:]
    private static let textBytes = 2048
    private static let textCapacity = 4096

    /// The text's shape, and its uses if they were remembered (``remember(text:_:)``).
    func normalized(_ text: String) -> (NormalizedSQL, [(Int, Evidence)]?) {
        guard text.utf8.count <= Self.textBytes else { return (SQLNormalizer.normalize(text), nil) }
        if let known = texts[text] { return known }
        let normalized = SQLNormalizer.normalize(text)
        if texts.count >= Self.textCapacity { texts.removeAll(keepingCapacity: true) }
        texts[text] = (normalized, nil)
        return (normalized, nil)
    }

    /// Remembers the uses of a text that ``normalized(_:)`` remembered (a shape redacted to its end never is).
    func remember(text: String, _ uses: [(Int, Evidence)]) {
        guard text.utf8.count <= Self.textBytes else { return }
        texts[text]?.uses = uses
    }

    /// Who ran entries, by a hash of the raw bytes of their application, user and database (at most 1,024),
    /// with those bytes to compare: a hash shared by other bytes is decoded afresh.
    private var attributions: [Int: (raw: [[UInt8]?], attribution: Attribution)] = [:]

    func attribution(of entry: LogEntry) -> Attribution {
        let fields = (entry.rawApplication, entry.rawUser, entry.rawDatabase)
        // FNV-1a over a few short fields (a collision only costs a decode: the bytes are compared).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ field: UnsafeRawBufferPointer?) {
            guard let field else {
                hash = (hash ^ 0x1FF) &* 0x100_0000_01b3
                return
            }
            for byte in field { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0x100) &* 0x100_0000_01b3
        }
        mix(fields.0)
        mix(fields.1)
        mix(fields.2)
        let key = Int(truncatingIfNeeded: hash)
        if let known = attributions[key], Self.same(known.raw[0], fields.0), Self.same(known.raw[1], fields.1),
            Self.same(known.raw[2], fields.2)
        {
            return known.attribution
        }
        let attribution = Attribution(entry)
        if attributions.count >= 1024 { attributions.removeAll(keepingCapacity: true) }
        attributions[key] = (
            [fields.0.map(Array.init), fields.1.map(Array.init), fields.2.map(Array.init)], attribution
        )
        return attribution
    }

    private static func same(_ stored: [UInt8]?, _ raw: UnsafeRawBufferPointer?) -> Bool {
        switch (stored, raw) {
        case (nil, nil): return true
        case (let stored?, let raw?): return stored.elementsEqual(raw)
        default: return false
        }
    }
}

/// Who ran an entry, made once per entry that uses a target.
struct Attribution {
    let application: String?
    let user: String?
    let database: String?

    init(_ entry: LogEntry) {
        application = entry.application.flatMap { $0.isEmpty ? nil : $0 }
        user = entry.user.flatMap { $0.isEmpty ? nil : $0 }
        database = entry.database.flatMap { $0.isEmpty ? nil : $0 }
    }

    func count(into runtime: inout RuntimeAccumulator) {
        runtime.byApplication[application ?? "(unknown)", default: 0] += 1
        runtime.byUser[user ?? "(unknown)", default: 0] += 1
        runtime.byDatabase[database ?? "(unknown)", default: 0] += 1
    }
}

/// Ends the read of a file at the end of the stretch a sweep reads.
private struct SliceEnded: Error {}
