import Matching

/// A finding's evidence before the tree's definitions are applied, and the occurrences they are applied to.
struct RescoreInput: Equatable {
    var evidence: Evidence
    var words: [NameOccurrence]
}

/// A finding of a rule whose scorer is scoped by the tree's definitions (the generic code and template rules),
/// with what its evidence depends on besides them: once every file is scanned and the definitions are merged,
/// `CodeScanner.rescored(_:definitions:)` gives the evidence and the list a scan with them would give, without
/// reading or scanning the file again.
public struct RescorableFinding: Sendable, Equatable {
    /// The target (as the scanner's `targets` index it), the notebook cell, the 1-based line and the rule: the
    /// finding's place in a result.
    public let targetIndex: Int
    public let cell: Int?
    public let line: Int
    public let rule: String
    let input: RescoreInput
    let lineBytes: [UInt8]
    /// The declared region (class, model) that holds the line.
    let regionName: String?
    let unitPath: String
    let isOwnDeclaration: Bool
    let isDeprecationRule: Bool
    let isStateOnly: Bool
    let classification: FileClassification
}

/// Which list of a result a finding goes to.
public enum FindingPlacement: Sendable, Equatable {
    case findings, declarations, deprecations
}

/// The tree's definitions, each target's summarised once, for `CodeScanner.rescored(_:definitions:)`.
public struct RescoreDefinitions: Sendable {
    struct ForTarget: Sendable {
        let definitions: [Definition]
        let summary: DefinitionSummary
    }
    let byTarget: [ForTarget]

    public init(_ definitions: DefinedNames) {
        byTarget = definitions.byTarget.map { ForTarget(definitions: $0, summary: DefinitionSummary($0)) }
    }
}

extension CodeScanner {
    /// Uses of a deprecation rule and uses in a Django migration's state-only operations are deprecations;
    /// findings in migrations and schema dumps are declarations; the rest are findings.
    static func placement(
        of evidence: Evidence, isDeprecationRule: Bool, classification: FileClassification, isStateOnly: Bool
    ) -> FindingPlacement {
        if evidence.isUse && isDeprecationRule { return .deprecations }
        if classification == .migration && evidence.isUse && isStateOnly { return .deprecations }
        return classification.isDeclaration ? .declarations : .findings
    }

    /// The evidence and the list of a finding recorded by `scan` once the tree's `definitions` are known: the
    /// same as scanning its file again with them.
    public func rescored(_ finding: RescorableFinding, definitions: RescoreDefinitions) -> (
        evidence: Evidence, placement: FindingPlacement
    ) {
        var evidence = finding.input.evidence
        if finding.targetIndex < definitions.byTarget.count,
            case let forTarget = definitions.byTarget[finding.targetIndex],
            !forTarget.definitions.isEmpty
        {
            let place = DefinitionPlace(path: finding.unitPath, line: finding.line)
            // A definition on the finding's own line does not scope it: then the others' summary.
            let summary =
                forTarget.summary.places.contains(place)
                ? DefinitionSummary(forTarget.definitions, except: finding.unitPath, line: finding.line)
                : forTarget.summary
            evidence = definedNameEvidence(
                evidence, line: finding.lineBytes, lineIndex: finding.line - 1, words: finding.input.words,
                info: info(ofTarget: finding.targetIndex), regionName: finding.regionName, definitions: summary,
                path: finding.unitPath)
        }
        if finding.isOwnDeclaration { evidence = .confirmed }
        let placement = Self.placement(
            of: evidence, isDeprecationRule: finding.isDeprecationRule, classification: finding.classification,
            isStateOnly: finding.isStateOnly)
        return (evidence, placement)
    }
}
