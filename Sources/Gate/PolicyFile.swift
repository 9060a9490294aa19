import Foundation
import Matching
import Report
import Yams

/// A policy or attestation file that cannot be used, with the file and line to fix (exit code 2).
public struct PolicyFileError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ file: String, _ mark: Mark?, _ message: String) {
        description = mark.map { "\(file):\($0.line): \(message)" } ?? "\(file): \(message)"
    }
}

/// Reads the gate's policy (`--policy FILE`, YAML; `Reports/policy.example.yml` explains every field) and
/// attestation files. Every key is checked: a misspelt key is an error, never a requirement quietly dropped.
public enum PolicyFile {
    /// The checklist items someone can attest to (the other three are checked by dropscan).
    public static let attestableItems = ["owners-approve", "retention", "backup", "rollback-plan"]

    /// Parses a policy; `file` names it in errors and in the report.
    public static func parse(_ text: String, file: String) throws(PolicyFileError) -> GatePolicy {
        let root = try compose(text, file: file)
        var policy = GatePolicy.gateDefault
        policy.file = file
        guard let root else { return policy }
        let top = try Reader(file: file).mapping(
            root, "the policy",
            keys: ["version", "block", "warn", "failedStatements", "coverage", "allowlist", "checklist"])
        let reader = Reader(file: file)
        if let version = top["version"] {
            guard try reader.string(version, "version") == "1" else {
                throw PolicyFileError(file, version.mark, "version must be 1 (the only policy version)")
            }
        }
        if let block = top["block"] { policy.blocking = Set(try reader.tiers(block, "block")) }
        if let warn = top["warn"] { policy.warning = Set(try reader.tiers(warn, "warn")) }
        if let both = policy.blocking.intersection(policy.warning).first {
            throw PolicyFileError(file, top["warn"]?.mark, "\(both.rawValue) is both in block and in warn: pick one")
        }
        if let failed = top["failedStatements"] {
            switch try reader.string(failed, "failedStatements") {
            case "block": policy.failedStatementsBlock = true
            case "warn": policy.failedStatementsBlock = false
            case let other:
                throw PolicyFileError(file, failed.mark, "failedStatements must be block or warn, not '\(other)'")
            }
        }
        if let coverage = top["coverage"] { policy.requirements = try reader.coverage(coverage) }
        if let allowlist = top["allowlist"] { policy.allowlist = try reader.allowlist(allowlist) }
        if let checklist = top["checklist"] { policy.checklist = try reader.checklist(checklist) }
        return policy
    }

    /// Reads a policy file from disk.
    public static func load(_ path: String) throws(PolicyFileError) -> GatePolicy {
        try parse(try read(path), file: path)
    }

    /// Parses an attestation file: a mapping from checklist item to `{by, at, note}`.
    public static func parseAttestations(_ text: String, file: String) throws(PolicyFileError) -> [Attestation] {
        guard let root = try compose(text, file: file) else { return [] }
        return try Reader(file: file).attestations(root)
    }

    /// Reads an attestation file from disk.
    public static func loadAttestations(_ path: String) throws(PolicyFileError) -> [Attestation] {
        try parseAttestations(try read(path), file: path)
    }

    /// `90s`, `30m`, `6h`, `2d`, or a number of seconds.
    public static func seconds(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let last = trimmed.last, let unit = units[last], let value = Int64(trimmed.dropLast()), value > 0 {
            return value * unit
        }
        if let value = Int64(trimmed), value > 0 { return value }
        return nil
    }

    static func read(_ path: String) throws(PolicyFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyFileError(path, nil, "cannot read it: \(String(cString: strerror(errno)))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func compose(_ text: String, file: String) throws(PolicyFileError) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw PolicyFileError(file, nil, "not valid YAML: \(error)")
        } catch {
            throw PolicyFileError(file, nil, "not valid YAML: \(error)")
        }
    }
}

/// Typed access to YAML nodes, each error naming the file, line and key.
struct Reader {
    let file: String

