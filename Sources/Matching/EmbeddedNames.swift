/// Finds names inside longer identifiers: a PascalCase spelling where a capitalised word starts
/// (`findByLegacyStatus`), a camelCase one at the start of an identifier or after a non-letter
/// (`$legacyStatus`), each ending at the end of the identifier or where a new capitalised word starts — the
/// bounds of the `{column_pascal_part}` and `{column_camel_part}` placeholders. Case-sensitive; bytes ≥ 0x80
/// count as letters.
///
/// Up to `regexLimit` spellings (one or two targets) one PCRE2 alternation (JIT) finds them: it skips to their
/// few first letters. Past that, and should the alternation ever stop at a PCRE2 limit, a pass that cannot
/// backtrack does: at each place a spelling may start (its first byte, after a byte its kind allows), the bytes
/// up to the longest spelling are hashed and looked up at each place one may end. On the Python standard
/// library with 100 spellings (50 targets) the alternation took about as long as the rest of the scan.
public struct EmbeddedNames: Sendable {
    /// The most spellings searched with one alternation.
    static let regexLimit = 4
    /// The spellings: `pascal` first, then `camel`; a hit reports the index into this array.
    public let spellings: [String]
    private let pascalCount: Int
    private let pattern: CompiledPattern?
    private let table: SpellingTable

    public init(pascal: [String], camel: [String]) {
        spellings = pascal + camel
        pascalCount = pascal.count
        table = SpellingTable(spellings.map { Array($0.utf8) }, pascalCount: pascal.count)
        guard !spellings.isEmpty, spellings.count <= Self.regexLimit else {
            pattern = nil
            return
        }
        func alternation(_ names: [String]) -> String {
            names.sorted { ($0.utf8.count, $0) > ($1.utf8.count, $1) }.map(Placeholders.escape).joined(separator: "|")
        }
        var branches: [String] = []
        if !pascal.isEmpty { branches.append("(?<![A-Z\\x80-\\xff])(?:\(alternation(pascal)))") }
        if !camel.isEmpty { branches.append("(?<![A-Za-z0-9_\\x80-\\xff])(?:\(alternation(camel)))") }
        pattern = try? CompiledPattern("(?:" + branches.joined(separator: "|") + ")(?![a-z0-9\\x80-\\xff])")
    }

    /// Whether there is nothing to look for.
    public var isEmpty: Bool { spellings.isEmpty }

    /// Calls `body(spellingIndex, range)` for every occurrence, in increasing order of position.
    public func scan(_ buffer: UnsafeRawBufferPointer, scratch: MatchScratch, _ body: (Int, Range<Int>) -> Void) {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), buffer.count > 0 else { return }
        guard let pattern else {
            scanByHashing(base: base, count: buffer.count, from: 0, body)
            return
        }
        var start = 0
        while start < buffer.count {
            let found: Range<Int>?
            do {
                found = try pattern.firstMatch(in: buffer, from: start, scratch: scratch)
            } catch {
                scanByHashing(base: base, count: buffer.count, from: start, body)
                return
            }
            guard let range = found else { return }
            start = max(range.upperBound, range.lowerBound + 1)
            if let index = table.index(of: base, range) { body(index, range) }
        }
    }

    @inline(__always) private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    @inline(__always) private static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    @inline(__always) private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The same occurrences as the alternation, without backtracking: O(bytes × longest spelling) at worst. Like
    /// the alternation, at each place it takes a PascalCase spelling before a camelCase one and the longest of
    /// each, and goes on after it.
    private func scanByHashing(
        base: UnsafePointer<UInt8>, count: Int, from first: Int, _ body: (Int, Range<Int>) -> Void
    ) {
        let longest = table.longest
        var start = first
        while start < count {
            let previous: UInt8 = start > 0 ? base[start - 1] : 0x20
            // PascalCase spellings start after a byte that is no capital (nor ≥ 0x80); camelCase ones after a byte
            // that is no letter, digit or `_`.
            let pascalStart = !Self.isUpper(previous) && previous < 0x80
            let camelStart = pascalStart && !Self.isLower(previous) && !Self.isDigit(previous) && previous != 0x5F
            // A spelling can start here only with its own first byte: inside a lower-case word (no camelCase
            // start) only a PascalCase spelling that starts with that letter could, and none does.
            guard pascalStart,
                table.startsPascal(base[start])
                    || (camelStart && table.startsCamel(base[start]))
            else {
                start += 1
                continue
            }
            var best: (index: Int, end: Int, pascal: Bool)?
            var hash = SpellingTable.seed
            var end = start
            while end < count && end - start < longest {
                hash = SpellingTable.step(hash, base[end])
                end += 1
                // A spelling ends where no lower-case letter, digit or byte ≥ 0x80 follows.
                let next: UInt8 = end < count ? base[end] : 0x20
                if Self.isLower(next) || Self.isDigit(next) || next >= 0x80 { continue }
                let stop = end
                table.lookup(hash: hash, base: base, start..<stop) { index in
                    let pascal = index < pascalCount
                    guard pascal || camelStart else { return }
                    if let current = best, current.pascal && !pascal { return }
                    if best == nil || (pascal && best?.pascal == false) || stop > best!.end {
                        best = (index, stop, pascal)
                    }
                }
            }
            if let best {
                body(best.index, start..<best.end)
                start = best.end
            } else {
                start += 1
            }
        }
    }
}

