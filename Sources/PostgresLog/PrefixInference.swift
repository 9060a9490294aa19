/// How the `log_line_prefix` of a file was decided.
public enum PrefixOrigin: String, Sendable, Hashable {
    /// `--log-line-prefix`.
    case given
    /// `--postgresql-conf`.
    case configuration
    /// Inferred from lines sampled across the file (and the other files of its folder).
    case inferred
}

/// The prefix used for a stderr or syslog file, and why.
public struct PrefixDecision: Sendable, Hashable {
    public var prefix: LinePrefix
    public var origin: PrefixOrigin
    /// Lines sampled from the file (0 for a given prefix that was not checked).
    public var sampledLines: Int
    /// Sampled lines the prefix explains.
    public var explainedLines: Int
    /// One sentence when an inferred prefix cannot be trusted: ambiguous, or sessions lack the user,
    /// database or application that the prefix should carry.
    public var problem: String?

    public init(
        prefix: LinePrefix, origin: PrefixOrigin, sampledLines: Int, explainedLines: Int, problem: String? = nil
    ) {
        self.prefix = prefix
        self.origin = origin
        self.sampledLines = sampledLines
        self.explainedLines = explainedLines
        self.problem = problem
    }
}

/// Decides a `log_line_prefix` from sampled lines: every candidate (the prefixes the log says were set,
/// prefixes teams commonly configure, and prefixes built from the lines' own shape) is scored on how many
/// sampled lines it explains, session and background lines alike; among those that explain about as many
/// (within 1%), the one whose user, database and application read as such wins — names the log's own
/// `connection authorized` messages vouch for count for, names with prefix text glued on count against.
public enum PrefixInference {
    /// Prefixes that teams configure (distributions' defaults, cloud providers', log tools' recommendations).
    public static let knownPrefixes: [String] = [
        "%m [%p] %q%u@%d ",  // Debian and Ubuntu
        "%m [%p] %q%u@%d %a ",
        "%m [%p] %q%u@%d/%a ",
        "%m [%p] ",  // PostgreSQL's default
        "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",  // pgBadger
        "%t [%p]: [%l-1] db=%d,user=%u,app=%a,client=%h ",
        "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
        "%t [%p]: db=%d,user=%u,app=%a,client=%h ",
        "%t [%p]: [%l-1] user=%u,db=%d ",
        "%m [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
        "%m [%p] %q[user=%u,db=%d,app=%a] ",  // pganalyze
        "%m [%p][%b][%v][%x] %q[user=%u,db=%d,app=%a] ",
        "%t:%r:%u@%d:[%p]:",  // Amazon RDS and Aurora
        "%t-%c-",  // Azure Database for PostgreSQL
        "%m-%c-",
        "%m [%p]: [%l-1] db=%d,user=%u ",  // Google Cloud SQL
        "[%p]: [%l-1] db=%d,user=%u ",  // Cloud SQL inside a Cloud Logging export (the time is the record's)
        // Heroku
        " sql_error_code = %e time_ms = \"%m\" pid=\"%p\" proc_start_time=\"%s\" session_id=\"%c\" vtid=\"%v\" tid=\"%x\" log_line=\"%l\" %qdatabase=\"%d\" connection_source=\"%r\" user=\"%u\" application_name=\"%a\" ",
        " sql_error_code = %e ",
        "%m [%p] [queryid=%Q] %u@%d ",
        "%m [%p] user=%u,db=%d ",
        "%m %u@%d %a [%p] ",
        "%t [%p] ",
        "%t [%p]: ",
        "%m [%p]: ",
        "%m %c ",
        "%m ",
        "%t ",
        "[%p] ",
        "",
    ]

    /// Where a candidate came from; on a tie, earlier kinds win.
    enum Origin: Int, Comparable {
        case logged, known, synthesized, structural
        static func < (a: Origin, b: Origin) -> Bool { a.rawValue < b.rawValue }
    }

    struct Candidate {
        let prefix: LinePrefix
        let origin: Origin
    }

    struct Score {
        var explained = 0
        var fields = 0
        /// Lines explained by the whole prefix, not only the part before `%q`.
        var full = 0
        /// A hash of the user, database and application read from each explained line, in order.
        var reading: [Int] = []
    }

