import Matching
import Testing

@testable import SQLResolution

private func target(_ text: String) -> Target { try! Target(parsing: text) }

private func summary(_ operations: [MigrationOperation]) -> [String] {
    operations.map { "\($0.kind.rawValue) \($0.target.normalized) @\($0.line)" }
}

@Suite struct SQLMigrationTests {
    @Test func plainSQLWithSeveralActionsAndStatements() throws {
        let sql = """
            -- Drop what the 2019 checkout no longer writes.
            ALTER TABLE IF EXISTS ONLY public.orders
                DROP COLUMN IF EXISTS legacy_status CASCADE,
                ADD COLUMN note text,
                DROP legacy_discount_code;

            DROP TABLE order_audit, billing.invoice_lines;
            ALTER TABLE customers RENAME COLUMN fax TO fax_number;
            ALTER TABLE "Coupons" RENAME TO coupons_v1;
            CREATE INDEX idx ON orders (id);
            """
        let operations = try MigrationReader.operations(in: sql, path: "db/migrate/0042_cleanup.sql")
        #expect(
            summary(operations) == [
                "dropColumn public.orders.legacy_status @3",
                "dropColumn public.orders.legacy_discount_code @5",
                "dropTable order_audit.* @7",
                "dropTable billing.invoice_lines.* @7",
                "renameColumn customers.fax @8",
                "renameTable \"Coupons\".* @9",
            ])
        #expect(operations[0].description == "ALTER TABLE public.orders DROP COLUMN legacy_status")
        #expect(operations[4].description == "ALTER TABLE customers RENAME COLUMN fax TO fax_number")
    }

    @Test func fileWithoutDestructiveOperationsIsEmpty() throws {
        let sql = "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN x int;\nCOMMENT ON TABLE t IS 'drop me later';"
        #expect(try MigrationReader.operations(in: sql, path: "V3__add_t.sql").isEmpty)
    }

    @Test func flywayFileNamesAndPlaceholders() throws {
        #expect(MigrationReader.format(ofPath: "sql/V12__drop_legacy.sql", text: "") == .flyway)
        #expect(MigrationReader.format(ofPath: "sql/V1_2_3__x.sql", text: "") == .flyway)
        #expect(MigrationReader.format(ofPath: "sql/R__views.sql", text: "") == .flyway)
        #expect(MigrationReader.format(ofPath: "sql/schema.sql", text: "") == .sql)
        let sql = """
            -- Flyway migration V12
            ALTER TABLE ${schema}.orders DROP COLUMN legacy_status;
            """
        let operations = try MigrationReader.operations(
            in: sql, path: "src/main/resources/db/migration/V12__drop_legacy.sql")
        #expect(summary(operations) == ["dropColumn orders.legacy_status @2"])
    }

    @Test func flywayUndoMigrationYieldsNoTargetAndADropInItIsAnError() throws {
        #expect(
            try MigrationReader.operations(
                in: "ALTER TABLE orders ADD COLUMN added_in_v12 text;", path: "db/migration/U12__drop_legacy.sql"
            ).isEmpty)
        #expect(
            throws: MigrationError.dropWithoutTarget(
                path: "db/migration/U12__drop_legacy.sql", line: 1, mention: "DROP COLUMN")
        ) {
            try MigrationReader.operations(
                in: "ALTER TABLE orders DROP COLUMN added_in_v12;", path: "db/migration/U12__drop_legacy.sql")
        }
    }

    @Test func liquibaseRollbackLinesDoNotCount() throws {
        let sql = """
            --liquibase formatted sql

            --changeset alice:42-drop-legacy-status
            --comment: the checkout rewrite stopped writing it
            ALTER TABLE orders DROP COLUMN legacy_status;
            --rollback ALTER TABLE orders ADD COLUMN legacy_status varchar(20);

            --changeset alice:43-create-archive
            CREATE TABLE order_archive (id bigint primary key);
            --rollback DROP TABLE order_archive;
            """
        #expect(MigrationReader.format(ofPath: "changelog/042.sql", text: sql) == .liquibase)
        let operations = try MigrationReader.operations(in: sql, path: "changelog/042.sql")
        #expect(summary(operations) == ["dropColumn orders.legacy_status @5"])
    }

    @Test func unparsableDestructiveStatementNamesPathAndLine() {
        let sql = "CREATE TABLE ok (id int);\n\nALTER TABLE `orders` DROP COLUMN `legacy_status`;"
        #expect(throws: MigrationError.self) { try MigrationReader.operations(in: sql, path: "m/001.sql") }
        do {
            _ = try MigrationReader.operations(in: sql, path: "m/001.sql")
        } catch {
            #expect(error.description.hasPrefix("m/001.sql:3:"))
            #expect(error.description.contains("--target"))
        }
    }

    @Test func errorLineCountsCharactersNotBytes() {
        let sql = "-- üüüüüüüüüüüüüüüüüüüüüüüüüüüüüü\nDROP TABLE `orders`;"
        #expect(
            throws: MigrationError.unparsableStatement(
                path: "m/002.sql", line: 2, message: "syntax error at or near \"`\"")
        ) {
            try MigrationReader.operations(in: sql, path: "m/002.sql")
        }
    }

    @Test func unknownFileKindIsAnError() {
        #expect(throws: MigrationError.unsupportedFile(path: "notes.txt")) {
            try MigrationReader.operations(in: "DROP TABLE x", path: "notes.txt")
        }
    }
}

