/// How sure a finding is that it uses a target, from strongest to weakest.
///
/// `notAUse` findings are kept (so a reader sees what was discarded) but never counted as uses.
public enum Evidence: String, Codable, Sendable, CaseIterable, Comparable {
    /// Bound to the target table by PostgreSQL's parser, or by a rule that names table and column together.
    case confirmed
    /// `SELECT *` or `t.*` over the target table: the column is read without being named.
    case implicit
    /// Could bind to the target, but the unit alone cannot say (several candidate tables).
    case probable
    /// The text matched a rule but could not be resolved (did not parse, no table in sight).
    case possible
    /// A string literal, a comment, or another table's column of the same name.
    case notAUse = "not-a-use"

    private var rank: Int {
        switch self {
        case .confirmed: 0
        case .implicit: 1
        case .probable: 2
        case .possible: 3
        case .notAUse: 4
        }
    }

    /// Stronger evidence sorts first.
    public static func < (lhs: Evidence, rhs: Evidence) -> Bool { lhs.rank < rhs.rank }

    /// Whether this tier counts as a use of the target.
    public var isUse: Bool { self != .notAUse }
}