    /// Decides the prefix of one file from its own `sample`, with `pool` (lines of the other files of the
    /// same folder) to break ties and supply candidates. `nil` when no candidate explains half the lines.
    public static func decide(sample: PrefixSample, pool: PrefixSample? = nil) -> PrefixDecision? {
        guard sample.count > 0 else { return nil }
        var evidence = SessionEvidence(sample)
        if let pool { evidence.merge(SessionEvidence(pool)) }
        var candidates: [Candidate] = []
        var seen: Set<String> = []
        func add(_ pattern: String, _ origin: Origin) {
            guard seen.insert(pattern).inserted, let prefix = try? LinePrefix(parsing: pattern) else { return }
            candidates.append(Candidate(prefix: prefix, origin: origin))
        }
        for pattern in evidence.loggedPrefixes { add(pattern, .logged) }
        for pattern in knownPrefixes { add(pattern, .known) }
        for pattern in PrefixSynthesis.candidates(sample, evidence: evidence) { add(pattern, .synthesized) }
        if let pool, pool.count > 0 {
            for pattern in PrefixSynthesis.candidates(pool, evidence: evidence, limit: 8) { add(pattern, .synthesized) }
        }
        if let structural = structuralPrefix(sample) {
            candidates.append(Candidate(prefix: structural, origin: .structural))
        }
        let known = KnownNames(evidence)
        // A first cut on a spread subset, then the full sample for the best few.
        let subset = sample.count > 400 ? spread(sample, 400) : sample
        let shortlist = candidates.map { ($0, score($0.prefix, subset, known)) }
            .sorted { better($0.1, $0.0, $1.1, $1.0, total: subset.count) }
            .prefix(10)
            .map(\.0)
        var scored = shortlist.map { candidate -> (Candidate, Score) in
            var result = score(candidate.prefix, sample, known)
            if let pool, pool.count > 0 { result.fields += score(candidate.prefix, pool, known).fields }
            return (candidate, result)
        }
        scored.sort { better($0.1, $0.0, $1.1, $1.0, total: sample.count) }
        guard let (winner, best) = scored.first, best.explained * 2 >= sample.count else { return nil }
        var decision = PrefixDecision(
            prefix: winner.prefix, origin: .inferred, sampledLines: sample.count, explainedLines: best.explained)
        if let (other, runnerUp) = scored.dropFirst().first(where: { $0.1.reading != best.reading }),
            close(runnerUp.explained, best.explained, total: sample.count), runnerUp.fields == best.fields
        {
            decision.problem =
                "log_line_prefix is ambiguous: '\(winner.prefix.pattern)' and '\(other.prefix.pattern)' fit \(best.explained) of \(sample.count) sampled lines alike but read different users, databases or applications; pass the server's value with --log-line-prefix or --postgresql-conf."
        } else {
            decision.problem = missingSessionFields(winner.prefix, sample)
        }
        return decision
    }

    /// Counts the sampled lines `prefix` explains, for a prefix that was given rather than inferred.
    public static func explained(by prefix: LinePrefix, in sample: PrefixSample) -> Int {
        var count = 0
        for index in 0..<sample.count where sample.withLine(index, { prefix.match($0, start: 0, end: $0.count) != nil })
        {
            count += 1
        }
        return count
    }

    private static func close(_ a: Int, _ b: Int, total: Int) -> Bool {
        abs(a - b) <= total / 100
    }

    /// Whether `a` beats `b`: it explains clearly more lines, or about as many with better session fields,
    /// then by origin and specificity.
    private static func better(_ a: Score, _ ca: Candidate, _ b: Score, _ cb: Candidate, total: Int) -> Bool {
        if !close(a.explained, b.explained, total: total) { return a.explained > b.explained }
        if a.fields != b.fields { return a.fields > b.fields }
        if a.full != b.full { return a.full > b.full }
        if ca.origin != cb.origin { return ca.origin < cb.origin }
        if ca.prefix.specificity != cb.prefix.specificity { return ca.prefix.specificity > cb.prefix.specificity }
        return a.explained > b.explained
    }

    private static func spread(_ sample: PrefixSample, _ limit: Int) -> PrefixSample {
        var subset = PrefixSample()
        subset.append(spreadOf: sample, limit: limit)
        return subset
    }

    /// Names the connection messages vouch for, by role.
    struct KnownNames {
        var byRole: [Set<[UInt8]>]

        init(_ evidence: SessionEvidence) {
            byRole = [evidence.users, evidence.databases, evidence.applications]
        }
    }

    private static func score(_ prefix: LinePrefix, _ sample: PrefixSample, _ known: KnownNames) -> Score {
        var result = Score()
        var cache = TimestampCache()
        for index in 0..<sample.count {
            sample.withLine(index) { line in
                guard let match = prefix.match(line, start: 0, end: line.count, cache: &cache) else { return }
                result.explained += 1
                if prefix.backgroundStop == nil || prefix.matchesFully(line, start: 0, end: line.count) {
                    result.full += 1
                }
                var hasher = Hasher()
                let spans = [match.fields.user, match.fields.database, match.fields.application]
                for (role, span) in spans.enumerated() {
                    guard span.0 >= 0, span.1 > span.0 else { continue }
                    let value = Array(line[Int(span.0)..<Int(span.1)])
                    guard value != PrefixSynthesis.unknownText else { continue }
                    hasher.combine(role)
                    hasher.combine(value)
                    result.fields += fieldScore(value, role: role, known)
                }
                result.reading.append(hasher.finalize())
            }
        }
        return result
    }