    func fail(_ node: Node?, _ message: String) -> PolicyFileError { PolicyFileError(file, node?.mark, message) }

    /// A mapping whose keys must all be in `keys`.
    func mapping(_ node: Node, _ what: String, keys: [String]) throws(PolicyFileError) -> [String: Node] {
        guard let mapping = node.mapping else { throw fail(node, "\(what) must be a mapping of keys to values") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string, keys.contains(name) else {
                throw fail(
                    key, "unknown key '\(key.string ?? "?")' in \(what); known keys: \(keys.joined(separator: ", "))")
            }
            result[name] = value
        }
        return result
    }

    func string(_ node: Node, _ what: String) throws(PolicyFileError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw fail(node, "\(what) must be a non-empty text value")
        }
        return scalar.string
    }

    func strings(_ node: Node, _ what: String) throws(PolicyFileError) -> [String] {
        if case .scalar(let scalar) = node, scalar.string.isEmpty { return [] }
        if case .scalar = node { return [try string(node, what)] }
        guard case .sequence(let sequence) = node else { throw fail(node, "\(what) must be a list") }
        var result: [String] = []
        for item in sequence { result.append(try string(item, what)) }
        return result
    }

    func tiers(_ node: Node, _ what: String) throws(PolicyFileError) -> [Evidence] {
        var result: [Evidence] = []
        for name in try strings(node, what) {
            guard let tier = Evidence(rawValue: name), tier.isUse else {
                throw fail(node, "\(what) takes confirmed, implicit, probable or possible, not '\(name)'")
            }
            result.append(tier)
        }
        return result
    }

    func bool(_ node: Node, _ what: String) throws(PolicyFileError) -> Bool {
        switch try string(node, what) {
        case "true", "yes": return true
        case "false", "no": return false
        case let other: throw fail(node, "\(what) must be true or false, not '\(other)'")
        }
    }

    func date(_ node: Node, _ what: String) throws(PolicyFileError) -> String {
        let text = try string(node, what)
        guard GateClock.day(text) != nil else {
            throw fail(node, "\(what) must be a date written YYYY-MM-DD, not '\(text)'")
        }
        return text
    }

    func coverage(_ node: Node) throws(PolicyFileError) -> CoverageRequirements {
        let keys = [
            "minimumWindowDays", "maximumGap", "statementLogging", "acceptPartialLogging", "applications", "servers",
            "sources",
        ]
        let map = try mapping(node, "coverage", keys: keys)
        // Keys left out keep the gate's defaults: a policy only loosens what it says.
        var result = GatePolicy.gateDefault.requirements
        if let days = map["minimumWindowDays"] {
            guard let value = Int(try string(days, "coverage.minimumWindowDays")), value >= 0 else {
                throw fail(days, "coverage.minimumWindowDays must be a whole number of days (0: no minimum)")
            }
            result.minimumWindowDays = value == 0 ? nil : value
        }
        if let gap = map["maximumGap"] {
            let text = try string(gap, "coverage.maximumGap")
            guard let seconds = PolicyFile.seconds(text) else {
                throw fail(gap, "coverage.maximumGap takes a duration such as 90m, 6h or 2d, not '\(text)'")
            }
            result.maximumGapSeconds = seconds
        }
        if let modes = map["statementLogging"] {
            result.statementLogging = try strings(modes, "coverage.statementLogging")
            for mode in result.statementLogging where !Self.isLoggingMode(mode) {
                throw fail(
                    modes,
                    "coverage.statementLogging takes all, mod, ddl or 'duration>=N ms', not '\(mode)'")
            }
        }
        if let partial = map["acceptPartialLogging"] {
            result.acceptPartialLogging = try bool(partial, "coverage.acceptPartialLogging")
        }
        if let applications = map["applications"] {
            result.applications = try strings(applications, "coverage.applications")
        }
        if let servers = map["servers"] {
            guard case .sequence(let sequence) = servers else { throw fail(servers, "coverage.servers must be a list") }
            for item in sequence {
                let server = try mapping(item, "a coverage.servers entry", keys: ["name", "logs"])
                guard let name = server["name"], let logs = server["logs"] else {
                    throw fail(item, "a coverage.servers entry needs name and logs (a glob over log paths)")
                }
                result.servers.append(
                    ServerRequirement(name: try string(name, "name"), logs: try string(logs, "logs")))
            }
        }
        if let sources = map["sources"] {
            result.sources = try strings(sources, "coverage.sources")
            for source in result.sources where !["logs", "code", "database"].contains(source) {
                throw fail(sources, "coverage.sources takes logs, code and database, not '\(source)'")
            }
        }
        return result
    }

    static func isLoggingMode(_ mode: String) -> Bool {
        if ["all", "mod", "ddl"].contains(mode) { return true }
        guard mode.hasPrefix("duration>="), mode.hasSuffix(" ms") else { return false }
        return Int(mode.dropFirst("duration>=".count).dropLast(3)) != nil
    }

    func allowlist(_ node: Node) throws(PolicyFileError) -> [AllowlistEntry] {
        guard case .sequence(let sequence) = node else { throw fail(node, "allowlist must be a list of entries") }
        var result: [AllowlistEntry] = []
        for item in sequence {
            let map = try mapping(
                item, "an allowlist entry", keys: ["target", "path", "fingerprint", "reason", "owner", "expires"])
            let selectors = ["target", "path", "fingerprint"].filter { map[$0] != nil }
            guard selectors.count == 1 else {
                throw fail(item, "an allowlist entry names exactly one of target, path or fingerprint")
            }
            for required in ["reason", "owner", "expires"] where map[required] == nil {
                throw fail(item, "an allowlist entry needs \(required) (reason, owner and expires are required)")
            }
            var entry = AllowlistEntry(
                reason: try string(map["reason"]!, "reason"), owner: try string(map["owner"]!, "owner"),
                expires: try date(map["expires"]!, "expires"))
            if let target = map["target"] {
                let text = try string(target, "target")
                do {
                    entry.target = try Target(parsing: text).normalized
                } catch {
                    throw fail(target, "allowlist target '\(text)': \(error)")
                }
            }
            if let path = map["path"] { entry.path = try string(path, "path") }
            if let fingerprint = map["fingerprint"] { entry.fingerprint = try string(fingerprint, "fingerprint") }
            result.append(entry)
        }
        return result
    }

    func checklist(_ node: Node) throws(PolicyFileError) -> ChecklistPolicy {
        let map = try mapping(node, "checklist", keys: ["waive", "attestations"])
        var result = ChecklistPolicy()
        if let waive = map["waive"] {
            result.waive = try strings(waive, "checklist.waive")
            for id in result.waive where !Checklist.ids.contains(id) {
                throw fail(waive, "checklist.waive takes \(Checklist.ids.joined(separator: ", ")), not '\(id)'")
            }
        }
        if let attestations = map["attestations"] { result.attestations = try self.attestations(attestations) }
        return result
    }

    func attestations(_ node: Node) throws(PolicyFileError) -> [Attestation] {
        let map = try mapping(node, "the attestations", keys: PolicyFile.attestableItems)
        var result: [Attestation] = []
        for item in PolicyFile.attestableItems {
            guard let value = map[item] else { continue }
            let fields = try mapping(value, item, keys: ["by", "at", "note"])
            guard let by = fields["by"], let at = fields["at"] else {
                throw fail(value, "the attestation for \(item) needs by (who) and at (when, YYYY-MM-DD)")
            }
            result.append(
                Attestation(
                    item: item, by: try string(by, "\(item).by"), at: try date(at, "\(item).at"),
                    note: try fields["note"].map { (note) throws(PolicyFileError) in try string(note, "\(item).note") },
                    source: file))
        }
        return result
    }
}
