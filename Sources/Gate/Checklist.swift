import Report

/// The change under review, from `git diff --name-status BASE..HEAD`.
public struct ChangeSet: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public var path: String
        /// `A`, `M`, `D`, `R`…, as git gives it.
        public var status: String
        /// The file's kind (`migration`, `schema`, `app`, …), from its path and content.
        public var classification: String
        /// Whether it is a migration that drops or renames something.
        public var destructive: Bool

        public init(path: String, status: String, classification: String, destructive: Bool) {
            self.path = path
            self.status = status
            self.classification = classification
            self.destructive = destructive
        }
    }

    /// `BASE..HEAD` as given.
    public var range: String
    public var files: [File]

    public init(range: String, files: [File]) {
        self.range = range
        self.files = files
    }
}

/// The seven pieces of evidence a destructive change is approved on. dropscan verifies the first two
/// and the last; the other four are attested by people (the policy or a file beside the migration).
public enum Checklist {
    public static let items: [(id: String, title: String)] = [
        ("code-search", "Code search shows no usage"),
        ("query-logs", "Query logs show no runtime usage"),
        ("owners-approve", "Downstream and reporting owners approve"),
        ("retention", "The retention policy allows deletion"),
        ("backup", "The backup strategy is known"),
        ("rollback-plan", "A rollback or forward-fix plan exists"),
        ("isolated-change", "The migration is isolated in its own pull request"),
    ]
    public static var ids: [String] { items.map(\.id) }

    struct Evidence {
        var scannedCode: Bool
        var scannedLogs: Bool
        var blockingCode: Int
        var blockingRuntime: Int
        /// The first reason the logs or inputs cannot support "not used".
        var coverageReason: String?
        /// The first reason the code search cannot support "not used" (a table no model mentions).
        var codeReason: String?
        var attestations: [Attestation]
        var change: ChangeSet?
    }

    static func evaluate(_ evidence: Evidence, waive: Set<String>) -> [ChecklistItem] {
        items.map { item in
            var result = check(item.id, evidence)
            result.title = item.title
            if result.status == .missing, waive.contains(item.id) {
                result.status = .waived
                result.detail += " Waived by the policy."
            }
            return result
        }
    }

    private static func check(_ id: String, _ evidence: Evidence) -> ChecklistItem {
        func item(_ status: ChecklistItem.Status, _ detail: String) -> ChecklistItem {
            ChecklistItem(id: id, title: "", status: status, detail: detail)
        }
        switch id {
        case "code-search":
            guard evidence.scannedCode else { return item(.missing, "No source tree was searched (give --source).") }
            if evidence.blockingCode > 0 {
                return item(.failed, "\(evidence.blockingCode) blocking code reference(s) found.")
            }
            if let reason = evidence.codeReason { return item(.missing, reason) }
            return item(.verified, "The source trees hold no blocking reference.")
        case "query-logs":
            guard evidence.scannedLogs else { return item(.missing, "No query log was read (give --logs).") }
            if evidence.blockingRuntime > 0 {
                return item(.failed, "\(evidence.blockingRuntime) blocking statement(s) in the logs.")
            }
            if let reason = evidence.coverageReason { return item(.missing, reason) }
            return item(.verified, "The logs hold no blocking use and cover what the policy asks.")
        case "isolated-change":
            guard let change = evidence.change else {
                return item(.missing, "Not checked: give --diff BASE..HEAD.")
            }
            let destructive = change.files.filter(\.destructive).map(\.path)
            guard !destructive.isEmpty else {
                return item(.failed, "\(change.range) holds no destructive migration.")
            }
            let others = change.files.filter { $0.classification != "migration" && $0.classification != "schema" }
            guard others.isEmpty else {
                let names = others.prefix(3).map(\.path).joined(separator: ", ")
                let more = others.count > 3 ? " and \(others.count - 3) more" : ""
                return item(
                    .failed,
                    "\(change.range) also changes \(names)\(more): ship the destructive migration in a pull request of its own."
                )
            }
            return item(
                .verified,
                "\(change.range) changes only migrations and schema dumps (\(destructive.joined(separator: ", ")) drops)."
            )
        default:
            guard let attestation = evidence.attestations.last(where: { $0.item == id }) else {
                return item(
                    .missing,
                    "Nobody attested it (add \(id) to the attestation file beside the migration, with by and at).")
            }
            var result = item(
                .attested, "Attested by \(attestation.by) on \(attestation.at) (\(attestation.source)).")
            if let note = attestation.note { result.detail += " \(note)" }
            result.by = attestation.by
            result.at = attestation.at
            return result
        }
    }

    /// One sentence per item that keeps the change from passing (missing or failed, and not waived).
    /// Failed code and log items are not repeated: the targets' own reasons block.
    /// `coverageExplained`: the coverage reasons already say why the logs cannot show "not used";
    /// `codeExplained`: the targets' own reasons say why the code search cannot.
    static func reasons(_ items: [ChecklistItem], coverageExplained: Bool, codeExplained: Bool = false) -> [String] {
        items.compactMap { item in
            if item.id == "query-logs" && coverageExplained { return nil }
            if item.id == "code-search" && codeExplained { return nil }
            switch item.status {
            case .missing: return "Checklist: \"\(item.title)\" is missing. \(item.detail)"
            case .failed where item.id == "isolated-change": return "Checklist: \(item.detail)"
            default: return nil
            }
        }
    }
}
