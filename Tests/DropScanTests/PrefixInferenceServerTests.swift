import Foundation
import TestSupport
import Testing

/// One `log_line_prefix` a real server runs under, and what its lines carry.
struct ServerPrefix: CustomTestStringConvertible, Sendable {
    let prefix: String
    /// Whether the prefix carries the application, the user and database, a timestamp.
    let application: Bool
    let userAndDatabase: Bool
    let timestamp: Bool
    /// Extra settings the prefix needs to show something (for example `compute_query_id` for `%Q`).
    var settings: [String] = []

    var testDescription: String { prefix }
}

/// The prefixes teams configure (distributions', cloud providers', log tools'), and prefixes no list holds:
/// starting with `%a` or `%p`, timestamps not first, an epoch, none at all, and the rarer escapes.
let serverPrefixes: [ServerPrefix] = [
    ServerPrefix(prefix: "%m [%p] %q%u@%d ", application: false, userAndDatabase: true, timestamp: true),
    ServerPrefix(prefix: "%m [%p] %q%u@%d %a ", application: true, userAndDatabase: true, timestamp: true),
    ServerPrefix(prefix: "%t:%r:%u@%d:[%p]:", application: false, userAndDatabase: true, timestamp: true),
    ServerPrefix(prefix: "%t-%c-", application: false, userAndDatabase: false, timestamp: true),
    ServerPrefix(
        prefix: "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ", application: true, userAndDatabase: true,
        timestamp: true),
    ServerPrefix(
        prefix: "%m [%p] %q[user=%u,db=%d,app=%a] ", application: true, userAndDatabase: true, timestamp: true),
    ServerPrefix(
        prefix:
            " sql_error_code = %e time_ms = \"%m\" pid=\"%p\" proc_start_time=\"%s\" session_id=\"%c\" vtid=\"%v\" tid=\"%x\" log_line=\"%l\" %qdatabase=\"%d\" connection_source=\"%r\" user=\"%u\" application_name=\"%a\" ",
        application: true, userAndDatabase: true, timestamp: true),
    ServerPrefix(prefix: "%a %m [%p] ", application: true, userAndDatabase: false, timestamp: true),
    ServerPrefix(prefix: "%p-%s-%c-%l-%h-%u-%d-%m ", application: false, userAndDatabase: true, timestamp: true),
    ServerPrefix(prefix: "%n [%p] %q%u@%d/%a ", application: true, userAndDatabase: true, timestamp: true),
    ServerPrefix(prefix: "[%p] %q%u@%d %a ", application: true, userAndDatabase: true, timestamp: false),
    ServerPrefix(
        prefix: "%m [%p][%b][%v][%x] %q[user=%u,db=%d,app=%a] ", application: true, userAndDatabase: true,
        timestamp: true),
    ServerPrefix(
        prefix: "%m %e [%p] %Q %q%u@%d %a ", application: true, userAndDatabase: true, timestamp: true,
        settings: ["compute_query_id=on"]),
]

