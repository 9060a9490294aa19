import Foundation

/// Finds, in one pass over a byte buffer, every word whose case-folded spelling is one of a set of names.
///
/// This is the literal prefilter in front of PCRE2: a single alternation of hundreds of names is slow in
/// any regex engine, while hashing each identifier-like word and looking it up costs the same for one name
/// or a thousand. A word is a maximal run of `[A-Za-z0-9_$]` or bytes ≥ 0x80; a word that holds `__`
/// (Django lookups such as `legacy_status__in`) is also tried segment by segment. Names that are not
/// plain words (quoted names with spaces or punctuation) are found by a substring search instead.
///
/// Three engines find the words, with the same results (`NamePrefilterEngineTests`): names that start with
/// at most three letters, one PCRE2 alternation per first letter (JIT skips to the letter with SIMD); more
/// letters, Vectorscan's multi-literal search (``LiteralSearch``) with the word boundaries checked around each
/// occurrence (50 names over 280 MiB of log text: 0.77 s against 1.29 s for one alternation; 50 targets'
/// spellings over Python's 819 MiB library: 10.8 CPU-s against 12.2 for hashing); past ``literalLimit``
/// names, hashing every word (compiling 1,000 literals takes 0.3 s, and on logs hashing is as fast).
public struct NamePrefilter: Sendable {
    /// How the words are found; every engine gives the same hits.
    public enum Engine: Sendable, Equatable {
        /// Groups by first letter when they are few, else Vectorscan up to ``literalLimit`` names, else hashing
        /// (one PCRE2 alternation where Vectorscan cannot run).
        /// `DROPSCAN_PREFILTER=alternation` (or `hashing`) in the environment forces that engine.
        case automatic
        /// PCRE2 alternations only (one, or one per first letter).
        case alternation
        /// Vectorscan for every set of word names (falls back to hashing where it cannot run).
        case literals
        /// Hashing every word.
        case hashing
    }

    /// The names, case-folded, in the order given; a hit reports the index into this array.
    public let names: [String]
    private let tables: Tables
    /// Up to `regexLimit` names, one PCRE2 alternation (JIT) finds the words: measured at 0.1 s/GiB for one
    /// name and 0.6 s/GiB for 100, against 2.6 s/GiB for hashing every word. Past that, hashing wins.
    private let words: CompiledPattern?
    private let jsonWords: CompiledPattern?
    /// For a few names with different first letters: one alternation per first letter, used instead of
    /// `words`/`jsonWords` (see ``splitLimit``).
    private let groups: [(words: CompiledPattern, jsonWords: CompiledPattern)]
    /// Vectorscan over the word names (distinct spellings, each caseless or exact), used instead of all of the
    /// above when set.
    private let literals: LiteralSearch?
    /// For each literal of `literals`: whether it is matched exactly (a case-sensitive name).
    private let literalIsExact: [Bool]

    /// The most names searched with one PCRE2 alternation.
    public static let regexLimit = 128
    /// The most names searched with Vectorscan by default.
    public static let literalLimit = 512
    /// The most first letters for which the names are searched one first letter at a time. PCRE2's JIT skips
    /// to a first letter (either case) with SIMD, but tests every byte against a table when the names start with
    /// different letters: on log text, two passes for `legacy_status` and `orders` take a third of the time
    /// of one pass for both.
    public static let splitLimit = 3
    /// The smallest buffer searched one first letter at a time.
    static let groupsFromBytes = 4096

