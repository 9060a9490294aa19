import Foundation
import Gate
import Matching
import TestSupport
import Testing

@testable import DropScan

/// `scan --database` and `scan --schema` against a real server that the test starts, holding
/// `Fixtures/postgres/dependents/schema.sql` (every kind of object that can depend on orders.legacy_status,
/// and decoys: customers.legacy_status and the objects over it, objects over orders' other columns).
enum DependentsServer {
    static let schema = ServerLogs.fixtures + "/dependents/schema.sql"

    static let server = Result { () throws -> PostgresServer in
        let server = try PostgresServer()
        try server.psql("CREATE DATABASE shop")
        try server.psql(file: schema, database: "shop")
        return server
    }

    /// `pg_dump --schema-only` of that database, in a file.
    static let dump = Result { () throws -> String in
        let path = NSTemporaryDirectory() + "dropscan-dump-" + UUID().uuidString + ".sql"
        try Data(try server.get().schemaDump(database: "shop").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// `kind name [on table]` of each dependent in a report's target.
func dependentObjects(_ target: [String: Any]) throws -> Set<String> {
    let database = try #require(target["database"] as? [String: Any])
    let dependents = try #require(database["dependents"] as? [[String: Any]])
    return Set(
        dependents.map {
            "\($0["kind"] as? String ?? "?") \($0["name"] as? String ?? "?")"
                + (($0["table"] as? String).map { " on \($0)" } ?? "")
        })
}

/// Written out by hand from the fixture's schema.
let expectedDependents: [String: Set<String>] = [
    "orders.legacy_status": [
        "view public.open_orders", "materialized-view public.status_counts", "function public.order_status",
        "function public.orders_with_status", "function public.archive_status", "function public.note_status_change",
        "trigger orders_status_changed on public.orders", "index public.orders_status_lower_idx on public.orders",
        "index public.orders_open_idx on public.orders", "check-constraint orders_legacy_status_known on public.orders",
        "foreign-key orders_legacy_status_fkey on public.orders",
        "unique-constraint orders_id_status_key on public.orders",
        "foreign-key shipments_order_id_order_status_fkey on public.shipments",
        "generated-column status_label on public.orders", "policy orders_visible on public.orders",
        "publication order_feed on public.orders", "column-privilege auditor on public.orders",
        "rule orders_log_delete on public.orders", "statistics public.orders_status_amount on public.orders",
    ],
    "ledger.entry_key": [
        "exclusion-constraint ledger_no_duplicate_keys on public.ledger",
        "index public.ledger_key_idx on public.ledger", "replica-identity public.ledger_key_idx on public.ledger",
    ],
    "events.kind": ["partition-key public.events on public.events"],
    "events.*": ["child-table public.events_login"],
    "status_codes.*": ["foreign-key orders_legacy_status_fkey on public.orders"],
    // The whole table: what lies outside it (its own indexes, constraints, triggers, policies and rules go
    // with it).
    "orders.*": [
        "view public.open_orders", "view public.order_amounts", "materialized-view public.status_counts",
        "function public.order_status", "function public.orders_with_status", "function public.archive_status",
        "foreign-key shipments_order_id_order_status_fkey on public.shipments",
        "publication order_feed on public.orders",
    ],
    // The decoy column as a target of its own.
    "customers.legacy_status": [
        "view public.customer_statuses", "function public.customer_status",
        "index public.customers_legacy_status_idx on public.customers",
    ],
]

@Suite(.serialized) struct DatabaseScanTests {
    func scan(_ inputs: [String], targets: [String] = Array(expectedDependents.keys).sorted(), extra: [String] = [])
        throws -> (ProcessResult, [String: Any])
    {
        var arguments = ["scan", "--json", "-", "-q"] + inputs + extra
        for target in targets { arguments += ["--target", target] }
        let result = try dropscan(arguments)
        return (result, try decodeReport(result.stdout))
    }

    @Test func theCatalogsDependentsAreFoundAndNothingElse() throws {
        let server = try DependentsServer.server.get()
        let (result, report) = try scan(["--database", server.url(database: "shop")])
        #expect(result.status == 1, "\(result.stderr)")
        for (name, expected) in expectedDependents {
            #expect(try dependentObjects(try target(report, name)) == expected, "\(name)")
        }
        let coverage = try #require(report["coverage"] as? [String: Any])
        let database = try #require(coverage["database"] as? [String: Any])
        let servers = try #require(database["servers"] as? [[String: Any]])
        #expect(servers.map { $0["server"] as? String } == ["127.0.0.1:\(server.port)/shop"])
        #expect(servers.first?["replica"] as? Bool == false)
        let reasons = try #require(report["reasons"] as? [String])
        #expect(reasons.contains { $0.hasPrefix("orders.legacy_status is still used: 19 database object(s)") })
    }

    @Test func theSameDependentsComeFromPgDumpSchemaOnly() throws {
        let dump = try DependentsServer.dump.get()
        let (result, report) = try scan(["--schema", dump])
        #expect(result.status == 1, "\(result.stderr)")
        for (name, expected) in expectedDependents {
            #expect(try dependentObjects(try target(report, name)) == expected, "\(name)")
        }
        let legacy = try #require(try target(report, "orders.legacy_status")["database"] as? [String: Any])
        let dependents = try #require(legacy["dependents"] as? [[String: Any]])
        #expect(dependents.allSatisfy { $0["source"] as? String == "schema-dump" && $0["origin"] as? String == dump })
        #expect(dependents.allSatisfy { ($0["line"] as? Int ?? 0) > 0 })
    }

    @Test func aTargetThatIsNotThereCannotPassAndIsNamed() throws {
        let server = try DependentsServer.server.get()
        let dump = try DependentsServer.dump.get()
        for inputs in [["--database", server.url(database: "shop")], ["--schema", dump]] {
            let (result, report) = try scan(inputs, targets: ["orders.legacy_statuz", "order.id"])
            #expect(result.status == 3, "\(inputs)")
            let reasons = try #require(report["reasons"] as? [String])
            let place = inputs[0] == "--schema" ? dump : "127.0.0.1:\(server.port)/shop"
            #expect(reasons.contains { $0.hasPrefix("orders.legacy_statuz does not exist in \(place): ") })
            #expect(reasons.contains { $0.hasPrefix("order.id does not exist in \(place): ") })
        }
    }

    @Test func aDatabaseThatCannotBeReachedIsOneSentenceWithoutItsPassword() throws {
        let stopped = try PostgresServer()
        let url = stopped.url(database: "shop", user: "bob", password: "s3cret-pw")
        _ = try runCapturing("/bin/bash", [PostgresServer.script, "stop", stopped.directory])
        let result = try dropscan(["scan", "--target", "orders.legacy_status", "--database", url, "--json", "-"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("dropscan: cannot connect to the database 127.0.0.1:\(stopped.port)/shop ("))
        #expect(!result.stderr.contains("s3cret") && !result.stderr.contains("bob"))
    }

    @Test func theReportKeepsNoPasswordFromTheCommandLine() throws {
        let server = try DependentsServer.server.get()
        // Trust authentication: the server accepts the connection whatever the password.
        let url = server.url(database: "shop", user: "postgres", password: "s3cret-pw")
        for format in ["--json", "--markdown", "--sarif"] {
            let result = try dropscan(["scan", "--target", "ledger.entry_key", "--database", url, format, "-", "-q"])
            #expect(result.status == 1)
            #expect(!result.stdout.contains("s3cret"), "\(format)")
        }
        let (_, report) = try scan(["--database=" + url], targets: ["ledger.entry_key"])
        let run = try #require(report["run"] as? [String: Any])
        #expect((run["commandLine"] as? [String])?.contains("--database=(connection string)") == true)
    }

    @Test func aDatabaseLostWhileItIsReadMakesTheScanInconclusive() throws {
        let server = try DependentsServer.server.get()
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "ledger.entry_key")]
        configuration.databases = [server.url(database: "shop")]
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.progress = false
        configuration.afterDatabaseConnect = { _ in
            _ = try? server.psql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dropscan'")
        }
        let report = try ScanPipeline(configuration: configuration).run()
        #expect(report.verdict == .inconclusive)
        #expect(ExitCode(report.verdict) == .inconclusive)
        let read = try #require(report.coverage.database?.servers.first)
        #expect(read.error?.contains("was lost") == true)
        #expect(
            report.reasons.first?.hasPrefix("The database 127.0.0.1:\(server.port)/shop could not be read to the end")
                == true)
    }

    @Test func anObjectSeenOnThePrimaryAndAReplicaIsListedOnce() throws {
        let server = try DependentsServer.server.get()
        let url = server.url(database: "shop")
        let (result, report) = try scan(
            ["--database", url, "--database", "host=127.0.0.1 port=\(server.port) dbname=shop user=postgres"],
            targets: ["ledger.entry_key"])
        #expect(result.status == 1)
        let database = try #require(try target(report, "ledger.entry_key")["database"] as? [String: Any])
        #expect((database["dependents"] as? [[String: Any]])?.count == 3)
        let coverage = try #require((report["coverage"] as? [String: Any])?["database"] as? [String: Any])
        #expect((coverage["servers"] as? [[String: Any]])?.count == 2)
    }

    @Test func theMarkdownShowsWhatCascadeWouldDrop() throws {
        let server = try DependentsServer.server.get()
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--database", server.url(database: "shop"), "--markdown", "-",
            "-q",
        ])
        #expect(result.status == 1)
        let markdown = result.stdout
        let warning = try #require(
            markdown.split(separator: "\n").first {
                $0.contains("`ALTER TABLE … DROP COLUMN … CASCADE` would silently drop")
            })
        for object in [
            "view `public.open_orders`", "policy `orders_visible` on `public.orders`", "publication `order_feed`",
        ] {
            #expect(warning.contains(object), "\(object)")
        }
        #expect(!warning.contains("orders_status_lower_idx"), "an index goes without CASCADE: listed apart")
        let dropped = try #require(
            markdown.split(separator: "\n").first { $0.hasPrefix("> Dropped with it even without CASCADE: ") })
        #expect(dropped.contains("index `public.orders_status_lower_idx` on `public.orders`"))
        #expect(dropped.contains("column privilege of `auditor` on `public.orders`"))
        #expect(
            markdown.contains(
                "| `public.archive_status` | function | confirmed | left in place, fails when it next runs |"))
    }

    @Test func theGatePolicyCanRequireDatabaseEvidence() throws {
        let server = try DependentsServer.server.get()
        let dir = try TemporaryDirectory()
        let policy = try dir.write("policy.yml", "version: 1\ncoverage:\n  sources: [database]\n")
        try dir.write("app/readme.txt", "nothing here\n")
        let without = try dropscan([
            "gate", "--policy", policy, "--target", "ledger.entry_key", "--source", dir.path + "/app", "--json", "-",
        ])
        #expect(without.status == 3)
        #expect(without.stdout.contains("The policy requires database evidence"))
        let with = try dropscan([
            "gate", "--policy", policy, "--target", "ledger.entry_key", "--database", server.url(database: "shop"),
            "--json", "-",
        ])
        #expect(with.status == 1, "the exclusion constraint, index and replica identity block")
        #expect(!with.stdout.contains("The policy requires database evidence"))
    }

    @Test func sarifPlacesADependentWhereTheRepositoryDefinesIt() throws {
        let server = try DependentsServer.server.get()
        let dir = try TemporaryDirectory()
        try dir.write(
            "db/migrate/003_views.sql",
            "-- Reporting views.\n\nCREATE VIEW open_orders AS\n    SELECT id, legacy_status FROM orders WHERE amount > 0;\n"
        )
        let result = try dropscan([
            "scan", "--target", "orders.legacy_status", "--database", server.url(database: "shop"), "--source",
            dir.path, "--sarif", "-", "-q",
        ])
        #expect(result.status == 1)
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let results = try #require((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        let dependents = results.filter { $0["ruleId"] as? String == "dropscan/database-dependent" }
        #expect(dependents.count == 1)
        let location = try #require((dependents.first?["locations"] as? [[String: Any]])?.first)
        let physical = try #require(location["physicalLocation"] as? [String: Any])
        #expect((physical["artifactLocation"] as? [String: Any])?["uri"] as? String == "db/migrate/003_views.sql")
        #expect((physical["region"] as? [String: Any])?["startLine"] as? Int == 3)
    }

    @Test func aReportWithDependentsValidatesAgainstTheSchema() throws {
        let server = try DependentsServer.server.get()
        let (result, _) = try scan([
            "--database", server.url(database: "shop"), "--schema", try DependentsServer.dump.get(),
        ])
        let validation = try ReportSchemaTests().validate(result.stdout)
        #expect(validation.status == 0, "\(validation.stdout)\(validation.stderr)")
    }
}
