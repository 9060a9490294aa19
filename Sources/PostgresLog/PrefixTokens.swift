/// The tokens of the text before a line's severity word, for ``PrefixSynthesis``.
extension PrefixSynthesis {
    enum Token {
        case timestamp(millis: Bool, value: Int64)
        case epoch
        case session
        case vxid
        case host(port: Bool)
        case number(negative: Bool, text: [UInt8])
        case sqlState
        case backend
        /// A name that connection messages vouch for, with the roles it was seen in (a bit per ``Role``).
        case known(roles: Int, text: [UInt8])
        /// `[unknown]`: a session value that is not set.
        case unknownValue
        case word([UInt8])
        case punct(UInt8)

        /// The token's kind for aligning lines: values of any role align with each other.
        var kind: UInt8 {
            switch self {
            case .timestamp(let millis, _): millis ? 1 : 2
            case .epoch: 3
            case .session: 4
            case .vxid: 5
            case .host(let port): port ? 6 : 7
            case .number: 8
            case .sqlState: 9
            case .backend: 10
            case .known, .unknownValue, .word: 11
            case .punct(let byte): 128 &+ byte
            }
        }
    }

    /// Names vouched for by connection messages, longest first.
    struct KnownValues {
        var values: [(text: [UInt8], roles: Int)] = []

        init(_ evidence: SessionEvidence) {
            var roles: [[UInt8]: Int] = [:]
            for value in evidence.users { roles[value, default: 0] |= 1 << Role.user.rawValue }
            for value in evidence.databases { roles[value, default: 0] |= 1 << Role.database.rawValue }
            for value in evidence.applications { roles[value, default: 0] |= 1 << Role.application.rawValue }
            for value in evidence.hosts { roles[value, default: 0] |= 1 << Role.host.rawValue }
            values = roles.map { ($0.key, $0.value) }.sorted { $0.text.count > $1.text.count }
        }
    }

    static let backendTypes: [[UInt8]] = [
        "client backend", "autovacuum launcher", "autovacuum worker", "logical replication launcher",
        "logical replication worker", "parallel worker", "background worker", "background writer", "checkpointer",
        "postmaster", "startup", "walreceiver", "walsender", "walwriter", "archiver", "walsummarizer",
        "slotsync worker", "io worker", "standalone backend", "not initialized", "logger",
    ].map { Array($0.utf8) }.sorted { $0.count > $1.count }

    static let unknownText = Array("[unknown]".utf8)

    /// Where the severity word (`LOG:`, `ERROR:`…) of a line starts, if anywhere in its first 360 bytes.
    static func labelStart(_ line: UnsafeRawBufferPointer) -> Int? {
        let limit = min(line.count, 360)
        var index = 0
        while index < limit {
            let byte = line[index]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"), index == 0 || !isWordByte(line[index - 1]),
                recogniseLabel(line, at: index, end: line.count) != nil
            {
                return index
            }
            index += 1
        }
        return nil
    }

    // MARK: Tokens

