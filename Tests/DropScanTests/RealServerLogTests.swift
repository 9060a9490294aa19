import Foundation
import TestSupport
import Testing

/// Logs written by a real PostgreSQL server that the test starts itself (`Fixtures/postgres/run-workload.sh`:
/// initdb in a temporary folder, a free port, logging on), running the `shop` workload whose uses are
/// known (see `Fixtures/postgres/shop/workload.sh`). The rotated files are gzipped with gzip.
enum ServerLogs {
    static let fixtures = repositoryRoot + "/Tests/DropScanTests/Fixtures/postgres"

    /// Runs the workload with `settings` and returns the folder holding the gzipped log files.
    static func run(_ settings: [String]) throws -> String {
        let out = NSTemporaryDirectory() + "dropscan-server-" + UUID().uuidString
        let result = try runCapturing("/bin/bash", [fixtures + "/run-workload.sh", out, fixtures + "/shop"] + settings)
        guard result.status == 0 else {
            throw NSError(
                domain: "run-workload", code: Int(result.status), userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: out) {
            try TestSupport.run("/bin/gzip", ["-n", out + "/" + name])
        }
        return out
    }

    /// All three destinations, every statement logged, a prefix with the application name.
    static let everyStatement = Result {
        try run([
            "log_destination='stderr,csvlog,jsonlog'", "log_statement='all'", "log_line_prefix='%m [%p] %q%u@%d/%a '",
        ])
    }

    /// Only durations (threshold 0) carry statements, under pgBadger's recommended prefix.
    static let durationsOnly = Result {
        try run([
            "log_destination='stderr'", "log_statement='none'", "log_min_duration_statement=0",
            "log_line_prefix='%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '",
        ])
    }

    /// Only failing statements are logged (`log_min_error_statement`'s default).
    static let errorsOnly = Result {
        try run(["log_destination='stderr'", "log_statement='none'", "log_line_prefix='%m [%p] %q%u@%d/%a '"])
    }

    static let targets = ["orders.legacy_status", "orders.legacy_code", "customers.status", "order_items.sku"]

    /// Scans the files of `folder` whose names end with `suffix` (`environment` for the scan, e.g. an engine).
    static func scan(_ folder: String, suffix: String, environment: [String: String] = [:]) throws -> [String: Any] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(suffix) }.sorted()
        #expect(files.count >= 2, "rotated files per format")
        var arguments = ["scan", "--json", "-", "-q"]
        for target in targets { arguments += ["--target", target] }
        for file in files { arguments += ["--logs", folder + "/" + file] }
        let result = try runCapturing(
            dropscanExecutable(), arguments,
            environment: environment.merging(["DROPSCAN_PATTERNS": repositoryRoot + "/Patterns"]) { $1 })
        #expect(result.status == 1, "\(result.stderr)")
        return try decodeReport(result.stdout)
    }
}

func runtime(_ report: [String: Any], _ name: String) throws -> [String: Any] {
    try #require(try target(report, name)["runtime"] as? [String: Any])
}

/// What every format must report for the shop workload, whatever the logging mode.
func expectShopCounts(_ report: [String: Any]) throws {
    let legacy = try runtime(report, "orders.legacy_status")
    #expect(legacy["statements"] as? Int == 13)
    #expect(
        legacy["byApplication"] as? [String: Int] == [
            "shop-web": 5, "billing": 4, "metabase": 2, "report [v2]: ops@night": 2,
        ])
    #expect(legacy["byUser"] as? [String: Int] == ["shop_web": 5, "billing_svc": 4, "analyst": 4])
    #expect(legacy["byDatabase"] as? [String: Int] == ["shop": 9, "reporting": 4])
    // The SELECT * of nightly-export is implicit; a string literal and a decoy table's column are not uses.
    #expect(legacy["byEvidence"] as? [String: Int] == ["confirmed": 13, "implicit": 1, "not-a-use": 2])
    #expect(legacy["failed"] as? Int == 0)
    #expect((legacy["firstSeen"] as? String)?.hasSuffix("Z") == true)

    let gone = try runtime(report, "orders.legacy_code")
    #expect(gone["failed"] as? Int == 1)
    #expect(gone["statements"] as? Int == 1)
    #expect(gone["byApplication"] as? [String: Int] == ["psql": 1])

    let status = try runtime(report, "customers.status")
    #expect(status["byApplication"] as? [String: Int] == ["metabase": 1])
    #expect((status["byEvidence"] as? [String: Int])?["not-a-use"] == 5, "orders.status of shop-web is another table's")

    let sku = try runtime(report, "order_items.sku")
    #expect(sku["byApplication"] as? [String: Int] == ["billing": 4])
}

