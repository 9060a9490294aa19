import Matching
import Report
import Testing

@testable import CodeUsage

/// History and dumps are declarations, never uses; deprecation markers are reported apart.
@Suite struct DeclarationTests {
    let scanner: CodeScanner

    init() throws {
        scanner = try makeScanner(["orders.legacy_status"])
    }

    @Test func flywayLiquibaseAndAlembicMigrationsAreDeclarations() {
        let flyway = scanText(
            scanner, path: "src/main/resources/db/migration/V12__add_legacy_status.sql",
            "ALTER TABLE orders ADD COLUMN legacy_status text;\n")
        #expect(flyway.findings[0].isEmpty)
        #expect(brief(flyway.declarations[0]) == ["1:sql.column-with-table:probable"])
        let liquibase = scanText(
            scanner, path: "db/changelog/db.changelog-042.yaml",
            "      - dropColumn:\n          tableName: orders\n          columnName: legacy_status\n")
        #expect(liquibase.findings[0].isEmpty)
        #expect(liquibase.declarations[0].map(\.classification) == ["migration"])
        let alembic = scanText(
            scanner, path: "alembic/versions/3f2a_add_legacy_status.py",
            "    op.add_column(\"orders\", sa.Column(\"legacy_status\", sa.String(20)))\n")
        #expect(brief(alembic.declarations[0]) == ["1:sqlalchemy.model-column-name:probable"])
    }

    @Test func pgDumpIsASchemaWhateverItsName() {
        let dump = """
            --
            -- PostgreSQL database dump
            --

            CREATE TABLE public.orders (
                id bigint NOT NULL,
                legacy_status text
            );
            """
        let result = scanText(scanner, path: "backups/prod.sql", dump)
        #expect(result.findings[0].isEmpty)
        #expect(brief(result.declarations[0]) == ["7:sql.column-with-table:probable"])
        #expect(result.declarations[0].first?.classification == "schema")
    }

    @Test func ignoredColumnsOnAnotherModelIsNeitherADeprecationNorAUse() {
        let text = """
            class Customer < ApplicationRecord
              self.ignored_columns = ["legacy_status"]
            end
            """
        let result = scanText(scanner, path: "app/models/customer.rb", text)
        #expect(result.deprecations[0].isEmpty)
        #expect(brief(result.findings[0]) == ["2:rails.deprecation-ignored-columns:not-a-use"])
    }

    @Test func databaseOperationsOfSeparateDatabaseAndStateAreDeclarationsNotDeprecations() {
        let text = """
            migrations.SeparateDatabaseAndState(
                state_operations=[],
                database_operations=[
                    migrations.RunSQL("ALTER TABLE orders DROP COLUMN legacy_status"),
                ],
            )
            """
        let result = scanText(scanner, path: "shop/migrations/0009_drop.py", text)
        #expect(result.deprecations[0].isEmpty)
        #expect(brief(result.declarations[0]) == ["4:sql.column-with-table:probable"])
    }
}
