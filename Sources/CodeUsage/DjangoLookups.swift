/// Django's query lookups, rewritten before Python lines are matched so that a column keeps its word
/// boundaries in `legacy_status__in` and a relation's model is the receiver in `customer__legacy_status`.
extension CodeScanner {
    /// Django's lookups and transforms: what may follow a field after `__` without naming a related field.
    static let djangoLookups: Set<String> = [
        "exact", "iexact", "contains", "icontains", "in", "gt", "gte", "lt", "lte", "startswith", "istartswith",
        "endswith", "iendswith", "range", "date", "year", "iso_year", "month", "day", "week", "week_day",
        "iso_week_day", "quarter", "time", "hour", "minute", "second", "isnull", "regex", "iregex", "search",
        "contained_by", "overlap", "has_key", "has_keys", "has_any_keys", "len", "unaccent", "trigram_similar",
        "lower", "upper", "keys", "values",
    ]

    /// Rewrites Django's lookup separators in place so that the column's word boundaries hold; same length,
    /// so columns stay right. Before a lookup (`legacy_status__in`) the separator becomes `, `; before a
    /// related field (`customer__legacy_status`) it becomes `. `, so that the related model is the receiver.
    static func splitDjangoLookups(_ line: inout [UInt8]) {
        guard line.count > 3 else { return }
        func isWord(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte >= 0x80
        }
        var index = 1
        while index + 2 < line.count {
            if line[index] == 0x5F && line[index + 1] == 0x5F && isWord(line[index - 1]) && isWord(line[index + 2]) {
                var end = index + 2
                while end < line.count
                    && (isWord(line[end])
                        || (line[end] == 0x5F && end + 1 < line.count
                            && line[end + 1] != 0x5F))
                {
                    end += 1
                }
                let next = String(decoding: line[(index + 2)..<end], as: UTF8.self).lowercased()
                line[index] = djangoLookups.contains(next) ? UInt8(ascii: ",") : UInt8(ascii: ".")
                line[index + 1] = 0x20
                index += 2
            } else {
                index += 1
            }
        }
    }
}
