#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A parsed `log_line_prefix`, able to match the prefix of stderr (and syslog) lines on bytes.
///
/// Every escape PostgreSQL documents is understood: `%a %u %d %r %h %b %p %P %t %m %n %i %e %c %l %s %v %x
/// %q %Q %%`, with padding (`%-10u`, `%5p`). `%q` ends the prefix for background processes. Values written
/// as `[unknown]` mean absent. Unknown escapes are ignored, as PostgreSQL ignores them.
public struct LinePrefix: Sendable, Hashable, CustomStringConvertible {
    /// The `log_line_prefix` text this prefix was parsed from (for an inferred prefix, the guess).
    public let pattern: String
    let elements: [Element]
    /// The index in `elements` of `%q`, if any.
    let backgroundStop: Int?
    /// The first element when it is an unpadded `%t`, `%m` or `%n`: the bytes after it are what lines of one
    /// session repeat (see ``PrefixMemo``).
    let leadingTimestamp: Escape?
    /// Tells the prefix's ``PrefixMemo`` slots from those of other prefixes; 0 when lines are never
    /// remembered (inferred prefixes that skip to the severity word).
    let memoKey: Int

    /// The escapes of `log_line_prefix`.
    enum Escape: UInt8, Sendable {
        case application = 97  // a
        case user = 117  // u
        case database = 100  // d
        case remoteHostPort = 114  // r
        case remoteHost = 104  // h
        case backendType = 98  // b
        case pid = 112  // p
        case leaderPid = 80  // P
        case timestamp = 116  // t
        case timestampMillis = 109  // m
        case epoch = 110  // n
        case commandTag = 105  // i
        case sqlState = 101  // e
        case sessionID = 99  // c
        case lineNumber = 108  // l
        case processStart = 115  // s
        case virtualXID = 118  // v
        case xid = 120  // x
        case queryID = 81  // Q
        case localAddress = 76  // L (PostgreSQL 18)

        /// Escapes whose value is free text, delimited only by what follows.
        var isFreeText: Bool {
            switch self {
            case .application, .user, .database, .remoteHostPort, .remoteHost, .backendType, .commandTag,
                .localAddress:
                true
            default: false
            }
        }

    }

    /// Up to 16 literal bytes stored inline (longer literals are split), so that matching touches no
    /// reference-counted storage.
    struct Literal: Sendable, Hashable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var count: Int

