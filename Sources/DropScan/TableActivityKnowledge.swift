import Catalog
import DatabaseEvidence
import Foundation
import Matching
import Report

/// The `--snapshot` file: the last table counters read on each server, so that the next scan can say what
/// happened in between. JSON, replaced whole (a temporary file and a rename) after each scan that read it.
struct ActivitySnapshot: Codable, Sendable, Equatable {
    static let formatName = "dropscan-table-activity"

    /// One table's counters on one server.
    struct Reading: Codable, Sendable, Equatable {
        /// `host:port/dbname`, the database's oid and name.
        var server: String
        var databaseOID: String
        var database: String
        /// `schema.name` and its oid.
        var table: String
        var relid: String
        /// The server's time of the reading, its start and the database's statistics reset (UTC, ISO 8601).
        var at: String
        var serverStarted: String
        var statsReset: String?
        var counters: TableCounters
    }

    var format = formatName
    var version = 1
    var readings: [Reading] = []

    /// The file's snapshot, `nil` when there is none yet; a file that is not one is a configuration error.
    static func load(_ path: String) throws(ConfigurationError) -> ActivitySnapshot? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .database(
                "cannot read the snapshot \(path) (\(String(cString: strerror(errno)))); give a --snapshot file dropscan can read and replace"
            )
        }
        let snapshot: ActivitySnapshot
        do {
            snapshot = try JSONDecoder().decode(ActivitySnapshot.self, from: data)
        } catch {
            throw .database(
                "the snapshot \(path) is not a dropscan table-activity snapshot (\(Self.describe(error))); give the file an earlier scan wrote with --snapshot, or a new path"
            )
        }
        guard snapshot.format == formatName, snapshot.version == 1 else {
            throw .database(
                "the snapshot \(path) is format \(snapshot.format) version \(snapshot.version), not \(formatName) version 1; give a new --snapshot path"
            )
        }
        return snapshot
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context): return "invalid JSON: \(context.debugDescription)"
        case .keyNotFound(let key, _): return "no \(key.stringValue) key"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    /// Writes the snapshot whole (a temporary file beside it, `fsync`, `rename`).
    func write(to path: String) throws(ConfigurationError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try AtomicFile.write(try encoder.encode(self), to: path)
        } catch let failure as WriteFailure {
            throw .database(
                "cannot write the snapshot \(path): \(failure.reason); the next scan compares with the earlier snapshot still there"
            )
        } catch {
            throw .database("cannot encode the snapshot \(path): \(error)")
        }
    }

    /// This snapshot with `readings` replacing those of the same server and table; others are kept.
    func replacing(with readings: [Reading]) -> ActivitySnapshot {
        let read = Set(readings.map { $0.server + "\u{1F}" + $0.table })
        var result = self
        result.readings = self.readings.filter { !read.contains($0.server + "\u{1F}" + $0.table) } + readings
        result.readings.sort { ($0.server, $0.table) < ($1.server, $1.table) }
        return result
    }

    /// Refuses a snapshot of other servers or databases: one sentence, or `nil` when it fits the sessions
    /// (`(server, database oid, database name)`).
    func refusal(path: String, sessions: [(server: String, oid: String, database: String)]) -> String? {
        guard !readings.isEmpty else { return nil }
        let servers = Set(sessions.map(\.server))
        if !readings.contains(where: { servers.contains($0.server) }) {
            let taken = Array(Set(readings.map(\.server))).sorted().joined(separator: ", ")
            return
                "the snapshot \(path) holds counters of \(taken), not of \(servers.sorted().joined(separator: ", ")): counters of another database say nothing about this one, so give a --snapshot file of this database (or a new path)"
        }
        for session in sessions {
            if let other = readings.first(where: { $0.server == session.server && $0.databaseOID != session.oid }) {
                return
                    "the snapshot \(path) holds counters of database \(other.database) (oid \(other.databaseOID)) at \(session.server), which now serves database \(session.database) (oid \(session.oid)): the database was created again or is another, so give a new --snapshot path"
            }
        }
        return nil
    }
}

