import Catalog

/// The columns each table has according to a complete schema: the live catalog (`--database`) or a
/// `pg_dump --schema-only` file (`--schema`). Model classes are left out: a model may not map every column.
/// A table name that two schemas use with different columns is known only when the statement qualifies it.
public struct SchemaColumns: Sendable, Equatable {
    private var qualified: [String: Set<String>] = [:]
    private var unqualified: [String: Set<String>] = [:]
    private var ambiguous: Set<String> = []

    /// From the facts whose provenance is the database or a schema dump (the others are ignored).
    public init(_ tables: [TableFact]) {
        var schemas: [String: Set<String>] = [:]
        for table in tables where table.provenance.kind == .database || table.provenance.kind == .schemaDump {
            let columns = Set(table.columns.map(\.name))
            if let schema = table.schema {
                qualified[schema + "." + table.name, default: []].formUnion(columns)
                schemas[table.name, default: []].insert(schema)
            }
            unqualified[table.name, default: []].formUnion(columns)
        }
        // Which of two schemas' tables an unqualified name means depends on the search_path.
        ambiguous = Set(schemas.filter { $0.value.count > 1 }.keys)
    }

    /// Whether nothing is known.
    public var isEmpty: Bool { unqualified.isEmpty }

    /// The columns of the table, or `nil` when the schema does not know it (or not which one is meant).
    public func columns(schema: String?, table: String) -> Set<String>? {
        if let schema { return qualified[schema + "." + table] }
        return ambiguous.contains(table) ? nil : unqualified[table]
    }
}
