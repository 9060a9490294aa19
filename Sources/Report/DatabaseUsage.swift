import Matching

/// What the database (`--database`) and schema files (`--schema`) say about one target.
public struct DatabaseUsage: Codable, Sendable, Equatable {
    /// Objects that depend on the target, strongest evidence first.
    public var dependents: [Dependent] = []
    /// The servers (`host:port/dbname`) and schema files read that do not have the target's table or column: a
    /// target that is not there cannot be checked (a typo must not pass).
    public var missingFrom: [String] = []
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

    /// Whether the target has nothing to report.
    public var isEmpty: Bool { dependents.isEmpty && missingFrom.isEmpty && (tableActivity ?? []).isEmpty }
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

    public init(server: String, version: String, replica: Bool, readAt: String, error: String? = nil) {
        self.server = server
        self.version = version
        self.replica = replica
        self.readAt = readAt
        self.error = error
    }
}
