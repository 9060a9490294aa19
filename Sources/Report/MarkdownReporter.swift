import Foundation
import Matching

/// A Markdown report for a pull-request comment or a job summary: the verdict, the reason that decided
/// it and what to do next first, then a table of targets, each target's uses, and coverage. Every piece of
/// text from input is escaped (`MarkdownText`), the document stays within `markdownBudget` bytes, and a
/// hidden marker lets a CI job find and update its own comment.
public struct MarkdownReporter: Reporter {
    public static let format = "markdown"
    /// The first line of every Markdown report: a CI job searches its comments for it.
    public static let marker = "<!-- dropscan-report -->"
    public let options: ReportOptions

    public init(options: ReportOptions = ReportOptions()) { self.options = options }

    public func render(_ report: UsageReport) throws -> Data {
        let reporter = MarkdownReporter(options: options.adopting(report))
        return Data(reporter.document(report).render(budget: options.markdownBudget).utf8)
    }

    func document(_ report: UsageReport) -> MarkdownDocument {
        var doc = MarkdownDocument()
        let facts = report.targets.map { TargetFacts($0, options: options) }
        doc.append("\(Self.marker)\n## \(VerdictText.icon(report.verdict)) dropscan: \(report.verdict.rawValue)\n\n")
        doc.append("**Why:** \(MarkdownText.text(VerdictText.decidingReason(report)))\n\n")
        doc.append("**Next:** \(VerdictText.nextStep(report))\n\n")
        if report.reasons.count > 1 {
            doc.append(
                MarkdownDocument.List(
                    head: "Other reasons:\n\n",
                    items: report.reasons.dropFirst().map { [.text("- \(MarkdownText.text($0))\n")] },
                    weight: 1))
            doc.append("\n")
        }
        if !facts.isEmpty {
            let order = facts.sorted { rank($0.usage.verdict) < rank($1.usage.verdict) }
            doc.append(
                MarkdownDocument.List(
                    head:
                        "| Target | Verdict | Logged uses | Failed | Code uses | Applications | Last seen (blocking tiers) |\n|---|---|--:|--:|--:|---|---|\n",
                    items: order.map { [.text(summaryRow($0))] }, weight: 8))
            doc.append(
                "\nUses are counted \(options.blockingDescription) evidence (the blocking tiers); weaker matches are listed for review under each target.\n"
            )
            let accepted = facts.reduce(0) { $0 + $1.suppressedCount }
            if accepted > 0 {
                doc.append(
                    "\n\(accepted) use(s) accepted by the allowlist or the baseline are not counted and do not block; they are listed under their target.\n"
                )
            }
            doc.append(
                MarkdownDocument.List(
                    head: "", items: order.filter(hasDetails).map(details), tail: ""))
        }
        doc.pieces += coverage(report.coverage)
        doc.pieces += checklistSection(report)
        return doc
    }

    private func rank(_ verdict: Verdict) -> Int {
        switch verdict {
        case .blocked: 0
        case .inconclusive: 1
        case .pass: 2
        }
    }

    private func summaryRow(_ facts: TargetFacts) -> String {
        let usage = facts.usage
        let apps = facts.applications
        var appsCell = apps.prefix(3).map { MarkdownText.code($0, limit: 60, inTable: true) }.joined(separator: ", ")
        if apps.count > 3 { appsCell += " and \(apps.count - 3) more" }
        if apps.isEmpty { appsCell = "–" }
        return
            "| \(MarkdownText.code(usage.target, limit: 120, inTable: true)) | \(VerdictText.icon(usage.verdict)) \(usage.verdict.rawValue)"
            + " | \(facts.loggedUses) | \(facts.failed) | \(facts.blockingFindings.count) | \(appsCell)"
            + " | \(usage.runtime.lastSeen.map { MarkdownText.text($0) } ?? "–") |\n"
    }

    private func hasDetails(_ facts: TargetFacts) -> Bool {
        let code = facts.usage.code
        return !facts.blockingGroups.isEmpty || !facts.otherGroups.isEmpty || !code.findings.isEmpty
            || !facts.suppressedGroups.isEmpty
            || !code.deprecations.isEmpty || !code.declarations.isEmpty || facts.usage.migration != nil
            || !(facts.usage.database?.isEmpty ?? true)
    }

    private func place(_ path: String, line: Int, cell: Int? = nil) -> String {
        let label = cell.map { "\(path) cell \($0):\(line)" } ?? "\(path):\(line)"
        let code = MarkdownText.code(label, limit: 160, inTable: true)
        guard let repository = options.repository, RepositoryPath.isRelative(path), cell == nil else { return code }
        return "[\(code)](\(repository.url(path: path, line: line)))"
    }

