import ArgumentParser
import DropScan
import Foundation

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scan logs and sources for uses of the targets and write a usage report.")

    @OptionGroup var options: ScanOptions

    @Option(help: "The weakest evidence that blocks: confirmed, implicit, probable or possible.")
    var blockOn: String = "probable"

    @Flag(help: "Accept logs that show only slow or failed statements as enough for a pass.")
    var acceptPartialLogging = false

    @Flag(name: [.short, .long], help: "Print no summary on stderr.")
    var quiet = false

    @Flag(help: "Print timings and the SQL parser's cache statistics on stderr.")
    var stats = false

    @Option(help: "The repository's web address, for file and line links (default: GitHub's or GitLab's CI variables).")
    var repoURL: String?

    @Option(help: "The commit the links point at (default: GITHUB_SHA or CI_COMMIT_SHA).")
    var commit: String?

    @Option(help: "Print how a target resolved to models, files and rules on stderr (repeatable).")
    var explain: [String] = []

    func run() throws {
        var request = options.request(blockOn: blockOn, acceptPartialLogging: acceptPartialLogging, quiet: quiet)
        request.stats = stats
        request.repoURL = repoURL
        request.commit = commit
        request.explain = explain
        throw ExitRequest(code: ScanCommandRunner.run(request))
    }
}

struct Patterns: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the pattern library.", subcommands: [Check.self, List.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile every rule for its sample target and run its samples; report each error with its place.")

        @Argument(help: "Directories of .rules files (default: the bundled Patterns/).")
        var directories: [String] = []

        func run() throws { throw ExitRequest(code: PatternCommands.check(directories: directories)) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the rules: id, applies-to, evidence, description.")

        @Argument(help: "Directories of .rules files (default: the bundled Patterns/).")
        var directories: [String] = []

        func run() throws { throw ExitRequest(code: PatternCommands.list(directories: directories)) }
    }
}

struct Inputs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the input list a scan would read, in --files-from format, so a scheduler can shard it.")

    @Option(help: "PostgreSQL log files, directories or globs (repeatable).")
    var logs: [String] = []

    @Option(help: "Source trees (repeatable).")
    var source: [String] = []

    @Flag(name: .customLong("follow"), help: "Follow symbolic links in source trees.")
    var followSymlinks = false

    func run() throws {
        throw ExitRequest(code: InputsCommand.run(logs: logs, sources: source, followSymlinks: followSymlinks))
    }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the JSON reports of a scan's shards into one report (and exit code).")

    @Argument(help: "JSON reports written by `dropscan scan --json`.")
    var reports: [String]

    @Option(help: "Write the merged JSON report here ('-' for stdout).")
    var json: String?

    @Option(help: "Write a Markdown report here ('-' for stdout).")
    var markdown: String?

    @Option(help: "Write a SARIF report here ('-' for stdout).")
    var sarif: String?

    @Flag(name: [.short, .long], help: "Print no summary on stderr.")
    var quiet = false

    func run() throws {
        throw ExitRequest(
            code: MergeCommand.run(reports: reports, json: json, markdown: markdown, sarif: sarif, quiet: quiet))
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Render a saved JSON report as Markdown, SARIF, JUnit XML, GitHub annotations or GitLab Code Quality.",
        discussion: """
            With --format github, the annotations go to --output and the Markdown report is appended to
            $GITHUB_STEP_SUMMARY when it is set.
            """)

    @Option(help: "A JSON report written by `dropscan scan --json` ('-' for stdin).")
    var report: String

    @Option(help: "md, markdown, sarif, junit, github, gitlab, json or summary.")
    var format: String

    @Option(help: "Where to write it ('-' for stdout).")
    var output: String = "-"

    @Option(
        help:
            "The --block-on tier the scan used, for reports that do not record their policy (a report that does is rendered with its own)."
    )
    var blockOn: String = "probable"

    @Option(help: "The repository's web address, for file and line links (default: GitHub's or GitLab's CI variables).")
    var repoURL: String?

    @Option(help: "The commit the links point at (default: GITHUB_SHA or CI_COMMIT_SHA).")
    var commit: String?

    func run() throws {
        throw ExitRequest(
            code: ReportCommand.run(
                .init(
                    report: report, format: format, output: output, blockOn: blockOn, repoURL: repoURL,
                    commit: commit)))
    }
}
