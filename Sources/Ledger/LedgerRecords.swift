/// What identifies a log file whatever its name: a hash (SHA-256, hex) of its first `headLength` bytes of
/// text (decompressed), so that `postgresql.log`, `postgresql.log.1` and `postgresql.log.1.gz` are one file.
public struct FileIdentity: Sendable, Hashable {
    public var digest: String
    public var headLength: Int

    /// The bytes hashed: enough to hold the first entries, whose times make a file's head unique.
    public static let headBytes = 4096

    public init(digest: String, headLength: Int) {
        self.digest = digest
        self.headLength = headLength
    }
}

/// A file the ledger knows: how far its text has been counted.
public struct LedgerFile: Sendable, Equatable {
    public var server: String
    public var identity: FileIdentity
    public var path: String
    public var device: Int64?
    public var inode: Int64?
    public var compressed: Bool
    /// Bytes of its text counted (from the start), and the line number that follows them.
    public var consumed: Int64
    public var consumedLines: Int64
    /// Its size on disk when it was last read.
    public var size: Int64
    /// A compressed file read to its end: it cannot grow.
    public var complete: Bool
}

/// Uses of one target on one server and one UTC day (`""` for entries without a time).
public struct DailyUsage: Sendable, Equatable {
    public struct Seen: Sendable, Equatable {
        public var first: Int64
        public var last: Int64

        public init(first: Int64, last: Int64) {
            self.first = first
            self.last = last
        }
    }

    /// Uses by one statement shape.
    public struct Group: Sendable, Equatable {
        /// The hash of the shape the scan keys groups by (its bits as a signed integer).
        public var key: Int64
        public var id: String
        public var statement: String
        public var evidence: String
        /// The evidence's order (0 is the strongest): the strongest of every read is kept.
        public var evidenceRank: Int
        public var count: Int64
        public var failed: Int64
        public var firstMs: Int64?
        public var lastMs: Int64?
        public var samplePath: String?
        public var sampleLine: Int64?
        public var sampleOffset: Int64?
        public var applications: [String]

        public init(
            key: Int64, id: String, statement: String, evidence: String, evidenceRank: Int, count: Int64,
            failed: Int64, firstMs: Int64?, lastMs: Int64?, samplePath: String?, sampleLine: Int64?,
            sampleOffset: Int64?, applications: [String]
        ) {
            self.key = key
            self.id = id
            self.statement = statement
            self.evidence = evidence
            self.evidenceRank = evidenceRank
            self.count = count
            self.failed = failed
            self.firstMs = firstMs
            self.lastMs = lastMs
            self.samplePath = samplePath
            self.sampleLine = sampleLine
            self.sampleOffset = sampleOffset
            self.applications = applications
        }
    }

    public var target: String
    public var server: String
    public var day: String
    public var statements: Int64 = 0
    public var failed: Int64 = 0
    /// Executions of the shapes past the scan's limit of groups, and how many times that limit was halved.
    public var omittedStatements: Int64 = 0
    public var omittedFailed: Int64 = 0
    public var groupShift = 0
    /// Counts by dimension (`evidence`, `application`, `user`, `database`) and name.
    public var counts: [String: [String: Int64]] = [:]
    /// First and last use by evidence tier.
    public var seen: [String: Seen] = [:]
    public var groups: [Group] = []

    public init(target: String, server: String, day: String) {
        self.target = target
        self.server = server
        self.day = day
    }
}

/// What one sweep read of one file (or one input it could not read), committed with the file's checkpoint
/// in one transaction.
public struct LedgerRead: Sendable {
    /// The file, or `nil` for an input that could not be identified (it could not be opened).
    public struct Checkpoint: Sendable {
        /// The identity the ledger knows the file by (shorter when the file was small at its last read), or
        /// `nil` for a file new to the ledger.
        public var known: FileIdentity?
        /// The bytes counted when the read started: the commit is refused if another sweeper moved it.
        public var expectedConsumed: Int64
        public var identity: FileIdentity
        public var device: Int64?
        public var inode: Int64?
        public var compressed: Bool
        public var size: Int64
        /// Where the read stopped (bytes of text, and the line that follows).
        public var consumed: Int64
        public var consumedLines: Int64
        public var complete: Bool

        public init(
            known: FileIdentity?, expectedConsumed: Int64, identity: FileIdentity, device: Int64?, inode: Int64?,
            compressed: Bool, size: Int64, consumed: Int64, consumedLines: Int64, complete: Bool
        ) {
            self.known = known
            self.expectedConsumed = expectedConsumed
            self.identity = identity
            self.device = device
            self.inode = inode
            self.compressed = compressed
            self.size = size
            self.consumed = consumed
            self.consumedLines = consumedLines
            self.complete = complete
        }
    }

    public var server: String
    public var path: String
    public var checkpoint: Checkpoint?
    /// When the sweep read it (milliseconds since the epoch).
    public var readMs: Int64
    public var startOffset: Int64
    /// The time of the first and last entry read.
    public var firstMs: Int64?
    public var lastMs: Int64?
    /// One sentence for the user (a file read again from its start because it was truncated).
    public var note: String?
    /// What the read covered, as the sweep encodes it (JSON); the ledger stores it as it is.
    public var coverage: String
    /// The target set the read looked for (``Ledger/register(targets:)``).
    public var targetSet: Int64
    public var usage: [DailyUsage]

    public init(
        server: String, path: String, checkpoint: Checkpoint?, readMs: Int64, startOffset: Int64, firstMs: Int64?,
        lastMs: Int64?, note: String?, coverage: String, targetSet: Int64, usage: [DailyUsage]
    ) {
        self.server = server
        self.path = path
        self.checkpoint = checkpoint
        self.readMs = readMs
        self.startOffset = startOffset
        self.firstMs = firstMs
        self.lastMs = lastMs
        self.note = note
        self.coverage = coverage
        self.targetSet = targetSet
        self.usage = usage
    }
}

/// A read as stored, for a report.
public struct StoredRead: Sendable, Equatable {
    /// The file read (`nil` for an input that could not be read).
    public var fileID: Int64?
    public var server: String
    public var path: String
    public var readMs: Int64
    public var startOffset: Int64
    public var endOffset: Int64
    public var firstMs: Int64?
    public var lastMs: Int64?
    public var note: String?
    public var coverage: String
    /// The targets the read looked for.
    public var targets: Set<String>
}

/// The part of the ledger a report covers.
public struct LedgerHistory: Sendable {
    public var reads: [StoredRead] = []
    public var usage: [DailyUsage] = []
}

/// How a commit went.
public enum CommitOutcome: Sendable, Equatable {
    case committed
    /// Another sweeper counted the file meanwhile (it is now at `consumed`): nothing was written.
    case alreadyCounted(consumed: Int64)
}
