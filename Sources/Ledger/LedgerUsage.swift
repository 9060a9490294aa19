/// Adds a read's uses to the ledger with upserts that add counts and widen times, in key order, so that
/// concurrent sweepers adding to the same rows wait for each other instead of deadlocking.
struct UsageWriter {
    let connection: LedgerConnection

    func add(_ usage: [DailyUsage]) throws(LedgerError) {
        guard !usage.isEmpty else { return }
        let targets = try targetIDs(Set(usage.map(\.target)))
        let sorted = usage.sorted {
            (targets[$0.target] ?? 0, $0.server, $0.day) < (targets[$1.target] ?? 0, $1.server, $1.day)
        }
        let d = connection.dialect
        for day in sorted {
            guard let target = targets[day.target] else {
                throw .statementFailed(ledger: connection.label, message: "the target \(day.target) is not registered")
            }
            let key: [SQLValue] = [.integer(target), .text(day.server), .text(day.day)]
            try connection.query(
                """
                INSERT INTO ledger_usage (target_id, server, day, statements, failed, omitted_statements, omitted_failed,
                    group_shift) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (target_id, server, day) DO UPDATE SET
                    statements = ledger_usage.statements + excluded.statements,
                    failed = ledger_usage.failed + excluded.failed,
                    omitted_statements = ledger_usage.omitted_statements + excluded.omitted_statements,
                    omitted_failed = ledger_usage.omitted_failed + excluded.omitted_failed,
                    group_shift = \(d.greatest("ledger_usage.group_shift", "excluded.group_shift"))
                """,
                key + [
                    .integer(day.statements), .integer(day.failed), .integer(day.omittedStatements),
                    .integer(day.omittedFailed), .integer(Int64(day.groupShift)),
                ])
            for (dimension, names) in day.counts.sorted(by: { $0.key < $1.key }) {
                for (name, count) in names.sorted(by: { $0.key < $1.key }) {
                    try connection.query(
                        """
                        INSERT INTO ledger_usage_counts (target_id, server, day, dimension, name, count)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (target_id, server, day, dimension, name) DO UPDATE SET
                            count = ledger_usage_counts.count + excluded.count
                        """, key + [.text(dimension), .text(name), .integer(count)])
                }
            }
            for (evidence, seen) in day.seen.sorted(by: { $0.key < $1.key }) {
                try connection.query(
                    """
                    INSERT INTO ledger_usage_seen (target_id, server, day, evidence, first_ms, last_ms)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (target_id, server, day, evidence) DO UPDATE SET
                        first_ms = \(d.least("ledger_usage_seen.first_ms", "excluded.first_ms")),
                        last_ms = \(d.greatest("ledger_usage_seen.last_ms", "excluded.last_ms"))
                    """, key + [.text(evidence), .integer(seen.first), .integer(seen.last)])
            }
            for group in day.groups.sorted(by: { $0.key < $1.key }) {
                try addGroup(group, key: key)
            }
        }
    }

