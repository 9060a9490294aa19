import Matching

/// The outcome of a scan, for the whole report and for each target.
public enum Verdict: String, Codable, Sendable {
    /// Nothing uses the target, and the evidence covers what it must.
    case pass
    /// Something still uses the target.
    case blocked
    /// Nothing was found, but the evidence does not cover enough to say "not used".
    case inconclusive
}

/// The usage report: one model, serialized as the versioned JSON contract (`Reports/schema/`); every other
/// format is rendered from it. Key names are a contract with the gate and other tools: keep them.
public struct UsageReport: Codable, Sendable, Equatable {
    public var schemaVersion = UsageReport.currentSchemaVersion
    public var tool: ToolInfo
    public var verdict: Verdict
    /// One sentence per reason the verdict is not `pass`.
    public var reasons: [String]
    public var targets: [TargetUsage]
    public var coverage: Coverage
    /// How the report was made (command, inputs, policy, times); set by every command that writes one.
    public var run: RunRecord?
    /// What the gate decided and on what.
    public var decision: DecisionRecord?
    /// The ORM models the model index found in the sources (empty without sources or models).
    public var models: [ModelSummary] = []

    /// The version this dropscan writes (`Reports/schema/CHANGELOG.md`).
    public static let currentSchemaVersion = 2

    public init(tool: ToolInfo, verdict: Verdict, reasons: [String], targets: [TargetUsage], coverage: Coverage) {
        self.tool = tool
        self.verdict = verdict
        self.reasons = reasons
        self.targets = targets
        self.coverage = coverage
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion, tool, verdict, reasons, targets, coverage, run, decision, models
    }

    /// Reads reports written before `models` existed as having none.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        tool = try container.decode(ToolInfo.self, forKey: .tool)
        verdict = try container.decode(Verdict.self, forKey: .verdict)
        reasons = try container.decode([String].self, forKey: .reasons)
        targets = try container.decode([TargetUsage].self, forKey: .targets)
        coverage = try container.decode(Coverage.self, forKey: .coverage)
        run = try container.decodeIfPresent(RunRecord.self, forKey: .run)
        decision = try container.decodeIfPresent(DecisionRecord.self, forKey: .decision)
        models = try container.decodeIfPresent([ModelSummary].self, forKey: .models) ?? []
    }
}

/// An ORM model class of the sources and the table it maps to, as the model index resolved it.
public struct ModelSummary: Codable, Sendable, Equatable {
    /// An attribute of the model and the column it stands for.
    public struct Column: Codable, Sendable, Equatable {
        public var attribute: String
        public var column: String

        public init(attribute: String, column: String) {
            self.attribute = attribute
            self.column = column
        }
    }

    public var className: String
    public var file: String
    public var line: Int
    public var table: String
    /// `django`, `rails`, `sqlalchemy`, `prisma`, `typeorm`, `jpa`, `gorm`.
    public var ecosystem: String
    public var columns: [Column]

    public init(className: String, file: String, line: Int, table: String, ecosystem: String, columns: [Column]) {
        self.className = className
        self.file = file
        self.line = line
        self.table = table
        self.ecosystem = ecosystem
        self.columns = columns
    }

    enum CodingKeys: String, CodingKey {
        case className = "class"
        case file, line, table, ecosystem, columns
    }
}

public struct ToolInfo: Codable, Sendable, Equatable {
    public var name: String
    public var version: String

    public init(name: String = "dropscan", version: String) {
        self.name = name
        self.version = version
    }
}

/// What was found for one target.
public struct TargetUsage: Codable, Sendable, Equatable {
    /// The target as normalized (`orders.legacy_status`, `public.orders.*`).
    public var target: String
    public var schema: String?
    public var table: String
    /// `null` for a whole table.
    public var column: String?
    public var verdict: Verdict
    public var runtime: RuntimeUsage
    public var code: CodeUsage
    /// Where the migration under review drops or renames the target (`--from-migration`); absent otherwise.
    public var migration: MigrationSite?
    /// Why finding nothing for this target cannot mean "not used" (one sentence), such as a table that no
    /// model or schema of the sources mentions; the gate makes the target inconclusive.
    public var caveat: String?
    /// What the database's catalog (or a schema dump) says: dependents, and where the target is missing.
    public var database: DatabaseUsage?

