import Matching
import Synchronization

/// One reference to a target in a statement.
public struct SQLFinding: Sendable, Hashable {
    /// How sure the reference is.
    public let evidence: Evidence
    /// UTF-8 byte offset of the reference in the text given to `SQLResolver.resolve(_:)`.
    public let location: Int
    /// A short explanation naming identifiers only (never a literal value), e.g.
    /// `"oi.legacy_discount_code via alias oi"`.
    public let reason: String

    public init(evidence: Evidence, location: Int, reason: String) {
        self.evidence = evidence
        self.location = location
        self.reason = reason
    }
}

/// What one statement text does with one target: the strongest evidence and every finding behind it.
public struct TargetOutcome: Sendable, Hashable {
    /// Index of the target in the list the resolver was created with.
    public let targetIndex: Int
    /// The strongest evidence among `findings`.
    public let evidence: Evidence
    /// Every finding, strongest first, then by location.
    public let findings: [SQLFinding]

    /// Findings already without duplicates and in order.
    init(targetIndex: Int, sortedFindings: [SQLFinding]) {
        self.targetIndex = targetIndex
        self.findings = sortedFindings
        self.evidence = sortedFindings.first?.evidence ?? .notAUse
    }

    public init(targetIndex: Int, findings: [SQLFinding]) {
        self.targetIndex = targetIndex
        self.findings = findings.sorted {
            ($0.evidence, $0.location, $0.reason) < ($1.evidence, $1.location, $1.reason)
        }
        self.evidence = self.findings.first?.evidence ?? .notAUse
    }
}

/// The resolution of one statement text (which may hold several statements).
public struct StatementResolution: Sendable, Hashable {
    /// The text's shape (literal-free; safe for reports) and its fingerprint.
    public let normalized: NormalizedSQL
    /// One outcome per target the text touches or names, by target index.
    public let outcomes: [TargetOutcome]
    /// PostgreSQL's message for the text when it did not parse as a whole, with the token it quotes taken from
    /// the normalized text (so it never quotes a literal value), or `nil` when everything parsed.
    public let parseError: String?

    /// Whether every statement in the text parsed.
    public var parsed: Bool { parseError == nil }

    /// The outcome for a target, if the text touches or names it.
    public func outcome(forTarget index: Int) -> TargetOutcome? {
        outcomes.first { $0.targetIndex == index }
    }
}

/// Counters of the resolver's parse cache.
public struct SQLCacheStatistics: Sendable, Hashable {
    /// Lookups answered from the cache.
    public var hits: Int
    /// Lookups that had to parse.
    public var misses: Int
    /// Entries dropped to stay within `capacity`.
    public var evictions: Int
    /// Entries held now.
    public var count: Int
    /// Most entries the cache holds.
    public var capacity: Int
}

/// Binds the column references of SQL statements to tables and says, per target, whether and how surely each
/// statement uses it (see `Evidence`).
///
/// The resolver parses with PostgreSQL's own grammar (`PgQuery`, safe to call from many threads) and keeps a
/// bounded cache keyed by the statement's shape (`SQLNormalizer`), so that a log with millions of statements but
/// few distinct shapes parses each shape once. The cache holds at most `cacheCapacity` shapes in two generations
/// (approximately least-recently-used) behind a `Mutex`; parsing happens outside the lock. It may be shared by
/// any number of threads.
public final class SQLResolver: Sendable {
    /// The targets, in the order outcomes refer to them by index.
    public let targets: [Target]
    private let cache: Mutex<ShapeCache>
    /// Lower-cased UTF-8 of the name each target is mentioned by (column, or table for whole-table targets).
    private let mentionNames: [[UInt8]]

    /// The schema's columns per table (`--schema`, `--database`), which bind unqualified columns exactly.
    public let schema: SchemaColumns?

    /// Creates a resolver for `targets`; `cacheCapacity` bounds how many statement shapes it remembers; with
    /// `schema`, an unqualified column binds to the one table in scope that has it.
    public init(targets: [Target], cacheCapacity: Int = 20_000, schema: SchemaColumns? = nil) {
        self.targets = targets
        self.schema = schema
        self.cache = Mutex(ShapeCache(capacity: max(2, cacheCapacity)))
        self.mentionNames = targets.map { target in
            Array((target.column?.name ?? target.table.name).utf8).map(Self.lowerASCII)
        }
    }

