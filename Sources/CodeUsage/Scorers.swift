import Matching

/// One match as a scorer sees it: the rule, where it matched, and what the unit knows around it.
struct MatchSite {
    var rule: PatternRule
    /// The match, in `line`'s offsets.
    var match: Range<Int>
    var line: [UInt8]
    var lineIndex: Int
    /// Where the line names the target (offsets in `line`).
    var hits: [Int]
    var info: TargetInfo
    var document: Document
    var context: SourceContext
    /// Whether the file names the target's table or model.
    var scoped: Bool
    /// The name the rules' globs see (a file without an extension named by its shebang).
    var path: String
    /// The unit's template language; `nil` outside templates.
    var template: TemplateLanguage?
    /// The receivers that stand for other models declared in the file (computed once per file and target).
    var otherReceivers: () -> Set<String>
    /// The type the file declares for a receiver (computed once per file and receiver).
    var declaredType: (String) -> String?
}

/// How the matches of one family of rules are scored (see `RuleFamily`): which units run the rules, in what
/// order, and what a match proves once scoped. The scanner routes each rule to the scorer of the family its
/// `ecosystem:` declares, never by its id, so a user's rule of a family is scored as a bundled one.
protocol RuleScorer: Sendable {
    /// Among rules of equal evidence, a lower rank is tried first.
    var rank: Int { get }
    /// Whether the rule runs in a template (`inTemplate`), or in any other unit.
    func admits(_ rule: PatternRule, inTemplate: Bool) -> Bool
    /// Whether, in a template, the rule is tried before the others whatever their evidence.
    func leadsInTemplate(_ rule: PatternRule) -> Bool
    /// The evidence of a match once scoped; the rule's evidence is an upper bound. (Template comments are the
    /// scanner's: they make any match `not-a-use`.)
    func evidence(of site: MatchSite, scanner: CodeScanner) -> Evidence
    /// Whether a use the rule finds is SQL to hand to the embedded-SQL resolver (in a `.sql` file any rule's is).
    var resolvesEmbeddedSQL: Bool { get }
    /// Whether the tree's definitions of the name (methods, properties, fields, SQL aliases) rescore the rule's
    /// column findings (see `definedNameEvidence`).
    var isScopedByDefinitions: Bool { get }
}

extension RuleScorer {
    func leadsInTemplate(_ rule: PatternRule) -> Bool { false }
    var resolvesEmbeddedSQL: Bool { false }
    var isScopedByDefinitions: Bool { false }

    /// Code scoping by the rule's `scope:`: comments, the enclosing model, the receiver, the file's mention of
    /// the table or model, the model index (see `scopedEvidence`).
    func codeEvidence(of site: MatchSite, scanner: CodeScanner) -> Evidence {
        scanner.scopedEvidence(
            rule: site.rule, match: site.match, line: site.line, lineIndex: site.lineIndex, hits: site.hits,
            info: site.info, context: site.context, document: site.document, scoped: site.scoped, path: site.path,
            otherReceivers: site.otherReceivers, declaredType: site.declaredType)
    }
}

/// The generic code rules (`ecosystem: generic`): member access, string keys, bare names in any language.
/// Tried after every other rule of equal evidence; their column rules do not run on markup (a bare word in a
/// template is not code); the tree's definitions of the name rescore them.
struct GenericCodeScorer: RuleScorer {
    var rank: Int { 2 }
    func admits(_ rule: PatternRule, inTemplate: Bool) -> Bool { !inTemplate || rule.subject != .column }
    func evidence(of site: MatchSite, scanner: CodeScanner) -> Evidence { codeEvidence(of: site, scanner: scanner) }
    var isScopedByDefinitions: Bool { true }
}

/// SQL (`ecosystem: sql`): tried after the frameworks' rules and before the generic ones; their column rules
/// do not run on markup; a use they find is SQL, which the embedded-SQL resolver (PostgreSQL's parser) judges
/// when one is configured (see `embeddedSQL`).
struct SQLScorer: RuleScorer {
    var rank: Int { 1 }
    func admits(_ rule: PatternRule, inTemplate: Bool) -> Bool { !inTemplate || rule.subject != .column }
    func evidence(of site: MatchSite, scanner: CodeScanner) -> Evidence { codeEvidence(of: site, scanner: scanner) }
    var resolvesEmbeddedSQL: Bool { true }
}

/// Templates (`ecosystem: template`): run only in templates, where those of `probable` or stronger are tried
/// first (`f.select :x` is a form field, not a query); scoped by the template variable, the form's model or
/// the template's name (see `templateEvidence`); the tree's definitions of the name rescore them.
struct TemplateScorer: RuleScorer {
    var rank: Int { 0 }
    func admits(_ rule: PatternRule, inTemplate: Bool) -> Bool { inTemplate }
    func leadsInTemplate(_ rule: PatternRule) -> Bool { rule.evidence <= .probable }
    func evidence(of site: MatchSite, scanner: CodeScanner) -> Evidence {
        guard site.template != nil else { return codeEvidence(of: site, scanner: scanner) }
        return scanner.templateEvidence(
            rule: site.rule, match: site.match, line: site.line, lineIndex: site.lineIndex, info: site.info,
            document: site.document, path: site.path)
    }
    var isScopedByDefinitions: Bool { true }
}

/// The frameworks, ORMs and tools (`ecosystem: django`, `rails`, `prisma`, …, `other`; the model index's own
/// rules too): tried first among rules of equal evidence, run everywhere (a query chain in a view too), scoped
/// like code by their `scope:`.
struct FrameworkScorer: RuleScorer {
    var rank: Int { 0 }
    func admits(_ rule: PatternRule, inTemplate: Bool) -> Bool { true }
    func evidence(of site: MatchSite, scanner: CodeScanner) -> Evidence { codeEvidence(of: site, scanner: scanner) }
}

extension RuleFamily {
    /// The family's scorer.
    var scorer: any RuleScorer {
        switch self {
        case .generic: return GenericCodeScorer()
        case .sql: return SQLScorer()
        case .template: return TemplateScorer()
        case .framework: return FrameworkScorer()
        }
    }
}

extension PatternRule {
    /// The scorer of the family the rule's `ecosystem:` belongs to.
    var scorer: any RuleScorer { ecosystem.family.scorer }
}
