import Foundation
import Matching

/// Renders a report in one output format. Every format is rendered from the same `UsageReport`, and
/// every piece of text that came from input is escaped for the format by the reporter that writes it.
public protocol Reporter {
    /// The format's name on the command line (`json`, `markdown`, `sarif`, …).
    static var format: String { get }
    func render(_ report: UsageReport) throws -> Data
}

/// What a reporter needs beyond the report: the blocking tier the verdict used, and where the
/// repository lives so that places can be links.
public struct ReportOptions: Sendable, Equatable {
    /// The weakest evidence that blocks (the scan's `--block-on`): counts, levels and severities follow it.
    public var blockOn: Evidence
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
        self.repository = repository
        self.markdownBudget = markdownBudget
        self.maxSARIFResults = maxSARIFResults
    }

    /// Whether evidence of this tier blocks: the rule `GatePolicy.blocks` applies.
    public func blocks(_ evidence: Evidence) -> Bool { evidence.isUse && evidence <= blockOn }
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
        case .summary: SummaryReporter()
        }
    }
}