    /// `names` are matched case-insensitively when `caseSensitive[i]` is false (default), exactly otherwise.
    public init(names: [String], caseSensitive: [Bool]? = nil, engine: Engine = .automatic) {
        self.names = names
        let sensitivity = caseSensitive ?? Array(repeating: false, count: names.count)
        let tables = Tables(names: names, caseSensitive: sensitivity)
        self.tables = tables
        let wordNames = names.indices.filter { tables.isWordName($0) }
        var engine = engine
        if engine == .automatic {
            switch ProcessInfo.processInfo.environment["DROPSCAN_PREFILTER"] {
            case "alternation": engine = .alternation
            case "hashing": engine = .hashing
            case "literals": engine = .literals
            default: break
            }
        }
        let firstLetters = Set(wordNames.map { names[$0].utf8.first.map { $0 | 0x20 } ?? 0 })
        let useLiterals =
            !wordNames.isEmpty
            && (engine == .literals
                || (engine == .automatic && firstLetters.count > Self.splitLimit && names.count <= Self.literalLimit))
        var literalSearch: LiteralSearch?
        var literalIsExact: [Bool] = []
        if useLiterals {
            var seen = Set<[UInt8]>()
            var spellings: [[UInt8]] = []
            for index in wordNames {
                let exact = sensitivity[index]
                let spelling = exact ? Array(names[index].utf8) : Array(names[index].lowercased().utf8)
                // The first byte says exact (1) or caseless (0), so one spelling may be both.
                guard seen.insert([exact ? 1 : 0] + spelling).inserted else { continue }
                spellings.append(spelling)
                literalIsExact.append(exact)
            }
            literalSearch = LiteralSearch(literals: spellings, caseless: literalIsExact.map { !$0 })
        }
        literals = literalSearch
        self.literalIsExact = literalSearch == nil ? [] : literalIsExact
        if literalSearch != nil || engine == .hashing {
            words = nil
            jsonWords = nil
            groups = []
        } else if !wordNames.isEmpty && names.count <= Self.regexLimit {
            (words, jsonWords) = Self.alternation(of: wordNames, names, sensitivity)
            // Names are words, so a match starts only after a non-word byte or `__`: with no name holding `__`,
            // no match can start inside another, and searching the names one first letter at a time finds the
            // same matches as one alternation (then put in position order).
            let byFirst = Dictionary(grouping: wordNames) { names[$0].utf8.first.map { $0 | 0x20 } ?? 0 }
            if byFirst.count > 1 && byFirst.count <= Self.splitLimit
                && !wordNames.contains(where: { names[$0].contains("__") })
            {
                let compiled = byFirst.keys.sorted().map { Self.alternation(of: byFirst[$0]!, names, sensitivity) }
                // Every group or none: a group that did not compile would lose its names.
                groups = compiled.allSatisfy({ $0.0 != nil && $0.1 != nil }) ? compiled.map { ($0.0!, $0.1!) } : []
            } else {
                groups = []
            }
        } else {
            words = nil
            jsonWords = nil
            groups = []
        }
    }

    /// One PCRE2 alternation of the names at `indexes` as whole words, and its variant for JSON text.
    private static func alternation(of indexes: [Int], _ names: [String], _ sensitivity: [Bool]) -> (
        CompiledPattern?, CompiledPattern?
    ) {
        // Longest first, so that a name that prefixes another is tried after it.
        let ordered = indexes.sorted { names[$0].utf8.count > names[$1].utf8.count }
        let folded = ordered.filter { !sensitivity[$0] }.map { Placeholders.escape(names[$0]) }
        let exact = ordered.filter { sensitivity[$0] }.map { Placeholders.escape(names[$0]) }
        var alternatives: [String] = []
        if !folded.isEmpty { alternatives.append("(?i:" + folded.joined(separator: "|") + ")") }
        alternatives += exact
        let body = "(?:" + alternatives.joined(separator: "|") + ")"
        let word = "[\\w$\\x80-\\xff]"
        let after = "(?:(?!\(word))|(?=__))"
        return (
            try? CompiledPattern("(?:(?<!\(word))|(?<=__))" + body + after),
            try? CompiledPattern(
                "(?:(?<!\(word))|(?<=__)|(?<=\\\\[ntrbf])|(?<=\\\\u[0-9A-Fa-f]{4}))" + body + after)
        )
    }

