/// The prefixes of recent lines, so that a line whose prefix bytes (after a leading timestamp) repeat those
/// of an earlier line is matched by comparing bytes instead of parsing its fields again.
///
/// A line is remembered only when ``LinePrefix`` matched it on its first try: every free-text field ended at
/// the first occurrence of what follows it, and the whole prefix (not only the part before `%q`) fitted. Such
/// a match read no byte of the line past the label word, so another line with the same bytes from the end of
/// its timestamp to the label, and a label there, matches in the same way: same fields at the same offsets
/// from the end of the timestamp, same pid. Lines of one session carry the same prefix (a statement and its
/// DETAIL line, or consecutive statements), which is what makes this pay.
/// The table is allocated on the first line remembered (a cache made for one line costs nothing) and owned by
/// the ``TimestampCache`` that holds it; copies of a cache share it, which is harmless: a slot is used only when
/// its bytes are the line's, for the prefix that filled it.
final class PrefixMemo {
    /// Bytes of the prefix compared, at most (pgBadger's prefix with a host name is 70 bytes).
    static let capacity = 128
    /// Slots, indexed by the first 8 bytes after the timestamp (for most prefixes, the pid): enough for the
    /// sessions of a busy server.
    static let slotCount = 256

    /// The ``LinePrefix/memoKey`` of the prefix the slots are filled by.
    let owner: Int
    /// Per slot, the fields found (spans relative to the end of the timestamp).
    let fields: UnsafeMutablePointer<LinePrefix.Fields>
    /// Per slot, the number of bytes remembered; -1 when the slot is empty.
    let lengths: UnsafeMutablePointer<Int>
    /// Per slot, ``capacity`` bytes: the line's bytes from the end of its timestamp to its label.
    let bytes: UnsafeMutableRawPointer

    init(owner: Int) {
        self.owner = owner
        fields = .allocate(capacity: Self.slotCount)
        fields.initialize(repeating: LinePrefix.Fields(), count: Self.slotCount)
        lengths = .allocate(capacity: Self.slotCount)
        lengths.initialize(repeating: -1, count: Self.slotCount)
        bytes = .allocate(byteCount: Self.slotCount * Self.capacity, alignment: 8)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: Self.slotCount * Self.capacity)
    }

    deinit {
        fields.deinitialize(count: Self.slotCount)
        fields.deallocate()
        lengths.deallocate()
        bytes.deallocate()
    }

    /// The slot for a line whose remembered bytes start with `firstWord`.
    @inline(__always)
    static func slotIndex(_ firstWord: UInt64) -> Int {
        Int(truncatingIfNeeded: (firstWord &* 0x9E37_79B9_7F4A_7C15) >> 56)
    }
}

extension LinePrefix {
    /// The leading timestamp escape and the memo key of a prefix made of `elements` (see ``memoKey``).
    static func memoSettings(_ pattern: String, _ elements: [Element], _ stop: Int?) -> (Escape?, Int) {
        var leading: Escape? = nil
        if case .escape(let escape, false)? = elements.first, [.timestamp, .timestampMillis, .epoch].contains(escape) {
            leading = escape
        }
        let remembers =
            !elements.isEmpty && !elements.contains { if case .anythingWithPid = $0 { true } else { false } }
        guard remembers else { return (leading, 0) }
        var hasher = Hasher()
        hasher.combine(pattern)
        hasher.combine(elements)
        hasher.combine(stop)
        let key = hasher.finalize()
        return (leading, key == 0 ? 1 : key)
    }

    /// For a prefix that starts with `%t`, `%m` or `%n` (unpadded): the time of the line at `start` and
    /// where it ends, exactly as ``matchElements`` reads that first element; `nil` when it does not fit.
    @inline(__always)
    func leadingTime(
        _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ cache: inout TimestampCache
    ) -> (Int64, Int)? {
        switch leadingTimestamp {
        case .timestamp?:
            return LogTimestamp.parse(bytes, at: start, end: end, cache: &cache)
        case .timestampMillis?:
            guard let parsed = LogTimestamp.parse(bytes, at: start, end: end, cache: &cache),
                bytes[start + 19] == UInt8(ascii: ".")
            else { return nil }
            return parsed
        case .epoch?:
            return LogTimestamp.parseEpoch(bytes, at: start, end: end)
        default:
            return nil
        }
    }

    /// The match of the line ending at `end` whose prefix bytes after its leading timestamp start at `from`
    /// (at the line's start without one), from a remembered line; `nil` when none is remembered with these
    /// bytes or no label follows them (the caller then matches the line field by field).
    @inline(__always)
    func matchRemembered(
        _ bytes: UnsafeRawBufferPointer, from: Int, end: Int, timestamp: Int64?, cache: inout TimestampCache
    ) -> Match? {
        guard let memo = cache.memoTable, cache.memoOwner == memoKey, end - from >= 8, let base = bytes.baseAddress
        else { return nil }
        let line = base + from
        let first = line.loadUnaligned(as: UInt64.self)
        let slot = PrefixMemo.slotIndex(first)
        let length = memo.lengths[slot]
        guard length >= 0, length < end - from else { return nil }
        let words = UnsafeRawPointer(memo.bytes + slot * PrefixMemo.capacity)
        var index = 0
        while length - index >= 8 {
            let ours = index == 0 ? first : line.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if words.loadUnaligned(fromByteOffset: index, as: UInt64.self) != ours { return nil }
            index += 8
        }
        while index < length {
            if words.load(fromByteOffset: index, as: UInt8.self) != line.load(fromByteOffset: index, as: UInt8.self) {
                return nil
            }
            index += 1
        }
        let labelStart = from + length
        guard let (label, severity, textStart) = recogniseLabel(bytes, at: labelStart, end: end) else { return nil }
        var fields = memo.fields[slot]
        fields.shift(by: from)
        if leadingTimestamp != nil { fields.timestamp = timestamp }
        return Match(fields: fields, label: label, severity: severity, labelStart: labelStart, textStart: textStart)
    }

    /// Remembers `match`, found on the first try by the full prefix for a line ending at `end` whose bytes
    /// after the leading timestamp start at `from`.
    func remember(_ match: Match, _ bytes: UnsafeRawBufferPointer, from: Int, end: Int, cache: inout TimestampCache) {
        let length = match.labelStart - from
        guard cache.remembers, length >= 0, length <= PrefixMemo.capacity, end - from >= 8,
            let base = bytes.baseAddress
        else { return }
        if cache.memoOwner != memoKey || cache.memo == nil {
            let memo = PrefixMemo(owner: memoKey)
            cache.memo = memo
            cache.memoTable = (memo.fields, memo.lengths, memo.bytes)
            cache.memoOwner = memoKey
        }
        guard let memo = cache.memoTable else { return }
        let slot = PrefixMemo.slotIndex((base + from).loadUnaligned(as: UInt64.self))
        memo.lengths[slot] = length
        (memo.bytes + slot * PrefixMemo.capacity).copyMemory(from: base + from, byteCount: length)
        var fields = match.fields
        fields.shift(by: -from)
        if leadingTimestamp != nil { fields.timestamp = nil }
        memo.fields[slot] = fields
    }
}

extension LinePrefix.Fields {
    /// Moves every span by `offset` bytes.
    @inline(__always)
    mutating func shift(by offset: Int) {
        @inline(__always) func move(_ span: inout LinePrefix.Span) {
            if span.0 >= 0 { span = (span.0 + Int32(offset), span.1 + Int32(offset)) }
        }
        move(&user)
        move(&database)
        move(&application)
        move(&host)
        move(&session)
        move(&sqlState)
    }
}