@Suite struct RailsMigrationTests {
    static let migration = """
        # frozen_string_literal: true

        class RemoveLegacyColumnsFromOrders < ActiveRecord::Migration[7.1]
          disable_ddl_transaction!

          def change
            safety_assured { remove_column :orders, :legacy_status }
            remove_column :orders, :legacy_code, :string, null: true
            remove_columns :order_items, :legacy_discount_code, :legacy_price, type: :decimal
            rename_column :customers, :fax, :fax_number
            rename_table :coupons, :promotions
            drop_table :order_audits do |t|
              t.string :action
              t.timestamps
            end
            remove_reference :orders, :legacy_customer, index: true, foreign_key: true
            safety_assured do
              remove_column "shipments", "carrier_code"
            end
            remove_column :invoices,
                          :legacy_ref
            change_table :products do |t|
              t.remove :legacy_sku, :legacy_upc
              t.rename :title, :name
              t.string :slug
            end
            drop_join_table :tags, :products
            # remove_column :orders, :commented_out
          end
        end
        """

    @Test func readsEveryDestructiveCall() throws {
        let operations = try MigrationReader.operations(
            in: Self.migration, path: "db/migrate/20240611093000_remove_legacy_columns_from_orders.rb")
        #expect(
            summary(operations) == [
                "dropColumn orders.legacy_status @7",
                "dropColumn orders.legacy_code @8",
                "dropColumn order_items.legacy_discount_code @9",
                "dropColumn order_items.legacy_price @9",
                "renameColumn customers.fax @10",
                "renameTable coupons.* @11",
                "dropTable order_audits.* @12",
                "dropColumn orders.legacy_customer_id @16",
                "dropColumn shipments.carrier_code @18",
                "dropColumn invoices.legacy_ref @20",
                "dropColumn products.legacy_sku @23",
                "dropColumn products.legacy_upc @23",
                "renameColumn products.title @24",
                "dropTable products_tags.* @27",
            ])
        #expect(operations[0].description == "remove_column :orders, :legacy_status")
    }

    @Test func downMethodsAreRollbacksAndDoNotCount() throws {
        let migration = """
            class CreateOrderArchives < ActiveRecord::Migration[6.1]
              def up
                create_table :order_archives do |t|
                  t.bigint :order_id
                end
                remove_column :orders, :archived_flag
              end

              def down
                drop_table :order_archives
                add_column :orders, :archived_flag, :boolean
              end
            end
            """
        let operations = try MigrationReader.operations(
            in: migration, path: "db/migrate/20240101000000_create_order_archives.rb")
        #expect(summary(operations) == ["dropColumn orders.archived_flag @6"])
    }

    @Test func reversibleDownBlockDoesNotCount() throws {
        let migration = """
            class ChangeThings < ActiveRecord::Migration[7.0]
              def change
                reversible do |dir|
                  dir.up { execute "UPDATE orders SET x = 1" }
                  dir.down do
                    drop_table :things
                  end
                end
              end
            end
            """
        #expect(try MigrationReader.operations(in: migration, path: "db/migrate/1_change_things.rb").isEmpty)
    }

    @Test func executedSQLIsReadAsSQL() throws {
        let migration = """
            class DropLegacyWithSQL < ActiveRecord::Migration[7.1]
              def up
                execute "ALTER TABLE orders DROP COLUMN legacy_status"
                execute <<~SQL
                  UPDATE orders SET state = 'x';
                  ALTER TABLE invoices
                    DROP COLUMN legacy_ref;
                SQL
              end

              def down
                execute "ALTER TABLE orders ADD COLUMN legacy_status text"
                execute "DROP TABLE should_not_count"
              end
            end
            """
        let operations = try MigrationReader.operations(in: migration, path: "db/migrate/3_drop_legacy_with_sql.rb")
        #expect(summary(operations) == ["dropColumn orders.legacy_status @3", "dropColumn invoices.legacy_ref @7"])
    }

    @Test func callWithoutAColumnIsAnError() {
        #expect(throws: MigrationError.self) {
            try MigrationReader.operations(in: "remove_column table_name_var, column_var\n", path: "db/migrate/2_x.rb")
        }
    }
}