extension TableCounters {
    /// From a `pg_stat_user_tables` row.
    init(_ row: TableCounterRow) {
        func value(_ name: String) -> Int64 { row.values[name] ?? 0 }
        self.init(
            seqScan: value("seq_scan"), seqTupRead: value("seq_tup_read"), idxScan: row.values["idx_scan"],
            idxTupFetch: row.values["idx_tup_fetch"], tupInserted: value("n_tup_ins"), tupUpdated: value("n_tup_upd"),
            tupDeleted: value("n_tup_del"), lastSeqScan: row.lastSeqScan, lastIdxScan: row.lastIndexScan)
    }

    /// `self - earlier`, counter by counter (an index counter absent on one side counts as 0).
    func minus(_ earlier: TableCounters) -> TableCounters {
        func delta(_ now: Int64?, _ then: Int64?) -> Int64? {
            now == nil && then == nil ? nil : (now ?? 0) - (then ?? 0)
        }
        return TableCounters(
            seqScan: seqScan - earlier.seqScan, seqTupRead: seqTupRead - earlier.seqTupRead,
            idxScan: delta(idxScan, earlier.idxScan), idxTupFetch: delta(idxTupFetch, earlier.idxTupFetch),
            tupInserted: tupInserted - earlier.tupInserted, tupUpdated: tupUpdated - earlier.tupUpdated,
            tupDeleted: tupDeleted - earlier.tupDeleted)
    }
}

/// What a table's counters show against the snapshot's earlier reading of it.
enum ActivityComparison {
    /// `snapshot`: whether `--snapshot` was given; `previous`: its reading of this table on this server.
    static func compare(current: ActivitySnapshot.Reading, previous: ActivitySnapshot.Reading?, snapshot: Bool)
        -> TableActivity
    {
        var activity = TableActivity(
            server: current.server, table: current.table, at: current.at, serverStarted: current.serverStarted,
            statsReset: current.statsReset, counters: current.counters, outcome: .recorded, note: "")
        let place = "\(current.table) on \(current.server)"
        guard snapshot else {
            activity.note =
                "Counters of \(place) since its statistics began (\(current.statsReset.map { "reset at \($0)" } ?? "server started at \(current.serverStarted)")), recorded as context only: without --snapshot there is no earlier reading to compare with, so they say nothing about the period under review."
            return activity
        }
        guard let previous else {
            activity.outcome = .first
            activity.note =
                "First reading of \(place) in the snapshot: the next scan with the same --snapshot reports whether it was read in between."
            return activity
        }
        activity.since = previous.at
        let deltas = current.counters.minus(previous.counters)
        activity.deltas = deltas
        let period = "between \(previous.at) and \(current.at)"
        let changes = deltas.named.filter { $0.value != 0 }
        let reads = changes.filter { TableCounters.readCounters.contains($0.name) && $0.value > 0 }
        let writes = changes.filter { !TableCounters.readCounters.contains($0.name) && $0.value > 0 }
        var lastScans: [String] = []
        if let last = current.counters.lastSeqScan, last > previous.at {
            lastScans.append("last sequential scan \(last)")
        }
        if let last = current.counters.lastIdxScan, last > previous.at { lastScans.append("last index scan \(last)") }
        func listed(_ list: [(name: String, value: Int64)]) -> String {
            list.map { "\($0.name) \($0.value > 0 ? "+" : "")\($0.value)" }.joined(separator: ", ")
        }
        if current.relid != previous.relid {
            let total = current.counters.named.filter { TableCounters.readCounters.contains($0.name) && $0.value > 0 }
            if !total.isEmpty {
                activity.outcome = .read
                activity.note =
                    "\(place) was created again \(period) (oid \(previous.relid), now \(current.relid)) and the new table was read since (\(listed(total)))."
            } else {
                activity.outcome = .inconclusive
                activity.note =
                    "\(place) was created again \(period) (oid \(previous.relid), now \(current.relid)), so its counters start from zero and reads of the earlier table are not seen: take a new snapshot and compare again."
            }
            return activity
        }
        if !reads.isEmpty || !lastScans.isEmpty {
            activity.outcome = .read
            let parts = (reads.isEmpty ? [] : [listed(reads)]) + lastScans
            activity.note = "\(place) was read \(period): \(parts.joined(separator: "; "))."
            return activity
        }
        let decreased = changes.filter { $0.value < 0 }
        if !decreased.isEmpty {
            activity.outcome = .inconclusive
            activity.note =
                "Counters of \(place) went down \(period) (\(listed(decreased))): its statistics were reset or the server is another, so reads in between may be hidden; take a new snapshot and compare again."
            return activity
        }
        if current.statsReset != previous.statsReset || current.serverStarted != previous.serverStarted {
            let what =
                current.serverStarted != previous.serverStarted
                ? "the server restarted at \(current.serverStarted)"
                : "the statistics were reset at \(current.statsReset ?? "?")"
            activity.outcome = .inconclusive
            activity.note =
                "\(what.prefix(1).uppercased() + what.dropFirst()) after the earlier reading of \(place) at \(previous.at), so its counters may have started again from zero and hide reads in between; take a new snapshot and compare again."
            return activity
        }
        if !writes.isEmpty {
            activity.outcome = .written
            activity.note = "\(place) was written but not read \(period): \(listed(writes))."
            return activity
        }
        activity.outcome = .unread
        activity.note = "\(place) was not read or written \(period): no scan or tuple counter moved."
        return activity
    }
}

