import PostgresLog

/// Parsed log entries counted by `application_name`, so that the gate can require an application's
/// traffic to appear in the logs. Works on the field's bytes, with no hashing and no allocation per entry: the
/// name of the previous entry is compared first, then the (few) names seen so far; a new name costs one
/// allocation. At most ``limit`` names are kept, the rest count as `(other)`.
struct ApplicationTally: Sendable {
    static let limit = 256
    private var names: [[UInt8]] = []
    private var counts: [Int] = []
    /// Entries whose name came after ``limit`` others.
    private var other = 0
    /// The index in `names` of the previous entry's name, or -1.
    private var last = -1

    mutating func observe(_ entry: LogEntry) {
        guard entry.isParsed else { return }
        let raw = entry.rawApplication ?? UnsafeRawBufferPointer(start: nil, count: 0)
        if last >= 0, Self.same(names[last], raw) {
            counts[last] += 1
            return
        }
        last = index(of: raw) ?? append(Array(raw))
        if last >= 0 { counts[last] += 1 } else { other += 1 }
    }

    mutating func merge(_ other: ApplicationTally) {
        for (name, count) in zip(other.names, other.counts) {
            let index = name.withUnsafeBytes { self.index(of: $0) } ?? append(name)
            if index >= 0 { counts[index] += count } else { self.other += count }
        }
        self.other += other.other
        last = -1
    }

    /// Counts by name; entries without an application count under `(unknown)`.
    init() {}

    /// A tally of counts by name, as ``byName()`` gave them (a ledger's stored reads).
    init(byName counts: [String: Int]) {
        for (name, count) in counts.sorted(by: { $0.key < $1.key }) {
            if name == "(other)" {
                other += count
                continue
            }
            let index = append(Array(name.utf8))
            if index >= 0 { self.counts[index] += count } else { other += count }
        }
    }

    func byName() -> [String: Int] {
        var result: [String: Int] = [:]
        for (bytes, count) in zip(names, counts) {
            let name = String(decoding: bytes, as: UTF8.self)
            result[name.isEmpty || name == "[unknown]" ? "(unknown)" : name, default: 0] += count
        }
        if other > 0 { result["(other)", default: 0] += other }
        return result
    }

    private func index(of raw: UnsafeRawBufferPointer) -> Int? {
        names.indices.first { Self.same(names[$0], raw) }
    }

    /// Adds a name with a count of 0 and returns its index, or -1 when ``limit`` names are kept already.
    private mutating func append(_ name: [UInt8]) -> Int {
        guard names.count < Self.limit else { return -1 }
        names.append(name)
        counts.append(0)
        return names.count - 1
    }

    @inline(__always)
    private static func same(_ name: [UInt8], _ raw: UnsafeRawBufferPointer) -> Bool {
        name.count == raw.count && name.withUnsafeBytes { $0.elementsEqual(raw) }
    }
}
