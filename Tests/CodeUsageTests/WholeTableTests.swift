import Matching
import Report
import Testing

@testable import CodeUsage

/// A whole-table target (`customers.*`) across ecosystems: each mapping of the table is found, and names
/// that only contain the table's name are not.
@Suite struct WholeTableTests {
    let scanner: CodeScanner

    init() throws {
        scanner = try makeScanner(["customers.*"])
    }

    func found(_ path: String, _ text: String) -> [String] {
        brief(scanText(scanner, path: path, text).findings[0])
    }

    @Test(arguments: [
        ("src/main/java/shop/Customer.java", "@Table(name = \"customers\")", "jpa.table-annotation"),
        ("src/main/java/shop/Report.java", "dsl.selectFrom(Tables.CUSTOMERS).fetch();", "jooq.table-reference"),
        ("prisma/schema.prisma", "  @@map(\"customers\")", "prisma.table-model"),
        ("src/entity/Customer.ts", "@Entity({ name: \"customers\" })", "typeorm.table-entity"),
        ("Sources/App/Customer.swift", "    static let schema = \"customers\"", "swift.table-schema"),
        ("internal/store/customer.go", "func (Customer) TableName() string { return \"customers\" }", "go.table-name"),
        ("models/marts/vip.sql", "select * from {{ source('shop', 'customers') }}", "dbt.table-ref"),
        ("views/customers.view.lkml", "  sql_table_name: public.customers ;;", "lookml.table-name"),
        ("shop/models.py", "        db_table = \"customers\"", "django.table-db-table"),
        ("app/models.py", "    __tablename__ = \"customers\"", "sqlalchemy.table-definition"),
        ("app/models/order.rb", "  belongs_to :customer", "rails.table-association"),
        ("scripts/export.sh", "psql -c \"\\copy customers to 'c.csv' csv\"", "sql.table-relation"),
    ])
    func eachEcosystemsTableMappingIsConfirmed(path: String, line: String, rule: String) {
        #expect(found(path, line + "\n") == ["1:\(rule):confirmed"])
    }

    @Test func namesThatOnlyContainTheTableNameAreNotFound() {
        let text = """
            class CustomerGroup < ApplicationRecord
              has_many :customer_notes
              self.table_name = "customers_archive"
            end
            """
        #expect(found("app/models/customer_group.rb", text) == [])
    }

    @Test func commentsNamingTheModelAreNotUses() {
        let text = """
            // Customer rows are read by the CRM sync.
            export const limit = 10;
            """
        #expect(found("src/sync.ts", text) == ["1:code.table-model-name:not-a-use"])
    }

    @Test func anImportedModelIsOnlyPossible() {
        #expect(found("app/views.py", "from shop.models import Customer\n") == ["1:code.table-model-name:possible"])
    }
}
