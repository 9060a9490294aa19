import PostgresLog

/// Parsed log entries counted by `application_name`, so that the gate can require an application's
/// traffic to appear in the logs. Works on the field's bytes: consecutive entries of one application cost
/// a comparison, a new name one allocation; at most ``limit`` names are kept, the rest count as `(other)`.
struct ApplicationTally: Sendable {
    static let limit = 256
    private(set) var counts: [[UInt8]: Int] = [:]
    private var last: [UInt8] = []
    private var pending = 0

    mutating func observe(_ entry: LogEntry) {
        guard entry.isParsed else { return }
        let raw = entry.rawApplication ?? UnsafeRawBufferPointer(start: nil, count: 0)
        if pending > 0, raw.count == last.count, raw.elementsEqual(last) {
            pending += 1
            return
        }
        flush()
        last = Array(raw)
        pending = 1
    }

    private mutating func flush() {
        guard pending > 0 else { return }
        if counts[last] != nil || counts.count < Self.limit {
            counts[last, default: 0] += pending
        } else {
            counts[Array("(other)".utf8), default: 0] += pending
        }
        pending = 0
    }

    mutating func merge(_ other: ApplicationTally) {
        flush()
        var other = other
        other.flush()
        for (name, count) in other.counts {
            if counts[name] != nil || counts.count < Self.limit {
                counts[name, default: 0] += count
            } else {
                counts[Array("(other)".utf8), default: 0] += count
            }
        }
    }

    /// Counts by name; entries without an application count under `(unknown)`.
    func byName() -> [String: Int] {
        var copy = self
        copy.flush()
        var result: [String: Int] = [:]
        for (bytes, count) in copy.counts {
            let name = String(decoding: bytes, as: UTF8.self)
            result[name.isEmpty || name == "[unknown]" ? "(unknown)" : name, default: 0] += count
        }
        return result
    }
}
