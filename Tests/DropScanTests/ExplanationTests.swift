import Catalog
import Report
import Testing

@testable import DropScan
@testable import Matching

/// `--explain TARGET` says what the scorer decides, from the same catalog function.
@Suite struct ExplanationTests {
    func explain(_ target: String, _ catalog: Catalog) throws -> String {
        Explanation.render(
            target: try Target(parsing: target),
            report: UsageReport(
                tool: ToolInfo(version: "test"), verdict: .inconclusive, reasons: [], targets: [], coverage: Coverage()),
            catalog: catalog)
    }

    @Test func aColumnItsTableIsKnownWithoutIsCommonNotRare() throws {
        var catalog = Catalog()
        let provenance = Provenance(kind: .schemaFile, path: "db/schema.rb", line: 3)
        catalog.add(
            TableFact(
                name: "pings", columns: [ColumnFact(name: "body", provenance: provenance)], provenance: provenance))
        let text = try explain("pings.checksum", catalog)
        #expect(text.contains("  column checksum: common: pings is known without it, so a use needs scoping evidence"))
        #expect(!text.contains("rare"))
        #expect(try explain("pings.body", catalog).contains("  column body: rare: only pings has it"))
        #expect(try explain("orders.body", catalog).contains("  column body: common: 2 tables have it (pings)"))
        #expect(try explain("orders.x", Catalog()).contains("  column x: unknown (naming conventions decide)"))
    }
}