        init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            count = bytes.count
            for (index, byte) in bytes.enumerated() {
                if index < 8 {
                    low |= UInt64(byte) << (8 * UInt64(index))
                } else {
                    high |= UInt64(byte) << (8 * UInt64(index - 8))
                }
            }
        }

        var first: UInt8 { UInt8(truncatingIfNeeded: low) }

        var bytes: [UInt8] { (0..<count).map(byte(at:)) }

        @inline(__always)
        func byte(at index: Int) -> UInt8 {
            let word = index < 8 ? low : high
            let shift = UInt64(8 * (index & 7))
            return UInt8(truncatingIfNeeded: word >> shift)
        }

        @inline(__always)
        func matches(_ buffer: UnsafeRawBufferPointer, at position: Int, end: Int) -> Bool {
            guard end - position >= count else { return false }
            if end - position >= 16 {
                let base = buffer.baseAddress! + position
                let lowMask: UInt64 = count >= 8 ? ~0 : (1 << (8 * UInt64(count))) - 1
                let highMask: UInt64 = count >= 16 ? ~0 : count <= 8 ? 0 : (1 << (8 * UInt64(count - 8))) - 1
                let a = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
                let b = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                return a & lowMask == low && b & highMask == high
            }
            for index in 0..<count where buffer[position + index] != byte(at: index) { return false }
            return true
        }
    }

    enum Element: Sendable, Hashable {
        case literal(Literal)
        case escape(Escape, padded: Bool)
        /// Inferred prefixes only: anything up to the severity word, with the pid taken from the first
        /// bracketed number.
        case anythingWithPid
    }

    /// Parses a `log_line_prefix` value, for example `%m [%p] %q%u@%d ` or `%t:%r:%u@%d:[%p]:`.
    ///
    /// - Throws: ``LogFormatError/invalidPrefix(prefix:reason:)`` when two free-text escapes (such as `%u%d`)
    ///   touch, so that no separator tells where one ends, or when a `%` ends the text.
    public init(parsing pattern: String) throws(LogFormatError) {
        self.pattern = pattern
        var elements: [Element] = []
        var literal: [UInt8] = []
        var stop: Int?
        let bytes = Array(pattern.utf8)
        var index = 0
        func flush() {
            if !literal.isEmpty {
                var rest = literal[...]
                while !rest.isEmpty {
                    elements.append(.literal(Literal(rest.prefix(16))))
                    rest = rest.dropFirst(16)
                }
                literal = []
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "%") else {
                literal.append(byte)
                index += 1
                continue
            }
            index += 1
            var padded = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
                padded = true
                index += 1
            }
            while index < bytes.count, bytes[index] &- 48 <= 9 {
                padded = true
                index += 1
            }
            guard index < bytes.count else {
                throw .invalidPrefix(prefix: pattern, reason: "it ends with a lone '%'")
            }
            let letter = bytes[index]
            index += 1
            if letter == UInt8(ascii: "%") {
                literal.append(letter)
                continue
            }
            if letter == UInt8(ascii: "q") {
                flush()
                stop = elements.count
                continue
            }
            guard let escape = Escape(rawValue: letter) else { continue }  // PostgreSQL ignores it too
            flush()
            if escape.isFreeText, case .escape(let previous, _)? = elements.last, previous.isFreeText,
                stop != elements.count
            {
                throw .invalidPrefix(
                    prefix: pattern,
                    reason:
                        "%\(Character(UnicodeScalar(previous.rawValue)))%\(Character(UnicodeScalar(letter))) has no separator between the two values"
                )
            }
            elements.append(.escape(escape, padded: padded))
        }
        flush()
        self.elements = elements
        self.backgroundStop = stop
        (leadingTimestamp, memoKey) = Self.memoSettings(pattern, elements, stop)
    }

    init(inferred pattern: String, elements: [Element]) {
        self.pattern = pattern
        self.elements = elements
        self.backgroundStop = nil
        (leadingTimestamp, memoKey) = Self.memoSettings(pattern, elements, nil)
    }

    public var description: String { pattern }

    /// Whether the prefix has `%t`, `%m` or `%n`, so that entries carry their own time.
    public var hasTimestamp: Bool {
        elements.contains {
            if case .escape(let e, _) = $0 { return e == .timestamp || e == .timestampMillis || e == .epoch }
            return false
        }
    }

    /// How much a line must contain to match: literal bytes, and typed escapes (which count double).
    var specificity: Int {
        elements.reduce(0) { total, element in
            switch element {
            case .literal(let literal): total + literal.count
            case .escape(let escape, _): total + (escape.isFreeText ? 1 : 2)
            case .anythingWithPid: total
            }
        }
    }

    /// Whether the prefix has `%p`.
    public var hasPid: Bool {
        elements.contains {
            if case .escape(let e, _) = $0 { return e == .pid }
            if case .anythingWithPid = $0 { return true }
            return false
        }
    }

    // MARK: Matching

    /// Fields found in a prefix. Ranges are indexes into the matched buffer; `-1` means absent.
    struct Fields {
        var timestamp: Int64? = nil
        var pid: Int32? = nil
        var user: Span = (-1, -1)
        var database: Span = (-1, -1)
        var application: Span = (-1, -1)
        var host: Span = (-1, -1)
        var session: Span = (-1, -1)
        var sqlState: Span = (-1, -1)
    }

    /// A range of the matched buffer, kept small so that matches are cheap to copy.
    typealias Span = (Int32, Int32)

    /// The result of matching a line: the fields, the label after the prefix, and where the text after
    /// `LABEL:  ` begins.
    struct Match {
        var fields: Fields
        var label: LineLabel
        var severity: LogSeverity
        var labelStart: Int
        var textStart: Int
        /// Whether a free-text field was tried at more than one end before the match was found.
        var retried = false
    }

    /// Matches the prefix and the label word at `start` of a line ending at `end` (newline excluded).
    func match(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Match? {
        var cache = TimestampCache()
        return match(bytes, start: start, end: end, cache: &cache)
    }

    /// Matches like ``match(_:start:end:)``, reusing the conversion of the previous line's timestamp when
    /// its date, time and zone are the same (consecutive lines usually share their second).
    func match(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int, cache: inout TimestampCache) -> Match? {
        var result = Match(fields: Fields(), label: .severity, severity: .unknown, labelStart: 0, textStart: 0)
        if memoKey != 0 {
            // The leading timestamp is read once; the bytes after it are looked up among remembered lines, and
            // matched field by field (from the second element on) when they are not there.
            var from = start
            var firstElement = 0
            if leadingTimestamp != nil {
                guard let (time, after) = leadingTime(bytes, start, end, &cache) else {
                    return matchBackground(bytes, start: start, end: end, &result, &cache)
                }
                result.fields.timestamp = time
                from = after
                firstElement = 1
            }
            if let remembered = matchRemembered(
                bytes, from: from, end: end, timestamp: result.fields.timestamp, cache: &cache)
            {
                return remembered
            }
            if matchElements(bytes, firstElement, elements.count, from, end, &result, &cache) {
                if !result.retried { remember(result, bytes, from: from, end: end, cache: &cache) }
                return result
            }
            return matchBackground(bytes, start: start, end: end, &result, &cache)
        }
        if matchElements(bytes, 0, elements.count, start, end, &result, &cache) { return result }
        return matchBackground(bytes, start: start, end: end, &result, &cache)
    }

    /// Matches the part of the prefix before `%q` (background processes write no session fields).
    private func matchBackground(
        _ bytes: UnsafeRawBufferPointer, start: Int, end: Int, _ result: inout Match, _ cache: inout TimestampCache
    ) -> Match? {
        if let stop = backgroundStop {
            result.fields = Fields()
            if matchElements(bytes, 0, stop, start, end, &result, &cache) { return result }
        }
        return nil
    }

    /// Whether the line matches the whole prefix (not only the part before `%q`).
    func matchesFully(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Bool {
        var result = Match(fields: Fields(), label: .severity, severity: .unknown, labelStart: 0, textStart: 0)
        var cache = TimestampCache()
        return matchElements(bytes, 0, elements.count, start, end, &result, &cache)
    }

    /// Matches `elements[elementIndex..<count]` and the label at `position`, filling `result`. Elements
    /// set their own field each time they match, so a failed branch leaves nothing the successful one
    /// does not overwrite.
    private func matchElements(
        _ bytes: UnsafeRawBufferPointer, _ firstElement: Int, _ count: Int, _ firstPosition: Int, _ end: Int,
        _ result: inout Match, _ cache: inout TimestampCache
    ) -> Bool {
        // Literals and typed escapes advance in a loop; only free text recurses (to backtrack).
        var elementIndex = firstElement
        var position = firstPosition
        while true {
            if elementIndex == count {
                guard let (label, severity, textStart) = recogniseLabel(bytes, at: position, end: end) else {
                    return false
                }
                result.label = label
                result.severity = severity
                result.labelStart = position
                result.textStart = textStart
                return true
            }
            switch elements[elementIndex] {
            case .literal(let literal):
                guard literal.matches(bytes, at: position, end: end) else { return false }
                position += literal.count
                elementIndex += 1
                continue
            case .anythingWithPid:
                // Find the severity word; take the first bracketed number before it as the pid.
                result.fields.pid = nil
                var index = position
                while index < end {
                    let byte = bytes[index]
                    if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"),
                        index == position || bytes[index - 1] == UInt8(ascii: " ")
                            || bytes[index - 1] == UInt8(ascii: ":")
                            || bytes[index - 1] == UInt8(ascii: "-") || bytes[index - 1] == UInt8(ascii: "]"),
                        let (label, severity, textStart) = recogniseLabel(bytes, at: index, end: end)
                    {
                        var pidIndex = position
                        while pidIndex < index {
                            if bytes[pidIndex] == UInt8(ascii: "["), pidIndex + 1 < index,
                                bytes[pidIndex + 1] &- 48 <= 9
                            {
                                var value: Int32 = 0
                                var k = pidIndex + 1
                                while k < index, bytes[k] &- 48 <= 9, value < 100_000_000 {
                                    value = value * 10 + Int32(bytes[k] - 48)
                                    k += 1
                                }
                                if k < index, bytes[k] == UInt8(ascii: "]") {
                                    result.fields.pid = value
                                    break
                                }
                            }
                            pidIndex += 1
                        }
                        result.label = label
                        result.severity = severity
                        result.labelStart = index
                        result.textStart = textStart
                        return true
                    }
                    index += 1
                }
                return false
            case .escape(let escape, let padded):
                var index = position
                if escape.isFreeText {
                    return matchFreeText(bytes, escape, elementIndex, count, position, end, &result, &cache)
                }
                if padded { while index < end, bytes[index] == UInt8(ascii: " ") { index += 1 } }
                let valueStart = index
                switch escape {
                case .timestamp, .timestampMillis, .processStart:
                    guard let (millis, after) = LogTimestamp.parse(bytes, at: index, end: end, cache: &cache) else {
                        return false
                    }
                    if escape == .timestampMillis && bytes[index + 19] != UInt8(ascii: ".") { return false }
                    if escape != .processStart { result.fields.timestamp = millis }
                    index = after
                case .epoch:
                    guard let (millis, after) = LogTimestamp.parseEpoch(bytes, at: index, end: end) else {
                        return false
                    }
                    result.fields.timestamp = millis
                    index = after
                case .pid, .leaderPid, .lineNumber, .xid, .queryID:
                    if escape == .queryID, index < end, bytes[index] == UInt8(ascii: "-") { index += 1 }
                    var value: Int64 = 0
                    let digitsStart = index
                    while index < end, bytes[index] &- 48 <= 9 {
                        value = value &* 10 &+ Int64(bytes[index] - 48)
                        index += 1
                    }
                    if index == digitsStart && escape != .leaderPid { return false }
                    if escape == .pid { result.fields.pid = Int32(truncatingIfNeeded: value) }
                case .sqlState:
                    guard end - index >= 5 else { return false }
                    for k in index..<(index + 5) {
                        let byte = bytes[k]
                        guard byte &- 48 <= 9 || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) else {
                            return false
                        }
                    }
                    result.fields.sqlState = (Int32(index), Int32(index + 5))
                    index += 5
                case .sessionID:
                    let hexStart = index
                    while index < end, isHex(bytes[index]) { index += 1 }
                    guard index > hexStart, index < end, bytes[index] == UInt8(ascii: ".") else { return false }
                    index += 1
                    let second = index
                    while index < end, isHex(bytes[index]) { index += 1 }
                    guard index > second else { return false }
                    result.fields.session = (Int32(valueStart), Int32(index))
                case .virtualXID:
                    while index < end, bytes[index] &- 48 <= 9 { index += 1 }
                    if index < end, bytes[index] == UInt8(ascii: "/") {
                        index += 1
                        while index < end, bytes[index] &- 48 <= 9 { index += 1 }
                    } else if index != valueStart {
                        return false
                    }
                default:
                    return false
                }
                if padded { while index < end, bytes[index] == UInt8(ascii: " ") { index += 1 } }
                position = index
                elementIndex += 1
                continue
            }
        }
    }

    /// Free text ends where the rest of the prefix matches: try each place where the next literal (or,
    /// at the end of the prefix, a label word) starts, leftmost first.
    private func matchFreeText(
        _ bytes: UnsafeRawBufferPointer, _ escape: Escape, _ elementIndex: Int, _ count: Int, _ position: Int,
        _ end: Int, _ result: inout Match, _ cache: inout TimestampCache
    ) -> Bool {
        var nextByte: UInt8? = nil
        if elementIndex + 1 < count, case .literal(let literal) = elements[elementIndex + 1] {
            nextByte = literal.first
        }
        // User, database and application names are at most 63 bytes (NAMEDATALEN), as are command tags and
        // backend types; host names 255. The bound keeps backtracking over lines that do not fit short.
        let padded: Bool
        if case .escape(_, let isPadded) = elements[elementIndex] { padded = isPadded } else { padded = false }
        let width: Int
        switch escape {
        case .remoteHost, .remoteHostPort, .localAddress: width = 512
        default: width = padded ? 256 : 64
        }
        let limit = min(end, position + width)
        var candidate = position
        while candidate <= limit {
            if let nextByte {
                candidate = find(nextByte, bytes, from: candidate, end: limit)
                if candidate >= limit { return false }
            } else if elementIndex + 1 == count {
                // Label words are upper case; skip quickly to a plausible start.
                while candidate < limit,
                    !(bytes[candidate] >= UInt8(ascii: "A") && bytes[candidate] <= UInt8(ascii: "Z"))
                {
                    candidate += 1
                }
                if candidate >= limit { return false }
            }
            setFreeText(escape, bytes, position, candidate, &result.fields)
            if matchElements(bytes, elementIndex + 1, count, candidate, end, &result, &cache) { return true }
            result.retried = true
            candidate += 1
        }
        return false
    }

    private func setFreeText(
        _ escape: Escape, _ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ fields: inout Fields
    ) {
        var start = start
        var end = end
        while start < end, bytes[start] == UInt8(ascii: " ") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        switch escape {
        case .user: fields.user = (Int32(start), Int32(end))
        case .database: fields.database = (Int32(start), Int32(end))
        case .application: fields.application = (Int32(start), Int32(end))
        case .remoteHost: fields.host = (Int32(start), Int32(end))
        case .remoteHostPort:
            // `host(port)`: keep the host.
            var cut = end
            if end > start, bytes[end - 1] == UInt8(ascii: ")") {
                var k = end - 1
                while k > start, bytes[k] != UInt8(ascii: "(") { k -= 1 }
                if k > start { cut = k }
            }
            fields.host = (Int32(start), Int32(cut))
        default: break
        }
    }
}

@inline(__always)
func isHex(_ byte: UInt8) -> Bool {
    byte &- 48 <= 9 || (byte | 0x20) &- 97 <= 5
}