    /// Whether there is nothing to look for.
    public var isEmpty: Bool { names.isEmpty }

    /// Calls `body(nameIndex, byteRange)` for every occurrence, in increasing order of position per kind
    /// (word hits first in buffer order, then substring hits in buffer order).
    ///
    /// With `jsonEscapes`, a word right after a backslash is also tried without its escape letter, so that
    /// `\nlegacy_status` (a newline in a JSON string) still finds `legacy_status`.
    public func scan(_ buffer: UnsafeRawBufferPointer, jsonEscapes: Bool = false, _ body: (Int, Range<Int>) -> Void) {
        if words != nil || literals != nil {
            scan(buffer, jsonEscapes: jsonEscapes, scratch: MatchScratch(), body)
        } else {
            scanByHashing(buffer, jsonEscapes: jsonEscapes, body)
        }
    }

    /// The same, with the calling thread's PCRE2 scratch (no allocation per call: use this on hot paths).
    public func scan(
        _ buffer: UnsafeRawBufferPointer, jsonEscapes: Bool = false, scratch: MatchScratch,
        _ body: (Int, Range<Int>) -> Void
    ) {
        if let literals {
            if scanByLiterals(buffer, literals, jsonEscapes: jsonEscapes, scratch: scratch, body) { return }
            // Vectorscan could not run (no scratch memory): hashing finds the same words.
            scanByHashing(buffer, jsonEscapes: jsonEscapes, body)
            return
        }
        guard let pattern = jsonEscapes ? jsonWords : words else {
            scanByHashing(buffer, jsonEscapes: jsonEscapes, body)
            return
        }
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else { return }
        // One first letter at a time pays off over a chunk; over one statement, a pass per letter, the merge
        // and its allocation cost more than the one alternation (which finds the same words).
        if !groups.isEmpty && buffer.count >= Self.groupsFromBytes {
            scanByGroups(buffer, base, jsonEscapes: jsonEscapes, scratch: scratch, body)
            return
        }
        var start = 0
        while start < buffer.count {
            let found: Range<Int>?
            do {
                found = try pattern.firstMatch(in: buffer, from: start, scratch: scratch)
            } catch {
                // The alternation cannot backtrack far, but should it ever give up, hashing (which cannot) finds
                // the rest: nothing is skipped.
                scanByHashing(buffer, jsonEscapes: jsonEscapes, substrings: false) { name, range in
                    if range.lowerBound >= start { body(name, range) }
                }
                break
            }
            guard let range = found else { break }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for offset in range { hash = (hash ^ UInt64(tables.fold[Int(base[offset])])) &* 0x100_0000_01b3 }
            tables.lookup(hash: hash, start: range.lowerBound, length: range.count, base: base, body)
            start = max(range.upperBound, range.lowerBound + 1)
        }
        tables.scanSubstrings(base: base, count: buffer.count, body)
    }

    /// ``scan(_:jsonEscapes:scratch:_:)`` with Vectorscan: every occurrence of a name whose bytes around it make
    /// it a word (as the alternation's lookarounds do), then, as the alternation would, the leftmost first and,
    /// at one position, a caseless name before an exact one and the longer first, skipping what a taken word
    /// overlaps. False if Vectorscan could not run (nothing was reported).
    private func scanByLiterals(
        _ buffer: UnsafeRawBufferPointer, _ literals: LiteralSearch, jsonEscapes: Bool, scratch: MatchScratch,
        _ body: (Int, Range<Int>) -> Void
    ) -> Bool {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else { return true }
        let count = buffer.count
        let isWord = tables.isWord
        var candidates: [(start: Int, end: Int, exact: Bool)] = []
        let ran = literals.scan(buffer, scratch: scratch) { id, end in
            let start = end - literals.lengths[id]
            let wordAfter = end < count && isWord[Int(base[end])] != 0
            if wordAfter && !(end + 1 < count && base[end] == 0x5F && base[end + 1] == 0x5F) { return }
            if start > 0 && isWord[Int(base[start - 1])] != 0
                && !(start >= 2 && base[start - 1] == 0x5F && base[start - 2] == 0x5F)
                && !(jsonEscapes && Self.followsEscape(base, start))
            {
                return
            }
            candidates.append((start, end, literalIsExact[id]))
        }
        guard ran else { return false }
        candidates.sort {
            ($0.start, $0.exact ? 1 : 0, -$0.end) < ($1.start, $1.exact ? 1 : 0, -$1.end)
        }
        var next = 0
        for candidate in candidates where candidate.start >= next {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for offset in candidate.start..<candidate.end {
                hash = (hash ^ UInt64(tables.fold[Int(base[offset])])) &* 0x100_0000_01b3
            }
            tables.lookup(
                hash: hash, start: candidate.start, length: candidate.end - candidate.start, base: base, body)
            next = candidate.end
        }
        tables.scanSubstrings(base: base, count: count, body)
        return true
    }