/// The counts that must not depend on the format, for comparing formats with each other.
func comparable(_ report: [String: Any]) throws -> [String: [String: Int]] {
    var result: [String: [String: Int]] = [:]
    for name in ServerLogs.targets {
        let usage = try runtime(report, name)
        result[name] = (usage["byApplication"] as? [String: Int] ?? [:]).merging(
            (usage["byEvidence"] as? [String: Int] ?? [:]).map { ("evidence:" + $0.key, $0.value) }, uniquingKeysWith: +
        )
        result[name]!["failed"] = usage["failed"] as? Int
    }
    return result
}

@Suite(.serialized) struct RealServerLogTests {
    @Test(arguments: [".log.gz", ".csv.gz", ".json.gz"])
    func everyFormatGivesTheExactPerApplicationCounts(suffix: String) throws {
        let report = try ServerLogs.scan(try ServerLogs.everyStatement.get(), suffix: suffix)
        try expectShopCounts(report)
        let coverage = try #require(report["coverage"] as? [String: Any])
        #expect(coverage["statementLogging"] as? String == "all")
        #expect(coverage["statementLoggingNote"] == nil || coverage["statementLoggingNote"] is NSNull)
        let entries = try #require(coverage["entries"] as? [String: Any])
        #expect(entries["unparsed"] as? Int == 0)
        #expect((entries["parsed"] as? Int ?? 0) > 30)
        #expect(report["verdict"] as? String == "blocked")
    }

    /// The targets' names start with four letters, so the prefilter uses Vectorscan by default; each other
    /// engine must find the same statements in every format (JSON with its escapes).
    @Test(arguments: ["alternation", "hashing"], [".log.gz", ".csv.gz", ".json.gz"])
    func everyPrefilterEngineGivesTheSameCounts(engine: String, suffix: String) throws {
        let report = try ServerLogs.scan(
            try ServerLogs.everyStatement.get(), suffix: suffix, environment: ["DROPSCAN_PREFILTER": engine])
        try expectShopCounts(report)
    }

    @Test func theThreeFormatsAgree() throws {
        let folder = try ServerLogs.everyStatement.get()
        let stderr = try comparable(try ServerLogs.scan(folder, suffix: ".log.gz"))
        #expect(try comparable(try ServerLogs.scan(folder, suffix: ".csv.gz")) == stderr)
        #expect(try comparable(try ServerLogs.scan(folder, suffix: ".json.gz")) == stderr)
    }

    @Test func durationOnlyLoggingGivesTheSameExecutionsAndSaysItsMode() throws {
        let report = try ServerLogs.scan(try ServerLogs.durationsOnly.get(), suffix: ".log.gz")
        try expectShopCounts(report)
        let coverage = try #require(report["coverage"] as? [String: Any])
        #expect(coverage["statementLogging"] as? String == "duration>=0 ms")
    }

    @Test func literalValuesNeverReachTheReport() throws {
        let report = try ServerLogs.scan(try ServerLogs.everyStatement.get(), suffix: ".log.gz")
        let text = String(decoding: try JSONSerialization.data(withJSONObject: report), as: UTF8.self)
        #expect(!text.contains("migrated"), "the UPDATE's literal 'migrated' is redacted")
        #expect(!text.contains("legacy_status cleanup"), "the decoy's string literal is redacted")
        let groups = try #require(try runtime(report, "orders.legacy_status")["groups"] as? [[String: Any]])
        #expect(groups.contains { ($0["statement"] as? String)?.contains("legacy_status = $") == true })
    }

    @Test func logsThatShowOnlyFailuresCannotProveATargetUnused() throws {
        let folder = try ServerLogs.errorsOnly.get()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).map { folder + "/" + $0 }
        var arguments = ["scan", "--json", "-", "-q", "--target", "audit_notes.*", "--target", "orders.legacy_code"]
        for file in files { arguments += ["--logs", file] }
        let result = try dropscan(arguments)
        let report = try decodeReport(result.stdout)
        #expect(result.status == 1, "the failed use of orders.legacy_code is a fact")
        let coverage = try #require(report["coverage"] as? [String: Any])
        #expect(coverage["statementLogging"] as? String == "errors-only")
        let note = try #require(coverage["statementLoggingNote"] as? String)
        #expect(try target(report, "audit_notes.*")["verdict"] as? String == "inconclusive")
        #expect(try target(report, "orders.legacy_code")["verdict"] as? String == "blocked")
        #expect((report["reasons"] as? [String])?.contains(note) == true)
        #expect(note.hasSuffix("."))
    }
}