    static func tokenize(_ line: UnsafeRawBufferPointer, end: Int, known: KnownValues) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        func atBoundaryAfter(_ position: Int) -> Bool { position >= end || !isWordByte(line[position]) }
        func port(after position: Int) -> Int? {
            guard position < end, line[position] == UInt8(ascii: "(") else { return nil }
            var k = position + 1
            while k < end, line[k] &- 48 <= 9 { k += 1 }
            return k > position + 1 && k < end && line[k] == UInt8(ascii: ")") ? k + 1 : nil
        }
        while index < end {
            // After a key that names a value (`user=`, `client="`…) the value is one token, whatever it
            // holds, even nothing: `db=,user=` and `client=[local]` are values, never literal text.
            if let (role, quoted) = keyBefore(tokens), quoted || line[index] != UInt8(ascii: "\"") {
                let valueEnd = keyedValueEnd(line, index, end, role: role, quoted: quoted)
                tokens.append(keyedValue(line, index, valueEnd, role: role))
                index = valueEnd
                continue
            }
            let boundaryBefore = index == 0 || !isWordByte(line[index - 1])
            if boundaryBefore, let value = knownValue(line, index, end, known) {
                if value.roles & (1 << Role.host.rawValue) != 0, let after = port(after: index + value.text.count) {
                    tokens.append(.host(port: true))
                    index = after
                } else {
                    tokens.append(.known(roles: value.roles, text: value.text))
                    index += value.text.count
                }
                continue
            }
            if boundaryBefore, matches(unknownText, line, index, end) {
                tokens.append(.unknownValue)
                index += unknownText.count
                continue
            }
            let byte = line[index]
            if byte &- 48 <= 9, boundaryBefore {
                if let (millis, after) = LogTimestamp.parse(line, at: index, end: end) {
                    tokens.append(.timestamp(millis: line[index + 19] == UInt8(ascii: "."), value: millis))
                    index = after
                    continue
                }
                if let after = epochEnd(line, index, end), atBoundaryAfter(after) {
                    tokens.append(.epoch)
                    index = after
                    continue
                }
                if let after = ipv4End(line, index, end), atBoundaryAfter(after) || port(after: after) != nil {
                    if let withPort = port(after: after) {
                        tokens.append(.host(port: true))
                        index = withPort
                    } else {
                        tokens.append(.host(port: false))
                        index = after
                    }
                    continue
                }
            }
            if boundaryBefore, isHex(byte), let after = sessionIDEnd(line, index, end), atBoundaryAfter(after) {
                tokens.append(.session)
                index = after
                continue
            }
            if boundaryBefore, byte &- 48 <= 9 {
                var k = index
                while k < end, line[k] &- 48 <= 9 { k += 1 }
                if k < end, line[k] == UInt8(ascii: "/") {
                    var m = k + 1
                    while m < end, line[m] &- 48 <= 9 { m += 1 }
                    if m > k + 1, atBoundaryAfter(m) {
                        tokens.append(.vxid)
                        index = m
                        continue
                    }
                }
            }
            if boundaryBefore, end - index >= 5, atBoundaryAfter(index + 5),
                (index..<(index + 5)).allSatisfy({ isSQLStateByte(line[$0]) }),
                (index..<(index + 5)).contains(where: { line[$0] &- 48 <= 9 }),
                line[index] == UInt8(ascii: "0")
                    || (index..<(index + 5)).contains(where: { line[$0] >= UInt8(ascii: "A") })
            {
                tokens.append(.sqlState)
                index += 5
                continue
            }
            let negative =
                byte == UInt8(ascii: "-") && index + 1 < end && line[index + 1] &- 48 <= 9
                && (index == 0 || line[index - 1] == UInt8(ascii: " ") || line[index - 1] == UInt8(ascii: "=")
                    || line[index - 1] == UInt8(ascii: "\"") || line[index - 1] == UInt8(ascii: "["))
            if boundaryBefore, byte &- 48 <= 9 || negative {
                var k = index + (negative ? 1 : 0)
                while k < end, line[k] &- 48 <= 9 { k += 1 }
                if atBoundaryAfter(k) {
                    tokens.append(.number(negative: negative, text: Array(line[index..<k])))
                    index = k
                    continue
                }
            }
            if boundaryBefore, let backend = backendTypes.first(where: { matches($0, line, index, end) }),
                atBoundaryAfter(index + backend.count)
            {
                tokens.append(.backend)
                index += backend.count
                continue
            }
            if isWordByte(byte) {
                var k = index
                while k < end, isWordByte(line[k]) { k += 1 }
                tokens.append(.word(Array(line[index..<k])))
                index = k
                continue
            }
            tokens.append(.punct(byte))
            index += 1
        }
        if let (role, _) = keyBefore(tokens) { tokens.append(keyedValue(line, end, end, role: role)) }
        return tokens
    }

    /// The role a key at the end of `tokens` names (`user=`, `db = `, `app="`), if the next token is its
    /// value; `nil` after a value was read, so a key starts one value only.
    private static func keyBefore(_ tokens: [Token]) -> (Role, quoted: Bool)? {
        var k = tokens.count - 1
        var quoted = false
        if k >= 0, case .punct(UInt8(ascii: "\"")) = tokens[k] {
            quoted = true
            k -= 1
        }
        var spaceAfter = false
        if k >= 0, case .punct(UInt8(ascii: " ")) = tokens[k] {
            spaceAfter = true
            k -= 1
        }
        guard k >= 1, case .punct(UInt8(ascii: "=")) = tokens[k] else { return nil }
        k -= 1
        var spaceBefore = false
        if k >= 1, case .punct(UInt8(ascii: " ")) = tokens[k] {
            spaceBefore = true
            k -= 1
        }
        // `user= x` is an empty value then text; `user = x` is a value.
        guard spaceAfter == spaceBefore || quoted && !spaceAfter, case .word(let key) = tokens[k],
            let role = role(ofKey: String(decoding: key, as: UTF8.self))
        else { return nil }
        return (role, quoted)
    }

    /// Where a value after a key ends: at the closing quote; else at a comma, semicolon, bar or quote, at a
    /// closing bracket it did not open, or at a space (an application name goes on over a space followed by
    /// a word that is not the next key); a user or database name also ends at a colon.
    private static func keyedValueEnd(
        _ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int, role: Role, quoted: Bool
    ) -> Int {
        if quoted { return find(UInt8(ascii: "\""), line, from: start, end: end) }
        var k = start
        var depth = 0
        while k < end {
            let byte = line[k]
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "(") {
                depth += 1
            } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: ")") {
                if depth == 0 { return k }
                depth -= 1
            } else if depth == 0 {
                switch byte {
                case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "\""): return k
                case UInt8(ascii: ":") where role == .user || role == .database: return k
                case UInt8(ascii: " "):
                    guard role == .application, k + 1 < end, (line[k + 1] | 0x20) &- 97 <= 25 || line[k + 1] >= 0x80,
                        !keyAt(line, k + 1, end)
                    else { return k }
                default: break
                }
            }
            k += 1
        }
        return end
    }

    /// Whether a key (`word=`) starts at `index`.
    private static func keyAt(_ line: UnsafeRawBufferPointer, _ index: Int, _ end: Int) -> Bool {
        var k = index
        while k < end, isWordByte(line[k]) { k += 1 }
        while k < end, line[k] == UInt8(ascii: " ") { k += 1 }
        return k > index && k < end && line[k] == UInt8(ascii: "=")
    }

    private static func keyedValue(_ line: UnsafeRawBufferPointer, _ start: Int, _ end: Int, role: Role) -> Token {
        if role == .host { return .host(port: end > start && line[end - 1] == UInt8(ascii: ")")) }
        if matches(unknownText, line, start, end), end - start == unknownText.count { return .unknownValue }
        return .word(Array(line[start..<end]))
    }

    private static func knownValue(_ line: UnsafeRawBufferPointer, _ index: Int, _ end: Int, _ known: KnownValues)
        -> (text: [UInt8], roles: Int)?
    {
        for value in known.values where matches(value.text, line, index, end) {
            let after = index + value.text.count
            if after >= end || !isWordByte(line[after]) || !isWordByte(value.text[value.text.count - 1]) {
                return value
            }
        }
        return nil
    }

    private static func matches(_ text: [UInt8], _ line: UnsafeRawBufferPointer, _ index: Int, _ end: Int) -> Bool {
        guard !text.isEmpty, end - index >= text.count else { return false }
        for k in 0..<text.count where line[index + k] != text[k] { return false }
        return true
    }

    private static func epochEnd(_ line: UnsafeRawBufferPointer, _ index: Int, _ end: Int) -> Int? {
        guard end - index >= 14 else { return nil }
        for k in 0..<10 where line[index + k] &- 48 > 9 { return nil }
        guard line[index + 10] == UInt8(ascii: ".") else { return nil }
        for k in 11..<14 where line[index + k] &- 48 > 9 { return nil }
        return index + 14
    }

    private static func ipv4End(_ line: UnsafeRawBufferPointer, _ index: Int, _ end: Int) -> Int? {
        var k = index
        for part in 0..<4 {
            let start = k
            while k < end, line[k] &- 48 <= 9, k - start < 3 { k += 1 }
            guard k > start else { return nil }
            if part < 3 {
                guard k < end, line[k] == UInt8(ascii: ".") else { return nil }
                k += 1
            }
        }
        return k
    }

    private static func sessionIDEnd(_ line: UnsafeRawBufferPointer, _ index: Int, _ end: Int) -> Int? {
        var k = index
        while k < end, isHex(line[k]), k - index < 8 { k += 1 }
        guard k > index, k < end, line[k] == UInt8(ascii: ".") else { return nil }
        let second = k + 1
        k = second
        while k < end, isHex(line[k]), k - second < 8 { k += 1 }
        return k > second ? k : nil
    }
}