    /// Whether the word at `start` follows a JSON escape: `\n`, `\t`, `\r`, `\b`, `\f` or `\uXXXX`.
    private static func followsEscape(_ base: UnsafePointer<UInt8>, _ start: Int) -> Bool {
        if start >= 2 && base[start - 2] == 0x5C {
            switch base[start - 1] {
            case 0x6E, 0x74, 0x72, 0x62, 0x66: return true
            default: break
            }
        }
        guard start >= 6 && base[start - 6] == 0x5C && base[start - 5] == 0x75 else { return false }
        for offset in (start - 4)..<start {
            let byte = base[offset]
            let hex = (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66)
            if !hex { return false }
        }
        return true
    }

    /// ``scan(_:jsonEscapes:scratch:_:)`` one first letter at a time: the word hits of every group, in position
    /// order, then the substring hits.
    private func scanByGroups(
        _ buffer: UnsafeRawBufferPointer, _ base: UnsafePointer<UInt8>, jsonEscapes: Bool, scratch: MatchScratch,
        _ body: (Int, Range<Int>) -> Void
    ) {
        var hits: [(name: Int, range: Range<Int>, order: Int)] = []
        for group in groups {
            let pattern = jsonEscapes ? group.jsonWords : group.words
            var start = 0
            while start < buffer.count {
                let found: Range<Int>?
                do {
                    found = try pattern.firstMatch(in: buffer, from: start, scratch: scratch)
                } catch {
                    // As in one alternation: hashing, which cannot give up, finds the words instead.
                    scanByHashing(buffer, jsonEscapes: jsonEscapes, body)
                    return
                }
                guard let range = found else { break }
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for offset in range { hash = (hash ^ UInt64(tables.fold[Int(base[offset])])) &* 0x100_0000_01b3 }
                tables.lookup(hash: hash, start: range.lowerBound, length: range.count, base: base) {
                    hits.append(($0, $1, hits.count))
                }
                start = max(range.upperBound, range.lowerBound + 1)
            }
        }
        hits.sort { ($0.range.lowerBound, $0.order) < ($1.range.lowerBound, $1.order) }
        for hit in hits { body(hit.name, hit.range) }
        tables.scanSubstrings(base: base, count: buffer.count, body)
    }

