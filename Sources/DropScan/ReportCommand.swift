import Foundation
import Gate
import Matching
import Report

/// `dropscan report`: renders a saved JSON report in another format.
public enum ReportCommand {
    /// What `dropscan report` was asked for.
    public struct Request: Sendable {
        public var report: String
        public var format: String
        public var output: String
        public var blockOn: String
        public var repoURL: String?
        public var commit: String?

        public init(
            report: String, format: String, output: String = "-", blockOn: String = "probable", repoURL: String? = nil,
            commit: String? = nil
        ) {
            self.report = report
            self.format = format
            self.output = output
            self.blockOn = blockOn
            self.repoURL = repoURL
            self.commit = commit
        }
    }

    /// Renders and writes; 0 when written, 2 for a usage error or an unreadable report. With `github`, the
    /// Markdown report is also appended to `$GITHUB_STEP_SUMMARY` when that is set.
    public static func run(_ request: Request, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Int32
    {
        do {
            guard let format = ReportFormat(name: request.format) else {
                let names = ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")
                throw UsageError("--format must be one of md, \(names), not '\(request.format)'")
            }
            guard let blockOn = Evidence(rawValue: request.blockOn), blockOn != .notAUse else {
                throw UsageError(
                    "--block-on must be confirmed, implicit, probable or possible, not '\(request.blockOn)'")
            }
            let repository = try RepositoryLink.resolve(
                repoURL: request.repoURL, commit: request.commit, environment: environment)
            let report = try read(request.report)
            let options = ReportOptions(blockOn: blockOn, repository: repository)
            try ReportOutputs.write(
                format.reporter(options).render(report), to: request.output, format: format.rawValue)
            if format == .github, let summary = environment["GITHUB_STEP_SUMMARY"], !summary.isEmpty {
                try appendStepSummary(report, options: options, to: summary)
            }
            return 0
        } catch {
            StandardError.write("dropscan: \(error)\n")
            return ExitCode.usage.rawValue
        }
    }

    static func read(_ path: String) throws -> UsageReport {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw UsageError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            data = contents
        }
        do {
            return try JSONReporter.decode(data)
        } catch {
            throw UsageError("\(path) is not a dropscan JSON report: \(error)")
        }
    }

    /// Appends the Markdown report to the step's summary file, within what is left of GitHub's 1 MiB.
    static func appendStepSummary(_ report: UsageReport, options: ReportOptions, to path: String) throws {
        let existing = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var summaryOptions = options
        summaryOptions.markdownBudget = GitHubAnnotationsReporter.stepSummaryLimit - existing - 1024
        guard summaryOptions.markdownBudget > 4096 else {
            throw UsageError(
                "\(path) holds \(existing) bytes already: no room for the job summary (GitHub's limit is 1 MiB)")
        }
        let data = try MarkdownReporter(options: summaryOptions).render(report)
        // Appended, not replaced: the summary file holds the job's other steps' summaries too.
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw WriteError(
                description: "cannot append the job summary to \(path): \(String(cString: strerror(errno))).")
        }
        defer { close(descriptor) }
        do {
            try AtomicFile.writeAll(data, to: descriptor)
        } catch {
            throw WriteError(description: "cannot append the job summary to \(path): \(error.reason).")
        }
    }
}
