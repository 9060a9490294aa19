/// Splits a file of one JSON object per line into lines, for the framers of such files (jsonlog and the
/// cloud exports): a line longer than the limit is delivered cut and the rest of it skipped and reported.
struct JSONLines {
    let maximumEntryBytes: Int
    /// The physical line number of the first unconsumed byte.
    var line = 1
    /// After a truncated line: the rest of it is being skipped.
    var skippingLine = false
    /// After a truncated line: where it started (for the damage reports of its skipped rest).
    var skippedEntry: (offset: Int64, line: Int)?

    init(maximumEntryBytes: Int) {
        self.maximumEntryBytes = maximumEntryBytes
    }

    /// Calls `each(start, end, truncated, line)` for each non-empty line of `bytes`; returns the bytes used.
    mutating func split(
        _ bytes: UnsafeRawBufferPointer, baseOffset: Int64, atEnd: Bool, damage: inout [FramingDamage],
        _ each: (Int, Int, Bool, Int) throws -> Void
    ) rethrows -> Int {
        let end = bytes.count
        var position = 0
        if skippingLine {
            let lineEnd = find(10, bytes, from: 0, end: end)
            damage.appendSkipped(skippedEntry, baseOffset, 0..<lineEnd, limit: maximumEntryBytes)
            if lineEnd == end {
                if atEnd { skippingLine = false }
                return end
            }
            line += 1
            position = lineEnd + 1
            skippingLine = false
        }
        while position < end {
            let lineEnd = find(10, bytes, from: position, end: end)
            if lineEnd == end && !atEnd {
                guard end - position >= maximumEntryBytes else { return position }
                try each(position, position + maximumEntryBytes, true, line)
                skippedEntry = (baseOffset + Int64(position), line)
                damage.appendSkipped(
                    skippedEntry, baseOffset, (position + maximumEntryBytes)..<end, limit: maximumEntryBytes)
                skippingLine = true
                return end
            }
            if lineEnd == position {
                line += 1
                position += 1
                continue
            }
            // As long as the limit or longer: cut, as when its end lies past these bytes.
            let cut = lineEnd - position >= maximumEntryBytes
            try each(position, cut ? position + maximumEntryBytes : lineEnd, cut, line)
            if cut {
                skippedEntry = (baseOffset + Int64(position), line)
                damage.appendSkipped(
                    skippedEntry, baseOffset, (position + maximumEntryBytes)..<lineEnd, limit: maximumEntryBytes)
            }
            line += 1
            position = min(lineEnd + 1, end)
        }
        return position
    }
}