extension ScanPipeline {
    /// What a session adds beyond dependents: its relations and columns (for the catalog that binds columns
    /// and rates names) and the counters of the targets' tables.
    func readLiveKnowledge(_ session: DatabaseSession, targets: [Target], into findings: inout DatabaseFindings)
        throws(DatabaseError)
    {
        let provenance = Provenance(kind: .database, path: "", line: 0)
        findings.liveTables += try session.relations().map { relation in
            TableFact(
                schema: relation.schema, name: relation.name,
                columns: relation.columns.map { ColumnFact(name: $0, provenance: provenance) }, provenance: provenance)
        }
        let reading = try session.tableActivity(of: targets.map { ($0.schema?.name, $0.table.name) })
        findings.activityReadings.append((session.server, reading))
    }

    /// Compares each target table's counters with the `--snapshot` file's (refusing a snapshot of another
    /// database) and keeps the snapshot to write once the scan has finished.
    func compareTableActivity(targets: [Target], into findings: inout DatabaseFindings) throws(ConfigurationError) {
        guard !findings.activityReadings.isEmpty else { return }
        let path = configuration.snapshot
        let stored = try path.flatMap { path throws(ConfigurationError) in try ActivitySnapshot.load(path) }
        if let path, let stored,
            let refusal = stored.refusal(
                path: path,
                sessions: findings.activityReadings.map { ($0.server, $0.reading.databaseOID, $0.reading.database) })
        {
            throw .database(refusal)
        }
        var readings: [ActivitySnapshot.Reading] = []
        for (server, reading) in findings.activityReadings {
            for (index, rows) in reading.tables.enumerated() where index < targets.count {
                var activities: [TableActivity] = []
                for row in rows {
                    let current = ActivitySnapshot.Reading(
                        server: server, databaseOID: reading.databaseOID, database: reading.database, table: row.table,
                        relid: row.relid, at: reading.at, serverStarted: reading.serverStarted,
                        statsReset: reading.statsReset, counters: TableCounters(row))
                    let previous = stored?.readings.first { $0.server == server && $0.table == row.table }
                    activities.append(
                        ActivityComparison.compare(current: current, previous: previous, snapshot: path != nil))
                    if !readings.contains(where: { $0.server == server && $0.table == row.table }) {
                        readings.append(current)
                    }
                }
                findings.usages[index].tableActivity = (findings.usages[index].tableActivity ?? []) + activities
            }
        }
        if let path { findings.snapshotToWrite = (path, (stored ?? ActivitySnapshot()).replacing(with: readings)) }
    }
}
