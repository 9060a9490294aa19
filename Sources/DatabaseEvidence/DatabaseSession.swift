import Matching

/// A read-only session on one server (`--database`, a primary or a replica): the connection is set up so
/// that nothing sent through it can write (`default_transaction_read_only`), wait for long (`statement_timeout`,
/// `lock_timeout`) or hide who it is (`application_name=dropscan`), and each reading runs in one read-only,
/// repeatable-read transaction: one snapshot of the catalog.
///
/// What reads a server plugs in here: `dependents(of:)` reads the catalog; statistics views and table
/// counters are further readings in a `snapshot` of the same session.
public final class DatabaseSession: Sendable {
    public let connection: PostgresConnection
    /// `host:port/dbname`.
    public var server: String { connection.server }
    /// `server_version`, e.g. `15.18 (Debian 15.18-0+deb12u1)`.
    public let version: String
    /// `server_version_num`, e.g. 150018.
    public let versionNumber: Int
    /// Whether the server is a standby (`pg_is_in_recovery()`).
    public let inRecovery: Bool

    private init(connection: PostgresConnection, version: String, versionNumber: Int, inRecovery: Bool) {
        self.connection = connection
        self.version = version
        self.versionNumber = versionNumber
        self.inRecovery = inRecovery
    }

    /// Connects (see `PostgresConnection.open`) and makes the session read-only with bounded waits; a server
    /// older than PostgreSQL 12, or one where the session does not end up read-only, is refused.
    public static func open(_ text: String, label: String, statementTimeout: String = "60s", lockTimeout: String = "5s")
        throws(DatabaseError) -> DatabaseSession
    {
        let connection = try PostgresConnection.open(text, label: label)
        _ = try connection.query(CatalogQueries.readOnlySession, [statementTimeout, lockTimeout])
        let info = try connection.query(CatalogQueries.server)
        let number = Int(info.value(0, "number") ?? "") ?? 0
        let version = info.value(0, "version") ?? "?"
        guard number >= 120_000 else { throw .unsupportedServer(server: connection.server, version: version) }
        guard info.value(0, "read_only") == "on" else {
            throw .cannotConnect(server: connection.server, message: "the session did not become read-only")
        }
        return DatabaseSession(
            connection: connection, version: version, versionNumber: number,
            inRecovery: info.value(0, "recovery") == "true")
    }

    /// Runs `body` inside one `REPEATABLE READ READ ONLY` transaction, so that every query of it sees the same
    /// snapshot; the transaction ends whatever `body` does.
    public func snapshot<Result>(_ body: () throws(DatabaseError) -> Result) throws(DatabaseError) -> Result {
        _ = try connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        let result: Result
        do {
            result = try body()
        } catch {
            _ = try? connection.query("ROLLBACK")
            throw error
        }
        _ = try connection.query("COMMIT")
        return result
    }

    /// Per target (by index): the objects of this database that depend on it, and whether the target's table
    /// (and column) exists here.
    public func dependents(of targets: [Target]) throws(DatabaseError) -> (dependents: [[Dependent]], defined: [Bool]) {
        try snapshot { () throws(DatabaseError) in
            try CatalogDependents(connection: connection, targets: targets, version: versionNumber).read()
        }
    }
}
