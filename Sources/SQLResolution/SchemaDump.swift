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
        // psql meta-commands (`\connect`, `\restrict` in recent pg_dump) are blanked, keeping offsets.
        var bytes = Array(text.utf8)
        var lineStart = true
        var index = 0
        while index < bytes.count {
            if lineStart && bytes[index] == UInt8(ascii: "\\") {
                while index < bytes.count && bytes[index] != 0x0A {
                    bytes[index] = 0x20
                    index += 1
                }
                continue
            }
            lineStart = bytes[index] == 0x0A
            index += 1
        }
        let sql = String(decoding: bytes, as: UTF8.self)
        var tables: [String: TableFact] = [:]
        var order: [String] = []
        var problems: [Problem] = []
        var lineOfOffset = LineCounter(bytes: bytes)
        for piece in PgQuery.split(sql) {
            let start = piece.location
            let end = min(bytes.count, start + piece.length)
            guard start < end else { continue }
            var head = start
            while head < end
                && (bytes[head] == 0x20 || bytes[head] == 0x0A || bytes[head] == 0x09 || bytes[head] == 0x0D)
            {
                head += 1
            }
            let prefix = String(decoding: bytes[head..<min(end, head + 40)], as: UTF8.self).uppercased()
            guard prefix.hasPrefix("CREATE ") && prefix.contains("TABLE") || prefix.hasPrefix("ALTER TABLE") else {
                continue
            }
            let statement = String(decoding: bytes[head..<end], as: UTF8.self)
            let line = lineOfOffset.line(at: head)
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

/// 1-based line numbers of byte offsets, asked in increasing order.
private struct LineCounter {
    let bytes: [UInt8]
    var offset = 0
    var line = 1

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func line(at target: Int) -> Int {
        if target < offset {
            offset = 0
            line = 1
        }
        while offset < target && offset < bytes.count {
            if bytes[offset] == 0x0A { line += 1 }
            offset += 1
        }
        return line
    }
}
