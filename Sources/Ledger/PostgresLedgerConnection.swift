import DatabaseEvidence

/// A ledger in a PostgreSQL database (`--state postgres://…`), so that a fleet of sweepers writes
/// concurrently into one ledger. It uses the same libpq connection as the database evidence.
public final class PostgresLedgerConnection: LedgerConnection, @unchecked Sendable {
    public let dialect = LedgerDialect.postgres
    public let label: String
    private let connection: PostgresConnection

    /// Connects to `uri` (a `postgres://` or `postgresql://` URI; libpq adds `PGPASSWORD` and `~/.pgpass`).
    public init(uri: String) throws(LedgerError) {
        do {
            connection = try PostgresConnection.open(uri, label: "the ledger")
        } catch {
            throw .cannotOpen(ledger: "the PostgreSQL ledger", message: error.description)
        }
        label = connection.server
        // Warnings such as "relation already exists, skipping" are not for the user.
        try execute("SET client_min_messages = warning")
    }

    public func execute(_ sql: String) throws(LedgerError) {
        try query(sql, [])
    }

    @discardableResult
    public func query(_ sql: String, _ parameters: [SQLValue]) throws(LedgerError) -> [[SQLValue]] {
        let rows: QueryRows
        do {
            rows = try connection.query(Self.numbered(sql), parameters.map(\.text))
        } catch {
            // 40P01 deadlock_detected, 40001 serialization_failure: the caller retries the transaction.
            if case .queryFailed(_, let sqlstate, let message) = error, sqlstate == "40P01" || sqlstate == "40001" {
                throw .retry(ledger: label, message: message)
            }
            throw .statementFailed(ledger: label, message: error.description)
        }
        // Values come back as text; callers read integers with `SQLValue.integer`.
        return rows.rows.map { $0.map { SQLValue($0) } }
    }

    public func begin() throws(LedgerError) { try execute("BEGIN") }
    public func commit() throws(LedgerError) { try execute("COMMIT") }
    public func rollback() { try? execute("ROLLBACK") }

    /// `?` placeholders as PostgreSQL's `$1`, `$2`… (the ledger's statements have no `?` in literals).
    static func numbered(_ sql: String) -> String {
        guard sql.contains("?") else { return sql }
        var result = ""
        var index = 0
        for character in sql {
            if character == "?" {
                index += 1
                result += "$\(index)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}
