import Matching

/// The Markdown of a target's database evidence: the objects that depend on it, and a warning of what
/// `DROP … CASCADE` would silently take with it (views and policies go without an error once CASCADE is
/// written, so a reviewer must see them before the drop).
extension MarkdownReporter {
    func databaseDetails(_ usage: TargetUsage) -> [MarkdownDocument.Piece] {
        guard let database = usage.database, !database.isEmpty else { return [] }
        var pieces: [MarkdownDocument.Piece] = []
        if !database.missingFrom.isEmpty {
            let places = database.missingFrom.map { MarkdownText.code($0, limit: 160, inTable: false) }
            pieces.append(.text("\n❗ Not in \(places.joined(separator: ", ")): check the target's spelling.\n"))
        }
        pieces += countedStatements(database)
        pieces += tableActivityDetails(database.tableActivity ?? [], columnTarget: usage.column != nil)
        let dependents = database.dependents
        guard !dependents.isEmpty else { return pieces }
        let drop = usage.column == nil ? "DROP TABLE … CASCADE" : "ALTER TABLE … DROP COLUMN … CASCADE"
        let cascaded = dependents.filter { $0.onDrop == .cascade }
        if !cascaded.isEmpty {
            pieces.append(
                .list(
                    .init(
                        head: "\n> ⚠️ **`\(drop)` would silently drop** ",
                        items: cascaded.map { [.text(label($0))] }, separator: ", ",
                        tail: ". Without CASCADE the drop fails on them.\n", inline: true)))
        }
        let dropped = dependents.filter { $0.onDrop == .dropped }
        if !dropped.isEmpty {
            pieces.append(
                .list(
                    .init(
                        head: "\n> Dropped with it even without CASCADE: ",
                        items: dropped.map { [.text(label($0))] }, separator: ", ",
                        tail: ".\n", inline: true)))
        }
        pieces.append(
            .list(
                .init(
                    head:
                        "\n| Database object | Kind | Evidence | On drop | From | Definition |\n|---|---|---|---|---|---|\n",
                    items: dependents.map { [.text(dependentRow($0))] })))
        return pieces
    }

    /// `view `public.open_orders``, `policy `orders_visible` on `public.orders``.
    private func label(_ dependent: Dependent) -> String {
        let name = MarkdownText.code(dependent.name, limit: 120, inTable: false)
        let table = dependent.table.map { " on " + MarkdownText.code($0, limit: 120, inTable: false) } ?? ""
        switch dependent.kind {
        case .columnPrivilege: return "column privilege of \(name)\(table)"
        case .partitionKey: return "partition key of \(name)"
        default: return "\(dependent.kind.noun) \(name)\(table)"
        }
    }

    private func dependentRow(_ dependent: Dependent) -> String {
        let name = dependent.table.map { "\(dependent.name) on \($0)" } ?? dependent.name
        var from = MarkdownText.code(
            dependent.origin + (dependent.line.map { ":\($0)" } ?? ""), limit: 160, inTable: true)
        if let site = dependent.definedAt {
            from += "; " + MarkdownText.code("\(site.path):\(site.line)", limit: 160, inTable: true)
        }
        return "| \(MarkdownText.code(name, limit: 160, inTable: true)) | \(dependent.kind.noun)"
            + " | \(dependent.evidence.rawValue)\(dependent.suppressed.map { " (accepted: \(MarkdownText.code($0, limit: 120, inTable: true)))" } ?? "")"
            + " | \(dependent.onDrop.description)"
            + " | \(from) | \(MarkdownText.code(dependent.definition, limit: 300, inTable: true)) |\n"
    }

    /// The statement shapes `pg_stat_statements` counted, and how many of their executions the logs showed.
    private func countedStatements(_ database: DatabaseUsage) -> [MarkdownDocument.Piece] {
        guard let statements = database.statements, !statements.isEmpty else { return [] }
        var head = "\nCounted by `pg_stat_statements`"
        if let share = database.logCoverage {
            head +=
                ": the logs given accounted for \(share.logged) of \(share.executions) execution(s)"
                + (share.missedShapes > 0
                    ? "; \(share.missedExecutions) execution(s) of \(share.missedShapes) shape(s) never appeared in them"
                    : "")
        }
        head +=
            ".\n\n| Statement | Evidence | Calls | Rows | Role | Server | In logs |\n|---|---|---|---|---|---|---|\n"
        return [
            .list(
                .init(
                    head: head,
                    items: statements.map { use in
                        let evidence =
                            use.evidence.rawValue + (use.truncated == true ? " (cut short)" : "")
                            + (use.suppressed.map {
                                " (accepted: \(MarkdownText.code($0, limit: 120, inTable: true)))"
                            } ?? "")
                        let logged = use.inLogs.map { $0 ? "yes" : "**no**" } ?? "–"
                        return [
                            .text(
                                "| \(MarkdownText.code(use.text, limit: 300, inTable: true)) | \(evidence) | \(use.calls)"
                                    + " | \(use.rows) | \(MarkdownText.code(use.role, limit: 80, inTable: true))"
                                    + " | \(MarkdownText.code(use.server, limit: 160, inTable: true)) | \(logged) |\n")
                        ]
                    }))
        ]
    }

    /// One line per server: what the table's counters show (the table's, as context, for a column target).
    private func tableActivityDetails(_ activity: [TableActivity], columnTarget: Bool) -> [MarkdownDocument.Piece] {
        guard !activity.isEmpty else { return [] }
        let head = columnTarget ? "\nTable activity (the column's table, context only):\n" : "\nTable activity:\n"
        return [
            .list(
                .init(
                    head: head,
                    items: activity.map { entry in
                        let mark =
                            switch entry.outcome {
                            case .read, .written: columnTarget ? "" : "⛔ "
                            case .inconclusive: columnTarget ? "" : "❓ "
                            default: ""
                            }
                        return [
                            .text(
                                "- \(mark)**\(entry.outcome.rawValue)**: \(MarkdownText.text(entry.note, limit: 600))\n"
                            )
                        ]
                    }))
        ]
    }
}
