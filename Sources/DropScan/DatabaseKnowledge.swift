import Catalog
import DatabaseEvidence
import Foundation
import Matching
import PostgresLog
import Report
import SQLResolution
import ScanIO

/// What the databases (`--database`) and schema files (`--schema`) say about the targets, per target and for
/// the coverage.
struct DatabaseFindings: Sendable {
    /// Per target (by index).
    var usages: [DatabaseUsage]
    var coverage: DatabaseCoverage?
    /// The live catalogs' relations and columns (`--database`).
    var liveTables: [TableFact] = []
    /// Each server's counters of the targets' tables, and the `--snapshot` to write after the scan.
    var activityReadings: [(server: String, reading: TableActivityReading)] = []
    var snapshotToWrite: (path: String, snapshot: ActivitySnapshot)?

    init(targetCount: Int) { usages = Array(repeating: DatabaseUsage(), count: targetCount) }
}

extension ScanPipeline {
    /// Connects to every `--database` (one that cannot be reached is a configuration error: exit 2, before
    /// anything is scanned), reads each catalog's dependents, and the `--schema` files' dependents. A server
    /// lost while it is read is recorded with its error, which keeps the verdict from a pass (exit 3).
    func readDatabaseFindings(targets: [Target]) throws(ConfigurationError) -> DatabaseFindings {
        var findings = DatabaseFindings(targetCount: targets.count)
        guard !configuration.databases.isEmpty || !configuration.schemaFiles.isEmpty else { return findings }
        var sessions: [DatabaseSession] = []
        for (index, text) in configuration.databases.enumerated() {
            let label = configuration.databases.count == 1 ? "--database" : "--database #\(index + 1)"
            do {
                sessions.append(try DatabaseSession.open(text, label: label))
            } catch {
                throw .database(error.description)
            }
        }
        var coverage = DatabaseCoverage(schemaFiles: configuration.schemaFiles)
        let resolver = SQLResolver(targets: targets)
        for session in sessions {
            configuration.afterDatabaseConnect?(session.server)
            var server = DatabaseServer(
                server: session.server, version: session.version, replica: session.inRecovery,
                readAt: LogTimestamp.iso8601(milliseconds: RunClock.nowMilliseconds()))
            do {
                let (dependents, defined) = try session.dependents(of: targets)
                for index in targets.indices {
                    findings.usages[index].dependents += dependents[index]
                    if !defined[index] { findings.usages[index].missingFrom.append(session.server) }
                }
                let counted = try CountedStatements.read(
                    session, resolver: resolver, showValues: configuration.showValues, server: &server)
                for index in targets.indices where server.statementsUnavailable == nil {
                    findings.usages[index].statements = (findings.usages[index].statements ?? []) + counted[index]
                }
                try readLiveKnowledge(session, targets: targets, into: &findings)
            } catch {
                server.error = error.description
            }
            coverage.servers.append(server)
        }
        try compareTableActivity(targets: targets, into: &findings)
        for path in configuration.schemaFiles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .schemaUnreadable(path: path, message: String(cString: strerror(errno)))
            }
            let result = SchemaDependents.find(
                sql: String(decoding: data, as: UTF8.self), origin: path, targets: targets)
            for index in targets.indices {
                findings.usages[index].dependents += result.dependents[index]
                if !result.defined[index] { findings.usages[index].missingFrom.append(path) }
            }
        }
        // The same object seen by several servers (a primary and its replica) or in a dump too is listed
        // once, from the first server that has it.
        for index in findings.usages.indices {
            var seen: Set<String> = []
            findings.usages[index].dependents = findings.usages[index].dependents.filter {
                seen.insert("\($0.kind.rawValue)\u{1F}\($0.table ?? "")\u{1F}\($0.name)").inserted
            }
        }
        findings.coverage = coverage
        return findings
    }

    /// Where the repository's SQL files (among `candidates`, the source files that name a target) define each
    /// dependent: the last definition by path and line, as migrations are numbered.
    static func locateDefinitions(_ findings: inout DatabaseFindings, targets: [Target], candidates: [InputFile]) {
        guard findings.usages.contains(where: { !$0.dependents.isEmpty }) else { return }
        var places: [Int: [String: SourcePlace]] = [:]
        for file in candidates.sorted(by: { $0.relativePath < $1.relativePath })
        where file.relativePath.lowercased().hasSuffix(".sql") {
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            let result = SchemaDependents.find(
                sql: String(decoding: data, as: UTF8.self), origin: file.relativePath, targets: targets)
            for (index, dependents) in result.dependents.enumerated() {
                for dependent in dependents {
                    places[index, default: [:]][dependent.identity] = SourcePlace(
                        path: file.relativePath, line: dependent.line ?? 1)
                }
            }
        }
        for index in findings.usages.indices {
            for position in findings.usages[index].dependents.indices {
                let identity = findings.usages[index].dependents[position].identity
                findings.usages[index].dependents[position].definedAt = places[index]?[identity]
            }
        }
    }
}

extension ReportBuilder {
    /// The target's database usage with each dependent's fingerprint (kind, table and name: the object, not
    /// its source), in report order; `nil` when no database or schema file was read.
    ///
    /// With `groups` (the target's logged statement groups, when logs were read), the counted statements are
    /// compared with them (`CountedStatements.compare`) over each server's window (`servers`).
    static func databaseUsage(
        _ usage: DatabaseUsage, target: Target, read: Bool, groups: [StatementGroup]? = nil,
        servers: [DatabaseServer] = []
    ) -> DatabaseUsage? {
        guard read else { return nil }
        var result = usage
        if let groups, var statements = result.statements {
            let since = Dictionary(
                servers.compactMap { server in server.statementsSince.map { (server.server, $0) } },
                uniquingKeysWith: { first, _ in first })
            result.logCoverage = CountedStatements.compare(&statements, groups: groups, since: since)
            result.statements = statements
        }
        result.statements?.sort {
            ($0.evidence, -$0.calls, $0.server, $0.role, $0.queryid) < (
                $1.evidence, -$1.calls, $1.server, $1.role, $1.queryid
            )
        }
        for index in result.dependents.indices {
            let dependent = result.dependents[index]
            result.dependents[index].fingerprint = Fingerprint.finding(
                rule: "database/" + dependent.kind.rawValue, target: target.normalized, path: dependent.table ?? "",
                lineText: dependent.name)
        }
        result.dependents.sort(by: Dependent.reportOrder)
        return result
    }
}