    /// -3 for a value holding a separator and the next key (`,host=`: the prefix reads the next field as part
    /// of this one). Else, with names vouched for by connection messages: +2 for a vouched name of the role,
    /// -3 for one with more text glued on, -2 for a name of another role only, 0 otherwise. Without: +1 for a
    /// value, -1 for a user or database holding a space, -1 for a value holding `=`.
    private static func fieldScore(_ value: [UInt8], role: Int, _ known: KnownNames) -> Int {
        if holdsKey(value) { return -3 }
        let names = known.byRole[role]
        if !names.isEmpty {
            if names.contains(value) { return 2 }
            if names.contains(where: { $0.count < value.count && contains(value, $0) }) { return -3 }
            if known.byRole.indices.contains(where: { $0 != role && known.byRole[$0].contains(value) }) { return -2 }
            return 0
        }
        var score = 1
        if role < 2, value.contains(UInt8(ascii: " ")) { score -= 1 }
        if value.contains(UInt8(ascii: "=")) { score -= 1 }
        return score
    }

    /// Whether `value` holds a separator (`,`, `;`, `|`, `&`, a space) followed by a key and `=`, the shape
    /// of the next field of a `key=value` prefix (`,host=`, ` app=`).
    static func holdsKey(_ value: [UInt8]) -> Bool {
        let separators: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: "&"), 32]
        var index = 0
        while index < value.count {
            guard separators.contains(value[index]) else {
                index += 1
                continue
            }
            var k = index + 1
            while k < value.count, isWordByte(value[k]) { k += 1 }
            if k > index + 1, k < value.count, value[k] == UInt8(ascii: "=") { return true }
            index = k
        }
        return false
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count, !needle.isEmpty else { return false }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }

    static let statementMarkers = ["statement: ", "execute ", "duration: "].map { Array($0.utf8) }

    /// The sentence saying that most sampled statement lines lack the user or database the prefix should
    /// carry (every client session has both), or `nil`.
    static func missingSessionFields(_ prefix: LinePrefix, _ sample: PrefixSample) -> String? {
        let carriesUser = prefix.has(.user)
        let carriesDatabase = prefix.has(.database)
        guard carriesUser || carriesDatabase else { return nil }
        var statements = 0
        var lacking = 0
        for index in 0..<sample.count {
            sample.withLine(index) { line in
                guard let match = prefix.match(line, start: 0, end: line.count), match.severity == .log,
                    statementMarkers.contains(where: { marker in
                        line.count - match.textStart >= marker.count
                            && marker.indices.allSatisfy { line[match.textStart + $0] == marker[$0] }
                    })
                else { return }
                statements += 1
                let user = match.fields.user
                let database = match.fields.database
                if (carriesUser && user.1 <= user.0) || (carriesDatabase && database.1 <= database.0) { lacking += 1 }
            }
        }
        guard statements >= 5, lacking * 2 > statements else { return nil }
        return
            "\(lacking) of \(statements) sampled statement lines have no user or database where log_line_prefix '\(prefix.pattern)' puts them, so the prefix is probably not the server's; pass it with --log-line-prefix or --postgresql-conf."
    }

    /// The last resort: a timestamp at the start of the lines (`%m` or `%t`), then anything up to the
    /// severity word, with the pid taken from the first number in brackets.
    static func structuralPrefix(_ sample: PrefixSample) -> LinePrefix? {
        guard sample.count > 0 else { return nil }
        return sample.withLine(0) { first in
            var elements: [LinePrefix.Element] = []
            var pattern = ""
            if LogTimestamp.parse(first, at: 0, end: first.count) != nil {
                let millis = first[19] == UInt8(ascii: ".")
                elements.append(.escape(millis ? .timestampMillis : .timestamp, padded: false))
                pattern = millis ? "%m" : "%t"
            }
            elements.append(.anythingWithPid)
            return LinePrefix(
                inferred: pattern + "… (inferred: timestamp, then [pid] before the severity)", elements: elements)
        }
    }
}

extension LinePrefix {
    /// Whether the prefix has `escape`.
    func has(_ escape: Escape) -> Bool {
        elements.contains {
            if case .escape(let e, _) = $0 { return e == escape }
            return false
        }
    }
}
