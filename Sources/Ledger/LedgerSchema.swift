/// The ledger's tables, versioned: `ledger_meta.schema_version` says which migrations have run, and opening
/// a ledger runs the missing ones in one transaction. A ledger newer than this dropscan is refused.
///
/// Documented for people who query the ledger directly in `Reports/ledger/README.md`.
enum LedgerSchema {
    /// The version this dropscan writes.
    static let version = 1

    /// Migration `n` (index `n - 1`) takes a ledger from version `n - 1` to `n`.
    static func migrations(_ dialect: LedgerDialect) -> [[String]] {
        let id = dialect.identity
        let text = dialect == .postgres ? "TEXT COLLATE \"C\"" : "TEXT"
        return [
            [
                "CREATE TABLE ledger_targets (id \(id), target \(text) NOT NULL UNIQUE)",
                // One row per log file as its content identifies it (a hash of its first bytes), whatever its
                // name: `consumed` bytes of its (decompressed) text are counted.
                """
                CREATE TABLE ledger_files (
                    id \(id), server \(text) NOT NULL, identity \(text) NOT NULL, head_length BIGINT NOT NULL,
                    path \(text) NOT NULL, device BIGINT, inode BIGINT, compressed INTEGER NOT NULL,
                    consumed BIGINT NOT NULL, consumed_lines BIGINT NOT NULL, size BIGINT NOT NULL,
                    complete INTEGER NOT NULL, first_read_ms BIGINT NOT NULL, last_read_ms BIGINT NOT NULL,
                    last_seen_ms BIGINT NOT NULL, UNIQUE (server, identity))
                """,
                "CREATE INDEX ledger_files_place ON ledger_files (server, path)",
                "CREATE TABLE ledger_target_sets (id \(id), digest \(text) NOT NULL UNIQUE)",
                """
                CREATE TABLE ledger_target_set_members (
                    set_id BIGINT NOT NULL REFERENCES ledger_target_sets (id),
                    target_id BIGINT NOT NULL REFERENCES ledger_targets (id), PRIMARY KEY (set_id, target_id))
                """,
                // One row per stretch of a file a sweep read (or per input it could not read): what it covered.
                """
                CREATE TABLE ledger_reads (
                    id \(id), file_id BIGINT REFERENCES ledger_files (id) ON DELETE SET NULL,
                    server \(text) NOT NULL, path \(text) NOT NULL, read_ms BIGINT NOT NULL,
                    start_offset BIGINT NOT NULL, end_offset BIGINT NOT NULL, first_ms BIGINT, last_ms BIGINT,
                    target_set BIGINT NOT NULL REFERENCES ledger_target_sets (id), note \(text),
                    coverage \(text) NOT NULL)
                """,
                "CREATE INDEX ledger_reads_time ON ledger_reads (server, last_ms)",
                // Uses per target, server and UTC day ('' for entries without a time).
                """
                CREATE TABLE ledger_usage (
                    target_id BIGINT NOT NULL REFERENCES ledger_targets (id), server \(text) NOT NULL,
                    day \(text) NOT NULL, statements BIGINT NOT NULL, failed BIGINT NOT NULL,
                    omitted_statements BIGINT NOT NULL, omitted_failed BIGINT NOT NULL, group_shift INTEGER NOT NULL,
                    PRIMARY KEY (target_id, server, day))
                """,
                """
                CREATE TABLE ledger_usage_counts (
                    target_id BIGINT NOT NULL, server \(text) NOT NULL, day \(text) NOT NULL,
                    dimension \(text) NOT NULL, name \(text) NOT NULL, count BIGINT NOT NULL,
                    PRIMARY KEY (target_id, server, day, dimension, name))
                """,
                """
                CREATE TABLE ledger_usage_seen (
                    target_id BIGINT NOT NULL, server \(text) NOT NULL, day \(text) NOT NULL,
                    evidence \(text) NOT NULL, first_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL,
                    PRIMARY KEY (target_id, server, day, evidence))
                """,
                """
                CREATE TABLE ledger_groups (
                    target_id BIGINT NOT NULL, server \(text) NOT NULL, day \(text) NOT NULL, group_key BIGINT NOT NULL,
                    group_id \(text) NOT NULL, statement \(text) NOT NULL, evidence \(text) NOT NULL,
                    evidence_rank INTEGER NOT NULL, count BIGINT NOT NULL, failed BIGINT NOT NULL, first_ms BIGINT,
                    last_ms BIGINT, sample_path \(text), sample_line BIGINT, sample_offset BIGINT,
                    PRIMARY KEY (target_id, server, day, group_key))
                """,
                """
                CREATE TABLE ledger_group_applications (
                    target_id BIGINT NOT NULL, server \(text) NOT NULL, day \(text) NOT NULL, group_key BIGINT NOT NULL,
                    application \(text) NOT NULL, PRIMARY KEY (target_id, server, day, group_key, application))
                """,
            ]
        ]
    }

    /// Creates or migrates the ledger's tables; refuses a ledger newer than this dropscan, and a database
    /// that holds other tables but no ledger.
    static func prepare(_ connection: LedgerConnection) throws(LedgerError) {
        let dialect = connection.dialect
        let create = "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        // A ledger at this version is only read here: a sweeper does not wait for another's write lock to start.
        if let stored = try? connection.query("SELECT value FROM ledger_meta WHERE key = 'schema_version'"),
            stored.first?.first?.integer == Int64(version)
        {
            return
        }
        for attempt in 1...5 {
            do throws(LedgerError) {
                try connection.begin()
                if dialect == .postgres {
                    // Sweepers starting together: one creates the tables, the others wait for it.
                    try connection.query("SELECT pg_advisory_xact_lock(4242001)")
                }
                try connection.query(create)
                let stored = try connection.query("SELECT value FROM ledger_meta WHERE key = 'schema_version'")
                let current = stored.first?.first?.integer.map(Int.init) ?? 0
                // (The catch below rolls back.)
                if current > version {
                    throw LedgerError.newerSchema(ledger: connection.label, version: current, supported: version)
                }
                if current == 0, try hasForeignTables(connection) {
                    throw LedgerError.notALedger(ledger: connection.label)
                }
                let steps = migrations(dialect)
                for step in steps[current...] {
                    for statement in step { try connection.query(statement) }
                }
                if current < version {
                    try connection.query(
                        "INSERT INTO ledger_meta (key, value) VALUES ('schema_version', ?) "
                            + "ON CONFLICT (key) DO UPDATE SET value = excluded.value", .text(String(version)))
                }
                try connection.commit()
                return
            } catch {
                connection.rollback()
                if case .retry = error, attempt < 5 { continue }
                throw error
            }
        }
    }

    /// Whether the database holds tables that are not the ledger's (only asked of a ledger with no version).
    private static func hasForeignTables(_ connection: LedgerConnection) throws(LedgerError) -> Bool {
        let sql =
            connection.dialect == .sqlite
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'ledger_%'"
            : "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE 'ledger_%'"
        return (try connection.query(sql).first?.first?.integer ?? 0) > 0
    }
}