@Suite struct DjangoMigrationTests {
    static let migration = """
        # Generated by Django 4.2.7 on 2024-06-11 09:30

        from django.db import migrations, models


        class Migration(migrations.Migration):

            dependencies = [
                ("shop", "0011_order_note"),
            ]

            operations = [
                migrations.RemoveField(
                    model_name="order",
                    name="legacy_status",
                ),
                migrations.RemoveField(
                    model_name="customer",
                    name="fax",
                ),
                migrations.RenameField(
                    model_name="order",
                    old_name="total",
                    new_name="total_amount",
                ),
                migrations.DeleteModel(
                    name="Coupon",
                ),
                migrations.SeparateDatabaseAndState(
                    state_operations=[
                        migrations.RemoveField(
                            model_name="order",
                            name="still_in_the_table",
                        ),
                    ],
                    database_operations=[
                        migrations.RemoveField(
                            model_name="order",
                            name="gone_for_real",
                        ),
                    ],
                ),
                migrations.AlterModelTable(
                    name="invoice",
                    table="billing_invoice",
                ),
                migrations.RunSQL(
                    sql="ALTER TABLE shop_order DROP COLUMN legacy_code;",
                    reverse_sql="ALTER TABLE shop_order ADD COLUMN legacy_code text; DROP TABLE x;",
                ),
                # migrations.DeleteModel(name="Commented"),
            ]
        """

    static let createModel = """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            operations = [
                migrations.CreateModel(
                    name='Order',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True)),
                        ('legacy_status', models.CharField(max_length=20)),
                    ],
                    options={
                        'db_table': 'orders',
                    },
                ),
                migrations.RemoveField(
                    model_name='order',
                    name='legacy_status',
                ),
            ]
        """

    @Test func readsOperationsAndNamesTablesByAppLabel() throws {
        let operations = try MigrationReader.operations(
            in: Self.migration, path: "src/shop/migrations/0012_remove_order_legacy_status.py")
        // Read on its own, the module does not say which fields are foreign keys: both spellings are targets.
        #expect(
            summary(operations) == [
                "dropColumn shop_order.legacy_status @13",
                "dropColumn shop_order.legacy_status_id @13",
                "dropColumn shop_customer.fax @17",
                "dropColumn shop_customer.fax_id @17",
                "renameColumn shop_order.total @21",
                "dropTable shop_coupon.* @26",
                "dropColumn shop_order.gone_for_real @37",
                "dropColumn shop_order.gone_for_real_id @37",
                "renameTable shop_invoice.* @43",
                "dropColumn shop_order.legacy_code @48",
            ])
        #expect(operations[0].description == "migrations.RemoveField(model_name='order', name='legacy_status')")
    }

    @Test func dbTableOptionNamesTheTable() throws {
        let operations = try MigrationReader.operations(in: Self.createModel, path: "shop/migrations/0001_initial.py")
        #expect(operations.map(\.target) == [target("orders.legacy_status")])
    }

    @Test func migrationOutsideAnAppIsAnErrorWithTheLine() {
        #expect(throws: MigrationError.unknownDjangoApp(path: "0012_x.py", line: 13)) {
            try MigrationReader.operations(in: Self.migration, path: "0012_x.py")
        }
    }

    @Test func renameModelRenamesTheDefaultTableOnly() throws {
        let module = """
            from django.db import migrations


            class Migration(migrations.Migration):
                operations = [
                    migrations.RenameModel('Coupon', 'Promotion'),  # positional, as older Django wrote them
                    migrations.CreateModel(name='Ledger', fields=[], options={"db_table": "ledger"}),
                    migrations.RenameModel(old_name='Ledger', new_name='Book'),
                    migrations.RunSQL(
                        [("ALTER TABLE billing_ledger RENAME TO billing_book;", None)],
                        reverse_sql=migrations.RunSQL.noop,
                    ),
                ]
            """
        let operations = try MigrationReader.operations(in: module, path: "apps/billing/migrations/0007_renames.py")
        #expect(summary(operations) == ["renameTable billing_coupon.* @6", "renameTable billing_ledger.* @10"])
    }

    @Test func moduleWithoutDestructiveOperationsIsEmpty() throws {
        let module = """
            from django.db import migrations, models

            class Migration(migrations.Migration):
                operations = [
                    migrations.AddField(model_name='order', name='note', field=models.TextField(default='')),
                ]
            """
        #expect(try MigrationReader.operations(in: module, path: "shop/migrations/0013_order_note.py").isEmpty)
    }
}