    public init(target: Target, verdict: Verdict, runtime: RuntimeUsage, code: CodeUsage) {
        self.target = target.normalized
        schema = target.schema?.name
        table = target.table.name
        column = target.column?.name
        self.verdict = verdict
        self.runtime = runtime
        self.code = code
    }

    enum CodingKeys: String, CodingKey {
        case target, schema, table, column, verdict, runtime, code, migration, caveat, database
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(target, forKey: .target)
        try container.encode(schema, forKey: .schema)
        try container.encode(table, forKey: .table)
        try container.encode(column, forKey: .column)  // explicit null for a whole table
        try container.encode(verdict, forKey: .verdict)
        try container.encode(runtime, forKey: .runtime)
        try container.encode(code, forKey: .code)
        try container.encodeIfPresent(migration, forKey: .migration)
        try container.encodeIfPresent(caveat, forKey: .caveat)
        try container.encodeIfPresent(database, forKey: .database)
    }
}

/// The line of a migration that drops or renames a target: where reviewers are shown its uses.
public struct MigrationSite: Codable, Sendable, Equatable {
    /// Relative to the directory dropscan ran in (the repository root in CI).
    public var path: String
    /// 1-based.
    public var line: Int

    public init(path: String, line: Int) {
        self.path = path
        self.line = line
    }
}

/// Uses seen in server logs.
public struct RuntimeUsage: Codable, Sendable, Equatable {
    /// Executed statements that use the target (`confirmed` evidence, or every use tier before resolution).
    public var statements: Int = 0
    public var byApplication: [String: Int] = [:]
    public var byUser: [String: Int] = [:]
    public var byDatabase: [String: Int] = [:]
    /// Every evidence tier, `not-a-use` included, so a reader sees what was discarded.
    public var byEvidence: [String: Int] = [:]
    /// Statements that failed because the target is gone (`column "x" does not exist`).
    public var failed: Int = 0
    /// The first and last use in the tiers that block (UTC, ISO 8601); each tier's in ``seenByEvidence``.
    public var firstSeen: String?
    public var lastSeen: String?
    /// The first and last use of each evidence tier that has uses.
    public var seenByEvidence: [String: SeenWindow] = [:]
    /// Uses grouped by normalized statement, most frequent first.
    public var groups: [StatementGroup] = []
    /// Executions of the statement shapes not listed in `groups` (past the report's limit of shapes per
    /// target); they are in every other count, and no allowlist entry but the whole target's accepts them.
    public var groupsOmitted: OmittedGroups?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case statements, byApplication, byUser, byDatabase, byEvidence, failed, firstSeen, lastSeen, seenByEvidence
        case groups, groupsOmitted
    }

    /// Reads reports written before `seenByEvidence` existed as having none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        statements = try container.decode(Int.self, forKey: .statements)
        byApplication = try container.decode([String: Int].self, forKey: .byApplication)
        byUser = try container.decode([String: Int].self, forKey: .byUser)
        byDatabase = try container.decode([String: Int].self, forKey: .byDatabase)
        byEvidence = try container.decode([String: Int].self, forKey: .byEvidence)
        failed = try container.decode(Int.self, forKey: .failed)
        firstSeen = try container.decodeIfPresent(String.self, forKey: .firstSeen)
        lastSeen = try container.decodeIfPresent(String.self, forKey: .lastSeen)
        seenByEvidence = try container.decodeIfPresent([String: SeenWindow].self, forKey: .seenByEvidence) ?? [:]
        groups = try container.decode([StatementGroup].self, forKey: .groups)
        groupsOmitted = try container.decodeIfPresent(OmittedGroups.self, forKey: .groupsOmitted)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(statements, forKey: .statements)
        try container.encode(byApplication, forKey: .byApplication)
        try container.encode(byUser, forKey: .byUser)
        try container.encode(byDatabase, forKey: .byDatabase)
        try container.encode(byEvidence, forKey: .byEvidence)
        try container.encode(failed, forKey: .failed)
        try container.encode(firstSeen, forKey: .firstSeen)
        try container.encode(lastSeen, forKey: .lastSeen)
        try container.encode(seenByEvidence, forKey: .seenByEvidence)
        try container.encode(groups, forKey: .groups)
        try container.encodeIfPresent(groupsOmitted, forKey: .groupsOmitted)
    }
}

