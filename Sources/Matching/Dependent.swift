/// What kind of database object depends on a target.
public enum DependentKind: String, Codable, Sendable, CaseIterable, Comparable {
    case view
    case materializedView = "materialized-view"
    case function
    case procedure
    case trigger
    case rule
    case policy
    case index
    case primaryKey = "primary-key"
    case uniqueConstraint = "unique-constraint"
    case checkConstraint = "check-constraint"
    case foreignKey = "foreign-key"
    case exclusionConstraint = "exclusion-constraint"
    case generatedColumn = "generated-column"
    case columnDefault = "default"
    case statistics
    case publication
    case columnPrivilege = "column-privilege"
    case partitionKey = "partition-key"
    case replicaIdentity = "replica-identity"
    case childTable = "child-table"
    /// Anything else the catalog records as depending on the target (named as the server describes it).
    case other

    /// The words for a sentence: `materialized view`, `column privilege`.
    public var noun: String { rawValue.replacingOccurrences(of: "-", with: " ") }

    /// Declaration order: views first, then code, then table machinery.
    public static func < (lhs: DependentKind, rhs: DependentKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What `ALTER TABLE … DROP COLUMN` (or `DROP TABLE` for a whole-table target) does to a dependent.
public enum DropEffect: String, Codable, Sendable, CaseIterable {
    /// The drop fails unless `CASCADE`, which drops the dependent too, silently.
    case cascade
    /// Dropped with the target even without `CASCADE` (indexes, the table's own constraints, grants).
    case dropped
    /// Left in place: nothing records the dependency, so it fails when it next runs (function bodies).
    case breaks
    /// The drop fails even with `CASCADE` (a partition key).
    case refused

    /// A sentence fragment for reports.
    public var description: String {
        switch self {
        case .cascade: "the drop fails unless CASCADE, which drops it silently"
        case .dropped: "dropped with it, even without CASCADE"
        case .breaks: "left in place, fails when it next runs"
        case .refused: "the drop fails, even with CASCADE"
        }
    }
}

/// Where a dependent was learned.
public enum DependentSource: String, Codable, Sendable {
    /// A live database's catalog (`--database`).
    case database
    /// A `pg_dump --schema-only` file (`--schema`).
    case schemaDump = "schema-dump"
}

/// A file and line of the repository.
public struct SourcePlace: Codable, Sendable, Hashable {
    /// Relative to the source root.
    public var path: String
    /// 1-based.
    public var line: Int

    public init(path: String, line: Int) {
        self.path = path
        self.line = line
    }
}

/// An object of the database that depends on a target: a view reading the column, a trigger firing on it,
/// an index over it. Dropping the target breaks it, or drops it with `CASCADE`; it blocks by default.
public struct Dependent: Codable, Sendable, Hashable {
    public var kind: DependentKind
    /// The object's name: schema-qualified for views, functions, indexes and statistics (`public.open_orders`),
    /// bare for objects named within a table (triggers, constraints, policies, rules, columns), the role for
    /// a column privilege, the publication's name.
    public var name: String
    /// The table the object belongs to (schema-qualified), for objects defined on a table.
    public var table: String?
    /// Its SQL definition, as the server prints it or the dump has it.
    public var definition: String
    public var evidence: Evidence
    /// How it uses the target, naming identifiers only.
    public var reason: String
    public var onDrop: DropEffect
    public var source: DependentSource
    /// The server (`host:port/dbname`, never user or password) or the schema file it came from.
    public var origin: String
    /// 1-based line of the definition in the schema file.
    public var line: Int?
    /// Where the repository's SQL files define it, when found there.
    public var definedAt: SourcePlace?
    /// A stable identity (kind, table, name and target), set when the report is built.
    public var fingerprint: String
    /// What accepted the dependent (an allowlist entry, the baseline): it is listed apart, never blocks.
    public var suppressed: String?

    public init(
        kind: DependentKind, name: String, table: String?, definition: String, evidence: Evidence, reason: String,
        onDrop: DropEffect, source: DependentSource, origin: String, line: Int? = nil
    ) {
        self.kind = kind
        self.name = name
        self.table = table
        self.definition = definition
        self.evidence = evidence
        self.reason = reason
        self.onDrop = onDrop
        self.source = source
        self.origin = origin
        self.line = line
        self.fingerprint = ""
    }

    /// `view public.open_orders`, `trigger orders_touch on public.orders`.
    public var label: String {
        let on = table.map { " on \($0)" } ?? ""
        switch kind {
        case .columnPrivilege: return "column privilege of \(name)\(on)"
        case .partitionKey: return "partition key of \(name)"
        default: return "\(kind.noun) \(name)\(on)"
        }
    }

    /// The object's identity whatever its source: kind, table and name without schema qualifiers, as a
    /// hand-written schema file may leave them out.
    public var identity: String {
        func bare(_ name: String?) -> String { name.map { String($0.split(separator: ".").last ?? "") } ?? "" }
        return "\(kind.rawValue)\u{1F}\(bare(table))\u{1F}\(bare(name))"
    }

    /// Strongest evidence first, then kind, table and name.
    public static func reportOrder(_ a: Dependent, _ b: Dependent) -> Bool {
        (a.evidence, a.kind, a.table ?? "", a.name, a.origin) < (b.evidence, b.kind, b.table ?? "", b.name, b.origin)
    }
}
