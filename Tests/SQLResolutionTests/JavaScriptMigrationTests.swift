import Matching
import Testing

@testable import SQLResolution

private func summary(_ operations: [MigrationOperation]) -> [String] {
    operations.map { "\($0.kind.rawValue) \($0.target.normalized) @\($0.line)" }
}

@Suite struct KnexMigrationTests {
    static let migration = """
        /**
         * @param { import("knex").Knex } knex
         * @returns { Promise<void> }
         */
        exports.up = async function (knex) {
          await knex.schema.table('users', function (table) {
            table.dropColumn('legacy_name');
            table.dropColumns('fax', 'pager');
            table.renameColumn('email', 'email_address');
            table.string('nickname');
          });
          await knex.schema.withSchema('billing').alterTable('Invoices', (t) => {
            t.dropColumn('legacyRef');
            t.dropTimestamps();
          });
          await knex.schema.dropTableIfExists('audit_notes');
          await knex.schema.renameTable('coupons', 'promotions');
          // knex.schema.dropTable('commented_out')
          await knex.raw('ALTER TABLE shipments DROP COLUMN carrier_code');
        };

        /**
         * @param { import("knex").Knex } knex
         * @returns { Promise<void> }
         */
        exports.down = function (knex) {
          return knex.schema.table('users', function (table) {
            table.string('legacy_name');
            table.dropColumn('nickname');
          }).then(() => knex.schema.dropTable('should_not_count'));
        };
        """

    @Test func readsBuilderCallbacksAndSchemaCallsOfUpOnly() throws {
        let path = "migrations/20240611093000_remove_legacy_name.js"
        #expect(MigrationReader.format(ofPath: path, text: Self.migration) == .knex)
        let operations = try MigrationReader.operations(in: Self.migration, path: path)
        #expect(
            summary(operations) == [
                "dropColumn users.legacy_name @7",
                "dropColumn users.fax @8",
                "dropColumn users.pager @8",
                "renameColumn users.email @9",
                "dropColumn billing.\"Invoices\".\"legacyRef\" @13",
                "dropColumn billing.\"Invoices\".created_at @14",
                "dropColumn billing.\"Invoices\".updated_at @14",
                "dropTable audit_notes.* @16",
                "renameTable coupons.* @17",
                "dropColumn shipments.carrier_code @19",
            ])
        #expect(operations[0].description == "table.dropColumn('users', 'legacy_name')")
    }

    @Test func typeScriptFunctionsAndDottedTableNames() throws {
        let migration = """
            import type { Knex } from "knex";

            export async function up(knex: Knex): Promise<void> {
              return knex.schema.alterTable("app.users", (table) => {
                table.dropColumn("legacy_name");
              });
            }

            export async function down(knex: Knex): Promise<void> {
              return knex.schema.alterTable("app.users", (table) => {
                table.dropColumn("added_back");
              });
            }
            """
        let operations = try MigrationReader.operations(in: migration, path: "db/migrations/20240611_x.ts")
        #expect(summary(operations) == ["dropColumn app.users.legacy_name @5"])
    }

    @Test func aTableNameInAVariableIsAnError() {
        let migration = """
            const TABLE = process.env.TABLE;
            exports.up = (knex) => knex.schema.table(TABLE, (t) => t.dropColumn('legacy_name'));
            exports.down = () => Promise.resolve();
            """
        #expect(
            throws: MigrationError.unreadableCall(
                path: "migrations/1_x.js", line: 2, call: "schema.table(…)")
        ) {
            try MigrationReader.operations(in: migration, path: "migrations/1_x.js")
        }
    }
}

@Suite struct SequelizeMigrationTests {
    static let migration = """
        'use strict';

        /** @type {import('sequelize-cli').Migration} */
        module.exports = {
          async up (queryInterface, Sequelize) {
            await queryInterface.removeColumn('Users', 'legacyName');
            await queryInterface.removeColumn({ tableName: 'Invoices', schema: 'billing' }, 'legacy_ref');
            await queryInterface.renameColumn('Users', 'fax', 'faxNumber');
            await queryInterface.dropTable('AuditNotes');
            await queryInterface.renameTable('Coupons', 'Promotions');
            await queryInterface.sequelize.query('ALTER TABLE "Shipments" DROP COLUMN "carrierCode"');
          },

          async down (queryInterface, Sequelize) {
            await queryInterface.addColumn('Users', 'legacyName', Sequelize.STRING);
            await queryInterface.dropTable('ShouldNotCount');
          }
        };
        """

