import Foundation
import Matching

/// SARIF 2.1.0 for code scanning: code findings at their lines, runtime uses at the migration's drop line
/// (or the log line with a logical location naming the log and statement group), read errors as tool
/// notifications. Results follow the blocking tier (`error`) or are listed (`note`); a run holds at most
/// `maxSARIFResults`, blocking results first, and counts the rest in a notification.
public struct SARIFReporter: Reporter {
    public static let format = "sarif"
    /// Where repository-relative URIs are resolved (code scanning maps it to the checkout): code findings
    /// use their `repositoryPath` when the source root lies below the work tree's top.
    static let sourceRoot = "%SRCROOT%"
    public let options: ReportOptions

    public init(options: ReportOptions = ReportOptions()) { self.options = options }

    /// What each rule finds, for the rule list code scanning shows.
    enum Rule: String, CaseIterable {
        case runtimeUse = "dropscan/runtime-use"
        case failedAfterDrop = "dropscan/failed-after-drop"
        case codeUse = "dropscan/code-use"
        case databaseDependent = "dropscan/database-dependent"

        var name: String {
            switch self {
            case .runtimeUse: "RuntimeUseOfDroppedObject"
            case .failedAfterDrop: "StatementFailedOnMissingObject"
            case .codeUse: "CodeUseOfDroppedObject"
            case .databaseDependent: "DatabaseObjectDependsOnDroppedObject"
            }
        }

        var short: String {
            switch self {
            case .runtimeUse: "A logged statement still uses a column or table that is about to be dropped."
            case .failedAfterDrop: "A logged statement failed because a column or table it needs no longer exists."
            case .codeUse: "Source code still references a column or table that is about to be dropped."
            case .databaseDependent:
                "A view, function, trigger, index, constraint, policy or other database object depends on a column or table that is about to be dropped."
            }
        }

        var full: String {
            switch self {
            case .runtimeUse:
                "PostgreSQL's server logs show statements that read or write the target. PostgreSQL's own parser bound the column to the table (confirmed), read it through SELECT * or an INSERT without a column list (implicit), or could not say which of several tables it belongs to (probable). Dropping the target would break whatever runs these statements."
            case .failedAfterDrop:
                "The logs show statements that failed with an error such as 'column \"x\" does not exist': something still needs the target, and has already broken where it is gone."
            case .codeUse:
                "A source file names the target in a way its ecosystem's rules recognise (SQL, an ORM model or query, a BI export, a notebook). The evidence tier says how sure the match is: confirmed when table and column appear together, probable when the file names the table, possible for the name alone."
            case .databaseDependent:
                "The database's catalog (or a pg_dump --schema-only file) shows an object that depends on the target. ALTER TABLE … DROP COLUMN fails on views, policies, rules and triggers unless CASCADE is given, and CASCADE drops them silently; indexes, constraints and grants on the column are dropped without asking; function bodies are left in place and fail when they next run."
            }
        }

        var help: String {
            switch self {
            case .runtimeUse:
                "Find the applications named in the result (the JSON report lists every statement shape with its applications, users, databases and first and last time seen), change them to stop using the target, deploy, and scan the logs again before dropping."
            case .failedAfterDrop:
                "Find the application that ran the failing statement (see the JSON report) and fix it, or restore the target, before going on with the drop."
            case .codeUse:
                "Remove or migrate the reference, or mark the column ignored in the model first (for example Rails' ignored_columns), then scan again. A match that is not a use can be reviewed and dismissed here; its fingerprint does not depend on the line number."
            case .databaseDependent:
                "Change or drop the dependent object in a migration of its own before the drop (the JSON report holds its definition), then scan again."
            }
        }
    }

