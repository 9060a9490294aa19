/// The conversion of the last timestamp seen, reused while lines share their second and zone, and the
/// prefixes of recent lines (``PrefixMemo``, kept for one ``LinePrefix`` at a time).
struct TimestampCache {
    /// Remembered prefixes, allocated on the first line remembered, and a plain pointer to its slots with
    /// the prefix they belong to (so that a lookup touches no reference count).
    var memo: PrefixMemo? = nil
    var memoTable:
        (
            fields: UnsafeMutablePointer<LinePrefix.Fields>, lengths: UnsafeMutablePointer<Int>,
            bytes: UnsafeMutableRawPointer
        )? = nil
    var memoOwner = 0
    /// Whether lines are remembered (tests turn it off to compare with matching field by field).
    var remembers = true
    var valid = false
    var a: UInt64 = 0
    var b: UInt64 = 0
    var c: UInt16 = 0
    var d: UInt8 = 0
    /// The instant of the cached second, in milliseconds since the epoch (UTC).
    var milliseconds: Int64 = 0
    /// The zone's bytes, packed big-endian (at most 8).
    var zone: UInt64 = 0
    var zoneLength = 0
}

/// Packs up to 8 bytes big-endian.
@inline(__always)
func pack(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> UInt64 {
    var value: UInt64 = 0
    for index in start..<(start + count) { value = value << 8 | UInt64(bytes[index]) }
    return value
}

@inline(__always)
func isZoneByte(_ byte: UInt8) -> Bool {
    byte &- 48 <= 9 || (byte | 0x20) &- 97 <= 25
}

/// Parsing and formatting of the timestamps PostgreSQL writes (`%m`, `%t`, `%n`, csvlog, jsonlog, syslog).
///
/// All functions work on bytes and return milliseconds since the Unix epoch, in UTC.
public enum LogTimestamp {
    /// Formats milliseconds since the Unix epoch as a UTC ISO-8601 string: `2024-05-02T10:15:42.123Z`.
    public static func iso8601(milliseconds: Int64) -> String {
        var days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let msOfDay = milliseconds - days * 86_400_000
        let (year, month, day) = civil(fromDays: days)
        days = 0
        let hour = msOfDay / 3_600_000
        let minute = (msOfDay / 60_000) % 60
        let second = (msOfDay / 1000) % 60
        let ms = msOfDay % 1000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(ms, 3))Z"
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.fff] TZ` (the form of `%m`, `%t`, `%s` and of csvlog/jsonlog times) at
    /// `start`; the zone is an abbreviation (`UTC`, `CEST`, …) or a numeric offset (`-03`, `+0530`).
    ///
    /// - Returns: the instant and the index just after the zone, or `nil` when the bytes do not have this
    ///   shape or the zone abbreviation is unknown (see ``utcOffsetSeconds(abbreviation:)``).
    public static func parse(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> (
        milliseconds: Int64, end: Int
    )? {
        guard let (local, afterTime) = parseLocal(bytes, at: start, end: end, separator: UInt8(ascii: " ")) else {
            return nil
        }
        var index = afterTime
        guard index < end, bytes[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        guard let (offset, afterZone) = parseZone(bytes, at: index, end: end) else { return nil }
        return (local - Int64(offset) * 1000, afterZone)
    }

    /// Like ``parse(_:at:end:)``, but reuses `cache` when the date, time (to the second) and zone are
    /// those of the previous call, and updates it otherwise.
    static func parse(
        _ bytes: UnsafeRawBufferPointer, at start: Int, end: Int, cache: inout TimestampCache
    ) -> (milliseconds: Int64, end: Int)? {
        guard end - start >= 21, let base = bytes.baseAddress else { return nil }
        let head = base + start
        let a = head.loadUnaligned(as: UInt64.self)
        let b = head.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        let c = head.loadUnaligned(fromByteOffset: 16, as: UInt16.self)
        let d = head.load(fromByteOffset: 18, as: UInt8.self)
        if cache.valid, a == cache.a, b == cache.b, c == cache.c, d == cache.d {
            guard let (millis, index) = fraction(bytes, at: start + 19, end: end) else { return nil }
            let zoneEnd = index + 1 + cache.zoneLength
            if index < end, bytes[index] == UInt8(ascii: " "), zoneEnd <= end,
                pack(bytes, index + 1, cache.zoneLength) == cache.zone,
                zoneEnd == end || !isZoneByte(bytes[zoneEnd])
            {
                return (cache.milliseconds + millis, zoneEnd)
            }
        }
        guard let (value, after) = parse(bytes, at: start, end: end) else { return nil }
        // Cache the second and the zone.
        var index = start + 19
        var millis: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale: Int64 = 100
            while index < end, bytes[index] &- 48 <= 9 {
                millis += Int64(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        let zoneLength = after - index - 1
        if zoneLength > 0 && zoneLength <= 8 {
            cache.valid = true
            cache.a = a
            cache.b = b
            cache.c = c
            cache.d = d
            cache.milliseconds = value - millis
            cache.zoneLength = zoneLength
            cache.zone = pack(bytes, index + 1, zoneLength)
        }
        return (value, after)
    }

    /// Parses the date and time part `YYYY-MM-DD?HH:MM:SS[.fff…]` (fraction truncated to milliseconds),
    /// returning the local instant as if it were UTC.
    static func parseLocal(
        _ bytes: UnsafeRawBufferPointer, at start: Int, end: Int, separator: UInt8
    ) -> (Int64, Int)? {
        guard end - start >= 19 else { return nil }
        @inline(__always) func digits(_ at: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for i in at..<(at + count) {
                let digit = bytes[i] &- 48
                if digit > 9 { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        guard let year = digits(start, 4), bytes[start + 4] == UInt8(ascii: "-"),
            let month = digits(start + 5, 2), bytes[start + 7] == UInt8(ascii: "-"),
            let day = digits(start + 8, 2), bytes[start + 10] == separator,
            let hour = digits(start + 11, 2), bytes[start + 13] == UInt8(ascii: ":"),
            let minute = digits(start + 14, 2), bytes[start + 16] == UInt8(ascii: ":"),
            let second = digits(start + 17, 2),
            month >= 1, month <= 12, day >= 1, day <= 31, hour < 24, minute < 60, second < 61
        else { return nil }
        guard let (millis, index) = fraction(bytes, at: start + 19, end: end) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return (((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis, index)
    }

    /// Parses a zone written by PostgreSQL: an abbreviation made of letters, or a sign followed by `HH`,
    /// `HHMM` or `HH:MM`. Returns the UTC offset in seconds and the index after the zone.
    static func parseZone(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> (Int, Int)? {
        guard start < end else { return nil }
        let first = bytes[start]
        if first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            var index = start + 1
            var digits = 0
            var value = 0
            while index < end, digits < 4 {
                let byte = bytes[index]
                if byte &- 48 <= 9 {
                    value = value * 10 + Int(byte - 48)
                    digits += 1
                } else if !(byte == UInt8(ascii: ":") && digits == 2) {
                    break
                }
                index += 1
            }
            guard digits == 2 || digits == 4 else { return nil }
            let hours = digits == 4 ? value / 100 : value
            let minutes = digits == 4 ? value % 100 : 0
            let sign = first == UInt8(ascii: "-") ? -1 : 1
            return (sign * (hours * 3600 + minutes * 60), index)
        }
        var index = start
        var key: UInt64 = 0
        while index < end, index - start < 6 {
            let byte = bytes[index] | 0x20
            guard byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") else { break }
            key = key << 8 | UInt64(byte)
            index += 1
        }
        guard index > start else { return nil }
        switch key {  // the most common zones without a dictionary lookup
        case 0x757463, 0x676d74: return (0, index)  // utc, gmt
        case 0x636574: return (3600, index)  // cet
        case 0x63657374: return (7200, index)  // cest
        default:
            guard let offset = zoneTable[key] else { return nil }
            return (offset, index)
        }
    }

    /// The UTC offset, in seconds, of a time zone abbreviation PostgreSQL prints in `%m`/`%t`
    /// (case-insensitive), or `nil` when the abbreviation is not known.
    /// An optional `.mmm` fraction of a second at `index`, as milliseconds, and where it ends; `nil` for a
    /// dot without digits.
    @inline(__always)
    static func fraction(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> (Int64, Int)? {
        var index = start
        var millis: Int64 = 0
        guard index < end, bytes[index] == UInt8(ascii: ".") else { return (0, index) }
        index += 1
        var scale: Int64 = 100
        let fractionStart = index
        while index < end, bytes[index] &- 48 <= 9 {
            millis += Int64(bytes[index] - 48) * scale
            scale /= 10
            index += 1
        }
        return index == fractionStart ? nil : (millis, index)
    }

    public static func utcOffsetSeconds(abbreviation: String) -> Int? {
        var key: UInt64 = 0
        for byte in abbreviation.utf8 { key = key << 8 | UInt64(byte | 0x20) }
        return abbreviation.utf8.count <= 6 ? zoneTable[key] : nil
    }

    private static let zoneTable: [UInt64: Int] = {
        let hours: [(String, Double)] = [
            ("utc", 0), ("gmt", 0), ("z", 0), ("ut", 0), ("wet", 0), ("west", 1), ("bst", 1), ("cet", 1),
            ("cest", 2), ("met", 1), ("mest", 2), ("eet", 2), ("eest", 3), ("msk", 3), ("msd", 4), ("sast", 2),
            ("ist", 5.5), ("pkt", 5), ("hkt", 8), ("awst", 8), ("jst", 9), ("kst", 9), ("acst", 9.5),
            ("acdt", 10.5), ("aest", 10), ("aedt", 11), ("nzst", 12), ("nzdt", 13), ("est", -5), ("edt", -4),
            ("cst", -6), ("cdt", -5), ("mst", -7), ("mdt", -6), ("pst", -8), ("pdt", -7), ("akst", -9),
            ("akdt", -8), ("hst", -10), ("ast", -4), ("adt", -3), ("nst", -3.5), ("ndt", -2.5),
        ]
        var table: [UInt64: Int] = [:]
        for (name, offset) in hours {
            var key: UInt64 = 0
            for byte in name.utf8 { key = key << 8 | UInt64(byte) }
            table[key] = Int(offset * 3600)
        }
        return table
    }()

    /// Parses `%n`: seconds since the epoch with a fraction (`1714644942.123`).
    static func parseEpoch(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> (Int64, Int)? {
        var index = start
        var seconds: Int64 = 0
        while index < end, bytes[index] &- 48 <= 9 {
            seconds = seconds &* 10 &+ Int64(bytes[index] - 48)
            index += 1
        }
        guard index > start else { return nil }
        var millis: Int64 = 0
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale: Int64 = 100
            while index < end, bytes[index] &- 48 <= 9 {
                millis += Int64(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        return (seconds * 1000 + millis, index)
    }

    /// Parses an ISO-8601 syslog time (`2024-05-02T10:15:42.123456+00:00`, `…Z`); without a zone, UTC.
    static func parseISO(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int) -> (Int64, Int)? {
        guard let (local, afterTime) = parseLocal(bytes, at: start, end: end, separator: UInt8(ascii: "T")) else {
            return nil
        }
        if afterTime < end, bytes[afterTime] == UInt8(ascii: "Z") { return (local, afterTime + 1) }
        if afterTime < end, bytes[afterTime] == UInt8(ascii: "+") || bytes[afterTime] == UInt8(ascii: "-"),
            let (offset, after) = parseZone(bytes, at: afterTime, end: end)
        {
            return (local - Int64(offset) * 1000, after)
        }
        return (local, afterTime)
    }

    /// Parses an RFC 3164 syslog time `Mon DD HH:MM:SS` (`Feb  3 …` too) in the given year, as UTC.
    static func parseRFC3164(_ bytes: UnsafeRawBufferPointer, at start: Int, end: Int, year: Int) -> (Int64, Int)? {
        guard end - start >= 15 else { return nil }
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let name = String(
            decoding: [bytes[start] | 0x20, bytes[start + 1] | 0x20, bytes[start + 2] | 0x20], as: UTF8.self)
        guard let monthIndex = months.firstIndex(of: name), bytes[start + 3] == UInt8(ascii: " ") else { return nil }
        var index = start + 4
        if bytes[index] == UInt8(ascii: " ") { index += 1 }
        var day: Int64 = 0
        // At most two digits: a longer run is no day (and would overflow).
        while index < end, bytes[index] &- 48 <= 9, day < 100 {
            day = day * 10 + Int64(bytes[index] - 48)
            index += 1
        }
        guard day >= 1, day <= 31, index + 9 <= end, bytes[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        @inline(__always) func two(_ at: Int) -> Int64? {
            let a = bytes[at] &- 48
            let b = bytes[at + 1] &- 48
            return a <= 9 && b <= 9 ? Int64(a) * 10 + Int64(b) : nil
        }
        guard let hour = two(index), bytes[index + 2] == UInt8(ascii: ":"), let minute = two(index + 3),
            bytes[index + 5] == UInt8(ascii: ":"), let second = two(index + 6)
        else { return nil }
        let days = daysFromCivil(year: Int64(year), month: Int64(monthIndex + 1), day: day)
        return ((((days * 24 + hour) * 60 + minute) * 60 + second) * 1000, index + 8)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }
}