    /// Hashes every word: the same cost for any number of names.
    private func scanByHashing(
        _ buffer: UnsafeRawBufferPointer, jsonEscapes: Bool, substrings: Bool = true, _ body: (Int, Range<Int>) -> Void
    ) {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else { return }
        let count = buffer.count
        let isWord = tables.isWord
        let fold = tables.fold
        let startsName = tables.startsName
        let lengthMask = tables.lengthMask
        var index = 0
        while index < count {
            while index < count && isWord[Int(base[index])] == 0 { index += 1 }
            if index == count { break }
            let start = index
            var sawDoubleUnderscore = false
            var previousUnderscore = false
            if startsName[Int(fold[Int(base[index])])] != 0 {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                while index < count {
                    let byte = base[index]
                    if isWord[Int(byte)] == 0 { break }
                    hash = (hash ^ UInt64(fold[Int(byte)])) &* 0x100_0000_01b3
                    let underscore = byte == 0x5F
                    sawDoubleUnderscore = sawDoubleUnderscore || (underscore && previousUnderscore)
                    previousUnderscore = underscore
                    index += 1
                }
                let length = index - start
                if length < 64 ? (lengthMask >> UInt64(length)) & 1 == 1 : tables.hasLongNames {
                    tables.lookup(hash: hash, start: start, length: length, base: base, body)
                }
            } else {
                // No name starts with this byte: skip the word without hashing it.
                while index < count {
                    let byte = base[index]
                    if isWord[Int(byte)] == 0 { break }
                    let underscore = byte == 0x5F
                    sawDoubleUnderscore = sawDoubleUnderscore || (underscore && previousUnderscore)
                    previousUnderscore = underscore
                    index += 1
                }
            }
            if sawDoubleUnderscore { tables.scanSegments(base: base, start: start, end: index, body) }
            if jsonEscapes && start > 0 && base[start - 1] == 0x5C {
                tables.scanAfterEscape(base: base, start: start, end: index, body)
            }
        }
        if substrings { tables.scanSubstrings(base: base, count: count, body) }
    }

    /// Whether any name occurs in `buffer`.
    public func containsAny(_ buffer: UnsafeRawBufferPointer, jsonEscapes: Bool = false, scratch: MatchScratch? = nil)
        -> Bool
    {
        var found = false
        if let scratch {
            scan(buffer, jsonEscapes: jsonEscapes, scratch: scratch) { _, _ in found = true }
        } else {
            scan(buffer, jsonEscapes: jsonEscapes) { _, _ in found = true }
        }
        return found
    }
}

/// Lookup tables owned by a prefilter; immutable after init, hence safe to share between threads.
private final class Tables: @unchecked Sendable {
    let isWord: UnsafeMutablePointer<UInt8>
    let fold: UnsafeMutablePointer<UInt8>
    /// Whether some word-shaped name starts with this (folded) byte.
    let startsName: UnsafeMutablePointer<UInt8>
    var lengthMask: UInt64 = 0
    var hasLongNames = false
    /// Open addressing: slot → (hash, name index + 1); 0 means empty.
    private var slotHashes: [UInt64]
    private var slotNames: [Int]
    private let slotMask: Int
    private let foldedNames: [[UInt8]]
    private let caseSensitive: [Bool]
    private var substringNames: [Int] = []

    init(names: [String], caseSensitive: [Bool]) {
        isWord = .allocate(capacity: 256)
        fold = .allocate(capacity: 256)
        startsName = .allocate(capacity: 256)
        startsName.initialize(repeating: 0, count: 256)
        for byte in 0..<256 {
            let b = UInt8(byte)
            let word =
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
                || b == 0x24
                || b >= 0x80
            isWord[byte] = word ? 1 : 0
            fold[byte] = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
        }
        self.caseSensitive = caseSensitive
        foldedNames = names.enumerated().map { index, name in
            caseSensitive[index] ? Array(name.utf8) : Array(name.lowercased().utf8)
        }
        var size = 16
        while size < names.count * 4 { size <<= 1 }
        slotHashes = Array(repeating: 0, count: size)
        slotNames = Array(repeating: 0, count: size)
        slotMask = size - 1
        for (index, name) in foldedNames.enumerated() {
            guard !name.isEmpty, name.allSatisfy({ isWord[Int($0)] == 1 }) else {
                if !name.isEmpty { substringNames.append(index) }
                continue
            }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in name { hash = (hash ^ UInt64(fold[Int(byte)])) &* 0x100_0000_01b3 }
            if name.count < 64 { lengthMask |= 1 << UInt64(name.count) } else { hasLongNames = true }
            startsName[Int(fold[Int(name[0])])] = 1
            var slot = Int(truncatingIfNeeded: hash) & slotMask
            while slotNames[slot] != 0 { slot = (slot + 1) & slotMask }
            slotHashes[slot] = hash
            slotNames[slot] = index + 1
        }
    }