    public func render(_ report: UsageReport) throws -> Data {
        let options = options.adopting(report)
        var candidates: [(blocking: Bool, result: [String: Any])] = []
        var identities = ResultIdentities()
        for usage in report.targets {
            let facts = TargetFacts(usage, options: options)
            for group in facts.blockingGroups {
                candidates.append((true, runtimeResult(usage, group, blocking: true, identities: &identities)))
            }
            for finding in facts.blockingFindings {
                candidates.append((true, codeResult(usage, finding, blocking: true, identities: &identities)))
            }
            for group in facts.otherGroups {
                candidates.append((false, runtimeResult(usage, group, blocking: false, identities: &identities)))
            }
            for finding in facts.otherFindings {
                candidates.append((false, codeResult(usage, finding, blocking: false, identities: &identities)))
            }
            // Accepted by the allowlist or the baseline: kept, as suppressed notes, never as errors.
            for group in facts.suppressedGroups {
                candidates.append((false, runtimeResult(usage, group, blocking: false, identities: &identities)))
            }
            for finding in facts.suppressedFindings {
                candidates.append((false, codeResult(usage, finding, blocking: false, identities: &identities)))
            }
            // Dependents where the repository defines them (or at the migration's drop), each once.
            for dependent in usage.database?.dependents ?? [] where dependent.evidence.isUse {
                guard
                    let place = dependent.definedAt
                        ?? usage.migration.map({ SourcePlace(path: $0.path, line: $0.line) })
                else { continue }
                let blocking = options.blocks(dependent.evidence) && dependent.suppressed == nil
                candidates.append(
                    (
                        blocking,
                        dependentResult(usage, dependent, place: place, blocking: blocking, identities: &identities)
                    ))
            }
        }
        // Blocking results first, each kind in report order, so that a cap keeps what matters.
        let ordered = candidates.filter(\.blocking) + candidates.filter { !$0.blocking }
        let limit = max(options.maxSARIFResults, 0)
        let results = ordered.prefix(limit).map(\.result)
        let omitted = ordered.count - results.count

        var notifications: [[String: Any]] = report.coverage.errors.map { error in
            [
                "level": "error",
                "descriptor": ["id": "read-error"],
                "message": [
                    "text": plain("\(error.path): could not be read past byte \(error.offset): \(error.message)")
                ],
                "properties": ["path": error.path, "offset": error.offset],
            ]
        }
        if omitted > 0 {
            notifications.append([
                "level": "warning",
                "descriptor": ["id": "results-omitted"],
                "message": [
                    "text":
                        "\(omitted) more results not included: a run holds at most \(limit) (GitHub code scanning's limit). The JSON report holds them all."
                ],
            ])
        }
        let run: [String: Any] = [
            "tool": [
                "driver": [
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "rules": Rule.allCases.map(ruleDescriptor),
                    "notifications": [
                        [
                            "id": "read-error",
                            "shortDescription": [
                                "text": "An input could not be read fully; uses in the rest of it may be missed."
                            ],
                        ],
                        [
                            "id": "results-omitted",
                            "shortDescription": [
                                "text": "More results than a run may hold; the rest are in the JSON report."
                            ],
                        ],
                    ],
                ]
            ],
            "originalUriBaseIds": [
                Self.sourceRoot: [
                    "description": [
                        "text":
                            "The repository root: code paths are relative to the git work tree that holds the scanned sources (else to the source root), migration paths to the directory dropscan ran in (the repository root in CI)."
                    ]
                ]
            ],
            "invocations": [["executionSuccessful": true, "toolExecutionNotifications": notifications]],
            "results": results,
            "properties": [
                "verdict": report.verdict.rawValue,
                "reasons": report.reasons,
                "blockOn": options.blockOn.rawValue,
                "omittedResults": omitted,
            ],
        ]
        let document: [String: Any] = [
            "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
            "version": "2.1.0",
            "runs": [run],
        ]
        var data = try JSONSerialization.data(
            withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        data.append(0x0A)
        return data
    }

    private func ruleDescriptor(_ rule: Rule) -> [String: Any] {
        [
            "id": rule.rawValue,
            "name": rule.name,
            "shortDescription": ["text": rule.short],
            "fullDescription": ["text": rule.full],
            "help": ["text": rule.help, "markdown": rule.help],
            "defaultConfiguration": ["level": "error"],
            "properties": ["tags": ["database", "schema-change"]],
        ]
    }

    private func runtimeResult(
        _ usage: TargetUsage, _ group: StatementGroup, blocking: Bool, identities: inout ResultIdentities
    ) -> [String: Any] {
        let rule: Rule = group.failed > 0 ? .failedAfterDrop : .runtimeUse
        var text =
            "\(usage.target) is used by a logged statement (\(group.evidence.rawValue)): \(group.count) execution(s)"
        if group.failed > 0 { text += ", \(group.failed) failed" }
        if !group.applications.isEmpty { text += " by \(group.applications.joined(separator: ", "))" }
        if let last = group.lastSeen { text += ", last seen \(last)" }
        text += ". Statement: \(group.statement)"
        if let sample = group.sample { text += " (first seen at \(sample.path):\(sample.line))" }
        let logName = group.sample.map { "\($0.path):\($0.line)" } ?? "(log)"
        let logical: [String: Any] = [
            "name": group.id, "fullyQualifiedName": "\(logName)/\(group.id)", "kind": "statement",
        ]
        var location: [String: Any] = ["logicalLocations": [logical]]
        if let site = usage.migration {
            location["physicalLocation"] = physical(site.path, line: site.line, column: nil)
        } else if let sample = group.sample {
            location["physicalLocation"] = physical(sample.path, line: sample.line, column: nil)
        }
        return suppress(
            [
                "ruleId": rule.rawValue,
                "level": blocking ? "error" : "note",
                "message": ["text": plain(text)],
                "locations": [location],
                "partialFingerprints": [
                    "dropscanRuntime/v1": identities.unique(ResultIdentities.hash(usage.target, group.id))
                ],
                "properties": [
                    "target": usage.target, "evidence": group.evidence.rawValue, "count": group.count,
                    "failed": group.failed, "statementGroup": group.id,
                ],
            ], by: group.suppressed)
    }

    /// A result the allowlist or the baseline accepted carries SARIF's `suppressions` (external, accepted,
    /// with what accepted it), so that code scanning does not show it as an open alert.
    private func suppress(_ result: [String: Any], by label: String?) -> [String: Any] {
        guard let label else { return result }
        var result = result
        result["suppressions"] = [["kind": "external", "status": "accepted", "justification": plain(label)]]
        return result
    }

    private func codeResult(
        _ usage: TargetUsage, _ finding: CodeFinding, blocking: Bool, identities: inout ResultIdentities
    ) -> [String: Any] {
        var text =
            "\(usage.target) is referenced here (\(finding.evidence.rawValue), rule \(finding.rule), \(finding.classification) code)"
        if let cell = finding.cell { text += " in notebook cell \(cell), line \(finding.line)" }
        text += ": \(finding.snippet)"
        let place =
            finding.cell == nil
            ? physical(finding.placePath, line: finding.line, column: finding.column)
            : physical(finding.placePath, line: nil, column: nil)
        return suppress(
            [
                "ruleId": Rule.codeUse.rawValue,
                "level": blocking ? "error" : "note",
                "message": ["text": plain(text)],
                "locations": [["physicalLocation": place]],
                "partialFingerprints": ["dropscanFinding/v1": identities.unique(finding.fingerprint)],
                "properties": [
                    "target": usage.target, "evidence": finding.evidence.rawValue, "patternRule": finding.rule,
                    "classification": finding.classification,
                ],
            ], by: finding.suppressed)
    }

    private func dependentResult(
        _ usage: TargetUsage, _ dependent: Dependent, place: SourcePlace, blocking: Bool,
        identities: inout ResultIdentities
    ) -> [String: Any] {
        let text =
            "\(dependent.label) depends on \(usage.target) (\(dependent.evidence.rawValue), in \(dependent.origin)): \(dependent.reason). On drop: \(dependent.onDrop.description)."
        let logical: [String: Any] = [
            "name": dependent.name,
            "fullyQualifiedName": dependent.table.map { "\($0)/\(dependent.name)" } ?? dependent.name,
            "kind": dependent.kind.rawValue,
        ]
        return suppress(
            [
                "ruleId": Rule.databaseDependent.rawValue,
                "level": blocking ? "error" : "note",
                "message": ["text": plain(text)],
                "locations": [
                    [
                        "physicalLocation": physical(place.path, line: place.line, column: nil),
                        "logicalLocations": [logical],
                    ]
                ],
                "partialFingerprints": ["dropscanDependent/v1": identities.unique(dependent.fingerprint)],
                "properties": [
                    "target": usage.target, "evidence": dependent.evidence.rawValue, "kind": dependent.kind.rawValue,
                    "onDrop": dependent.onDrop.rawValue, "origin": dependent.origin,
                ],
            ], by: dependent.suppressed)
    }

    /// A repository-relative, percent-encoded URI against `%SRCROOT%`; an absolute path (a log outside
    /// the repository) becomes a `file` URI.
    private func physical(_ path: String, line: Int?, column: Int?) -> [String: Any] {
        let relative = RepositoryPath.relative(path)
        var artifact: [String: Any]
        if RepositoryPath.isRelative(relative) {
            artifact = ["uri": RepositoryPath.percentEncoded(relative), "uriBaseId": Self.sourceRoot]
        } else {
            artifact = ["uri": "file://" + RepositoryPath.percentEncoded(relative)]
        }
        var location: [String: Any] = ["artifactLocation": artifact]
        if let line, line > 0 {
            var region: [String: Any] = ["startLine": line]
            if let column, column > 0 { region["startColumn"] = column }
            location["region"] = region
        }
        return location
    }

    /// SARIF plain-text messages: `[` and `]` start embedded links, so literal ones are escaped, as is
    /// the backslash; control characters other than line breaks become U+FFFD.
    func plain(_ text: String) -> String {
        var out = ""
        for character in MarkdownText.singleLine(text) {
            if character == "[" || character == "]" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
