import Foundation

/// The usage ledger: what scheduled sweeps counted, per target, server and day, and how far each log file
/// has been read. Each read of a file is committed in one transaction with the file's checkpoint, so that a
/// sweeper killed mid-file and run again counts nothing twice and loses nothing.
///
/// ## Thread safety
/// Calls are serialised by `lock` (a connection serves one statement at a time); hence `@unchecked Sendable`.
public final class Ledger: @unchecked Sendable {
    let connection: LedgerConnection
    private let lock = NSLock()

    /// Opens the ledger `state` (an SQLite path, created if missing, or a `postgres://` / `postgresql://`
    /// URI), creating or migrating its tables.
    public convenience init(state: String) throws(LedgerError) {
        if Self.isPostgresURI(state) {
            try self.init(connection: PostgresLedgerConnection(uri: state))
        } else {
            try self.init(connection: SQLiteConnection(path: state))
        }
    }

    public init(connection: LedgerConnection) throws(LedgerError) {
        self.connection = connection
        try LedgerSchema.prepare(connection)
    }

    /// What to call the ledger in messages and reports (a path, or `host:port/dbname`).
    public var label: String { connection.label }

    /// Whether `state` names a PostgreSQL ledger.
    public static func isPostgresURI(_ state: String) -> Bool {
        state.hasPrefix("postgres://") || state.hasPrefix("postgresql://")
    }

    /// The schema version of the ledger's tables.
    public func schemaVersion() throws(LedgerError) -> Int {
        try locked { () throws(LedgerError) in
            Int(
                try connection.query("SELECT value FROM ledger_meta WHERE key = 'schema_version'").first?.first?.integer
                    ?? 0)
        }
    }

    /// Records the targets a sweep looks for and returns the id of that set (the same set, the same id).
    public func register(targets: [String], digest: String) throws(LedgerError) -> Int64 {
        let known = try locked { () throws(LedgerError) in
            try connection.query("SELECT id FROM ledger_target_sets WHERE digest = ?", .text(digest)).first?.first?
                .integer
        }
        if let known { return known }
        return try transaction { () throws(LedgerError) in
            if let existing = try connection.query("SELECT id FROM ledger_target_sets WHERE digest = ?", .text(digest))
                .first?.first?.integer
            {
                return existing
            }
            for target in Set(targets).sorted() {
                try connection.query(
                    "INSERT INTO ledger_targets (target) VALUES (?) ON CONFLICT (target) DO NOTHING", .text(target))
            }
            try connection.query(
                "INSERT INTO ledger_target_sets (digest) VALUES (?) ON CONFLICT (digest) DO NOTHING", .text(digest))
            guard
                let set = try connection.query("SELECT id FROM ledger_target_sets WHERE digest = ?", .text(digest))
                    .first?.first?.integer
            else { throw .statementFailed(ledger: connection.label, message: "the target set was not stored") }
            for target in Set(targets).sorted() {
                try connection.query(
                    "INSERT INTO ledger_target_set_members (set_id, target_id) "
                        + "SELECT CAST(? AS BIGINT), id FROM ledger_targets WHERE target = ? ON CONFLICT DO NOTHING",
                    .integer(set), .text(target))
            }
            return set
        }
    }

    /// The head lengths below ``FileIdentity/headBytes`` of the files known on `server` (files that were
    /// small when read): a file's identity is looked for under each.
    public func shortHeadLengths(server: String) throws(LedgerError) -> [Int] {
        try locked { () throws(LedgerError) in
            try connection.query(
                "SELECT DISTINCT head_length FROM ledger_files WHERE server = ? AND head_length < ? ORDER BY 1",
                .text(server), .integer(Int64(FileIdentity.headBytes))
            ).compactMap { $0.first?.integer.map(Int.init) }
        }
    }

    /// The file known on `server` by `identity`, if any.
    public func file(server: String, identity: FileIdentity) throws(LedgerError) -> LedgerFile? {
        try locked { () throws(LedgerError) in
            try connection.query(
                Self.fileColumns + " WHERE server = ? AND identity = ? AND head_length = ?", .text(server),
                .text(identity.digest), .integer(Int64(identity.headLength))
            ).first.map(Self.file(from:))
        }
    }