/// The shop workload (see `Fixtures/postgres/shop/workload.sh`) under each prefix, with nothing said about
/// the prefix: it is inferred. Each log begins with two restarts, three reloads and 150 checkpoints, so
/// that lines no session wrote fill its first 64 KiB.
@Suite(.serialized) struct PrefixInferenceServerTests {
    @Test(arguments: serverPrefixes)
    func inferredPrefixGivesExactCountsAndAttribution(_ server: ServerPrefix) throws {
        let folder = try ServerLogs.run(
            ["log_destination='stderr'", "log_statement='all'", "log_line_prefix='\(server.prefix)'"]
                + server.settings)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { folder + "/" + $0 }
        #expect(files.count >= 2)

        // The first 64 KiB of the log (its files in order) are mostly lines no session wrote.
        let head = String(decoding: try TestSupport.run("/bin/gzip", ["-dc"] + files).prefix(64 * 1024), as: UTF8.self)
        let lines = head.split(separator: "\n")
        let sessionLines = lines.filter { $0.contains("statement: ") || $0.contains("execute ") }
        #expect(lines.count > 200)
        #expect(sessionLines.count * 4 < lines.count, "\(sessionLines.count) of \(lines.count)")

        var arguments = ["scan", "--json", "-", "-q"]
        for target in ServerLogs.targets { arguments += ["--target", target] }
        arguments += ["--logs", folder]
        let result = try dropscan(arguments)
        #expect(result.status == 1, "\(result.stderr)")
        let report = try decodeReport(result.stdout)

        let coverage = try #require(report["coverage"] as? [String: Any])
        let decisions = try #require(coverage["logFormats"] as? [[String: Any]])
        #expect(decisions.count == files.count)
        for decision in decisions {
            #expect(decision["format"] as? String == "stderr")
            #expect(decision["prefix"] as? String == server.prefix)
            #expect(decision["prefixSource"] as? String == "inferred")
            #expect(decision["sampledLines"] as? Int == decision["explainedLines"] as? Int)
        }
        let entries = try #require(coverage["entries"] as? [String: Any])
        #expect(entries["unparsed"] as? Int == 0)
        // Four targets in use; without timestamps the logs also cover no known window.
        #expect((report["reasons"] as? [String])?.count == (server.timestamp ? 4 : 5), "\(report["reasons"] ?? "")")

        let legacy = try runtime(report, "orders.legacy_status")
        #expect(legacy["statements"] as? Int == 13)
        #expect(legacy["byEvidence"] as? [String: Int] == ["confirmed": 13, "implicit": 1, "not-a-use": 2])
        let applications =
            server.application
            ? ["shop-web": 5, "billing": 4, "metabase": 2, "report [v2]: ops@night": 2] : ["(unknown)": 13]
        #expect(legacy["byApplication"] as? [String: Int] == applications)
        #expect(
            legacy["byUser"] as? [String: Int]
                == (server.userAndDatabase ? ["shop_web": 5, "billing_svc": 4, "analyst": 4] : ["(unknown)": 13]))
        #expect(
            legacy["byDatabase"] as? [String: Int]
                == (server.userAndDatabase ? ["shop": 9, "reporting": 4] : ["(unknown)": 13]))
        #expect(((legacy["firstSeen"] as? String)?.hasSuffix("Z") ?? false) == server.timestamp)

        let gone = try runtime(report, "orders.legacy_code")
        #expect(gone["failed"] as? Int == 1)
        #expect(gone["byApplication"] as? [String: Int] == (server.application ? ["psql": 1] : ["(unknown)": 1]))
        #expect(gone["byUser"] as? [String: Int] == (server.userAndDatabase ? ["postgres": 1] : ["(unknown)": 1]))
        let status = try runtime(report, "customers.status")
        #expect(status["byApplication"] as? [String: Int] == (server.application ? ["metabase": 1] : ["(unknown)": 1]))
        #expect(
            status["byDatabase"] as? [String: Int] == (server.userAndDatabase ? ["reporting": 1] : ["(unknown)": 1]))
        let sku = try runtime(report, "order_items.sku")
        #expect(sku["byApplication"] as? [String: Int] == (server.application ? ["billing": 4] : ["(unknown)": 4]))
    }
}

/// A prefix whose user, database and application follow each other with nothing to tell them apart, on a
/// server without `log_connections` (whose messages would name them).
@Suite(.serialized) struct AmbiguousPrefixServerTests {
    static let prefix = "%m [%p] %q%u %d %a "
    static let folder = Result {
        try ServerLogs.run([
            "log_destination='stderr'", "log_statement='all'", "log_connections=off", "log_line_prefix='\(prefix)'",
        ])
    }

    func scan(_ extra: [String]) throws -> (ProcessResult, [String: Any]) {
        var arguments = ["scan", "--json", "-", "-q", "--target", "orders.legacy_status", "--target", "audit_notes.*"]
        arguments += ["--logs", try Self.folder.get()] + extra
        let result = try dropscan(arguments)
        return (result, try decodeReport(result.stdout))
    }

    @Test func inferenceThatCannotTellUserDatabaseAndApplicationApartSaysSoAndIsInconclusive() throws {
        let (result, report) = try scan([])
        #expect(result.status == 1, "the uses found are facts")
        let reasons = try #require(report["reasons"] as? [String])
        let ambiguity = try #require(reasons.first { $0.contains("log_line_prefix is ambiguous") })
        #expect(ambiguity.contains("--log-line-prefix"))
        #expect(try target(report, "audit_notes.*")["verdict"] as? String == "inconclusive")
    }

