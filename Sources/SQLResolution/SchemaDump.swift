import Catalog

/// Reads the tables and columns of a SQL schema: a `pg_dump --schema-only` file given with `--schema`, or a
/// Rails `structure.sql`. Statements are split by PostgreSQL's scanner; only `CREATE TABLE` and
/// `ALTER TABLE … ADD COLUMN` are parsed (with PostgreSQL's parser), so the rest of a dump costs a scan.
public enum SchemaDump {
    /// A statement that looked like a table definition but did not parse, with its place.
    public struct Problem: Sendable, Equatable {
        /// UTF-8 byte offset of the statement in the file.
        public var offset: Int
        /// 1-based line of the statement.
        public var line: Int
        public var message: String
    }

    /// The tables of `sql` (the file's text), each fact citing `path` and its line, with `kind` as provenance.
    public static func read(
        sql text: String, path: String, kind: Provenance.Kind = .schemaDump
    ) -> (tables: [TableFact], problems: [Problem]) {
        var tables: [String: TableFact] = [:]
        var order: [String] = []
        var problems: [Problem] = []
        for piece in SQLScript.statements(text) {
            let prefix = String(piece.text.prefix(40)).uppercased()
            guard prefix.hasPrefix("CREATE ") && prefix.contains("TABLE") || prefix.hasPrefix("ALTER TABLE") else {
                continue
            }
            let statement = piece.text
            let line = piece.line
            let head = piece.offset
            switch PgQuery.parse(statement) {
            case .error(let message, _):
                problems.append(Problem(offset: head, line: line, message: message))
            case .tree(let tree):
                for raw in tree["stmts"]?.array ?? [] {
                    guard let (type, body) = raw["stmt"]?.node else { continue }
                    let provenance = Provenance(kind: kind, path: path, line: line)
                    var columns: [String] = []
                    let relation = body["relation"]
                    switch type {
                    case "CreateStmt":
                        for element in body["tableElts"]?.array ?? [] {
                            if let name = element["ColumnDef"]?["colname"]?.string { columns.append(name) }
                        }
                    case "AlterTableStmt":
                        for command in body["cmds"]?.array ?? [] {
                            guard let alter = command["AlterTableCmd"], alter["subtype"]?.string == "AT_AddColumn",
                                let name = alter["def"]?["ColumnDef"]?["colname"]?.string
                            else { continue }
                            columns.append(name)
                        }
                        if columns.isEmpty { continue }
                    default:
                        continue
                    }
                    guard let name = relation?["relname"]?.string else { continue }
                    let schema = relation?["schemaname"]?.string
                    if tables[name] == nil {
                        tables[name] = TableFact(schema: schema, name: name, columns: [], provenance: provenance)
                        order.append(name)
                    }
                    for column in columns {
                        tables[name]?.columns.append(ColumnFact(name: column, provenance: provenance))
                    }
                }
            }
        }
        return (order.compactMap { tables[$0] }, problems)
    }
}