    private func details(_ facts: TargetFacts) -> [MarkdownDocument.Piece] {
        let usage = facts.usage
        var pieces: [MarkdownDocument.Piece] = [
            .text(
                "\n### \(MarkdownText.code(usage.target, limit: 120, inTable: false)): \(VerdictText.icon(usage.verdict)) \(usage.verdict.rawValue)\n\n"
            )
        ]
        if let site = usage.migration {
            pieces.append(.text("Dropped by \(place(site.path, line: site.line)).\n\n"))
        }
        let seen = Evidence.allCases.compactMap { tier in
            usage.runtime.seenByEvidence[tier.rawValue].map {
                "\(tier.rawValue) \(MarkdownText.text($0.first)) to \(MarkdownText.text($0.last))"
            }
        }
        if !seen.isEmpty { pieces.append(.text("Seen in logs: \(seen.joined(separator: "; ")).\n\n")) }
        if !facts.applications.isEmpty {
            pieces.append(
                .list(
                    .init(
                        head: "Applications that ran these statements: ",
                        items: facts.applications.map { app in
                            let confirmed = usage.runtime.byApplication[app].map { " (\($0) confirmed)" } ?? ""
                            return [.text(MarkdownText.code(app, limit: 80, inTable: false) + confirmed)]
                        }, separator: ", ", tail: "\n\n", inline: true)))
        }
        pieces += databaseDetails(usage)
        pieces.append(
            .list(
                .init(
                    head:
                        "| Statement in logs | Evidence | Count | Failed | Applications | Last seen | Sample |\n|---|---|--:|--:|---|---|---|\n",
                    items: facts.blockingGroups.map { [.text(groupRow($0))] })))
        if let omitted = usage.runtime.groupsOmitted {
            pieces.append(
                .text(
                    "\n\(omitted.statements) execution(s) and \(omitted.failed) failed, of statement shapes not listed (at most \(omitted.limit) shapes are listed per target); they are in the counts above.\n"
                ))
        }
        pieces.append(
            .list(
                .init(
                    head: "\n| Code | Evidence | Rule | Snippet |\n|---|---|---|---|\n",
                    items: facts.blockingFindings.map { [.text(findingRow($0))] })))
        if let omitted = usage.code.findingsOmitted {
            let tiers = omitted.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            pieces.append(
                .text(
                    "\nCode findings not listed (past the report's limit per target, weakest first): \(tiers).\n"))
        }
        pieces.append(
            .list(
                .init(
                    head:
                        "\nAccepted by the allowlist or the baseline (not counted, not blocking):\n\n| Where | Evidence | Use | Accepted by |\n|---|---|---|---|\n",
                    items: facts.suppressedGroups.map { [.text(acceptedRow($0))] }
                        + facts.suppressedFindings.map { [.text(acceptedRow($0))] })))
        pieces.append(
            .list(
                .init(
                    head:
                        "\nBelow the blocking tier, listed for review:\n\n| Statement in logs | Evidence | Count | Failed | Applications | Last seen | Sample |\n|---|---|--:|--:|---|---|---|\n",
                    items: facts.otherGroups.map { [.text(groupRow($0))] })))
        let possibleFiles = usage.code.possibleByFile.sorted { $0.key < $1.key }
        let otherFindings = facts.otherFindings.filter { $0.evidence != .possible }
        pieces.append(
            .list(
                .init(
                    head:
                        "\nCode below the blocking tier, listed for review:\n\n| Code | Evidence | Rule | Snippet |\n|---|---|---|---|\n",
                    items: otherFindings.map { [.text(findingRow($0))] })))
        if options.blocks(.possible) == false {
            pieces.append(
                .list(
                    .init(
                        head: "\nName-only (`possible`) matches by file: ",
                        items: possibleFiles.map {
                            [.text("\(MarkdownText.code($0.key, limit: 160, inTable: false)) (\($0.value))")]
                        },
                        separator: ", ", tail: "\n", inline: true)))
        }
        pieces.append(
            .list(
                .init(
                    head: "\nPrepared for the drop: ",
                    items: usage.code.deprecations.map {
                        [
                            .text(
                                "\(place($0.placePath, line: $0.line, cell: $0.cell)) (\(MarkdownText.code($0.rule, limit: 80, inTable: false)))"
                            )
                        ]
                    }, separator: ", ", tail: "\n", inline: true)))
        if !usage.code.declarations.isEmpty {
            pieces.append(
                .text("\nDeclarations (migrations, schema dumps; not uses): \(usage.code.declarations.count)\n"))
        }
        return pieces
    }

    private func groupRow(_ group: StatementGroup) -> String {
        let apps =
            group.applications.prefix(3).map { MarkdownText.code($0, limit: 60, inTable: true) }
            .joined(separator: ", ") + (group.applications.count > 3 ? " and \(group.applications.count - 3) more" : "")
        let sample = group.sample.map { MarkdownText.code("\($0.path):\($0.line)", limit: 160, inTable: true) } ?? "–"
        return
            "| \(MarkdownText.code(group.statement, limit: 300, inTable: true)) | \(group.evidence.rawValue) | \(group.count)"
            + " | \(group.failed) | \(apps.isEmpty ? "–" : apps) | \(group.lastSeen.map { MarkdownText.text($0) } ?? "–")"
            + " | \(sample) |\n"
    }

