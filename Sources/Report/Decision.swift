import Matching

/// How the report was made: the command, the inputs, the policy and the times. Recorded so that a
/// reviewer, `merge` and `gate` can tell what was decided on what.
public struct RunRecord: Codable, Sendable, Equatable {
    /// The command line as given (arguments after the program name).
    public var commandLine: [String]
    /// UTC, ISO 8601 with milliseconds.
    public var startedAt: String
    public var endedAt: String
    /// `--source` roots as given.
    public var sources: [String]
    /// `--logs` specs as given.
    public var logs: [String]
    /// The files read, so that shards reading the same file can be refused by `merge`: at most
    /// ``maxRecordedInputs`` (log files first), the rest counted in ``inputsOmitted``.
    public var inputs: [InputRecord]
    /// Files read but not listed in ``inputs`` (absent when none were left out).
    public var inputsOmitted: Int?
    /// The policy the verdict was decided under.
    public var policy: PolicyRecord

    public init(
        commandLine: [String], startedAt: String, endedAt: String, sources: [String], logs: [String],
        inputs: [InputRecord], policy: PolicyRecord
    ) {
        self.commandLine = commandLine
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.sources = sources
        self.logs = logs
        self.inputs = inputs
        self.policy = policy
    }

    /// The most input records a report lists: thousands of rotated log files stay within a few megabytes.
    public static let maxRecordedInputs = 5_000

    /// `inputs` capped at `limit`: log files first (the policy's server globs and `merge` read them), each
    /// kind sorted by path; the number left out goes to `inputsOmitted`.
    public mutating func recordInputs(_ all: [InputRecord], limit: Int = RunRecord.maxRecordedInputs) {
        let ordered = all.filter { $0.kind == "log" } + all.filter { $0.kind != "log" }
        let kept = ordered.prefix(max(limit, 0)).sorted { ($0.path, $0.kind) < ($1.path, $1.kind) }
        inputs = Array(kept)
        inputsOmitted = ordered.count > kept.count ? ordered.count - kept.count : nil
    }
}

/// One file a scan read: the same path and identity in two shards is the same file read twice.
public struct InputRecord: Codable, Sendable, Equatable, Hashable {
    /// `log` or `source`.
    public var kind: String
    public var path: String
    public var size: Int64
    /// `device:inode` as the scanning machine saw them.
    public var identity: String

    public init(kind: String, path: String, size: Int64, identity: String) {
        self.kind = kind
        self.path = path
        self.size = size
        self.identity = identity
    }
}

/// The effective policy, as data (the `Gate` module reads and applies it).
public struct PolicyRecord: Codable, Sendable, Equatable {
    /// The policy file, or `null` for the built-in policy.
    public var file: String?
    /// Evidence tiers that block.
    public var block: [Evidence]
    /// Evidence tiers reported as warnings.
    public var warn: [Evidence]
    /// Whether a statement that failed because the target is gone blocks.
    public var failedStatementsBlock: Bool
    public var coverage: CoverageRequirements
    public var allowlist: [AllowlistEntry]
    /// `null`: the checklist is not evaluated (a plain `scan`).
    public var checklist: ChecklistPolicy?

    public init(
        file: String? = nil, block: [Evidence], warn: [Evidence], failedStatementsBlock: Bool,
        coverage: CoverageRequirements, allowlist: [AllowlistEntry], checklist: ChecklistPolicy?
    ) {
        self.file = file
        self.block = block
        self.warn = warn
        self.failedStatementsBlock = failedStatementsBlock
        self.coverage = coverage
        self.allowlist = allowlist
        self.checklist = checklist
    }
}

/// What the logs must cover before "not used" can pass.
public struct CoverageRequirements: Codable, Sendable, Equatable {
    /// The logs must span at least this many days (`null`: no minimum).
    public var minimumWindowDays: Int?
    /// No gap in the logs may be longer than this many seconds (`null`: gaps are only reported).
    public var maximumGapSeconds: Int64?
    /// Statement-logging modes that can show every use (`all`, `duration>=0 ms`); empty accepts any mode
    /// the scan itself accepts.
    public var statementLogging: [String]
    /// `application_name`s that must appear in the logs (the BI tool's, a replica reader's).
    public var applications: [String]
    /// Servers whose logs must have been read: a name and a glob over log paths.
    public var servers: [ServerRequirement]
    /// Evidence sources that must have been read: `logs`, `code`, `database`.
    public var sources: [String]
    /// Whether logs that show only slow or failed statements are enough for a pass.
    public var acceptPartialLogging: Bool

    public init(
        minimumWindowDays: Int? = nil, maximumGapSeconds: Int64? = nil, statementLogging: [String] = [],
        applications: [String] = [], servers: [ServerRequirement] = [], sources: [String] = [],
        acceptPartialLogging: Bool = false
    ) {
        self.acceptPartialLogging = acceptPartialLogging
        self.minimumWindowDays = minimumWindowDays
        self.maximumGapSeconds = maximumGapSeconds
        self.statementLogging = statementLogging
        self.applications = applications
        self.servers = servers
        self.sources = sources
    }
}

