/// Builds candidate `log_line_prefix` values from the lines of a log, for prefixes no list foresees.
///
/// The text before each line's severity word is cut into typed tokens (timestamps, epoch times, session
/// ids, virtual transaction ids, hosts, numbers, SQLSTATEs, backend types, names the log's own connection
/// messages vouch for) and free words. Lines of the same shape are aligned: words that vary between lines
/// are values, whose role comes from a key before them (`user=`, `db=`, `app=`…), from the names seen in
/// `connection authorized` messages, or from `user@database`; when nothing says, every assignment is
/// proposed, and scoring (or the lack of a winner) decides. `%q` is placed where background lines stop.
enum PrefixSynthesis {
    enum Role: Int, CaseIterable {
        case user, database, application, host

        var escape: String {
            switch self {
            case .user: "%u"
            case .database: "%d"
            case .application: "%a"
            case .host: "%h"
            }
        }
    }

    // MARK: Templates

    enum Piece {
        case literal([UInt8])
        case escape(String)
        /// A value whose role nothing in the log tells: one slot of the permutations to propose.
        case slot
    }

    /// Candidate prefixes for the lines of `sample`, most frequent line shapes first.
    static func candidates(_ sample: PrefixSample, evidence: SessionEvidence, limit: Int = 24) -> [String] {
        let known = KnownValues(evidence)
        var groups: [[UInt8]: [[Token]]] = [:]
        var order: [[UInt8]] = []
        for index in 0..<sample.count {
            sample.withLine(index) { line in
                guard let label = labelStart(line) else { return }
                let tokens = tokenize(line, end: label, known: known)
                let signature = tokens.map(\.kind)
                if groups[signature] == nil { order.append(signature) }
                if groups[signature, default: []].count < 64 { groups[signature, default: []].append(tokens) }
            }
        }
        let ranked = order.sorted { groups[$0]!.count > groups[$1]!.count }.prefix(6)
        var patterns: [String] = []
        for signature in ranked {
            for pieces in templates(groups[signature]!) {
                for pattern in placeBackgroundStop(pieces, sample) where !patterns.contains(pattern) {
                    patterns.append(pattern)
                }
            }
            if patterns.count >= limit { break }
        }
        return Array(patterns.prefix(limit))
    }