    private func acceptedRow(_ group: StatementGroup) -> String {
        "| logs: \(group.count) execution(s)\(group.failed > 0 ? ", \(group.failed) failed" : "") | \(group.evidence.rawValue)"
            + " | \(MarkdownText.code(group.statement, limit: 300, inTable: true))"
            + " | \(MarkdownText.code(group.suppressed ?? "", limit: 120, inTable: true)) |\n"
    }

    private func acceptedRow(_ finding: CodeFinding) -> String {
        "| \(place(finding.placePath, line: finding.line, cell: finding.cell)) | \(finding.evidence.rawValue)"
            + " | \(MarkdownText.code(finding.snippet, limit: 200, inTable: true))"
            + " | \(MarkdownText.code(finding.suppressed ?? "", limit: 120, inTable: true)) |\n"
    }

    private func findingRow(_ finding: CodeFinding) -> String {
        "| \(place(finding.placePath, line: finding.line, cell: finding.cell)) | \(finding.evidence.rawValue)"
            + " | \(MarkdownText.code(finding.rule, limit: 80, inTable: true))"
            + " | \(MarkdownText.code(finding.snippet, limit: 200, inTable: true)) |\n"
    }

    private func coverage(_ coverage: Coverage) -> [MarkdownDocument.Piece] {
        var lines: [String] = []
        lines.append(
            "- Log files: \(coverage.logFiles), source files: \(coverage.sourceFiles), bytes read: \(coverage.bytesRead)\n"
        )
        if let window = coverage.window {
            lines.append("- Time window: \(MarkdownText.text(window.from)) to \(MarkdownText.text(window.to))\n")
        }
        if let mode = coverage.statementLogging {
            lines.append("- Statement logging: \(MarkdownText.code(mode, limit: 60, inTable: false))\n")
        }
        if let note = coverage.statementLoggingNote { lines.append("- \(MarkdownText.text(note))\n") }
        if !coverage.gaps.isEmpty { lines.append("- Gaps with no log entries: \(coverage.gaps.count)\n") }
        if let entries = coverage.entries {
            lines.append("- Log entries parsed: \(entries.parsed), unparsed: \(entries.unparsed)\n")
        }
        if !coverage.skipped.isEmpty { lines.append("- Files skipped: \(coverage.skipped.count)\n") }
        for server in coverage.database?.servers ?? [] {
            let role = server.replica ? "replica" : "primary"
            let state =
                server.error.map { "❗ not read to the end: \(MarkdownText.text($0, limit: 300))" } ?? "catalog read"
            lines.append(
                "- Database \(MarkdownText.code(server.server, limit: 160, inTable: false)) (\(role), PostgreSQL \(MarkdownText.text(server.version, limit: 80))): \(state)\n"
            )
        }
        for file in coverage.database?.schemaFiles ?? [] {
            lines.append("- Schema file: \(MarkdownText.code(file, limit: 160, inTable: false))\n")
        }
        let errors = coverage.errors.map { error in
            "- ❗ \(MarkdownText.code(error.path, limit: 160, inTable: false)) at byte \(error.offset): \(MarkdownText.text(error.message, limit: 300))\n"
        }
        // Every skipped input with its reason; those that may hold a use first.
        let skipped =
            coverage.skipped.filter { $0.mayHoldUse == true } + coverage.skipped.filter { $0.mayHoldUse != true }
        let skippedItems = skipped.map { input in
            "- \(input.mayHoldUse == true ? "❗" : "⏭") skipped \(MarkdownText.code(input.path, limit: 160, inTable: false)): \(MarkdownText.text(input.reason, limit: 300))\n"
        }
        var pieces: [MarkdownDocument.Piece] = [
            .text("\n### Coverage\n\n" + lines.joined()),
            .list(MarkdownDocument.List(head: "", items: errors.map { [.text($0)] }, weight: 4)),
            .list(MarkdownDocument.List(head: "", items: skippedItems.map { [.text($0)] }, weight: 3)),
        ]
        if let files = coverage.logFormats, !files.isEmpty {
            let rows = files.map { file in
                "| \(MarkdownText.code(file.path, limit: 160, inTable: true)) | \(MarkdownText.text(file.format, limit: 40))"
                    + " | \(file.prefix.map { MarkdownText.code($0, limit: 120, inTable: true) } ?? "-")"
                    + " | \(MarkdownText.text(file.decidedText, limit: 120)) |\n"
            }
            pieces.append(
                .list(
                    MarkdownDocument.List(
                        head: "\n| log file | format | log_line_prefix | decided |\n|---|---|---|---|\n",
                        items: rows.map { [.text($0)] }, weight: 2)))
        }
        return pieces
    }
}