/// When uses of one evidence tier were first and last seen (UTC, ISO 8601).
public struct SeenWindow: Codable, Sendable, Equatable {
    public var first: String
    public var last: String

    public init(first: String, last: String) {
        self.first = first
        self.last = last
    }
}

/// Uses of one target grouped by statement shape (literals and parameters replaced, whitespace folded).
public struct StatementGroup: Codable, Sendable, Equatable {
    /// A stable id of the normalized text.
    public var id: String
    /// The normalized statement (never holds literal values unless `--show-values`).
    public var statement: String
    public var evidence: Evidence
    public var count: Int
    public var failed: Int
    public var applications: [String]
    public var firstSeen: String?
    public var lastSeen: String?
    /// Where one occurrence is: file and line.
    public var sample: LogLocation?
    /// Set by the gate when the allowlist or the baseline accepts this group's uses: what accepted them
    /// (`allowlist path docs/**`, `baseline`). A suppressed group does not block and is not counted.
    public var suppressed: String?

    public init(
        id: String, statement: String, evidence: Evidence, count: Int, failed: Int, applications: [String],
        firstSeen: String?, lastSeen: String?, sample: LogLocation?
    ) {
        self.id = id
        self.statement = statement
        self.evidence = evidence
        self.count = count
        self.failed = failed
        self.applications = applications
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.sample = sample
    }
}

public struct LogLocation: Codable, Sendable, Equatable {
    public var path: String
    public var line: Int
    public var offset: Int64

    public init(path: String, line: Int, offset: Int64) {
        self.path = path
        self.line = line
        self.offset = offset
    }
}

/// Statement shapes a report does not list: how many there were and the executions they counted.
public struct OmittedGroups: Codable, Sendable, Equatable {
    /// The most shapes listed per target, which was reached.
    public var limit: Int
    public var statements: Int
    public var failed: Int

    public init(limit: Int, statements: Int, failed: Int) {
        self.limit = limit
        self.statements = statements
        self.failed = failed
    }
}

/// Uses seen in source files.
public struct CodeUsage: Codable, Sendable, Equatable {
    /// Findings that count as uses (every tier but `not-a-use`, outside migrations and declarations).
    public var references: Int = 0
    /// Findings, strongest evidence first, then by path and line.
    public var findings: [CodeFinding] = []
    /// Declarations that are not uses: migrations (history), schema dumps.
    public var declarations: [CodeFinding] = []
    /// Signs that the contract step was prepared (`ignored_columns`, Django state-only removal).
    public var deprecations: [CodeFinding] = []
    /// `possible` findings grouped by file (the repository path when there is one) so that a common name
    /// does not bury the real references.
    public var possibleByFile: [String: Int] = [:]
    /// Findings not listed, past the report's limit per target (the weakest are left out first): uses by
    /// evidence tier, the rest under `other`. A blocking tier here blocks, as no allowlist entry but the whole
    /// target's can accept them.
    public var findingsOmitted: [String: Int]?

    public init() {}

    /// Keeps the first `limit` findings (report order: strongest first) and counts the rest by tier.
    public mutating func limitFindings(to limit: Int) {
        guard findings.count > limit else { return }
        var omitted: [String: Int] = [:]
        // Uses by tier; documentation and `not-a-use` findings under `other`.
        for finding in findings[limit...] {
            omitted[finding.countsAsUse ? finding.evidence.rawValue : "other", default: 0] += 1
        }
        findings.removeSubrange(limit...)
        findingsOmitted = omitted
    }
}

extension CodeUsage {
    /// A target's code summary from its findings: each list in report order, `references` and
    /// `possibleByFile` derived from the findings that count as uses.
    public init(findings: [CodeFinding], declarations: [CodeFinding], deprecations: [CodeFinding]) {
        self.init()
        self.findings = findings.sorted(by: CodeFinding.reportOrder)
        self.declarations = declarations.sorted(by: CodeFinding.reportOrder)
        self.deprecations = deprecations.sorted(by: CodeFinding.reportOrder)
        let uses = self.findings.filter(\.countsAsUse)
        references = uses.count
        for finding in uses where finding.evidence == .possible { possibleByFile[finding.placePath, default: 0] += 1 }
    }
}

extension CodeFinding {
    /// The path as the repository knows it: what reviewers' links and code-scanning locations use.
    public var placePath: String { repositoryPath ?? path }