    private func addGroup(_ group: DailyUsage.Group, key: [SQLValue]) throws(LedgerError) {
        let d = connection.dialect
        let old = "ledger_groups"
        // The earliest sample by place (path, then offset), as a scan keeps it.
        let earlier =
            "(excluded.sample_path IS NOT NULL AND (\(old).sample_path IS NULL OR excluded.sample_path\(d.bytewise) < \(old).sample_path\(d.bytewise) OR (excluded.sample_path = \(old).sample_path AND excluded.sample_offset < \(old).sample_offset)))"
        func either(_ column: String, _ combine: (String, String) -> String) -> String {
            "\(column) = \(combine("COALESCE(\(old).\(column), excluded.\(column))", "COALESCE(excluded.\(column), \(old).\(column))"))"
        }
        try connection.query(
            """
            INSERT INTO ledger_groups (target_id, server, day, group_key, group_id, statement, evidence, evidence_rank,
                count, failed, first_ms, last_ms, sample_path, sample_line, sample_offset)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (target_id, server, day, group_key) DO UPDATE SET
                evidence = CASE WHEN excluded.evidence_rank < \(old).evidence_rank THEN excluded.evidence
                    ELSE \(old).evidence END,
                evidence_rank = \(d.least("\(old).evidence_rank", "excluded.evidence_rank")),
                count = \(old).count + excluded.count,
                failed = \(old).failed + excluded.failed,
                \(either("first_ms", d.least)),
                \(either("last_ms", d.greatest)),
                sample_path = CASE WHEN \(earlier) THEN excluded.sample_path ELSE \(old).sample_path END,
                sample_line = CASE WHEN \(earlier) THEN excluded.sample_line ELSE \(old).sample_line END,
                sample_offset = CASE WHEN \(earlier) THEN excluded.sample_offset ELSE \(old).sample_offset END
            """,
            key + [
                .integer(group.key), .text(group.id), .text(group.statement), .text(group.evidence),
                .integer(Int64(group.evidenceRank)), .integer(group.count), .integer(group.failed),
                SQLValue(group.firstMs), SQLValue(group.lastMs), SQLValue(group.samplePath), SQLValue(group.sampleLine),
                SQLValue(group.sampleOffset),
            ])
        for application in group.applications.sorted() {
            try connection.query(
                """
                INSERT INTO ledger_group_applications (target_id, server, day, group_key, application)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, key + [.integer(group.key), .text(application)])
        }
    }

    private func targetIDs(_ targets: Set<String>) throws(LedgerError) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for target in targets {
            if let id = try connection.query("SELECT id FROM ledger_targets WHERE target = ?", .text(target)).first?
                .first?.integer
            {
                result[target] = id
            }
        }
        return result
    }
}

/// Reads the part of the ledger a report covers.
struct HistoryReader {
    let connection: LedgerConnection

    func read(from: Int64?, to: Int64?, servers: [String], targets: [String]) throws(LedgerError) -> LedgerHistory {
        var history = LedgerHistory()
        let fromDay = from.map(LedgerDay.of) ?? ""
        let toDay = to.map(LedgerDay.of) ?? "9999-12-31"
        let serverSet = Set(servers)
        let targetSet = Set(targets)
        func wanted(_ server: String, _ target: String?) -> Bool {
            (serverSet.isEmpty || serverSet.contains(server))
                && (target.map { targetSet.isEmpty || targetSet.contains($0) } ?? true)
        }
        // Reads that overlap the window; those with no time (an input that could not be read) by when they ran.
        let reads = try connection.query(
            """
            SELECT server, path, read_ms, start_offset, end_offset, first_ms, last_ms, note, coverage, target_set,
                file_id FROM ledger_reads WHERE COALESCE(last_ms, read_ms) >= ? AND COALESCE(first_ms, read_ms) <= ?
            ORDER BY server, path, start_offset, id
            """, .integer(from ?? Int64.min), .integer(to ?? Int64.max))
        var members: [Int64: Set<String>] = [:]
        for row in try connection.query(
            "SELECT m.set_id, t.target FROM ledger_target_set_members m JOIN ledger_targets t ON t.id = m.target_id")
        {
            if let set = row[0].integer, let target = row[1].text { members[set, default: []].insert(target) }
        }
        for row in reads where wanted(row[0].text ?? "", nil) {
            history.reads.append(
                StoredRead(
                    fileID: row[10].integer, server: row[0].text ?? "", path: row[1].text ?? "",
                    readMs: row[2].integer ?? 0,
                    startOffset: row[3].integer ?? 0, endOffset: row[4].integer ?? 0, firstMs: row[5].integer,
                    lastMs: row[6].integer, note: row[7].text, coverage: row[8].text ?? "{}",
                    targets: members[row[9].integer ?? -1] ?? []))
        }
        let window = "u.day = '' OR (u.day >= ? AND u.day <= ?)"
        let days: [SQLValue] = [.text(fromDay), .text(toDay)]
        var usage: [String: DailyUsage] = [:]
        func key(_ target: String, _ server: String, _ day: String) -> String { "\(target)\u{0}\(server)\u{0}\(day)" }
        for row in try connection.query(
            """
            SELECT t.target, u.server, u.day, u.statements, u.failed, u.omitted_statements, u.omitted_failed,
                u.group_shift FROM ledger_usage u JOIN ledger_targets t ON t.id = u.target_id WHERE \(window)
            """, days)
        {
            let (target, server, day) = (row[0].text ?? "", row[1].text ?? "", row[2].text ?? "")
            guard wanted(server, target) else { continue }
            var entry = DailyUsage(target: target, server: server, day: day)
            entry.statements = row[3].integer ?? 0
            entry.failed = row[4].integer ?? 0
            entry.omittedStatements = row[5].integer ?? 0
            entry.omittedFailed = row[6].integer ?? 0
            entry.groupShift = Int(row[7].integer ?? 0)
            usage[key(target, server, day)] = entry
        }
        for row in try connection.query(
            """
            SELECT t.target, u.server, u.day, u.dimension, u.name, u.count
            FROM ledger_usage_counts u JOIN ledger_targets t ON t.id = u.target_id WHERE \(window)
            """, days)
        {
            let id = key(row[0].text ?? "", row[1].text ?? "", row[2].text ?? "")
            guard usage[id] != nil else { continue }
            usage[id]!.counts[row[3].text ?? "", default: [:]][row[4].text ?? ""] = row[5].integer ?? 0
        }
        for row in try connection.query(
            """
            SELECT t.target, u.server, u.day, u.evidence, u.first_ms, u.last_ms
            FROM ledger_usage_seen u JOIN ledger_targets t ON t.id = u.target_id WHERE \(window)
            """, days)
        {
            let id = key(row[0].text ?? "", row[1].text ?? "", row[2].text ?? "")
            guard usage[id] != nil else { continue }
            usage[id]!.seen[row[3].text ?? ""] = DailyUsage.Seen(first: row[4].integer ?? 0, last: row[5].integer ?? 0)
        }
        var applications: [String: [String]] = [:]
        for row in try connection.query(
            """
            SELECT t.target, u.server, u.day, u.group_key, u.application
            FROM ledger_group_applications u JOIN ledger_targets t ON t.id = u.target_id WHERE \(window)
            """, days)
        {
            let id = key(row[0].text ?? "", row[1].text ?? "", row[2].text ?? "") + "\u{0}\(row[3].integer ?? 0)"
            applications[id, default: []].append(row[4].text ?? "")
        }
        for row in try connection.query(
            """
            SELECT t.target, u.server, u.day, u.group_key, u.group_id, u.statement, u.evidence, u.evidence_rank,
                u.count, u.failed, u.first_ms, u.last_ms, u.sample_path, u.sample_line, u.sample_offset
            FROM ledger_groups u JOIN ledger_targets t ON t.id = u.target_id WHERE \(window)
            """, days)
        {
            let id = key(row[0].text ?? "", row[1].text ?? "", row[2].text ?? "")
            guard usage[id] != nil else { continue }
            let groupKey = row[3].integer ?? 0
            usage[id]!.groups.append(
                DailyUsage.Group(
                    key: groupKey, id: row[4].text ?? "", statement: row[5].text ?? "", evidence: row[6].text ?? "",
                    evidenceRank: Int(row[7].integer ?? 0), count: row[8].integer ?? 0, failed: row[9].integer ?? 0,
                    firstMs: row[10].integer, lastMs: row[11].integer, samplePath: row[12].text,
                    sampleLine: row[13].integer, sampleOffset: row[14].integer,
                    applications: (applications[id + "\u{0}\(groupKey)"] ?? []).sorted()))
        }
        history.usage = usage.values.sorted { ($0.target, $0.server, $0.day) < ($1.target, $1.server, $1.day) }
        return history
    }
}