public struct ServerRequirement: Codable, Sendable, Equatable {
    public var name: String
    /// A glob matched against the paths of the log files read (`*` within a path segment, `**` across).
    public var logs: String

    public init(name: String, logs: String) {
        self.name = name
        self.logs = logs
    }
}

/// An accepted use: findings it matches do not block until it expires.
public struct AllowlistEntry: Codable, Sendable, Equatable {
    /// Exactly one of `target`, `path` and `fingerprint` is set.
    public var target: String?
    /// A glob over code finding paths (relative to the source root).
    public var path: String?
    /// A code finding's fingerprint or a statement group's id.
    public var fingerprint: String?
    public var reason: String
    public var owner: String
    /// `YYYY-MM-DD`: the last day the entry suppresses.
    public var expires: String

    public init(
        target: String? = nil, path: String? = nil, fingerprint: String? = nil, reason: String, owner: String,
        expires: String
    ) {
        self.target = target
        self.path = path
        self.fingerprint = fingerprint
        self.reason = reason
        self.owner = owner
        self.expires = expires
    }

    /// `target orders.x`, `path scripts/*.py` or `fingerprint 3fa…`.
    public var label: String {
        if let target { return "target \(target)" }
        if let path { return "path \(path)" }
        return "fingerprint \(fingerprint ?? "")"
    }
}

/// Which checklist items the policy waives, and attestations it carries itself.
public struct ChecklistPolicy: Codable, Sendable, Equatable {
    /// Item ids that may be missing without making the verdict inconclusive.
    public var waive: [String]
    public var attestations: [Attestation]

    public init(waive: [String] = [], attestations: [Attestation] = []) {
        self.waive = waive
        self.attestations = attestations
    }
}

/// Someone's word for a checklist item that no tool can verify.
public struct Attestation: Codable, Sendable, Equatable {
    /// The checklist item id (`owners-approve`, `retention`, `backup`, `rollback-plan`).
    public var item: String
    public var by: String
    /// `YYYY-MM-DD` or an ISO 8601 time.
    public var at: String
    public var note: String?
    /// Where the attestation was read: the policy or an attestation file.
    public var source: String

    public init(item: String, by: String, at: String, note: String?, source: String) {
        self.item = item
        self.by = by
        self.at = at
        self.note = note
        self.source = source
    }
}

/// What the gate decided and on what: the deciding reason, the checklist, the allowlist's use.
public struct DecisionRecord: Codable, Sendable, Equatable {
    public var verdict: Verdict
    /// The one reason that decided the verdict (for `pass`, what the pass rests on).
    public var reason: String
    /// Things a reviewer should see that do not change the verdict (possible uses, unused or expired
    /// allowlist entries).
    public var warnings: [String]
    /// The seven-item checklist; empty when the policy does not evaluate it.
    public var checklist: [ChecklistItem]
    /// How each allowlist entry was used.
    public var allowlist: [AllowlistUse]
    /// Blocking findings suppressed by the allowlist or the baseline.
    public var suppressed: Int
    /// The baseline file used, if any.
    public var baseline: String?

    public init(
        verdict: Verdict, reason: String, warnings: [String], checklist: [ChecklistItem], allowlist: [AllowlistUse],
        suppressed: Int, baseline: String?
    ) {
        self.verdict = verdict
        self.reason = reason
        self.warnings = warnings
        self.checklist = checklist
        self.allowlist = allowlist
        self.suppressed = suppressed
        self.baseline = baseline
    }
}

/// One of the seven pieces of evidence a destructive change is approved on.
public struct ChecklistItem: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// dropscan checked it and it holds.
        case verified
        /// Someone vouched for it (who and when are given).
        case attested
        /// dropscan checked it and it does not hold.
        case failed
        /// Nobody checked or vouched for it.
        case missing
        /// Missing, and the policy accepts that.
        case waived
    }

    public var id: String
    public var title: String
    public var status: Status
    /// What was checked, or who vouched, or what is missing.
    public var detail: String
    public var by: String?
    public var at: String?

    public init(id: String, title: String, status: Status, detail: String, by: String? = nil, at: String? = nil) {
        self.id = id
        self.title = title
        self.status = status
        self.detail = detail
        self.by = by
        self.at = at
    }
}

/// How one allowlist entry was used.
public struct AllowlistUse: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// It suppressed at least one blocking finding.
        case used
        /// It matched nothing: the use it covered is gone, remove it.
        case unused
        /// Past its date: it no longer suppresses.
        case expired
    }

    public var entry: AllowlistEntry
    public var status: Status
    /// Blocking findings it matched.
    public var matched: Int

    public init(entry: AllowlistEntry, status: Status, matched: Int) {
        self.entry = entry
        self.status = status
        self.matched = matched
    }
}
