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
        ("V12__drop_legacy.sql", "ALTER TABLE orders DROP COLUMN legacy_status;\n", ["orders.legacy_status"]),
        (
            "changelog.sql",
            "--liquibase formatted sql\n--changeset ana:12\nDROP TABLE audit_notes;\n--rollback CREATE TABLE audit_notes (id int);\n",
            ["audit_notes.*"]
        ),
        (
            // Read on its own (no 0001_initial beside it), the field may be a foreign key: both spellings.
            "shop/migrations/0042_remove_order_legacy_status.py",
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0041_x\")]\n    operations = [\n        migrations.RemoveField(model_name=\"order\", name=\"legacy_status\"),\n    ]\n",
            ["shop_order.legacy_status", "shop_order.legacy_status_id"]
        ),
        (
            "alembic/versions/3c1a7e5b9d20_drop_legacy_name.py",
            "from alembic import op\n\n\ndef upgrade():\n    op.drop_column(\"users\", \"legacy_name\")\n\n\ndef downgrade():\n    pass\n",
            ["users.legacy_name"]
        ),
        (
            "prisma/migrations/20240611093000_drop_legacy_name/migration.sql",
            "-- AlterTable\nALTER TABLE \"User\" DROP COLUMN \"legacyName\";\n", ["\"User\".\"legacyName\""]
        ),
        (
            "migrations/20240611093000_drop_legacy_name.js",
            "exports.up = function (knex) {\n  return knex.schema.table('users', function (table) {\n    table.dropColumn('legacy_name');\n  });\n};\n\nexports.down = function (knex) {};\n",
            ["users.legacy_name"]
        ),
        (
            "migrations/20240611093000-drop-legacy-name.js",
            "module.exports = {\n  async up (queryInterface, Sequelize) {\n    await queryInterface.removeColumn('Users', 'legacyName');\n  },\n  async down (queryInterface, Sequelize) {}\n};\n",
            ["\"Users\".\"legacyName\""]
        ),
        (
            "src/migrations/1718097000000-DropLegacyTitle.ts",
            "import { MigrationInterface, QueryRunner } from \"typeorm\"\n\nexport class DropLegacyTitle1718097000000 implements MigrationInterface {\n    public async up(queryRunner: QueryRunner): Promise<void> {\n        await queryRunner.dropColumn(\"post\", \"legacyTitle\")\n    }\n\n    public async down(queryRunner: QueryRunner): Promise<void> {}\n}\n",
            ["post.\"legacyTitle\""]
        ),
    ])
    func everyMigrationKindNamesItsTarget(file: String, text: String, expected: [String]) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(file, text)
        try dir.write("src/ok.py", "print('hello')\n")
        let result = try dropscan(["scan", "--from-migration", path, "--source", dir.path + "/src", "--json", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let targets = try #require(try decodeReport(result.stdout)["targets"] as? [[String: Any]])
        #expect(targets.map { $0["target"] as? String } == expected)
    }

    /// An Alembic revision dropping `users.legacy_name` while a report still selects it: this used to exit 0
    /// with "nothing to check".
    @Test func anAlembicDropOfAColumnStillInUseBlocks() throws {
        let dir = try TemporaryDirectory()
        let migration = try dir.write(
            "app/alembic/versions/3c1a7e5b9d20_drop_legacy_name.py",
            """
            \"\"\"drop legacy_name

            Revision ID: 3c1a7e5b9d20
            \"\"\"
            from alembic import op
            import sqlalchemy as sa

            revision = "3c1a7e5b9d20"
            down_revision = "27c6a30d7c1e"


            def upgrade():
                op.drop_column("users", "legacy_name")


            def downgrade():
                op.add_column("users", sa.Column("legacy_name", sa.String(), nullable=True))

            """)
        try dir.write(
            "app/reports/export.py",
            "from sqlalchemy import text\n\nQUERY = text(\"SELECT id, legacy_name FROM users\")\n")
        let result = try dropscan(["scan", "--from-migration", migration, "--source", dir.path + "/app", "--json", "-"])
        #expect(result.stderr.contains("target users.legacy_name"), "\(result.stderr)")
        #expect(result.status == 1, "\(result.stderr)")
        let findings = try #require(
            (try target(try decodeReport(result.stdout), "users.legacy_name")["code"] as? [String: Any])?["findings"]
                as? [[String: Any]])
        #expect(findings.map { $0["path"] as? String } == ["reports/export.py"])
    }

    @Test func aDropMentionWithoutATargetIsAUsageErrorNamingTheLine() throws {
        let dir = try TemporaryDirectory()
        let migration = try dir.write(
            "alembic/versions/4d2b_drop_via_connection.py",
            "from alembic import op\n\n\ndef upgrade():\n    op.get_bind().execute(\"ALTER TABLE users DROP COLUMN legacy_name\")\n"
        )
        let result = try dropscan(["scan", "--from-migration", migration, "--source", dir.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("4d2b_drop_via_connection.py:5:"), "\(result.stderr)")
        #expect(result.stderr.contains("--target"))
        #expect(!result.stderr.contains("has no destructive operation"))
    }

    @Test func djangoModelsInAPackageNameTheTable() throws {
        let dir = try TemporaryDirectory()
        try dir.write(
            "app/shop/models/order.py",
            "from django.db import models\n\n\nclass Order(models.Model):\n    legacy_status = models.CharField(max_length=20)\n\n    class Meta:\n        db_table = \"orders\"\n"
        )
        try dir.write("app/shop/models/__init__.py", "from .order import Order\n")
        let migration = try dir.write(
            "app/shop/migrations/0042_remove_order_legacy_status.py",
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.RemoveField(model_name=\"order\", name=\"legacy_status\"),\n    ]\n"
        )
        try dir.write("src/ok.py", "print('hello')\n")
        let result = try dropscan(["scan", "--from-migration", migration, "--source", dir.path + "/src", "--json", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        let targets = try #require(try decodeReport(result.stdout)["targets"] as? [[String: Any]])
        #expect(targets.map { $0["target"] as? String } == ["orders.legacy_status"])
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
        #expect(result.stderr.contains("Alembic"))
        #expect(result.stderr.contains("TypeORM"))
    }
}