    @Test func theGivenPrefixIsUsedAndReported() throws {
        let (result, report) = try scan(["--log-line-prefix", Self.prefix])
        #expect(result.status == 1)
        #expect(try target(report, "audit_notes.*")["verdict"] as? String == "pass")
        let legacy = try runtime(report, "orders.legacy_status")
        #expect(legacy["byUser"] as? [String: Int] == ["shop_web": 5, "billing_svc": 4, "analyst": 4])
        #expect(legacy["byDatabase"] as? [String: Int] == ["shop": 9, "reporting": 4])
        let decisions = try #require((report["coverage"] as? [String: Any])?["logFormats"] as? [[String: Any]])
        #expect(
            decisions.allSatisfy { $0["prefixSource"] as? String == "given" && $0["prefix"] as? String == Self.prefix })
    }

    @Test func thePrefixOfAPostgresqlConfIsUsedWithItsIncludesAndQuoting() throws {
        let directory = try TemporaryDirectory()
        try directory.write("conf.d/logging.conf", "log_line_prefix = '%m [%p] %q%u %d %a '   # as on the server\n")
        let conf = try directory.write(
            "postgresql.conf",
            "log_line_prefix = '%m [%p] '\nlog_destination = 'stderr'\ninclude_dir 'conf.d'\n")
        let (result, report) = try scan(["--postgresql-conf", conf])
        #expect(result.status == 1)
        #expect(try target(report, "audit_notes.*")["verdict"] as? String == "pass")
        let decisions = try #require((report["coverage"] as? [String: Any])?["logFormats"] as? [[String: Any]])
        #expect(
            decisions.allSatisfy {
                $0["prefixSource"] as? String == "configuration" && $0["prefix"] as? String == Self.prefix
            })
    }

    @Test func aPrefixScopedToOtherPathsDoesNotApply() throws {
        let (_, report) = try scan(["--log-line-prefix", "/elsewhere/*=%t "])
        let decisions = try #require((report["coverage"] as? [String: Any])?["logFormats"] as? [[String: Any]])
        #expect(decisions.allSatisfy { $0["prefixSource"] as? String == "inferred" })
        let (_, scoped) = try scan(["--log-line-prefix", "*.log.gz=\(Self.prefix)", "--log-line-prefix", "%t "])
        let scopedDecisions = try #require((scoped["coverage"] as? [String: Any])?["logFormats"] as? [[String: Any]])
        #expect(
            scopedDecisions.allSatisfy {
                $0["prefixSource"] as? String == "given" && $0["prefix"] as? String == Self.prefix
            })
    }
}

/// pgBadger's prefix with the host before the application, `%t [%p]: [%l-1] user=%u,db=%d,host=%h,app=%a `:
/// background processes write every key with an empty value. The server's entries are split into a file of
/// background entries only and a file of session entries, as a log folder holds after a quiet night.
@Suite(.serialized) struct BackgroundOnlyFileServerTests {
    static let prefix = "%t [%p]: [%l-1] user=%u,db=%d,host=%h,app=%a "
    static let folder = Result { () throws -> String in
        let server = try ServerLogs.run([
            "log_destination='stderr'", "log_statement='all'", "log_line_prefix='\(prefix)'",
        ])
        defer { try? FileManager.default.removeItem(atPath: server) }
        let files = try FileManager.default.contentsOfDirectory(atPath: server).sorted().map { server + "/" + $0 }
        let text = String(decoding: try TestSupport.run("/bin/gzip", ["-dc"] + files), as: UTF8.self)
        var background = ""
        var sessions = ""
        var toBackground = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if !line.hasPrefix("\t") { toBackground = line.contains("user=,db=,host=,app= ") }
            if toBackground { background += line + "\n" } else { sessions += line + "\n" }
        }
        let logs = NSTemporaryDirectory() + "dropscan-split-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        try gzip(background).write(to: URL(fileURLWithPath: logs + "/postgresql-night.log.gz"))
        try gzip(sessions).write(to: URL(fileURLWithPath: logs + "/postgresql-day.log.gz"))
        return logs
    }

    func scan(_ logs: String) throws -> (ProcessResult, [String: Any]) {
        var arguments = ["scan", "--json", "-", "-q"]
        for target in ServerLogs.targets { arguments += ["--target", target] }
        let result = try dropscan(arguments + ["--logs", logs])
        return (result, try decodeReport(result.stdout))
    }

    @Test func aFileOfBackgroundLinesAloneIsReadUnderTheKeysItsLinesName() throws {
        let night = try Self.folder.get() + "/postgresql-night.log.gz"
        let (_, report) = try scan(night)
        let coverage = try #require(report["coverage"] as? [String: Any])
        let decisions = try #require(coverage["logFormats"] as? [[String: Any]])
        #expect(decisions.count == 1)
        #expect(decisions.first?["prefix"] as? String == Self.prefix)
        #expect(decisions.first?["sampledLines"] as? Int == decisions.first?["explainedLines"] as? Int)
        let reasons = try #require(report["reasons"] as? [String])
        #expect(!reasons.contains { $0.contains("log_line_prefix") }, "\(reasons)")
        #expect((coverage["entries"] as? [String: Any])?["unparsed"] as? Int == 0)
    }

    @Test func theFolderOfBackgroundAndSessionFilesGivesExactCountsAndAttribution() throws {
        let (result, report) = try scan(try Self.folder.get())
        #expect(result.status == 1, "\(result.stderr)")
        let coverage = try #require(report["coverage"] as? [String: Any])
        let decisions = try #require(coverage["logFormats"] as? [[String: Any]])
        #expect(decisions.count == 2)
        #expect(
            decisions.allSatisfy {
                $0["prefix"] as? String == Self.prefix && $0["prefixSource"] as? String == "inferred"
            })
        #expect((coverage["entries"] as? [String: Any])?["unparsed"] as? Int == 0)
        try expectShopCounts(report)
    }
}
