import Matching
import Report
import Testing

@testable import CodeUsage

/// Each ecosystem's fixtures scanned for `orders.legacy_status`: every finding with its rule and tier,
/// including the look-alikes that must come out as `not-a-use`.
@Suite struct EcosystemTests {
    let scanner: CodeScanner

    init() throws {
        scanner = try makeScanner(["orders.legacy_status"])
    }

    func scan(_ root: String, _ path: String) throws -> CodeScanResult {
        try scanFixture(scanner, root: root, path)
    }

    @Test func railsModelScopesAndValidationsAreConfirmedAndIgnoredColumnsIsADeprecation() throws {
        let result = try scan("rails", "app/models/order.rb")
        #expect(
            brief(result.findings[0]) == [
                "10:code.bare-name:not-a-use", "12:code.bare-name:probable", "7:rails.model-query-keys:confirmed",
                "8:rails.model-attribute:confirmed",
            ])
        #expect(brief(result.deprecations[0]) == ["2:rails.deprecation-ignored-columns:confirmed"])
        #expect(result.declarations[0].isEmpty)
    }

    @Test func railsSameColumnOnAnotherModelIsNotAUse() throws {
        let result = try scan("rails", "app/models/customer.rb")
        #expect(brief(result.findings[0]) == ["4:rails.model-attribute:not-a-use"])
    }

    @Test func railsControllerChainAndReceiverAreConfirmedAndALocalVariableIsNotAUse() throws {
        let result = try scan("rails", "app/controllers/orders_controller.rb")
        #expect(
            brief(result.findings[0]) == [
                "12:code.bare-name:not-a-use", "13:code.bare-name:not-a-use", "3:rails.chain-query:confirmed",
                "8:code.member-access:confirmed",
            ])
    }

    @Test func railsMigrationsAndSchemaAreDeclarationsNotUses() throws {
        let migration = try scan("rails", "db/migrate/20230105093000_add_legacy_status_to_orders.rb")
        #expect(migration.findings[0].isEmpty)
        #expect(
            brief(migration.declarations[0]) == [
                "3:rails.migration-column:confirmed", "4:rails.migration-column:confirmed",
            ])
        #expect(migration.declarations[0].allSatisfy { $0.classification == "migration" })
        let schema = try scan("rails", "db/schema.rb")
        #expect(schema.findings[0].isEmpty)
        // The same column in the customers table's block is not a use of orders.legacy_status.
        #expect(
            brief(schema.declarations[0]) == [
                "10:rails.model-table-column:confirmed", "4:rails.model-table-column:not-a-use",
                "9:rails.model-table-column:confirmed",
            ])
        #expect(schema.declarations[0].allSatisfy { $0.classification == "schema" })
    }

    @Test func djangoFieldOfTheMappedModelIsConfirmedAndOfAnotherModelIsNotAUse() throws {
        let result = try scan("django", "shop/models.py")
        #expect(
            brief(result.findings[0]) == [
                "14:django.model-field:confirmed", "21:code.bare-name:not-a-use", "22:code.member-access:confirmed",
                "6:django.model-field:not-a-use",
            ])
    }

    @Test func djangoLookupsValuesAndFExpressionsAreFound() throws {
        let result = try scan("django", "shop/views.py")
        #expect(
            brief(result.findings[0]) == [
                "14:django.model-query-keys:probable", "15:code.bare-name:not-a-use", "16:code.bare-name:not-a-use",
                "8:django.chain-query:confirmed",
            ])
        // The column is reported where the lookup `legacy_status__in` starts.
        #expect(result.findings[0].first?.column == 33)
    }

    @Test func djangoStateOnlyRemovalIsADeprecationAndAddFieldIsADeclaration() throws {
        let added = try scan("django", "shop/migrations/0002_order_legacy_status.py")
        #expect(brief(added.declarations[0]) == ["10:django.migration-field-name:possible"])
        #expect(added.deprecations[0].isEmpty)
        let stateOnly = try scan("django", "shop/migrations/0007_remove_order_legacy_status_state.py")
        #expect(brief(stateOnly.deprecations[0]) == ["12:django.migration-field-name:possible"])
        #expect(stateOnly.declarations[0].isEmpty && stateOnly.findings[0].isEmpty)
    }

    @Test func sqlalchemyMappedColumnsAreScopedByTablenameAndCoreTables() throws {
        let result = try scan("sqlalchemy", "app/models.py")
        #expect(
            brief(result.findings[0]) == [
                "15:sqlalchemy.model-mapped-column:confirmed", "23:sqlalchemy.model-column-name:not-a-use",
                "29:sqlalchemy.model-column-name:not-a-use", "34:code.member-access:confirmed",
            ])
    }

    @Test func jpaColumnAnnotationAndFieldAreScopedByTheEntitysTable() throws {
        let order = try scan("jvm", "src/main/java/shop/domain/Order.java")
        #expect(
            brief(order.findings[0]) == [
                "12:jpa.model-column-annotation:confirmed", "13:jpa.model-field:confirmed",
                "15:java.model-accessor:confirmed", "16:code.identifier:probable",
            ])
        let customer = try scan("jvm", "src/main/java/shop/domain/Customer.java")
        #expect(
            brief(customer.findings[0]) == ["11:jpa.model-column-annotation:not-a-use", "12:jpa.model-field:not-a-use"])
    }

    @Test func kotlinEntitiesMapByTableAnnotationOrSpringsDefaultNaming() throws {
        let result = try scan("jvm", "src/main/kotlin/shop/Entities.kt")
        #expect(
            brief(result.findings[0]) == [
                "12:jpa.model-column-annotation:confirmed", "19:jpa.model-field:confirmed",
                "26:jpa.model-field:not-a-use",
                "29:code.member-access:confirmed",
            ])
    }

    @Test func jpaRepositoryQueriesAreProbableAndJooqFieldsAreConfirmed() throws {
        let repository = try scan("jvm", "src/main/java/shop/repository/OrderRepository.java")
        #expect(
            brief(repository.findings[0]) == [
                "10:code.member-access:confirmed", "13:sql.column-with-table:probable",
            ])
        let jooq = try scan("jvm", "src/main/java/shop/report/OrderQueries.java")
        #expect(brief(jooq.findings[0]) == ["16:jooq.table-field:confirmed"])
    }

    @Test func prismaMapIsScopedByTheModelsMapAndClientQueriesAreConfirmed() throws {
        let schema = try scan("prisma", "prisma/schema.prisma")
        #expect(
            brief(schema.findings[0]) == [
                "16:prisma.model-mapped-field:not-a-use", "8:prisma.model-mapped-field:confirmed",
            ])
        let client = try scan("prisma", "src/orders.ts")
        #expect(brief(client.findings[0]) == ["6:prisma.chain-query:confirmed"])
    }

    @Test func aPrismaFieldOfAQuotedMixedCaseColumnIsTheModelsField() throws {
        let scanner = try makeScanner([#""Recipient"."templateToken""#])
        let schema = """
            model Recipient {
              id            Int     @id
              templateToken String?
            }

            model Template {
              templatetoken String?
            }
            """
        #expect(
            brief(scanText(scanner, path: "prisma/schema.prisma", schema).findings[0]) == [
                "3:prisma.model-field:confirmed"
            ])
    }

    @Test func goStructTagsAreScopedByStructAndSQLInRawStringsSeesItsTable() throws {
        let result = try scan("go", "internal/store/order.go")
        #expect(
            brief(result.findings[0]) == [
                "13:go.model-struct-tag:confirmed", "19:go.model-struct-tag:not-a-use",
                "23:sql.column-with-table:probable", "25:sql.column-with-table:probable", "29:code.bare-name:not-a-use",
            ])
    }

    @Test func typeormColumnsAreScopedByEntityAndAQueryBuilderAliasIsConfirmed() throws {
        let order = try scan("typeorm", "src/entity/Order.ts")
        #expect(
            brief(order.findings[0]) == [
                "8:typeorm.model-column-name:confirmed", "9:typeorm.model-property:confirmed",
            ])
        let customer = try scan("typeorm", "src/entity/Customer.ts")
        #expect(
            brief(customer.findings[0]) == [
                "8:typeorm.model-column-name:not-a-use", "9:typeorm.model-property:not-a-use",
            ])
        let service = try scan("typeorm", "src/services/orderService.ts")
        #expect(
            brief(service.findings[0]) == [
                "12:code.identifier:not-a-use", "13:code.identifier:not-a-use", "7:code.member-access:confirmed",
            ])
    }

    @Test func fluentFieldKeysAndGRDBColumnsAreScopedBySchemaAndDatabaseTableName() throws {
        let fluent = try scan("swift", "Sources/App/Models/Order.swift")
        #expect(
            brief(fluent.findings[0]) == ["10:fluent.model-field-key:confirmed", "11:code.string-key:probable"])
        let grdb = try scan("swift", "Sources/App/Records/OrderRecord.swift")
        #expect(
            brief(grdb.findings[0]) == [
                "10:grdb.model-column:confirmed", "16:grdb.model-column:not-a-use", "20:grdb.model-column:confirmed",
                "7:code.string-key:probable",
            ])
    }

    @Test func dbtModelsSeeTheirSourceAcrossTheStatementAndSchemaYmlListsTheColumn() throws {
        let model = try scan("dbt", "models/marts/order_statuses.sql")
        #expect(
            brief(model.findings[0]) == [
                "3:dbt.ref-column:not-a-use", "6:dbt.ref-column:probable", "9:dbt.ref-column:probable",
            ])
        let yaml = try scan("dbt", "models/schema.yml")
        #expect(brief(yaml.findings[0]) == ["9:dbt.yaml-column:probable"])
    }

    @Test func lookmlTableFieldsAreScopedByTheViewsTable() throws {
        let orders = try scan("lookml", "views/orders.view.lkml")
        #expect(
            brief(orders.findings[0]) == ["10:sql.bare-column:possible", "12:lookml.model-table-field:confirmed"])
        let customers = try scan("lookml", "views/customers.view.lkml")
        #expect(brief(customers.findings[0]) == ["6:lookml.model-table-field:not-a-use"])
    }

    @Test func metabaseExportFieldsAndNativeQueriesAreFound() throws {
        let result = try scan("metabase", "collection_export.json")
        #expect(brief(result.findings[0]) == ["14:bi.json-field-name:probable", "8:sql.column-with-table:probable"])
    }

    @Test func notebookCellsAreScannedWithCellIndexAndLineWithinTheCell() throws {
        let result = try scan("notebooks", "status_audit.ipynb")
        let found = result.findings[0].map {
            "\($0.cell ?? -1):\($0.line):\($0.rule):\($0.evidence.rawValue):\($0.classification)"
        }
        #expect(
            found.sorted() == [
                "0:1:sql.bare-column:possible:docs", "1:2:sql.column-with-table:probable:app",
                "1:3:code.string-key:probable:app", "2:2:sql.column-with-table:probable:app",
            ])
    }

    @Test func shellAndPsqlScriptsFindCommandsCopyListsAndHeredocs() throws {
        let result = try scan("shell", "scripts/export_orders.sh")
        #expect(
            brief(result.findings[0]) == [
                "10:sql.column-with-table:probable", "4:sql.bare-column:not-a-use", "5:sql.column-with-table:probable",
                "6:psql.copy-column:confirmed", "9:sql.column-with-table:probable",
            ])
    }
}