    /// Strongest evidence first, then by place.
    public static func reportOrder(_ a: CodeFinding, _ b: CodeFinding) -> Bool {
        (a.evidence, a.path, a.line, a.column, a.rule) < (b.evidence, b.path, b.line, b.column, b.rule)
    }

    /// Whether the finding counts as a use: documentation names a column without using it, so it is
    /// listed but never counted or blocking.
    public var countsAsUse: Bool { evidence.isUse && classification != "docs" }
}

extension StatementGroup {
    /// Strongest evidence first, then the most frequent.
    public static func reportOrder(_ a: StatementGroup, _ b: StatementGroup) -> Bool {
        (a.evidence, -a.count, a.statement) < (b.evidence, -b.count, b.statement)
    }
}

/// One place in a source file that references a target.
public struct CodeFinding: Codable, Sendable, Equatable {
    /// Relative to the source root.
    public var path: String
    public var line: Int
    public var column: Int
    public var rule: String
    public var evidence: Evidence
    /// `app`, `test`, `migration`, `schema`, `generated`, `docs`.
    public var classification: String
    public var snippet: String
    /// SHA-256 of rule, target, path and the normalized line text (no line number).
    public var fingerprint: String
    /// For notebooks: the cell index; `line` is then the line within the cell.
    public var cell: Int?
    /// The path relative to the root of the git work tree that holds the source root, when that differs
    /// from `path` (a `--source` below the repository root): what links and code-scanning locations use.
    public var repositoryPath: String?
    /// Set by the gate when the allowlist or the baseline accepts this finding: what accepted it
    /// (`allowlist path docs/**`, `baseline`). A suppressed finding does not block and is not counted.
    public var suppressed: String?

    public init(
        path: String, line: Int, column: Int, rule: String, evidence: Evidence, classification: String,
        snippet: String, fingerprint: String, cell: Int? = nil
    ) {
        self.path = path
        self.line = line
        self.column = column
        self.rule = rule
        self.evidence = evidence
        self.classification = classification
        self.snippet = snippet
        self.fingerprint = fingerprint
        self.cell = cell
    }
}

/// What the scan read, and what it could not: the basis for trusting a "not used".
public struct Coverage: Codable, Sendable, Equatable {
    public var logFiles: Int = 0
    public var sourceFiles: Int = 0
    /// Bytes read from disk (compressed bytes for compressed files).
    public var bytesRead: Int64 = 0
    /// Bytes scanned after decompression.
    public var bytesScanned: Int64 = 0
    /// Files that could not be read fully; any makes a clean result inconclusive.
    public var errors: [CoverageError] = []
    /// Files left out on purpose (binary, ignored by size, links), with the reason.
    public var skipped: [SkippedInput] = []
    public var entries: EntryCounts?
    public var window: TimeWindow?
    public var gaps: [TimeWindow] = []
    /// `all`, `mod`, `ddl`, `duration>=N ms`, `errors-only`, `none`, or `unknown` with no logs.
    public var statementLogging: String?
    /// One sentence when the logging mode cannot support "not used".
    public var statementLoggingNote: String?
    /// Log formats seen, with file counts.
    public var formats: [String: Int] = [:]
    /// Parsed log entries by `application_name` (at most 256 names; the rest under `(other)`).
    public var applications: [String: Int]?
    /// Log lines that fit no format but name a target (a use may hide in them).
    public var unparsedNamingTargets: Int?
    /// Log entries with lines joined to them as continuation lines (they fit no prefix) that name a target
    /// none of the entry's statements uses (a use may hide in them).
    public var joinedNamingTargets: Int?
    /// How each log file was read: its format, and the prefix and how it was decided.
    public var logFormats: [LogFileFormat]?
    /// Set when a signal stopped the scan: the report is partial and the verdict cannot be a pass.
    public var interrupted: Interruption?
    /// The databases and schema files read for dependents.
    public var database: DatabaseCoverage?

    public init() {}
}

/// How one log file was read: its format and, for stderr and syslog, the `log_line_prefix` used and how it
/// was decided (`given` with --log-line-prefix, `configuration` from --postgresql-conf, `inferred` from
/// lines sampled across the file, with how many of them it explains).
public struct LogFileFormat: Codable, Sendable, Equatable {
    public var path: String
    /// `stderr`, `csvlog`, `jsonlog` or `syslog`.
    public var format: String
    public var prefix: String?
    /// `given`, `configuration` or `inferred`.
    public var prefixSource: String?
    public var sampledLines: Int?
    public var explainedLines: Int?
    /// Why the inferred prefix cannot be trusted (one sentence); the gate makes the verdict inconclusive.
    public var problem: String?