    /// The cache's counters so far.
    public var cacheStatistics: SQLCacheStatistics {
        cache.withLock { $0.statistics }
    }

    /// Resolves every statement in `sql` against the targets.
    ///
    /// Returns exactly one outcome per target that the text touches (binds, or reads through `*`, an INSERT or
    /// COPY without a column list) or names as a word anywhere (then, if nothing bound it, `notAUse` when the
    /// text parsed, `possible` where it did not).
    public func resolve(_ sql: String) -> StatementResolution {
        resolve(sql, normalized: SQLNormalizer.normalize(sql))
    }

    /// Resolves `sql` whose shape the caller has already computed with `SQLNormalizer.normalize` (so that a
    /// pipeline grouping statements by shape does not normalize twice). `normalized` must be the shape of `sql`.
    public func resolve(_ sql: String, normalized: NormalizedSQL) -> StatementResolution {
        if normalized.redactedToEnd {
            // Different statements share such a shape: this one is parsed for itself and nothing is cached.
            return assemble(
                sql: sql, normalized: normalized,
                analysis: Self.analyze(sql: sql, normalized: normalized, targets: targets, schema: schema))
        }
        let analysis: ShapeAnalysis
        if let cached = cache.withLock({ $0.lookup(normalized.text) }) {
            analysis = cached
        } else {
            analysis = Self.analyze(sql: sql, normalized: normalized, targets: targets, schema: schema)
            cache.withLock { $0.insert(normalized.text, analysis) }
        }
        return assemble(sql: sql, normalized: normalized, analysis: analysis)
    }

    // MARK: Analysis (cached per shape)

    /// Parses and binds `text`; whole first, then statement by statement if the whole does not parse.
    static func bind(_ text: String, targets: [Target], schema: SchemaColumns? = nil) -> ShapeAnalysis {
        var binder = Binder(targets: targets)
        binder.schemaColumns = schema
        switch PgQuery.parse(text) {
        case .tree(let tree):
            binder.bind(tree: tree, statementOffset: 0)
            return ShapeAnalysis(findings: binder.findings, unparsed: binder.opaque, error: nil, errorOffset: nil)
        case .error(let message, let errorOffset):
            var unparsed: [Range<Int>] = []
            let utf8 = Array(text.utf8)
            var pieces = PgQuery.split(text)
            if pieces.isEmpty { pieces = [PgQuery.Piece(location: 0, length: utf8.count)] }
            for piece in pieces {
                let start = min(piece.location, utf8.count)
                let end = piece.length > 0 ? min(utf8.count, start + piece.length) : utf8.count
                let pieceText = String(decoding: utf8[start..<end], as: UTF8.self)
                if case .tree(let tree) = PgQuery.parse(pieceText) {
                    binder.bind(tree: tree, statementOffset: start)
                } else {
                    unparsed.append(start..<end)
                }
            }
            if unparsed.isEmpty { unparsed = [0..<utf8.count] }
            return ShapeAnalysis(
                findings: binder.findings, unparsed: unparsed + binder.opaque, error: message, errorOffset: errorOffset)
        }
    }

    /// Analyzes a shape from the first text seen with it. The original text is what gets parsed: replacing
    /// literals by parameters can change what parses (`SELECT TOP 10 x` does not parse, `SELECT TOP $1 x` does,
    /// as a typed constant), whereas different literal values in the same shape bind the same way. Locations are
    /// then translated to the normalized text, and an error message gets its quoted token replaced by the
    /// normalized one, so that no literal value reaches the cache.
    static func analyze(sql: String, normalized: NormalizedSQL, targets: [Target], schema: SchemaColumns? = nil)
        -> ShapeAnalysis
    {
        let analysis = bind(sql, targets: targets, schema: schema)
        if normalized.text.utf8.elementsEqual(sql.utf8) { return analysis }
        let (_, map) = SQLNormalizer.normalizeWithOffsets(sql)
        func shapeOffset(_ offset: Int) -> Int { map.outputOffset(forInput: offset) }
        return ShapeAnalysis(
            findings: analysis.findings.map {
                RawFinding(
                    targetIndex: $0.targetIndex, evidence: $0.evidence, location: shapeOffset($0.location),
                    reason: $0.reason)
            },
            unparsed: analysis.unparsed.map { range in
                let lower = shapeOffset(range.lowerBound)
                let upper = range.upperBound >= sql.utf8.count ? Int(Int32.max) : shapeOffset(range.upperBound)
                return lower..<max(lower, upper)
            },
            error: analysis.error.map {
                redact($0, normalized: normalized.text, offset: analysis.errorOffset.map(shapeOffset))
            },
            errorOffset: analysis.errorOffset.map(shapeOffset))
    }

