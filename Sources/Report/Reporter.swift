import Foundation
import Matching

/// Renders a report in one output format. Every format is rendered from the same `UsageReport`, and
/// every piece of text that came from input is escaped for the format by the reporter that writes it.
public protocol Reporter {
    /// The format's name on the command line (`json`, `markdown`, `sarif`, …).
    static var format: String { get }
    func render(_ report: UsageReport) throws -> Data
}

/// What a reporter needs beyond the report: the blocking tiers the verdict used, and where the
/// repository lives so that places can be links. A report that records its policy (`run.policy`) is
/// rendered with that policy's tiers (``adopting(_:)``), whatever these options say.
public struct ReportOptions: Sendable, Equatable {
    /// The weakest evidence that blocks (the scan's `--block-on`).
    public var blockOn: Evidence
    /// The tiers that block: counts, levels and severities follow them.
    public var blocking: Set<Evidence>
    /// The repository and commit, for links to files and lines; `nil` writes places without links.
    public var repository: RepositoryLink?
    /// Markdown: the most UTF-8 bytes the document may take (a pull-request comment holds 65,536 characters).
    public var markdownBudget: Int
    /// SARIF: the most results in a run (GitHub code scanning accepts 25,000).
    public var maxSARIFResults: Int

    public init(
        blockOn: Evidence = .probable, repository: RepositoryLink? = nil, markdownBudget: Int = 60_000,
        maxSARIFResults: Int = 25_000
    ) {
        self.blockOn = blockOn
        blocking = Set(Evidence.allCases.filter { $0.isUse && $0 <= blockOn })
        self.repository = repository
        self.markdownBudget = markdownBudget
        self.maxSARIFResults = maxSARIFResults
    }

    /// Whether evidence of this tier blocks: the rule `GatePolicy.blocks` applies.
    public func blocks(_ evidence: Evidence) -> Bool { evidence.isUse && blocking.contains(evidence) }

    /// These options with the blocking tiers the report's verdicts were decided with, when the report
    /// records its policy (`run.policy`), so that a saved report renders as it was decided.
    public func adopting(_ report: UsageReport) -> ReportOptions {
        guard let policy = report.run?.policy else { return self }
        var options = self
        options.blocking = Set(policy.block.filter(\.isUse))
        options.blockOn = options.blocking.max() ?? .confirmed
        return options
    }

    /// The blocking tiers in a sentence: "from `confirmed` down to `probable`", or "at `confirmed` and
    /// `possible`" when they are not a run from `confirmed`.
    public var blockingDescription: String {
        let tiers = Evidence.allCases.filter { $0.isUse && blocking.contains($0) }.map { "`\($0.rawValue)`" }
        guard let weakest = tiers.last else { return "at no tier (nothing blocks)" }
        if tiers == Evidence.allCases.filter({ $0.isUse }).prefix(tiers.count).map({ "`\($0.rawValue)`" }) {
            return tiers.count == 1 ? "at \(weakest)" : "from \(tiers[0]) down to \(weakest)"
        }
        return "at " + tiers.dropLast().joined(separator: ", ") + " and \(weakest)"
    }
}

/// The formats `dropscan report --format` renders, with their reporters.
public enum ReportFormat: String, CaseIterable, Sendable {
    case json
    case markdown
    case sarif
    case junit
    case github
    case gitlab
    case summary

    /// A format by its name or short name (`md`).
    public init?(name: String) {
        if name == "md" {
            self = .markdown
            return
        }
        self.init(rawValue: name)
    }

    /// The reporter for this format.
    public func reporter(_ options: ReportOptions) -> any Reporter {
        switch self {
        case .json: JSONReporter()
        case .markdown: MarkdownReporter(options: options)
        case .sarif: SARIFReporter(options: options)
        case .junit: JUnitReporter(options: options)
        case .github: GitHubAnnotationsReporter(options: options)
        case .gitlab: GitLabCodeQualityReporter(options: options)
        case .summary: SummaryReporter(options: options)
        }
    }
}
