import CSQLite
import Foundation

/// The embedded ledger: one SQLite file, in WAL mode so that a report can read while a sweep writes, with a
/// busy timeout so that sweepers sharing the file wait for each other's transactions instead of failing.
///
/// ## Thread safety
/// The `sqlite3` handle is used under `lock` only and closed once, in `deinit`, when no call can be running;
/// hence `@unchecked Sendable` (the compiler cannot see that the lock guards the raw pointer).
public final class SQLiteConnection: LedgerConnection, @unchecked Sendable {
    public let dialect = LedgerDialect.sqlite
    public let label: String
    private let handle: OpaquePointer
    private let lock = NSLock()

    /// Opens (creating if missing) the SQLite file at `path`.
    public init(path: String) throws(LedgerError) {
        label = path
        var pointer: OpaquePointer?
        let status = sqlite3_open_v2(
            path, &pointer, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close(pointer)
            throw .cannotOpen(ledger: path, message: message)
        }
        handle = pointer
        sqlite3_busy_timeout(handle, 120_000)
        do {
            // Reading the header first turns "file is not a database" into an error here, not later.
            try execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        } catch {
            throw .cannotOpen(ledger: path, message: "\(error)")
        }
    }

    deinit { sqlite3_close_v2(handle) }

    public func execute(_ sql: String) throws(LedgerError) {
        lock.lock()
        defer { lock.unlock() }
        var message: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &message) != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw .statementFailed(ledger: label, message: text)
        }
    }

    @discardableResult
    public func query(_ sql: String, _ parameters: [SQLValue]) throws(LedgerError) -> [[SQLValue]] {
        lock.lock()
        defer { lock.unlock() }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw .statementFailed(ledger: label, message: String(cString: sqlite3_errmsg(handle)))
        }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (index, value) in parameters.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .integer(let number): sqlite3_bind_int64(statement, position, number)
            case .text(let text): sqlite3_bind_text(statement, position, text, -1, transient)
            case .null: sqlite3_bind_null(statement, position)
            }
        }
        var rows: [[SQLValue]] = []
        let columns = sqlite3_column_count(statement)
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                let message = String(cString: sqlite3_errmsg(handle))
                if step == SQLITE_BUSY || step == SQLITE_LOCKED { throw .retry(ledger: label, message: message) }
                throw .statementFailed(ledger: label, message: message)
            }
            var row: [SQLValue] = []
            row.reserveCapacity(Int(columns))
            for column in 0..<columns {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_NULL: row.append(.null)
                default: row.append(.text(String(cString: sqlite3_column_text(statement, column))))
                }
            }
            rows.append(row)
        }
        return rows
    }

    public func begin() throws(LedgerError) { try execute("BEGIN IMMEDIATE") }
    public func commit() throws(LedgerError) { try execute("COMMIT") }
    public func rollback() { try? execute("ROLLBACK") }
}