    /// Replaces the token PostgreSQL quotes in a message (`… at or near "…"`) by the token at the same place in
    /// the normalized text (a placeholder where the original had a literal).
    static func redact(_ message: String, normalized: String, offset: Int?) -> String {
        guard let range = message.range(of: " at or near ") else { return message }
        let head = message[..<range.lowerBound]
        guard let offset else { return head + " (position unknown)" }
        let bytes = Array(normalized.utf8)
        let start = min(max(0, offset), bytes.count)
        var end = start
        while end < bytes.count && bytes[end] != 0x20 { end += 1 }
        let token = start == end ? "end of input" : "\"" + String(decoding: bytes[start..<end], as: UTF8.self) + "\""
        return head + " at or near " + token
    }

    // MARK: Assembly (per text)

    private func assemble(sql: String, normalized: NormalizedSQL, analysis: ShapeAnalysis) -> StatementResolution {
        // Offsets are translated from the normalized text to `sql` lazily: most texts need none.
        var map: OffsetMap?
        var identity: Bool?
        func toOriginal(_ offset: Int) -> Int {
            if identity == nil {
                identity = normalized.text.utf8.elementsEqual(sql.utf8)
                if identity == false { map = SQLNormalizer.normalizeWithOffsets(sql).1 }
            }
            return map?.inputOffset(forOutput: offset) ?? offset
        }
        var outcomes: [TargetOutcome] = []
        outcomes.reserveCapacity(analysis.groups.count)
        var hasOutcome = [Bool](repeating: false, count: targets.count)
        for group in analysis.groups {
            hasOutcome[group.targetIndex] = true
            outcomes.append(
                TargetOutcome(
                    targetIndex: group.targetIndex,
                    sortedFindings: group.findings.map {
                        SQLFinding(evidence: $0.evidence, location: toOriginal($0.location), reason: $0.reason)
                    }))
        }
        let unparsed = analysis.unparsed.map { range in
            toOriginal(range.lowerBound)..<max(toOriginal(range.lowerBound), toOriginal(range.upperBound))
        }
        var added = false
        var text = sql
        text.withUTF8 { bytes in
            for (index, name) in mentionNames.enumerated() {
                let mentions = Self.wordOccurrences(of: name, in: bytes)
                guard !mentions.isEmpty else { continue }
                let word = String(decoding: name, as: UTF8.self)
                if let inUnparsed = mentions.first(where: { offset in unparsed.contains { $0.contains(offset) } }) {
                    let possible = SQLFinding(
                        evidence: .possible, location: inUnparsed,
                        reason: "\(word) is named in text that did not parse as PostgreSQL")
                    if let position = outcomes.firstIndex(where: { $0.targetIndex == index }) {
                        outcomes[position] = TargetOutcome(
                            targetIndex: index, findings: outcomes[position].findings + [possible])
                    } else {
                        outcomes.append(TargetOutcome(targetIndex: index, sortedFindings: [possible]))
                        added = true
                    }
                } else if !hasOutcome[index] {
                    let inShape =
                        normalized.text.utf8.withContiguousStorageIfAvailable {
                            !Self.wordOccurrences(of: name, in: $0).isEmpty
                        } ?? true
                    let reason =
                        inShape
                        ? "\(word) is named, but not as \(targets[index].normalized) (an alias, a CTE or derived column, "
                            + "a function, or another table's column)"
                        : "\(word) is named only in a string literal or a comment"
                    outcomes.append(
                        TargetOutcome(
                            targetIndex: index,
                            sortedFindings: [SQLFinding(evidence: .notAUse, location: mentions[0], reason: reason)]))
                    added = true
                }
            }
        }
        if added { outcomes.sort { $0.targetIndex < $1.targetIndex } }
        return StatementResolution(normalized: normalized, outcomes: outcomes, parseError: analysis.error)
    }

