/// One row of `pg_stat_statements`: a statement shape the server counted, per role and database.
public struct CountedStatement: Sendable, Equatable {
    /// `queryid` (a signed 64-bit number, as text).
    public var queryid: String
    /// The text as the extension stores it: constants replaced by `$1`, `$2`, …. `nil` when the server could
    /// not return it (its external text file was unreadable, or the role may not see other roles' texts).
    public var text: String?
    public var calls: Int
    public var rows: Int
    /// `rolname` of `userid`.
    public var role: String
    /// `datname` of `dbid`.
    public var database: String

    public init(queryid: String, text: String?, calls: Int, rows: Int, role: String, database: String) {
        self.queryid = queryid
        self.text = text
        self.calls = calls
        self.rows = rows
        self.role = role
        self.database = database
    }
}

/// What `pg_stat_statements` held for the connected database when it was read.
public struct StatementStatistics: Sendable, Equatable {
    public var statements: [CountedStatement] = []
    /// Since when it counted (UTC, ISO 8601): `pg_stat_statements_info.stats_reset` (PostgreSQL 14 and later),
    /// else the server's start (`pg_postmaster_start_time()`).
    public var since: String?
    /// `track_activity_query_size` in bytes.
    public var querySize: Int?
    /// Entries evicted since `since` (`pg_stat_statements_info.dealloc`): counted uses may be among them.
    public var evicted: Int?
    /// Why nothing could be read (one sentence): the extension is not installed in this database, not loaded,
    /// or cannot be read by this role.
    public var unavailable: String?

    public init() {}
}

extension DatabaseSession {
    /// Reads `pg_stat_statements` for the connected database (the view of whichever schema the extension is
    /// installed in), in one snapshot. A database without the extension, or a server that did not load it
    /// (`shared_preload_libraries`), gives `unavailable` instead of an error; a lost connection throws.
    public func countedStatements() throws(DatabaseError) -> StatementStatistics {
        var result = StatementStatistics()
        do {
            try snapshot { () throws(DatabaseError) in
                let installed = try connection.query(StatementQueries.extensionSchema)
                guard let schema = installed.value(0, "schema") else {
                    result.unavailable =
                        "pg_stat_statements is not installed in \(server), so statements that ran there without reaching the logs could not be counted: run CREATE EXTENSION pg_stat_statements in that database (with pg_stat_statements in shared_preload_libraries)."
                    return
                }
                let settings = try connection.query(StatementQueries.settings)
                result.querySize = settings.value(0, "query_size").flatMap { Int($0) }
                result.since = settings.value(0, "started")
                let quoted = "\"" + schema.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                let hasInfo = try connection.query(StatementQueries.hasInfo, [quoted + ".pg_stat_statements_info"])
                if hasInfo.value(0, "present") == "true" {
                    let info = try connection.query(StatementQueries.info(schema: quoted))
                    if let reset = info.value(0, "reset") {
                        result.since = reset
                        result.evicted = info.value(0, "dealloc").flatMap { Int($0) }
                    }
                }
                let rows = try connection.query(StatementQueries.statements(schema: quoted))
                for row in rows.rows.indices {
                    result.statements.append(
                        CountedStatement(
                            queryid: rows.value(row, "queryid") ?? "?", text: rows.value(row, "query"),
                            calls: Int(rows.value(row, "calls") ?? "") ?? 0,
                            rows: Int(rows.value(row, "rows") ?? "") ?? 0,
                            role: rows.value(row, "role") ?? "?", database: rows.value(row, "database") ?? "?"))
                }
            }
        } catch .queryFailed(_, let sqlstate, let message) {
            // 55000: "pg_stat_statements must be loaded via shared_preload_libraries"; 42501: no privilege.
            result = StatementStatistics()
            result.unavailable =
                "pg_stat_statements could not be read in \(server) (SQLSTATE \(sqlstate): \(message.trimmingCharacters(in: .whitespacesAndNewlines))), so statements that ran there without reaching the logs could not be counted: load it through shared_preload_libraries and let this role read it (pg_read_all_stats)."
        }
        return result
    }
}

/// The queries behind `countedStatements()`; names schema-qualified, as in `CatalogQueries`.
enum StatementQueries {
    static let extensionSchema = """
        SELECT n.nspname AS schema FROM pg_catalog.pg_extension e
        JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'
        """

    static let utc = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"

    static let settings = """
        SELECT (SELECT s.setting FROM pg_catalog.pg_settings s WHERE s.name = 'track_activity_query_size')
                 AS query_size,
               pg_catalog.to_char(pg_catalog.pg_postmaster_start_time() AT TIME ZONE 'UTC', \(utc)) AS started
        """

    /// Whether the relation `$1` exists: `pg_stat_statements_info` came with the extension's 1.9 (PostgreSQL 14).
    static let hasInfo = "SELECT (pg_catalog.to_regclass($1) IS NOT NULL)::text AS present"

    static func info(schema: String) -> String {
        """
        SELECT pg_catalog.to_char(i.stats_reset AT TIME ZONE 'UTC', \(utc)) AS reset, i.dealloc::text AS dealloc
        FROM \(schema).pg_stat_statements_info i
        """
    }

    /// The connected database's entries (another database's `orders` is another table), with names for
    /// `userid` and `dbid`, in a stable order; a statement counted both at top level and inside functions
    /// (`toplevel`, PostgreSQL 14) is one row.
    static func statements(schema: String) -> String {
        """
        SELECT s.queryid::text AS queryid, s.query, pg_catalog.sum(s.calls)::text AS calls,
               pg_catalog.sum(s.rows)::text AS rows, COALESCE(r.rolname, s.userid::text) AS role,
               d.datname AS database
        FROM \(schema).pg_stat_statements(true) s
        JOIN pg_catalog.pg_database d ON d.oid = s.dbid
        LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.userid
        WHERE d.datname = pg_catalog.current_database()
        GROUP BY s.queryid, s.query, COALESCE(r.rolname, s.userid::text), d.datname
        ORDER BY s.queryid, 5
        """
    }
}
