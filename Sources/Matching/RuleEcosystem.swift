/// The ecosystem a rule belongs to (the rule's `ecosystem:` key, or its file's; see `Patterns/README.md`). It
/// decides how the code scorer treats the rule's matches, whatever the rule's id says.
public enum RuleEcosystem: String, Sendable, CaseIterable {
    /// Any language: member access, string keys, bare names (`code.rules`).
    case generic
    /// SQL text, in logs, `.sql` files and string literals (`sql.rules`).
    case sql
    /// Django/Jinja and ERB templates (`templates.rules`).
    case template
    case django, rails, sqlalchemy, prisma, typeorm, jvm, go, swift, dbt, lookml, bi, shell
    /// Any other framework, ORM or tool; the default of a rule whose file declares no ecosystem.
    case other

    /// The family whose scorer scores the rule's matches.
    public var family: RuleFamily {
        switch self {
        case .generic: return .generic
        case .sql: return .sql
        case .template: return .template
        default: return .framework
        }
    }

    /// The values the key accepts, for error messages.
    static let known = allCases.map(\.rawValue).joined(separator: ", ")
}

/// The families of ecosystems that the code scorer tells apart: each has its own scorer.
public enum RuleFamily: String, Sendable, CaseIterable {
    /// The generic code rules: tried after every other rule of equal evidence, not run on markup.
    case generic
    /// SQL: tried after the frameworks' rules, not run on markup; its matches go to the embedded-SQL resolver.
    case sql
    /// Templates: run only in templates, scoped by the template's variables.
    case template
    /// The frameworks, ORMs and tools (Django, Rails, Prisma, …, and user rules of `other`).
    case framework
}