    /// The templates (one, or one per assignment of unknown roles) of lines of one shape.
    static func templates(_ lines: [[Token]]) -> [[Piece]] {
        guard let first = lines.first else { return [] }
        var pieces: [Piece] = []
        var used: Set<Role> = []
        var pidAssigned = false
        let hasMillis = first.contains { if case .timestamp(true, _) = $0 { return true } else { return false } }
        let plainTimes = first.indices.filter {
            if case .timestamp(false, _) = first[$0] { return true } else { return false }
        }
        // With two timestamps, the process start (%s) is the earlier one.
        var processStart: Int?
        if hasMillis {
            processStart = plainTimes.first
        } else if plainTimes.count >= 2, case .timestamp(_, let a) = first[plainTimes[0]],
            case .timestamp(_, let b) = first[plainTimes[1]]
        {
            processStart = a < b ? plainTimes[0] : plainTimes[1]
        }
        var roleOf: [Int: Role] = [:]
        var slots: [Int] = []
        // Pass 1: roles of value columns.
        for column in first.indices {
            guard first[column].kind == 11 else { continue }
            let values = lines.map { line -> [UInt8]? in
                switch line[column] {
                case .known(_, let text), .word(let text): text
                default: nil
                }
            }
            var roleCounts = [Int](repeating: 0, count: Role.allCases.count)
            for line in lines {
                if case .known(let roles, _) = line[column] {
                    for role in Role.allCases where roles & (1 << role.rawValue) != 0 { roleCounts[role.rawValue] += 1 }
                }
            }
            let constant = Set(values).count == 1 && values[0] != nil
            if let role = keyRole(first, column) {
                roleOf[column] = role
            } else if let best = roleCounts.indices.max(by: { roleCounts[$0] < roleCounts[$1] }), roleCounts[best] > 0 {
                // Prefer a role not yet taken when a name is both (user and database `postgres`).
                let ranked = roleCounts.indices.filter { roleCounts[$0] > 0 }.sorted { roleCounts[$0] > roleCounts[$1] }
                let free = ranked.first { index in !roleOf.values.contains(Role(rawValue: index)!) } ?? best
                roleOf[column] = Role(rawValue: free)!
            } else if column >= 2, case .punct(UInt8(ascii: "@")) = first[column - 1], first[column - 2].kind == 11 {
                roleOf[column] = .database
                if roleOf[column - 2] == nil || slots.contains(column - 2) {
                    slots.removeAll { $0 == column - 2 }
                    roleOf[column - 2] = .user
                }
            } else if column + 2 < first.count, case .punct(UInt8(ascii: "@")) = first[column + 1],
                first[column + 2].kind == 11, keyRole(first, column + 2) == nil
            {
                roleOf[column] = .user
            } else if constant {
                continue  // a literal word
            } else {
                slots.append(column)
            }
        }
        used = Set(roleOf.values)
        // Pass 2: pieces.
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty {
                pieces.append(.literal(literal))
                literal = []
            }
        }
        func escape(_ text: String) {
            flush()
            pieces.append(.escape(text))
        }
        for column in first.indices {
            switch first[column] {
            case .timestamp(let millis, _): escape(millis ? "%m" : column == processStart ? "%s" : "%t")
            case .epoch: escape("%n")
            case .session: escape("%c")
            case .vxid: escape("%v")
            case .host(let port): escape(port ? "%r" : "%h")
            case .sqlState: escape("%e")
            case .backend: escape("%b")
            case .number:
                let texts = lines.map { line -> [UInt8] in
                    if case .number(_, let text) = line[column] { return text } else { return [] }
                }
                let key = keyText(first, column)
                if Set(texts).count == 1, texts[0] == Array("1".utf8), column > 0,
                    case .punct(UInt8(ascii: "-")) = first[column - 1]
                {
                    literal += texts[0]  // `[%l-1]`
                } else if ["pid", "process_id"].contains(key) || (key == nil && !pidAssigned) {
                    pidAssigned = true
                    escape("%p")
                } else if ["tid", "xid", "transaction_id"].contains(key) {
                    escape("%x")
                } else if lines.contains(where: { if case .number(true, _) = $0[column] { true } else { false } })
                    || ["queryid", "query_id"].contains(key)
                {
                    escape("%Q")
                } else {
                    escape("%l")
                }
            case .known, .unknownValue, .word:
                if let role = roleOf[column] {
                    escape(
                        role == .host
                            ? (lines.contains { if case .host(true) = $0[column] { true } else { false } }
                                ? "%r" : "%h") : role.escape)
                } else if slots.contains(column) {
                    flush()
                    pieces.append(.slot)
                } else if case .word(let text) = first[column] {
                    literal += text
                } else if case .known(_, let text) = first[column] {
                    literal += text
                } else {
                    literal += unknownText
                }
            case .punct(let byte):
                literal.append(byte)
                if byte == UInt8(ascii: "%") { literal.append(byte) }
            }
        }
        flush()
        guard !slots.isEmpty else { return [pieces] }
        let free = [Role.user, .database, .application].filter { !used.contains($0) }
        guard slots.count <= free.count else { return [] }
        return permutations(free, slots.count).map { roles in
            var next = 0
            return pieces.map { piece in
                guard case .slot = piece else { return piece }
                defer { next += 1 }
                return .escape(roles[next].escape)
            }
        }
    }

    private static func permutations(_ roles: [Role], _ count: Int) -> [[Role]] {
        guard count > 0 else { return [[]] }
        var result: [[Role]] = []
        for (index, role) in roles.enumerated() {
            var rest = roles
            rest.remove(at: index)
            for tail in permutations(rest, count - 1) { result.append([role] + tail) }
        }
        return result
    }

    /// The key written before a value: `user=`, `db="`, `database = `…, lower-cased.
    private static func keyText(_ tokens: [Token], _ column: Int) -> String? {
        var k = column - 1
        if k >= 0, case .punct(UInt8(ascii: "\"")) = tokens[k] { k -= 1 }
        if k >= 0, case .punct(UInt8(ascii: " ")) = tokens[k] { k -= 1 }
        guard k >= 1, case .punct(UInt8(ascii: "=")) = tokens[k] else { return nil }
        k -= 1
        if k >= 1, case .punct(UInt8(ascii: " ")) = tokens[k] { k -= 1 }
        guard case .word(let key) = tokens[k] else { return nil }
        return String(decoding: key, as: UTF8.self).lowercased()
    }

    private static func keyRole(_ tokens: [Token], _ column: Int) -> Role? {
        keyText(tokens, column).flatMap(role(ofKey:))
    }

    /// The role a key names (`user`, `db`, `appli`, `client`…, any case), if any.
    static func role(ofKey key: String) -> Role? {
        switch key.lowercased() {
        case "user", "usr", "u", "username", "user_name", "role": .user
        case "db", "database", "dbname", "d", "datname": .database
        case "app", "appli", "application", "appname", "application_name", "a": .application
        case "client", "host", "remote", "h", "client_addr", "connection_source", "remote_host": .host
        default: nil
        }
    }

    /// The template as `log_line_prefix` text, with `%q` where lines that fit only the beginning of it (the
    /// background processes') stop, when there are such lines.
    static func placeBackgroundStop(_ pieces: [Piece], _ sample: PrefixSample) -> [String] {
        var texts: [String] = []
        var stops: [Int] = []  // byte offsets in the text where %q may go
        var bytes: [UInt8] = []
        var sessionSeen = false
        for piece in pieces {
            switch piece {
            case .literal(let literal):
                var previous: UInt8 = 0
                for byte in literal {
                    if !sessionSeen && previous != UInt8(ascii: "%") { stops.append(bytes.count) }
                    bytes.append(byte)
                    previous = byte == UInt8(ascii: "%") && previous != UInt8(ascii: "%") ? byte : 0
                }
            case .escape(let escape):
                if ["%u", "%d", "%a", "%h", "%r", "%i"].contains(escape) {
                    if !sessionSeen { stops.append(bytes.count) }
                    sessionSeen = true
                } else if !sessionSeen {
                    stops.append(bytes.count)
                }
                bytes += Array(escape.utf8)
            case .slot:
                return []
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let whole = try? LinePrefix(parsing: text) else { return [] }
        texts.append(text)
        // Lines the whole template does not explain: if some fit a beginning of it, that is where %q is.
        var rest: [Int] = []
        for index in 0..<sample.count where rest.count < 200 {
            let fits = sample.withLine(index) { whole.match($0, start: 0, end: $0.count) != nil }
            if !fits { rest.append(index) }
        }
        guard !rest.isEmpty, sessionSeen else { return texts }
        var best: (String, Int)?
        for stop in stops.reversed() {
            let candidate =
                String(decoding: bytes[..<stop], as: UTF8.self) + "%q" + String(decoding: bytes[stop...], as: UTF8.self)
            guard let prefix = try? LinePrefix(parsing: candidate) else { continue }
            let fits = rest.filter { index in
                sample.withLine(index) { prefix.match($0, start: 0, end: $0.count) != nil }
            }
            .count
            if fits > (best?.1 ?? 0) { best = (candidate, fits) }
        }
        if let best { texts.insert(best.0, at: 0) }
        return texts
    }
}

@inline(__always)
func isWordByte(_ byte: UInt8) -> Bool {
    byte &- 48 <= 9 || (byte | 0x20) &- 97 <= 25 || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        || byte >= 0x80
}
