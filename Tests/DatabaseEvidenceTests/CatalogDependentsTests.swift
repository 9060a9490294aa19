import DatabaseEvidence
import Foundation
import Matching
import TestSupport
import Testing

/// A real server (started by the test) holding `Fixtures/postgres/dependents/schema.sql`: every kind of
/// object that can depend on orders.legacy_status, and decoys that must not be reported.
enum DependentsDatabase {
    static let schema = repositoryRoot + "/Tests/DropScanTests/Fixtures/postgres/dependents/schema.sql"

    static let server = Result { () throws -> PostgresServer in
        let server = try PostgresServer()
        try server.psql("CREATE DATABASE shop")
        try server.psql(file: schema, database: "shop")
        return server
    }

    static let targets = try! [
        "orders.legacy_status", "ledger.entry_key", "events.kind", "events.*", "status_codes.*", "orders.legacy_statuz",
    ].map { try Target(parsing: $0) }
}

/// Kind, name and table of each dependent: what the tests compare.
func objects(_ dependents: [Dependent]) -> Set<String> {
    Set(dependents.map { "\($0.kind.rawValue) \($0.name)" + ($0.table.map { " on \($0)" } ?? "") })
}

/// What depends on orders.legacy_status in the fixture, written out by hand.
let legacyStatusDependents: Set<String> = [
    "view public.open_orders",
    "materialized-view public.status_counts",
    "function public.order_status",
    "function public.orders_with_status",
    "function public.archive_status",
    "function public.note_status_change",
    "trigger orders_status_changed on public.orders",
    "index public.orders_status_lower_idx on public.orders",
    "index public.orders_open_idx on public.orders",
    "check-constraint orders_legacy_status_known on public.orders",
    "foreign-key orders_legacy_status_fkey on public.orders",
    "unique-constraint orders_id_status_key on public.orders",
    "foreign-key shipments_order_id_order_status_fkey on public.shipments",
    "generated-column status_label on public.orders",
    "policy orders_visible on public.orders",
    "publication order_feed on public.orders",
    "column-privilege auditor on public.orders",
    "rule orders_log_delete on public.orders",
    "statistics public.orders_status_amount on public.orders",
]

@Suite(.serialized) struct CatalogDependentsTests {
    @Test func everyKindOfDependentOfAColumnIsFoundAndNothingElse() throws {
        let server = try DependentsDatabase.server.get()
        let session = try DatabaseSession.open(server.url(database: "shop"), label: "--database 1")
        let (dependents, defined) = try session.dependents(of: DependentsDatabase.targets)
        #expect(objects(dependents[0]) == legacyStatusDependents)
        #expect(
            objects(dependents[1]) == [
                "exclusion-constraint ledger_no_duplicate_keys on public.ledger",
                "index public.ledger_key_idx on public.ledger",
                "replica-identity public.ledger_key_idx on public.ledger",
            ])
        #expect(objects(dependents[2]) == ["partition-key public.events on public.events"])
        #expect(objects(dependents[3]) == ["child-table public.events_login"])
        #expect(objects(dependents[4]) == ["foreign-key orders_legacy_status_fkey on public.orders"])
        #expect(dependents[5].isEmpty)
        #expect(defined == [true, true, true, true, true, false])
    }

    @Test func whatADropDoesToEachDependentIsSaid() throws {
        let server = try DependentsDatabase.server.get()
        let session = try DatabaseSession.open(server.url(database: "shop"), label: "--database 1")
        let dependents = try session.dependents(of: DependentsDatabase.targets).dependents[0]
        var effects: [String: DropEffect] = [:]
        for dependent in dependents { effects[dependent.name] = dependent.onDrop }
        // What PostgreSQL 15's ALTER TABLE orders DROP COLUMN legacy_status says it would cascade to:
        for name in [
            "public.open_orders", "public.status_counts", "public.order_status", "orders_status_changed",
            "orders_visible", "order_feed", "status_label", "orders_log_delete", "shipments_order_id_order_status_fkey",
        ] {
            #expect(effects[name] == .cascade, "\(name)")
        }
        for name in [
            "public.orders_status_lower_idx", "public.orders_open_idx", "orders_legacy_status_known",
            "orders_legacy_status_fkey", "auditor", "public.orders_status_amount", "orders_id_status_key",
        ] {
            #expect(effects[name] == .dropped, "\(name)")
        }
        for name in ["public.orders_with_status", "public.archive_status", "public.note_status_change"] {
            #expect(effects[name] == .breaks, "\(name)")
        }
        #expect(dependents.allSatisfy { $0.evidence == .confirmed && $0.source == .database })
        #expect(dependents.allSatisfy { $0.origin == "127.0.0.1:\(server.port)/shop" })
    }

    @Test func theSessionIsReadOnly() throws {
        let server = try DependentsDatabase.server.get()
        let session = try DatabaseSession.open(server.url(database: "shop"), label: "--database 1")
        for write in [
            "CREATE TABLE dropscan_probe (id int)", "INSERT INTO status_codes VALUES ('probe')",
            "UPDATE orders SET legacy_status = NULL",
        ] {
            #expect(throws: DatabaseError.self) { _ = try session.connection.query(write) }
            do {
                _ = try session.connection.query(write)
            } catch .queryFailed(_, let sqlstate, _) {
                #expect(sqlstate == "25006", "read_only_sql_transaction for \(write)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(try server.psql("SELECT count(*) FROM status_codes", database: "shop").contains("0"))
        let activity = try session.connection.query(
            "SELECT application_name, current_setting('statement_timeout') AS timeout FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        )
        #expect(activity.value(0, "application_name") == "dropscan")
        #expect(activity.value(0, "timeout") == "1min")
    }

    @Test func aServerThatCannotBeReachedIsNamedWithoutUserOrPassword() throws {
        let closed = try PostgresServer()
        let url = closed.url(database: "shop", user: "bob", password: "s3cret-pw")
        let port = closed.port
        _ = try runCapturing("/bin/bash", [PostgresServer.script, "stop", closed.directory])
        do {
            _ = try DatabaseSession.open(url, label: "--database 1")
            Issue.record("connected to a stopped server")
        } catch {
            let message = error.description
            #expect(message.hasPrefix("cannot connect to the database 127.0.0.1:\(port)/shop ("))
            #expect(!message.contains("s3cret"))
            #expect(!message.contains("bob"))
            #expect(!message.contains("\n"))
        }
    }

    @Test func aMalformedConnectionStringIsRefusedWithoutItsPassword() {
        for text in [
            "postgresql://bob:s3cret-pw@127.0.0.1:5432/shop?sslmode=sometimes",
            "host=127.0.0.1 password=s3cret-pw dbname",
        ] {
            do {
                _ = try PostgresConnection.open(text, label: "--database 1")
                Issue.record("accepted \(text)")
            } catch {
                #expect(!error.description.contains("s3cret"), "\(error.description)")
                #expect(error.description.contains("--database 1") || error.description.contains("127.0.0.1:5432/shop"))
            }
        }
    }

    @Test func aConnectionLostWhileReadingIsAnError() throws {
        let server = try DependentsDatabase.server.get()
        let session = try DatabaseSession.open(server.url(database: "shop"), label: "--database 1")
        try server.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dropscan'")
        #expect {
            _ = try session.dependents(of: DependentsDatabase.targets)
        } throws: { error in
            guard case .connectionLost(let server, _) = error as? DatabaseError else { return false }
            return server.hasSuffix("/shop")
        }
    }
}