    /// The files last read at `path` on `server` (to tell a truncated or replaced file).
    public func files(server: String, path: String) throws(LedgerError) -> [LedgerFile] {
        try locked { () throws(LedgerError) in
            try connection.query(Self.fileColumns + " WHERE server = ? AND path = ?", .text(server), .text(path))
                .map(Self.file(from:))
        }
    }

    /// Notes that the files known by `identities` were still present at `milliseconds`, under `paths`: retention
    /// keeps a file the ledger would otherwise forget and read again.
    public func touch(server: String, seen: [(identity: FileIdentity, path: String)], at milliseconds: Int64)
        throws(LedgerError)
    {
        guard !seen.isEmpty else { return }
        try transaction { () throws(LedgerError) in
            for (identity, path) in seen {
                try connection.query(
                    "UPDATE ledger_files SET last_seen_ms = ?, path = ? WHERE server = ? AND identity = ? AND head_length = ?",
                    .integer(milliseconds), .text(path), .text(server), .text(identity.digest),
                    .integer(Int64(identity.headLength)))
            }
        }
    }

    /// Commits one read: the file's new checkpoint, the read's coverage and its uses, in one transaction.
    /// Refused (nothing written) when another sweeper counted the file since the read began.
    public func commit(_ read: LedgerRead) throws(LedgerError) -> CommitOutcome {
        var attempt = 0
        while true {
            attempt += 1
            do throws(LedgerError) {
                return try transaction { () throws(LedgerError) in try write(read) }
            } catch {
                if case .retry = error, attempt < 8 { continue }
                throw error
            }
        }
    }

