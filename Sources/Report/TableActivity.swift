/// The counters of a table's activity as `pg_stat_user_tables` keeps them (or their change between two
/// readings). `idxScan` and `idxTupFetch` are absent for a table without an index.
public struct TableCounters: Codable, Sendable, Equatable {
    public var seqScan: Int64
    public var seqTupRead: Int64
    public var idxScan: Int64?
    public var idxTupFetch: Int64?
    public var tupInserted: Int64
    public var tupUpdated: Int64
    public var tupDeleted: Int64
    /// When the table was last read by a sequential or index scan (PostgreSQL 16 and later; UTC, ISO 8601).
    public var lastSeqScan: String?
    public var lastIdxScan: String?

    public init(
        seqScan: Int64, seqTupRead: Int64, idxScan: Int64?, idxTupFetch: Int64?, tupInserted: Int64,
        tupUpdated: Int64, tupDeleted: Int64, lastSeqScan: String? = nil, lastIdxScan: String? = nil
    ) {
        self.seqScan = seqScan
        self.seqTupRead = seqTupRead
        self.idxScan = idxScan
        self.idxTupFetch = idxTupFetch
        self.tupInserted = tupInserted
        self.tupUpdated = tupUpdated
        self.tupDeleted = tupDeleted
        self.lastSeqScan = lastSeqScan
        self.lastIdxScan = lastIdxScan
    }

    /// Each counter by its report name, in report order (absent index counters left out).
    public var named: [(name: String, value: Int64)] {
        var list: [(String, Int64)] = [("seqScan", seqScan), ("seqTupRead", seqTupRead)]
        if let idxScan { list.append(("idxScan", idxScan)) }
        if let idxTupFetch { list.append(("idxTupFetch", idxTupFetch)) }
        list += [("tupInserted", tupInserted), ("tupUpdated", tupUpdated), ("tupDeleted", tupDeleted)]
        return list
    }

    /// The counters that say the table was read.
    public static let readCounters: Set<String> = ["seqScan", "seqTupRead", "idxScan", "idxTupFetch"]
}

/// A target's table activity on one server: the counters now and, against the `--snapshot` file's earlier
/// reading, what changed in between and what that shows.
public struct TableActivity: Codable, Sendable, Equatable {
    /// What the counters show about the period since the earlier reading.
    public enum Outcome: String, Codable, Sendable, Equatable {
        /// No `--snapshot`: the counters are context only, as they count from a reset whose time says nothing
        /// about the period under review.
        case recorded
        /// `--snapshot` holds no earlier reading of this table on this server: this one is the first.
        case first
        /// Read (scans or tuples read went up) between the two readings.
        case read
        /// Written (rows inserted, updated or deleted) but not read between the two readings: a writer still
        /// uses the table.
        case written
        /// Not read between the two readings (no read counter moved, nothing was reset).
        case unread
        /// The two readings cannot be compared (a counter went down, statistics were reset, the server
        /// restarted, the table was created again).
        case inconclusive
    }

    /// `host:port/dbname`.
    public var server: String
    /// `schema.name`.
    public var table: String
    /// The server's time of this reading (UTC, ISO 8601).
    public var at: String
    /// `pg_postmaster_start_time()` and the database's `stats_reset`.
    public var serverStarted: String
    public var statsReset: String?
    public var counters: TableCounters
    /// The earlier reading's time, and the change since (when there was one).
    public var since: String?
    public var deltas: TableCounters?
    public var outcome: Outcome
    /// One sentence: what the reading shows, or why it shows nothing.
    public var note: String

    public init(
        server: String, table: String, at: String, serverStarted: String, statsReset: String?,
        counters: TableCounters, since: String? = nil, deltas: TableCounters? = nil, outcome: Outcome, note: String
    ) {
        self.server = server
        self.table = table
        self.at = at
        self.serverStarted = serverStarted
        self.statsReset = statsReset
        self.counters = counters
        self.since = since
        self.deltas = deltas
        self.outcome = outcome
        self.note = note
    }
}
