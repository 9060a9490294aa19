import Matching

/// What the database (`--database`) and schema files (`--schema`) say about one target.
public struct DatabaseUsage: Codable, Sendable, Equatable {
    /// Objects that depend on the target, strongest evidence first.
    public var dependents: [Dependent] = []
    /// The servers (`host:port/dbname`) and schema files read that do not have the target's table or column: a
    /// target that is not there cannot be checked (a typo must not pass).
    public var missingFrom: [String] = []
    /// The statement shapes `pg_stat_statements` counted that touch or name the target, per server and role
    /// (absent when no server's statistics were read).
    public var statements: [CountedUse]?
    /// How much of what the servers counted the logs showed (absent without logs or counted uses).
    public var logCoverage: LogShare?
    /// The activity counters of the target's table on each server read (`--database`); for a column target
    /// they are the table's, context only.
    public var tableActivity: [TableActivity]?

    public init(dependents: [Dependent] = [], missingFrom: [String] = []) {
        self.dependents = dependents
        self.missingFrom = missingFrom
    }

    /// Marks `dependent` accepted by `label` (an allowlist entry, the baseline).
    public mutating func suppress(_ dependent: Dependent, by label: String) {
        for index in dependents.indices where dependents[index].fingerprint == dependent.fingerprint {
            dependents[index].suppressed = label
        }
    }

    /// Marks the counted uses of shape `id` accepted by `label`.
    public mutating func suppressStatements(id: String, by label: String) {
        guard let current = statements else { return }
        statements = current.map { use in
            var use = use
            if use.id == id { use.suppressed = label }
            return use
        }
    }

    /// Whether the target has nothing to report.
    public var isEmpty: Bool {
        dependents.isEmpty && missingFrom.isEmpty && (statements ?? []).isEmpty && (tableActivity ?? []).isEmpty
    }
}

/// One statement shape that `pg_stat_statements` counted on a server for one role, resolved against the
/// target like a logged statement.
public struct CountedUse: Codable, Sendable, Equatable {
    /// `host:port/dbname`.
    public var server: String
    /// The extension's `queryid`.
    public var queryid: String
    /// The shape's id: the same as `runtime.groups[].id` for a logged statement of the same shape (see
    /// `LogShare`), and the fingerprint an allowlist entry or baseline accepts.
    public var id: String
    public var evidence: Evidence
    public var calls: Int
    public var rows: Int
    /// `rolname` of the role that ran it.
    public var role: String
    /// `datname`.
    public var database: String
    /// The normalized text (never a literal value unless `--show-values`).
    public var text: String
    /// Set when the text ends mid-statement (cut short): graded like a truncated logged statement, never
    /// as not used.
    public var truncated: Bool?
    /// Whether the logs given showed this shape in the statistics' window (absent when no logs were read).
    public var inLogs: Bool?
    /// What accepted this use (allowlist entry or baseline); it does not block.
    public var suppressed: String?

    public init(
        server: String, queryid: String, id: String, evidence: Evidence, calls: Int, rows: Int, role: String,
        database: String, text: String, truncated: Bool? = nil
    ) {
        self.server = server
        self.queryid = queryid
        self.id = id
        self.evidence = evidence
        self.calls = calls
        self.rows = rows
        self.role = role
        self.database = database
        self.text = text
        self.truncated = truncated
    }
}

/// The target's executions that `pg_stat_statements` counted (at a use tier, since the statistics were last
/// reset) against those the logs given accounted for, shape by shape: a shape the logs showed `n` times
/// accounts for up to `n` of its counted calls.
public struct LogShare: Codable, Sendable, Equatable {
    /// Executions counted by the servers.
    public var executions: Int
    /// Of those, executions the logs accounted for.
    public var logged: Int
    /// `logged / executions`, from 0 to 1.
    public var share: Double
    /// Shapes counted that the logs never showed, and their executions: uses the logs missed.
    public var missedShapes: Int
    public var missedExecutions: Int

    public init(executions: Int, logged: Int, missedShapes: Int, missedExecutions: Int) {
        self.executions = executions
        self.logged = logged
        self.share = executions == 0 ? 1 : Double(logged) / Double(executions)
        self.missedShapes = missedShapes
        self.missedExecutions = missedExecutions
    }
}

/// The databases and schema files a scan read for dependents.
public struct DatabaseCoverage: Codable, Sendable, Equatable {
    public var servers: [DatabaseServer] = []
    /// `--schema` files.
    public var schemaFiles: [String] = []

    public init(servers: [DatabaseServer] = [], schemaFiles: [String] = []) {
        self.servers = servers
        self.schemaFiles = schemaFiles
    }

    /// Whether at least one live catalog was read to the end.
    public var hasCompleteServer: Bool { servers.contains { $0.error == nil } }
}

/// One server read through `--database`.
public struct DatabaseServer: Codable, Sendable, Equatable {
    /// `host:port/dbname`: never a user or a password.
    public var server: String
    /// `server_version`.
    public var version: String
    /// Whether it is a standby (a replica).
    public var replica: Bool
    /// When its catalog was read (UTC, ISO 8601).
    public var readAt: String
    /// Why it could not be read to the end (the connection broke, a query failed): its evidence is incomplete.
    public var error: String?
    /// Since when `pg_stat_statements` counted (its `stats_reset`, or the server's start; UTC, ISO 8601).
    public var statementsSince: String?
    /// Why `pg_stat_statements` could not be read (one sentence): the verdict cannot be a pass.
    public var statementsUnavailable: String?
    /// Entries the extension evicted since `statementsSince` (`pg_stat_statements.max`): uses may be lost.
    public var statementsEvicted: Int?
    /// Counted statements whose text the server did not return: they cannot be checked.
    public var statementsWithoutText: Int?

    public init(server: String, version: String, replica: Bool, readAt: String, error: String? = nil) {
        self.server = server
        self.version = version
        self.replica = replica
        self.readAt = readAt
        self.error = error
    }
}
