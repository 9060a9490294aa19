extension MarkdownReporter {
    /// The seven-item checklist and a block ready to paste into the pull request's "Evidence" section;
    /// nothing when the policy did not evaluate the checklist. Details hold attesters' names and notes from
    /// files beside the migration: escaped like any input (`MarkdownText`) and cut to a length, so that the
    /// section stays small inside the document's budget.
    func checklistSection(_ report: UsageReport) -> [MarkdownDocument.Piece] {
        guard let decision = report.decision, !decision.checklist.isEmpty else { return [] }
        let marks: [ChecklistItem.Status: String] = [
            .verified: "✅ verified", .attested: "✅ attested", .waived: "➖ waived", .missing: "⚠️ missing",
            .failed: "⛔ failed",
        ]
        let rows = decision.checklist.enumerated().map { number, item in
            "| \(number + 1) | \(MarkdownText.text(item.title, limit: 80)) | \(marks[item.status] ?? item.status.rawValue)"
                + " | \(MarkdownText.text(item.detail, limit: 300)) |\n"
        }
        var paste = "\n### Evidence (paste into the pull request)\n\n```text\n"
        paste +=
            "dropscan \(Self.fenceLine(report.tool.version, limit: 40)): \(decision.verdict.rawValue): \(Self.fenceLine(decision.reason, limit: 400))\n"
        for item in decision.checklist {
            let box = item.status == .verified || item.status == .attested || item.status == .waived ? "[x]" : "[ ]"
            paste +=
                "\(box) \(Self.fenceLine(item.title, limit: 80)): \(item.status.rawValue). \(Self.fenceLine(item.detail, limit: 300))\n"
        }
        paste += "```\n"
        return [
            .list(
                MarkdownDocument.List(
                    head: "\n### Checklist\n\n| | Evidence | Status | Detail |\n|---:|---|---|---|\n",
                    items: rows.map { [.text($0)] }, weight: 7)),
            .text(paste),
        ]
    }

    /// Text inside the fenced block, on one line and cut to `limit`: every line starts with dropscan's own
    /// words, so no line can begin with backticks and close the fence, and a fenced block renders nothing.
    static func fenceLine(_ text: String, limit: Int) -> String {
        MarkdownText.truncated(MarkdownText.singleLine(text), limit: limit)
    }
}