    @Test func readsQueryInterfaceCallsOfUpOnlyWithTheirCase() throws {
        let path = "migrations/20240611093000-remove-legacy-name.js"
        #expect(MigrationReader.format(ofPath: path, text: Self.migration) == .sequelize)
        let operations = try MigrationReader.operations(in: Self.migration, path: path)
        #expect(
            summary(operations) == [
                "dropColumn \"Users\".\"legacyName\" @6",
                "dropColumn billing.\"Invoices\".legacy_ref @7",
                "renameColumn \"Users\".fax @8",
                "dropTable \"AuditNotes\".* @9",
                "renameTable \"Coupons\".* @10",
                "dropColumn \"Shipments\".\"carrierCode\" @11",
            ])
    }

    @Test func arrowFunctionsAndDropAllTables() {
        let migration = """
            module.exports = {
              up: async (queryInterface) => queryInterface.dropAllTables(),
              down: async () => {},
            };
            """
        #expect(
            throws: MigrationError.unreadableCall(
                path: "migrations/2-reset.js", line: 2, call: "queryInterface.dropAllTables(…)")
        ) {
            try MigrationReader.operations(in: migration, path: "migrations/2-reset.js")
        }
    }
}

@Suite struct TypeORMMigrationTests {
    static let migration = """
        import { MigrationInterface, QueryRunner, TableColumn } from "typeorm"

        export class PostRefactoring1718097000000 implements MigrationInterface {
            name = "PostRefactoring1718097000000"

            public async up(queryRunner: QueryRunner): Promise<void> {
                await queryRunner.query(`ALTER TABLE "post" DROP COLUMN "legacyTitle"`)
                await queryRunner.dropColumn("post", "summary")
                await queryRunner.dropColumn(
                    "post",
                    new TableColumn({
                        name: "viewCount",
                        type: "int",
                    }),
                )
                await queryRunner.dropColumns("content.comment", ["legacy_flag", "spam_score"])
                await queryRunner.renameColumn("post", "body", "content")
                await queryRunner.dropTable("post_archive", true)
            }

            public async down(queryRunner: QueryRunner): Promise<void> {
                await queryRunner.query(`ALTER TABLE "post" ADD "legacyTitle" character varying`)
                await queryRunner.dropTable("should_not_count")
            }
        }
        """

    @Test func readsQueryRunnerCallsAndQueriesOfUpOnly() throws {
        let path = "src/migrations/1718097000000-PostRefactoring.ts"
        #expect(MigrationReader.format(ofPath: path, text: Self.migration) == .typeorm)
        let operations = try MigrationReader.operations(in: Self.migration, path: path)
        #expect(
            summary(operations) == [
                "dropColumn post.\"legacyTitle\" @7",
                "dropColumn post.summary @8",
                "dropColumn post.\"viewCount\" @9",
                "dropColumn content.comment.legacy_flag @16",
                "dropColumn content.comment.spam_score @16",
                "renameColumn post.body @17",
                "dropTable post_archive.* @18",
            ])
    }

    @Test func aQueryBuiltAtRunTimeThatDropsIsAnError() {
        let migration = """
            import { MigrationInterface, QueryRunner } from "typeorm"

            export class DropLegacy1718097000001 implements MigrationInterface {
                public async up(queryRunner: QueryRunner): Promise<void> {
                    const table = "post"
                    await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "legacyTitle"`)
                }

                public async down(queryRunner: QueryRunner): Promise<void> {}
            }
            """
        #expect(
            throws: MigrationError.unreadableCall(
                path: "src/migrations/1718097000001-DropLegacy.ts", line: 6, call: "queryRunner.query(…)")
        ) {
            try MigrationReader.operations(in: migration, path: "src/migrations/1718097000001-DropLegacy.ts")
        }
    }

    @Test func aScriptOfNoKnownToolIsUnsupported() {
        #expect(throws: MigrationError.unsupportedFile(path: "scripts/cleanup.js")) {
            try MigrationReader.operations(in: "db.dropColumn('x')\n", path: "scripts/cleanup.js")
        }
    }
}

@Suite struct PrismaMigrationTests {
    @Test func quotedIdentifiersKeepTheirCase() throws {
        let sql = """
            -- AlterTable
            ALTER TABLE "User" DROP COLUMN "legacyName",
            ADD COLUMN     "displayName" TEXT;

            -- DropTable
            DROP TABLE "Post";
            """
        let path = "prisma/migrations/20240611093000_drop_legacy_name/migration.sql"
        #expect(MigrationReader.format(ofPath: path, text: sql) == .prisma)
        let operations = try MigrationReader.operations(in: sql, path: path)
        #expect(summary(operations) == ["dropColumn \"User\".\"legacyName\" @2", "dropTable \"Post\".* @6"])
        #expect(operations[0].description == "ALTER TABLE \"User\" DROP COLUMN \"legacyName\"")
    }

    @Test func aDropInsideAFunctionBodyIsAnErrorNotAPass() {
        let sql = """
            -- Prisma migration edited by hand
            DO $$
            BEGIN
              EXECUTE 'ALTER TABLE "User" DROP COLUMN "legacyName"';
            END $$;
            """
        #expect(
            throws: MigrationError.dropWithoutTarget(
                path: "prisma/migrations/20240611_x/migration.sql", line: 4, mention: "DROP COLUMN")
        ) {
            try MigrationReader.operations(in: sql, path: "prisma/migrations/20240611_x/migration.sql")
        }
    }
}