    @inline(__always) static func lowerASCII(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    @inline(__always) static func isWordByte(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
    }

    /// Offsets where `name` (lower-case) occurs in `bytes` case-insensitively as a whole word
    /// (neighbours outside `[A-Za-z0-9_$]`).
    static func wordOccurrences(of name: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        guard let first = name.first, bytes.count >= name.count else { return [] }
        var found: [Int] = []
        var index = 0
        let last = bytes.count - name.count
        while index <= last {
            if lowerASCII(bytes[index]) == first && (index == 0 || !isWordByte(bytes[index - 1])) {
                var matched = true
                var offset = 1
                while offset < name.count {
                    if lowerASCII(bytes[index + offset]) != name[offset] {
                        matched = false
                        break
                    }
                    offset += 1
                }
                if matched && (index + name.count == bytes.count || !isWordByte(bytes[index + name.count])) {
                    found.append(index)
                    index += name.count
                    continue
                }
            }
            index += 1
        }
        return found
    }
}

/// What the parser made of one statement shape: findings and unparsed ranges in normalized-text offsets.
struct ShapeAnalysis: Sendable {
    /// One target's findings, without duplicates, strongest first.
    struct Group: Sendable {
        let targetIndex: Int
        let findings: [RawFinding]
    }

    let findings: [RawFinding]
    let unparsed: [Range<Int>]
    let error: String?
    /// UTF-8 offset of the error in the parsed text, when known.
    let errorOffset: Int?
    /// `findings` grouped by target (in target order), computed once per shape rather than on every hit.
    let groups: [Group]

    init(findings: [RawFinding], unparsed: [Range<Int>], error: String?, errorOffset: Int?) {
        self.findings = findings
        self.unparsed = unparsed
        self.error = error
        self.errorOffset = errorOffset
        var byTarget: [Int: [RawFinding]] = [:]
        for finding in Set(findings) { byTarget[finding.targetIndex, default: []].append(finding) }
        groups = byTarget.keys.sorted().map { index in
            Group(
                targetIndex: index,
                findings: byTarget[index]!.sorted {
                    ($0.evidence, $0.location, $0.reason) < ($1.evidence, $1.location, $1.reason)
                })
        }
    }
}

/// A bounded map from statement shape to analysis, with two generations: lookups promote entries from the
/// old generation; when the young one is full, the old one is dropped (counted as evictions). This keeps
/// recently used shapes at O(1) cost per operation, like an approximate LRU.
struct ShapeCache {
    let capacity: Int
    private var young: [String: ShapeAnalysis] = [:]
    private var old: [String: ShapeAnalysis] = [:]
    private(set) var hits = 0
    private(set) var misses = 0
    private(set) var evictions = 0

    init(capacity: Int) { self.capacity = capacity }

    var statistics: SQLCacheStatistics {
        SQLCacheStatistics(
            hits: hits, misses: misses, evictions: evictions, count: young.count + old.count, capacity: capacity)
    }

    mutating func lookup(_ key: String) -> ShapeAnalysis? {
        if let value = young[key] {
            hits += 1
            return value
        }
        if let value = old.removeValue(forKey: key) {
            hits += 1
            store(key, value)
            return value
        }
        misses += 1
        return nil
    }

    mutating func insert(_ key: String, _ value: ShapeAnalysis) {
        guard young[key] == nil else { return }
        if let existing = old.removeValue(forKey: key) {
            store(key, existing)
            return
        }
        store(key, value)
    }

    private mutating func store(_ key: String, _ value: ShapeAnalysis) {
        if young.count >= capacity / 2 {
            evictions += old.count
            old = young
            young = [:]
            young.reserveCapacity(capacity / 2)
        }
        young[key] = value
    }
}
