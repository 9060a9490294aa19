import Foundation
import Matching
import Report
import Testing

@testable import CodeUsage

/// A small Rails + TypeScript + SQL + shell application scanned for three targets at once: the complete set
/// of findings, declarations and deprecations per target. Nothing may be missing, nothing extra.
@Suite struct ExampleAppTests {
    static let targets = ["orders.legacy_status", "order_items.legacy_discount_code", "customers.*"]

    /// Every file of the example app, scanned with paths relative to its root.
    func scanApp() throws -> [CodeScanResult] {
        let scanner = try makeScanner(Self.targets)
        let root = fixturesDirectory.appendingPathComponent("example-app").path
        let files = try #require(FileManager.default.enumerator(atPath: root)).compactMap { $0 as? String }
        var results: [CodeScanResult] = []
        for file in files.sorted() {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + file, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            results.append(try scanFixture(scanner, root: "example-app", file))
        }
        #expect(results.count == 11)
        return results
    }

    func all(_ results: [CodeScanResult], _ keyPath: KeyPath<CodeScanResult, [[CodeFinding]]>, target: Int)
        -> [String]
    {
        results.flatMap { $0[keyPath: keyPath][target] }.map {
            "\($0.path):\($0.line):\($0.rule):\($0.evidence.rawValue):\($0.classification)"
        }.sorted()
    }

    @Test func findsEveryUseOfTheOrdersColumnAndNothingElse() throws {
        let results = try scanApp()
        #expect(
            all(results, \.findings, target: 0) == [
                "app/models/order.rb:5:rails.model-query-keys:confirmed:app",
                "app/models/order.rb:8:code.bare-name:probable:app",
                "app/services/checkout.rb:10:code.bare-name:not-a-use:app",
                "app/services/checkout.rb:11:code.member-access:confirmed:app",
                "docs/data-model.md:3:sql.bare-column:possible:docs",
                "reports/monthly.sql:3:sql.column-with-table:probable:app",
                "reports/monthly.sql:8:sql.column-with-table:probable:app",
                "spec/models/order_spec.rb:5:rails.chain-query:confirmed:test",
                "web/src/api/orders.ts:6:code.identifier:possible:app",
                "web/src/api/orders.ts:7:code.member-access:confirmed:app",
            ])
        #expect(
            all(results, \.declarations, target: 0) == ["db/schema.rb:13:rails.model-table-column:confirmed:schema"])
        #expect(all(results, \.deprecations, target: 0) == [])
    }

    @Test func findsEveryUseOfTheOrderItemsColumnThroughTheOrderItemModel() throws {
        let results = try scanApp()
        #expect(
            all(results, \.findings, target: 1) == [
                "app/models/order_item.rb:4:rails.model-attribute:confirmed:app",
                "app/models/order_item.rb:7:code.bare-name:probable:app",
                "app/services/checkout.rb:8:rails.chain-query:confirmed:app",
                "scripts/cleanup.sh:3:sql.column-with-table:probable:app",
            ])
        #expect(all(results, \.declarations, target: 1) == ["db/schema.rb:8:rails.model-table-column:confirmed:schema"])
    }

    @Test func findsEveryUseOfTheCustomersTableThroughSQLTheModelAndAssociations() throws {
        let results = try scanApp()
        #expect(
            all(results, \.findings, target: 2) == [
                "app/models/customer.rb:1:code.model-class-declaration:confirmed:app",
                "app/models/order.rb:2:rails.table-association:confirmed:app",
                "app/services/checkout.rb:3:code.table-model-query:confirmed:app",
                "reports/monthly.sql:5:sql.table-relation:confirmed:app",
            ])
        #expect(
            all(results, \.declarations, target: 2) == [
                "db/migrate/20220301120000_create_customers.rb:3:rails.table-association:confirmed:migration",
                "db/schema.rb:2:rails.table-association:confirmed:schema",
            ])
    }
}
