import CPq
import Foundation

/// Why a database could not be read. Each message is one sentence that names the server as
/// `host:port/dbname` (never a user or a password) and says what to check.
public enum DatabaseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The `--database` value is not a connection string libpq accepts.
    case invalidConnectionString(label: String, message: String)
    /// The server could not be reached or refused the session.
    case cannotConnect(server: String, message: String)
    /// The server is older than the catalogs dropscan reads.
    case unsupportedServer(server: String, version: String)
    /// A query failed (the server's SQLSTATE and message).
    case queryFailed(server: String, sqlstate: String, message: String)
    /// The connection broke while it was being read.
    case connectionLost(server: String, message: String)

    public var description: String {
        switch self {
        case .invalidConnectionString(let label, let message):
            return
                "\(label) is not a connection string libpq accepts (\(message)); give a postgresql:// URL, key=value pairs such as 'service=name', or a database name"
        case .cannotConnect(let server, let message):
            return
                "cannot connect to the database \(server) (\(message)); check the host, port and database name, that the server accepts this client, and the password in ~/.pgpass or PGPASSWORD"
        case .unsupportedServer(let server, let version):
            return
                "the database \(server) runs PostgreSQL \(version); dropscan reads the catalogs of PostgreSQL 12 and later"
        case .queryFailed(let server, let sqlstate, let message):
            return "reading the database \(server) failed (SQLSTATE \(sqlstate): \(message))"
        case .connectionLost(let server, let message):
            return "the connection to the database \(server) was lost while it was read (\(message))"
        }
    }
}

/// Rows of one query, every value as PostgreSQL's text output (`nil` for NULL).
public struct QueryRows: Sendable {
    public var columns: [String]
    public var rows: [[String?]]

    /// The value of `column` in row `row` (`nil` for NULL, an unknown column or a row past the end).
    public func value(_ row: Int, _ column: String) -> String? {
        guard rows.indices.contains(row), let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }
}

/// One libpq connection (`PGconn`), which dropscan only ever reads through.
///
/// ## Thread safety
/// libpq allows a connection to be used by one thread at a time (its documentation, "Behavior in Threaded
/// Programs"); every call that touches `connection` holds `lock`, and the pointer is freed once, in
/// `deinit` (`PQfinish`), when no call can be running. Hence the class can be shared across threads, and is
/// `@unchecked Sendable` because the compiler cannot see that the lock guards the raw pointer.
public final class PostgresConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    private let lock = NSLock()
    /// `host:port/dbname`, from the connection itself: no user, no password.
    public let server: String
    /// What to remove from libpq's messages before they are shown (the password, the string given).
    let scrubber: ConnectionString

    private init(connection: OpaquePointer, server: String, scrubber: ConnectionString) {
        self.connection = connection
        self.server = server
        self.scrubber = scrubber
    }

    deinit { PQfinish(connection) }

    /// Opens a connection with `PQconnectdbParams`, `expand_dbname` on: `text` may be a URL, `key=value`
    /// pairs (`service=…`), or a database name, and libpq adds the `PG*` environment, the service file and
    /// `~/.pgpass` as it always does. `application_name` is `dropscan`; `connect_timeout` defaults to 10 s.
    public static func open(_ text: String, label: String) throws(DatabaseError) -> PostgresConnection {
        let given = ConnectionString(text, label: label)
        if let problem = given.parseError {
            throw .invalidConnectionString(label: label, message: given.scrub(problem))
        }
        var keywords: [String] = []
        var values: [String] = []
        if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            // Before dbname, so that a connect_timeout in the string wins.
            keywords.append("connect_timeout")
            values.append("10")
        }
        keywords += ["dbname", "application_name"]
        values += [text, "dropscan"]
        let pointer = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let pointer else {
            throw .cannotConnect(server: given.label, message: "libpq could not allocate a connection")
        }
        let server = serverLabel(pointer) ?? given.label
        guard PQstatus(pointer) == CONNECTION_OK else {
            let message = given.scrub(String(cString: PQerrorMessage(pointer)))
            PQfinish(pointer)
            throw .cannotConnect(server: server, message: message)
        }
        return PostgresConnection(connection: pointer, server: server, scrubber: given)
    }

    /// Runs one statement with `PQexecParams` (parameters as text, `$1`…; their types inferred by the server)
    /// and returns its rows. Any failure is thrown; a broken connection as `connectionLost`.
    public func query(_ sql: String, _ parameters: [String?] = []) throws(DatabaseError) -> QueryRows {
        lock.lock()
        defer { lock.unlock() }
        let result = withOptionalCStrings(parameters) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        defer { PQclear(result) }
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            let raw = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) } ?? ""
            let text = raw.isEmpty ? String(cString: PQerrorMessage(connection)) : raw
            let message = scrubber.scrub(text)
            if PQstatus(connection) != CONNECTION_OK {
                throw .connectionLost(server: server, message: message)
            }
            let sqlstate = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map {
                String(cString: $0)
            }
            throw .queryFailed(server: server, sqlstate: sqlstate ?? "?????", message: message)
        }
        guard let result else { return QueryRows(columns: [], rows: []) }
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(PQntuples(result)))
        for row in 0..<PQntuples(result) {
            rows.append(
                (0..<Int32(columnCount)).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
        }
        return QueryRows(columns: columns, rows: rows)
    }

    /// `host:port/dbname` of a connection (whether or not it succeeded), from `PQhost`, `PQport`, `PQdb`.
    static func serverLabel(_ connection: OpaquePointer) -> String? {
        guard let host = PQhost(connection).map({ String(cString: $0) }), !host.isEmpty else { return nil }
        let port = PQport(connection).map { String(cString: $0) } ?? ""
        let database = PQdb(connection).map { String(cString: $0) } ?? ""
        let hostPart = host.contains(":") && !host.hasPrefix("/") ? "[\(host)]" : host
        return "\(hostPart)\(port.isEmpty ? "" : ":" + port)/\(database)"
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Calls `body` with an array of C strings (`nil` for SQL NULL) that live for the call.
private func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    guard !strings.isEmpty else { return body(nil) }
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
