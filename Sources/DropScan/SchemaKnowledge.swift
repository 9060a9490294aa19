import Catalog
import Foundation
import Matching
import Report
import SQLResolution
import ScanIO

extension ScanPipeline {
    /// The tables of the `--schema` files; a statement that does not parse is a coverage error (the result
    /// is then inconclusive), a file that cannot be read a configuration error.
    func readSchemaFiles() throws(ConfigurationError) -> (tables: [TableFact], errors: [ReadError]) {
        var tables: [TableFact] = []
        var errors: [ReadError] = []
        for path in configuration.schemaFiles {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw .schemaUnreadable(path: path, message: error.localizedDescription)
            }
            let (found, problems) = SchemaDump.read(sql: text, path: path, kind: .schemaDump)
            tables += found
            errors += problems.map {
                ReadError(
                    path: path, offset: Int64($0.offset), kind: .corrupt,
                    message: "line \($0.line): a table definition does not parse (\($0.message))")
            }
        }
        return (tables, errors)
    }
}

extension ReportBuilder {
    /// Item of the report's `models[]` for every model the index found.
    func modelSummaries() -> [ModelSummary] {
        catalog.models.map { model in
            ModelSummary(
                className: model.className, file: model.file, line: model.line, table: model.table,
                ecosystem: model.ecosystem,
                columns: model.columns.map { ModelSummary.Column(attribute: $0.attribute, column: $0.column) })
        }
        .sorted { ($0.file, $0.line, $0.className) < ($1.file, $1.line, $1.className) }
    }

    /// In a tree with ORM models, a target table that no model, schema file or SQL names is not understood:
    /// finding nothing there proves nothing.
    func unmappedTableReason(_ target: Target, code: Report.CodeUsage) -> String? {
        guard !catalog.models.isEmpty, !catalog.mentions(table: target.table.name) else { return nil }
        let table = target.table.name.lowercased()
        let named = (code.findings + code.declarations + code.deprecations).contains {
            $0.snippet.lowercased().contains(table)
        }
        guard !named else { return nil }
        let count = catalog.models.count
        return
            "No model, schema file or SQL in the sources mentions table \(target.table.name), though they declare \(count) ORM model\(count == 1 ? "" : "s"), so how the code maps it is not understood: check the table's name or give its schema with --schema."
    }
}
