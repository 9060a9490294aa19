import CHyperscan

/// Many literals found in one SIMD pass over a buffer (Vectorscan, Hyperscan's portable fork): every
/// occurrence of every literal, overlapping ones included, reported as (literal, end offset).
///
/// One PCRE2 alternation of 100 names that start with many different letters tests every byte against a
/// table; Vectorscan's literal matchers (FDR, Teddy) keep to a few instructions per byte for any number.
/// Word boundaries are not Vectorscan's business: ``NamePrefilter`` checks them around each occurrence.
final class LiteralSearch: @unchecked Sendable {
    // Safe to share: the database is immutable once compiled, and Vectorscan documents `hs_scan` on one
    // database from many threads at once, each with its own scratch (which `MatchScratch` holds per thread).
    private let database: OpaquePointer
    /// Each literal's length in bytes, by id.
    let lengths: [Int]

    /// Compiles `literals` (id = index); `caseless[i]` folds ASCII letters. `nil` if Vectorscan cannot run here
    /// (an unsupported CPU) or refuses the set: the caller keeps its PCRE2 path.
    init?(literals: [[UInt8]], caseless: [Bool]) {
        guard !literals.isEmpty, literals.allSatisfy({ !$0.isEmpty }), hs_valid_platform() == HS_SUCCESS else {
            return nil
        }
        var compiled: OpaquePointer?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let flags = caseless.map { $0 ? UInt32(HS_FLAG_CASELESS) : 0 }
        let ids = literals.indices.map { UInt32($0) }
        let lengths = literals.map(\.count)
        // The literals' bytes must outlive the call: copy them into one buffer and point into it.
        var storage: [CChar] = []
        var starts: [Int] = []
        for literal in literals {
            starts.append(storage.count)
            storage += literal.map { CChar(bitPattern: $0) }
        }
        let status = storage.withUnsafeBufferPointer { bytes -> hs_error_t in
            let pointers: [UnsafePointer<CChar>?] = starts.map { bytes.baseAddress! + $0 }
            return hs_compile_lit_multi(
                pointers, flags, ids, lengths, UInt32(literals.count), UInt32(HS_MODE_BLOCK), nil, &compiled, &error)
        }
        if let error { hs_free_compile_error(error) }
        guard status == HS_SUCCESS, let compiled else { return nil }
        database = compiled
        self.lengths = lengths
    }

    deinit { hs_free_database(database) }

    /// Calls `body(id, end)` for every occurrence, in the order Vectorscan reports them (by end offset). Returns
    /// false if the search could not run (no scratch memory): the caller must then search another way.
    func scan(_ buffer: UnsafeRawBufferPointer, scratch: MatchScratch, _ body: (Int, Int) -> Void) -> Bool {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return true }
        guard buffer.count <= Int(UInt32.max), let hsScratch = scratch.literalScratch(for: database) else {
            return false
        }
        let hits = scratch.literalHits
        hits.ids.removeAll(keepingCapacity: true)
        hits.ends.removeAll(keepingCapacity: true)
        let status = hs_scan(
            database, base.assumingMemoryBound(to: CChar.self), UInt32(buffer.count), 0, hsScratch,
            { id, _, end, _, context in
                let hits = Unmanaged<LiteralHits>.fromOpaque(context!).takeUnretainedValue()
                hits.ids.append(Int(id))
                hits.ends.append(Int(end))
                return 0
            }, Unmanaged.passUnretained(hits).toOpaque())
        guard status == HS_SUCCESS else { return false }
        for index in hits.ids.indices { body(hits.ids[index], hits.ends[index]) }
        return true
    }
}

/// The occurrences of one `hs_scan`, collected by its callback; one per `MatchScratch`, reused.
final class LiteralHits {
    var ids: [Int] = []
    var ends: [Int] = []
}
