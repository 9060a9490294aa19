extension MarkdownReporter {
    /// The seven-item checklist and a block ready to paste into the pull request's "Evidence" section;
    /// empty when the policy did not evaluate the checklist.
    func checklistSection(_ report: UsageReport) -> String {
        guard let decision = report.decision, !decision.checklist.isEmpty else { return "" }
        let marks: [ChecklistItem.Status: String] = [
            .verified: "✅ verified", .attested: "✅ attested", .waived: "➖ waived", .missing: "⚠️ missing",
            .failed: "⛔ failed",
        ]
        var out = "\n### Checklist\n\n| | Evidence | Status | Detail |\n|---:|---|---|---|\n"
        for (number, item) in decision.checklist.enumerated() {
            out +=
                "| \(number + 1) | \(item.title) | \(marks[item.status] ?? item.status.rawValue) | \(Self.plainCell(item.detail)) |\n"
        }
        out += "\n### Evidence (paste into the pull request)\n\n"
        out += "```text\n"
        out += "dropscan \(report.tool.version): \(decision.verdict.rawValue): \(Self.fenceSafe(decision.reason))\n"
        for item in decision.checklist {
            let box = item.status == .verified || item.status == .attested || item.status == .waived ? "[x]" : "[ ]"
            out += "\(box) \(item.title): \(item.status.rawValue). \(Self.fenceSafe(item.detail))\n"
        }
        out += "```\n"
        return out
    }

    /// Text from input inside a table cell: no raw HTML, no cell break, no code span, link or mention.
    static func plainCell(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "|", "\\", "`", "*", "_", "[", "]", "(", ")", "#", "!", "~": out += "\\\(character)"
            case "@": out += "@\u{2060}"
            case "\n", "\r": out += " "
            default: out.append(character)
            }
        }
        return out
    }

    /// Text inside the fenced block, on one line: every line starts with dropscan's own words, so no line
    /// can begin with backticks and close the fence.
    static func fenceSafe(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
