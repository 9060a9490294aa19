import Matching
import Report

/// Why a `CodeScanner` could not be built. Each message says what to change.
public enum CodeScanError: Error, Equatable, CustomStringConvertible {
    /// No targets were given.
    case noTargets
    /// A pattern rule does not compile for one of the targets (the text names the file, line and rule).
    case ruleDoesNotCompile(String)

    public var description: String {
        switch self {
        case .noTargets:
            return "no targets to look for: name at least one column (table.column) or table (table.*)"
        case .ruleDoesNotCompile(let detail):
            return "\(detail). Fix the rule's pattern (run `dropscan patterns check`) or remove the rule file"
        }
    }
}

/// What one source file holds for each target, indexed like the scanner's `targets`.
public struct CodeScanResult: Sendable, Equatable {
    /// Uses, and discarded look-alikes (`not-a-use`), strongest evidence first.
    public var findings: [[CodeFinding]]
    /// Migrations (history) and schema dumps: declarations, not uses; they never block.
    public var declarations: [[CodeFinding]]
    /// Positive evidence that the contract step was prepared (`ignored_columns`, Django state-only removal).
    public var deprecations: [[CodeFinding]]
    /// Methods, properties, fields and SQL aliases of a target's name that the file defines (see
    /// `DefinedNames`); merge them over the tree and scan the files with findings again with the result.
    public var definitions: DefinedNames
    /// Lines where a rule gave up at a PCRE2 limit, so that what the line holds is not known: a clean result
    /// cannot stand on such a file.
    public var limitHits: [RuleLimitHit] = []
    /// The findings whose evidence the tree's definitions may change, with what it takes to score them again
    /// (`CodeScanner.rescored(_:definitions:)`) without scanning the file again.
    public var rescorable: [RescorableFinding] = []

    /// An empty result for `targetCount` targets.
    public init(targetCount: Int) {
        findings = Array(repeating: [], count: targetCount)
        declarations = Array(repeating: [], count: targetCount)
        deprecations = Array(repeating: [], count: targetCount)
        definitions = DefinedNames(targetCount: targetCount)
    }

    /// Whether the file holds nothing for any target.
    public var isEmpty: Bool {
        findings.allSatisfy(\.isEmpty) && declarations.allSatisfy(\.isEmpty) && deprecations.allSatisfy(\.isEmpty)
            && limitHits.isEmpty
    }
}

/// A rule that reached a PCRE2 limit on a line that names a target (see `MatchLimits`).
public struct RuleLimitHit: Sendable, Equatable {
    /// 1-based line, and the byte offset of the line's start in the file.
    public let line: Int
    public let offset: Int
    public let rule: String
    /// The target the line names, as the scanner's `targets` index it.
    public let targetIndex: Int
    /// The notebook cell, for `.ipynb` files.
    public let cell: Int?
}