    private func write(_ read: LedgerRead) throws(LedgerError) -> CommitOutcome {
        var fileID: Int64?
        if let checkpoint = read.checkpoint {
            let lookup = checkpoint.known ?? checkpoint.identity
            let row = try connection.query(
                "SELECT id, consumed FROM ledger_files WHERE server = ? AND identity = ? AND head_length = ?"
                    + connection.dialect.forUpdate,
                .text(read.server), .text(lookup.digest), .integer(Int64(lookup.headLength))
            ).first
            if let row {
                let consumed = row[1].integer ?? -1
                guard checkpoint.known != nil, consumed == checkpoint.expectedConsumed else {
                    return .alreadyCounted(consumed: consumed)
                }
                fileID = row[0].integer
                try connection.query(
                    """
                    UPDATE ledger_files SET identity = ?, head_length = ?, path = ?, device = ?, inode = ?,
                        compressed = ?, consumed = ?, consumed_lines = ?, size = ?, complete = ?, last_read_ms = ?,
                        last_seen_ms = ?
                    WHERE id = ?
                    """,
                    .text(checkpoint.identity.digest), .integer(Int64(checkpoint.identity.headLength)),
                    .text(read.path), SQLValue(checkpoint.device), SQLValue(checkpoint.inode),
                    .integer(checkpoint.compressed ? 1 : 0), .integer(checkpoint.consumed),
                    .integer(checkpoint.consumedLines), .integer(checkpoint.size),
                    .integer(checkpoint.complete ? 1 : 0), .integer(read.readMs), .integer(read.readMs),
                    .integer(fileID!))
            } else {
                guard checkpoint.known == nil, checkpoint.expectedConsumed == 0 else {
                    // The ledger forgot the file (retention) while this sweep read it: counted as new next time.
                    return .alreadyCounted(consumed: 0)
                }
                fileID = try connection.query(
                    """
                    INSERT INTO ledger_files (server, identity, head_length, path, device, inode, compressed, consumed,
                        consumed_lines, size, complete, first_read_ms, last_read_ms, last_seen_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (server, identity) DO NOTHING RETURNING id
                    """,
                    .text(read.server), .text(checkpoint.identity.digest),
                    .integer(Int64(checkpoint.identity.headLength)), .text(read.path), SQLValue(checkpoint.device),
                    SQLValue(checkpoint.inode), .integer(checkpoint.compressed ? 1 : 0),
                    .integer(checkpoint.consumed), .integer(checkpoint.consumedLines), .integer(checkpoint.size),
                    .integer(checkpoint.complete ? 1 : 0), .integer(read.readMs), .integer(read.readMs),
                    .integer(read.readMs)
                ).first?.first?.integer
                // Another sweeper inserted it first.
                guard fileID != nil else { return .alreadyCounted(consumed: -1) }
            }
        }
        try connection.query(
            """
            INSERT INTO ledger_reads (file_id, server, path, read_ms, start_offset, end_offset, first_ms, last_ms,
                target_set, note, coverage)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            SQLValue(fileID), .text(read.server), .text(read.path), .integer(read.readMs), .integer(read.startOffset),
            .integer(read.checkpoint?.consumed ?? read.startOffset), SQLValue(read.firstMs), SQLValue(read.lastMs),
            .integer(read.targetSet), SQLValue(read.note), .text(read.coverage))
        try UsageWriter(connection: connection).add(read.usage)
        return .committed
    }

    /// Deletes what is older than `milliseconds` (uses by day, reads, and files not seen since), keeping
    /// uses with no time.
    public func prune(before milliseconds: Int64) throws(LedgerError) {
        let day = LedgerDay.of(milliseconds)
        try transaction { () throws(LedgerError) in
            for table in [
                "ledger_group_applications", "ledger_groups", "ledger_usage_seen", "ledger_usage_counts",
                "ledger_usage",
            ] {
                try connection.query("DELETE FROM \(table) WHERE day < ? AND day <> ''", .text(day))
            }
            try connection.query(
                "DELETE FROM ledger_reads WHERE COALESCE(last_ms, read_ms) < ?", .integer(milliseconds))
            try connection.query("DELETE FROM ledger_files WHERE last_seen_ms < ?", .integer(milliseconds))
        }
    }

    /// The reads and uses between `from` and `to` (milliseconds; uses by whole UTC days), on `servers` (all
    /// when empty), for `targets` (all when empty).
    public func history(from: Int64?, to: Int64?, servers: [String], targets: [String]) throws(LedgerError)
        -> LedgerHistory
    {
        try locked { () throws(LedgerError) in
            try HistoryReader(connection: connection).read(from: from, to: to, servers: servers, targets: targets)
        }
    }

    /// Every target the ledger has counted for.
    public func knownTargets() throws(LedgerError) -> [String] {
        try locked { () throws(LedgerError) in
            try connection.query("SELECT target FROM ledger_targets ORDER BY target").compactMap { $0.first?.text }
        }
    }

    // MARK: - Plumbing

    private static let fileColumns = """
        SELECT server, identity, head_length, path, device, inode, compressed, consumed, consumed_lines, size,
            complete FROM ledger_files
        """

    private static func file(from row: [SQLValue]) -> LedgerFile {
        LedgerFile(
            server: row[0].text ?? "",
            identity: FileIdentity(digest: row[1].text ?? "", headLength: Int(row[2].integer ?? 0)),
            path: row[3].text ?? "", device: row[4].integer, inode: row[5].integer, compressed: row[6].integer == 1,
            consumed: row[7].integer ?? 0, consumedLines: row[8].integer ?? 1, size: row[9].integer ?? 0,
            complete: row[10].integer == 1)
    }

    private func locked<T>(_ body: () throws(LedgerError) -> T) throws(LedgerError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func transaction<T>(_ body: () throws(LedgerError) -> T) throws(LedgerError) -> T {
        try locked { () throws(LedgerError) in
            try connection.begin()
            do throws(LedgerError) {
                let result = try body()
                try connection.commit()
                return result
            } catch {
                connection.rollback()
                throw error
            }
        }
    }
}

/// UTC days as the ledger stores them (`2026-12-04`).
public enum LedgerDay {
    /// The UTC day of `milliseconds` since the epoch.
    public static func of(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
    }

    /// The first millisecond of the UTC day of `milliseconds`.
    public static func start(of milliseconds: Int64) -> Int64 {
        let day: Int64 = 86_400_000
        return milliseconds >= 0 ? milliseconds / day * day : ((milliseconds - day + 1) / day) * day
    }
}