/// Exact spellings by hash (FNV-1a over the bytes); immutable after init.
private struct SpellingTable: Sendable {
    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325
    @inline(__always) static func step(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
        (hash ^ UInt64(byte)) &* 0x100_0000_01b3
    }

    private let spellings: [[UInt8]]
    private let slots: [Int32]
    private let hashes: [UInt64]
    private let mask: Int
    /// The first bytes of the PascalCase spellings and of the camelCase ones.
    private let pascalFirstBytes: [Bool]
    private let camelFirstBytes: [Bool]
    let longest: Int

    /// `pascalCount`: how many of `spellings` (the first ones) are PascalCase.
    init(_ spellings: [[UInt8]], pascalCount: Int) {
        self.spellings = spellings
        var pascalFirstBytes = [Bool](repeating: false, count: 256)
        var camelFirstBytes = [Bool](repeating: false, count: 256)
        for (index, spelling) in spellings.enumerated() {
            guard let first = spelling.first else { continue }
            if index < pascalCount { pascalFirstBytes[Int(first)] = true } else { camelFirstBytes[Int(first)] = true }
        }
        self.pascalFirstBytes = pascalFirstBytes
        self.camelFirstBytes = camelFirstBytes
        var size = 16
        while size < spellings.count * 4 { size <<= 1 }
        var slots = [Int32](repeating: -1, count: size)
        var hashes = [UInt64](repeating: 0, count: size)
        for (index, spelling) in spellings.enumerated() where !spelling.isEmpty {
            let hash = spelling.reduce(Self.seed, Self.step)
            var slot = Int(truncatingIfNeeded: hash) & (size - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(index)
            hashes[slot] = hash
        }
        self.slots = slots
        self.hashes = hashes
        self.mask = size - 1
        longest = spellings.map(\.count).max() ?? 0
    }

    /// Whether a PascalCase spelling starts with `byte`.
    @inline(__always) func startsPascal(_ byte: UInt8) -> Bool { pascalFirstBytes[Int(byte)] }

    /// Whether a camelCase spelling starts with `byte`.
    @inline(__always) func startsCamel(_ byte: UInt8) -> Bool { camelFirstBytes[Int(byte)] }

    func lookup(hash: UInt64, base: UnsafePointer<UInt8>, _ range: Range<Int>, _ found: (Int) -> Void) {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] >= 0 {
            let index = Int(slots[slot])
            if hashes[slot] == hash && equals(index, base: base, range) { found(index) }
            slot = (slot + 1) & mask
        }
    }

    /// The spelling the bytes of `range` are, if any.
    func index(of base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Int? {
        var hash = Self.seed
        for offset in range { hash = Self.step(hash, base[offset]) }
        var result: Int?
        lookup(hash: hash, base: base, range) { result = result ?? $0 }
        return result
    }

    private func equals(_ index: Int, base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Bool {
        let spelling = spellings[index]
        guard spelling.count == range.count else { return false }
        for (offset, byte) in spelling.enumerated() where base[range.lowerBound + offset] != byte { return false }
        return true
    }
}