    public init(
        path: String, format: String, prefix: String? = nil, prefixSource: String? = nil, sampledLines: Int? = nil,
        explainedLines: Int? = nil
    ) {
        self.path = path
        self.format = format
        self.prefix = prefix
        self.prefixSource = prefixSource
        self.sampledLines = sampledLines
        self.explainedLines = explainedLines
    }

    /// `given`, `from configuration`, or `inferred: 97% of 4,000 sampled lines`.
    public var decidedText: String {
        switch prefixSource {
        case "given": return "given"
        case "configuration": return "from configuration"
        case "inferred":
            guard let sampled = sampledLines, let explained = explainedLines, sampled > 0 else { return "inferred" }
            let percent = explained * 100 / sampled
            return "inferred: \(percent)% of \(LogFileFormat.grouped(sampled)) sampled lines"
        default: return "-"
        }
    }

    static func grouped(_ value: Int) -> String {
        var digits = Array(String(value))
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: index)
            index -= 3
        }
        return String(digits)
    }
}

public struct CoverageError: Codable, Sendable, Equatable {
    public var path: String
    public var offset: Int64
    public var message: String

    public init(path: String, offset: Int64, message: String) {
        self.path = path
        self.offset = offset
        self.message = message
    }
}

public struct SkippedInput: Codable, Sendable, Equatable {
    public var path: String
    public var reason: String
    /// `binary`, `too-large`, `special-file`, `symlink`, `symlink-loop`, `broken-symlink`, `duplicate`.
    public var kind: String?
    /// `true` when the input may hold a use (it names a target): the verdict cannot be a pass.
    public var mayHoldUse: Bool?
    /// Where it first names a target: the line, and the byte offset when the file was read as bytes.
    public var line: Int?
    public var offset: Int64?

    public init(
        path: String, reason: String, kind: String? = nil, mayHoldUse: Bool? = nil, line: Int? = nil,
        offset: Int64? = nil
    ) {
        self.path = path
        self.reason = reason
        self.kind = kind
        self.mayHoldUse = mayHoldUse
        self.line = line
        self.offset = offset
    }
}

/// A scan stopped by a signal before it read everything: the report holds what was read.
public struct Interruption: Codable, Sendable, Equatable {
    /// `SIGINT` or `SIGTERM`.
    public var signal: String
    /// Inputs not read to their end.
    public var inputsNotScanned: Int

    public init(signal: String, inputsNotScanned: Int) {
        self.signal = signal
        self.inputsNotScanned = inputsNotScanned
    }
}

public struct EntryCounts: Codable, Sendable, Equatable {
    public var parsed: Int
    public var unparsed: Int
    /// Lines that fit no prefix, read as continuation lines (whose TAB a shipper replaced or stripped) of
    /// the entry before them.
    public var joinedLines: Int
    public var unparsedSamples: [UnparsedSample]

    public init(parsed: Int, unparsed: Int, joinedLines: Int = 0, unparsedSamples: [UnparsedSample]) {
        self.parsed = parsed
        self.unparsed = unparsed
        self.joinedLines = joinedLines
        self.unparsedSamples = unparsedSamples
    }

    private enum CodingKeys: String, CodingKey { case parsed, unparsed, joinedLines, unparsedSamples }

    /// Reads reports written before `joinedLines` existed as having none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        parsed = try container.decode(Int.self, forKey: .parsed)
        unparsed = try container.decode(Int.self, forKey: .unparsed)
        joinedLines = try container.decodeIfPresent(Int.self, forKey: .joinedLines) ?? 0
        unparsedSamples = try container.decode([UnparsedSample].self, forKey: .unparsedSamples)
    }
}

public struct UnparsedSample: Codable, Sendable, Equatable {
    public var path: String
    public var line: Int
    public var offset: Int64
    public var text: String

    public init(path: String, line: Int, offset: Int64, text: String) {
        self.path = path
        self.line = line
        self.offset = offset
        self.text = text
    }
}

public struct TimeWindow: Codable, Sendable, Equatable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }
}