    /// Whether name `index` is a plain word (found by word search rather than substring search).
    func isWordName(_ index: Int) -> Bool {
        let name = foldedNames[index]
        return !name.isEmpty && name.allSatisfy { isWord[Int($0)] == 1 }
    }

    deinit {
        isWord.deallocate()
        fold.deallocate()
        startsName.deallocate()
    }

    @inline(__always)
    func lookup(
        hash: UInt64, start: Int, length: Int, base: UnsafePointer<UInt8>, _ body: (Int, Range<Int>) -> Void
    ) {
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while slotNames[slot] != 0 {
            if slotHashes[slot] == hash {
                let nameIndex = slotNames[slot] - 1
                if equals(nameIndex, base: base, start: start, length: length) {
                    body(nameIndex, start..<(start + length))
                }
            }
            slot = (slot + 1) & slotMask
        }
    }

    private func equals(_ nameIndex: Int, base: UnsafePointer<UInt8>, start: Int, length: Int) -> Bool {
        let name = foldedNames[nameIndex]
        guard name.count == length else { return false }
        if caseSensitive[nameIndex] {
            for offset in 0..<length where base[start + offset] != name[offset] { return false }
        } else {
            for offset in 0..<length where fold[Int(base[start + offset])] != name[offset] { return false }
        }
        return true
    }

    /// Tries each `__`-separated segment of a word (`legacy_status__in` → `legacy_status`, `in`).
    func scanSegments(base: UnsafePointer<UInt8>, start: Int, end: Int, _ body: (Int, Range<Int>) -> Void) {
        var segmentStart = start
        var index = start
        while index <= end {
            let atSeparator = index + 1 < end && base[index] == 0x5F && base[index + 1] == 0x5F
            if atSeparator || index == end {
                let length = index - segmentStart
                if length > 0 && !(segmentStart == start && index == end) {
                    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                    for offset in segmentStart..<index {
                        hash = (hash ^ UInt64(fold[Int(base[offset])])) &* 0x100_0000_01b3
                    }
                    lookup(hash: hash, start: segmentStart, length: length, base: base, body)
                }
                if index == end { break }
                index += 2
                segmentStart = index
            } else {
                index += 1
            }
        }
    }

    /// A word that follows a backslash: drop the escape (`n`, `t`, `r`, `b`, `f`, or `uXXXX`) and look up
    /// the rest.
    func scanAfterEscape(base: UnsafePointer<UInt8>, start: Int, end: Int, _ body: (Int, Range<Int>) -> Void) {
        let skip: Int
        switch base[start] {
        case 0x6E, 0x74, 0x72, 0x62, 0x66: skip = 1
        case 0x75: skip = 5
        default: return
        }
        let suffixStart = start + skip
        guard suffixStart < end else { return }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for offset in suffixStart..<end { hash = (hash ^ UInt64(fold[Int(base[offset])])) &* 0x100_0000_01b3 }
        lookup(hash: hash, start: suffixStart, length: end - suffixStart, base: base, body)
    }

    func scanSubstrings(base: UnsafePointer<UInt8>, count: Int, _ body: (Int, Range<Int>) -> Void) {
        for nameIndex in substringNames {
            let name = foldedNames[nameIndex]
            guard let first = name.first, name.count <= count else { continue }
            var index = 0
            while index + name.count <= count {
                if base[index] == first || (!caseSensitive[nameIndex] && fold[Int(base[index])] == first),
                    equals(nameIndex, base: base, start: index, length: name.count)
                {
                    body(nameIndex, index..<(index + name.count))
                    index += name.count
                } else {
                    index += 1
                }
            }
        }
    }
}
