import Foundation
import TestSupport
import Testing

@Suite struct FromMigrationTests {
    /// A Rails app whose contract migration drops `orders.legacy_status`, while a job still reads it.
    func railsApp(jobUsesColumn: Bool) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        try dir.write(
            "app/db/migrate/20241101120000_remove_legacy_status_from_orders.rb",
            """
            class RemoveLegacyStatusFromOrders < ActiveRecord::Migration[7.1]
              def change
                remove_column :orders, :legacy_status, :string
              end
            end

            """)
        let query = jobUsesColumn ? "SELECT id FROM orders WHERE legacy_status = 'v0'" : "SELECT id FROM orders"
        try dir.write("app/app/jobs/export_job.rb", "class ExportJob\n  SQL = \"\(query)\"\nend\n")
        return dir
    }

    @Test func theMigrationsDropsBecomeTargetsAndTheMigrationIsNotAUse() throws {
        let dir = try railsApp(jobUsesColumn: false)
        let migration = dir.path + "/app/db/migrate/20241101120000_remove_legacy_status_from_orders.rb"
        let result = try dropscan(["scan", "--from-migration", migration, "--source", dir.path + "/app", "--json", "-"])
        #expect(result.stderr.contains("target orders.legacy_status"))
        let report = try decodeReport(result.stdout)
        let usage = try target(report, "orders.legacy_status")
        #expect((usage["code"] as? [String: Any])?["references"] as? Int == 0)
        #expect(result.status == 0, "\(result.stdout)")
    }

    @Test func aRemainingUseBlocksTheMigration() throws {
        let dir = try railsApp(jobUsesColumn: true)
        let migration = dir.path + "/app/db/migrate/20241101120000_remove_legacy_status_from_orders.rb"
        let result = try dropscan(["scan", "--from-migration", migration, "--source", dir.path + "/app", "--json", "-"])
        #expect(result.status == 1)
        let findings = try #require(
            (try target(try decodeReport(result.stdout), "orders.legacy_status")["code"] as? [String: Any])?["findings"]
                as? [[String: Any]])
        #expect(findings.map { $0["path"] as? String } == ["app/jobs/export_job.rb"])
    }

    @Test(arguments: [
        ("V12__drop_legacy.sql", "ALTER TABLE orders DROP COLUMN legacy_status;\n", "orders.legacy_status"),
        (
            "changelog.sql",
            "--liquibase formatted sql\n--changeset ana:12\nDROP TABLE audit_notes;\n--rollback CREATE TABLE audit_notes (id int);\n",
            "audit_notes.*"
        ),
        (
            "shop/migrations/0042_remove_order_legacy_status.py",
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0041_x\")]\n    operations = [\n        migrations.RemoveField(model_name=\"order\", name=\"legacy_status\"),\n    ]\n",
            "shop_order.legacy_status"
        ),
    ])
    func everyMigrationKindNamesItsTarget(file: String, text: String, expected: String) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(file, text)
        try dir.write("src/ok.py", "print('hello')\n")
        let result = try dropscan(["scan", "--from-migration", path, "--source", dir.path + "/src", "--json", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let targets = try #require(try decodeReport(result.stdout)["targets"] as? [[String: Any]])
        #expect(targets.map { $0["target"] as? String } == [expected])
    }

    @Test func aMigrationWithoutDestructiveOperationsHasNothingToCheck() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("V13__add_index.sql", "CREATE INDEX orders_status_idx ON orders (status);\n")
        let result = try dropscan(["scan", "--from-migration", path, "--source", dir.path, "--json", "-"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("nothing to check"))
        #expect(try decodeReport(result.stdout)["verdict"] as? String == "pass")
    }

    @Test func anUnknownMigrationFileIsAUsageError() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("notes.txt", "drop it\n")
        let result = try dropscan(["scan", "--from-migration", path, "--source", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("notes.txt"))
    }
}
