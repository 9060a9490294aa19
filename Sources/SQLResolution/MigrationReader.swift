import Matching

/// A destructive schema change found in a migration file: what it removes or renames, and where.
public struct MigrationOperation: Sendable, Hashable, Codable {
    /// What the operation does to its target.
    public enum Kind: String, Sendable, Hashable, Codable {
        case dropColumn
        case dropTable
        /// The target is the column's old name.
        case renameColumn
        /// The target is the table's old name.
        case renameTable
    }

    /// The column or table removed or renamed (for renames, the old name: code using it breaks).
    public let target: Target
    public let kind: Kind
    /// 1-based line of the operation in the file.
    public let line: Int
    /// A short description, e.g. `"ALTER TABLE orders DROP COLUMN legacy_status"`.
    public let description: String

    public init(target: Target, kind: Kind, line: Int, description: String) {
        self.target = target
        self.kind = kind
        self.line = line
        self.description = description
    }
}

/// Why a migration file could not be read. Each message names the file and line and says what to do.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    /// The file is not a kind of migration this reader knows.
    case unsupportedFile(path: String)
    /// A statement that looks destructive did not parse as PostgreSQL.
    case unparsableStatement(path: String, line: Int, message: String)
    /// A Django migration outside an `<app>/migrations/` directory, so its tables cannot be named.
    case unknownDjangoApp(path: String, line: Int)
    /// A Rails or Django call whose table or column could not be read.
    case unreadableCall(path: String, line: Int, call: String)

    public var description: String {
        switch self {
        case .unsupportedFile(let path):
            return
                "\(path): not a migration this reader knows; use .sql (plain SQL, Flyway or Liquibase formatted SQL), "
                + ".rb (Rails) or .py (Django migrations), or name the targets with --target"
        case .unparsableStatement(let path, let line, let message):
            return
                "\(path):\(line): a statement that looks destructive does not parse as PostgreSQL (\(message)); "
                + "fix it, or name its targets with --target"
        case .unknownDjangoApp(let path, let line):
            return
                "\(path):\(line): cannot tell the Django app label (the directory above migrations/); "
                + "keep the file in <app>/migrations/ or name the targets with --target"
        case .unreadableCall(let path, let line, let call):
            return
                "\(path):\(line): cannot read the table or column of `\(call)`: write them as symbols or string "
                + "literals, or name the targets with --target"
        }
    }
}

/// Reads migration files (plain SQL, Flyway, Liquibase formatted SQL, Rails, Django) and lists the columns and
/// tables they drop or rename: the targets whose remaining uses must be proven gone.
public enum MigrationReader {
    /// The kinds of migration file the reader knows.
    public enum Format: String, Sendable {
        case sql, flyway, liquibase, rails, django
    }

    /// The format of a file, from its name and (for SQL) its first line; `nil` when unknown.
    public static func format(ofPath path: String, text: String) -> Format? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let lower = name.lowercased()
        if lower.hasSuffix(".rb") { return .rails }
        if lower.hasSuffix(".py") { return .django }
        guard lower.hasSuffix(".sql") else { return nil }
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first ?? ""
        if firstLine.trimmingPrefix(while: \.isWhitespace).lowercased().hasPrefix("--liquibase formatted sql") {
            return .liquibase
        }
        if name.wholeMatch(of: #/[VU][0-9][0-9._]*__.+\.sql/#) != nil || name.wholeMatch(of: #/R__.+\.sql/#) != nil {
            return .flyway
        }
        return .sql
    }

    /// The destructive operations in a migration file, in file order; `[]` when there are none.
    public static func operations(in text: String, path: String) throws(MigrationError) -> [MigrationOperation] {
        switch format(ofPath: path, text: text) {
        case .sql?: return try SQLMigration.operations(in: text, path: path)
        case .flyway?:
            // An undo migration (`U12__…`) reverses version 12 and runs only on `flyway undo`, like a rollback.
            if (path.split(separator: "/").last ?? "").hasPrefix("U") { return [] }
            return try SQLMigration.operations(in: SQLMigration.replacingFlywayPlaceholders(text), path: path)
        case .liquibase?:
            return try SQLMigration.operations(in: SQLMigration.removingLiquibaseRollbacks(text), path: path)
        case .rails?: return try RailsMigration.operations(in: text, path: path)
        case .django?: return try DjangoMigration.operations(in: text, path: path)
        case nil: throw .unsupportedFile(path: path)
        }
    }
}

// MARK: - Shared helpers

extension Identifier {
    /// An identifier as the server stores it (already folded).
    init(stored name: String) {
        self.init(name: name, quoted: name != name.lowercased())
    }

    /// An identifier from an ORM name, which the ORM passes to the server as written (quoted when needed).
    init(orm name: String) {
        self.init(name: name, quoted: name != name.lowercased())
    }
}

/// 1-based line numbers of byte offsets in a text.
struct LineIndex {
    private var starts: [Int] = [0]

    init(_ text: String) {
        for (offset, byte) in text.utf8.enumerated() where byte == 0x0A { starts.append(offset + 1) }
    }

    func line(at offset: Int) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low + 1
    }
}

// MARK: - SQL

enum SQLMigration {
    static let flywayPlaceholderSchema = "flyway_placeholder"

    /// Flyway `${name}` placeholders become a parseable identifier (a schema placeholder then matches any schema).
    static func replacingFlywayPlaceholders(_ text: String) -> String {
        text.replacing(#/\$\{[^}\n]*\}/#, with: flywayPlaceholderSchema)
    }

    /// Liquibase `--rollback` lines (and `/* … */` rollback blocks opened on them) are blanked, keeping line numbers.
    static func removingLiquibaseRollbacks(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingPrefix(while: \.isWhitespace)
            if trimmed.lowercased().hasPrefix("--rollback") {
                lines.append("")
            } else {
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func identifier(_ name: String) -> Identifier { Identifier(stored: name) }

    static func schemaIdentifier(_ name: String?) -> Identifier? {
        guard let name, name != flywayPlaceholderSchema else { return nil }
        return Identifier(stored: name)
    }

    static func spelled(_ schema: String?, _ table: String) -> String {
        let tableName = Identifier(stored: table).sqlSpelling
        guard let schema, schema != flywayPlaceholderSchema else { return tableName }
        return Identifier(stored: schema).sqlSpelling + "." + tableName
    }

    static func operations(in text: String, path: String, lineOffset: Int = 0) throws(MigrationError)
        -> [MigrationOperation]
    {
        let lines = LineIndex(text)
        let utf8 = Array(text.utf8)
        var operations: [MigrationOperation] = []
        var pieces = PgQuery.split(text)
        if pieces.isEmpty && !utf8.isEmpty { pieces = [PgQuery.Piece(location: 0, length: utf8.count)] }
        for piece in pieces {
            let start = min(piece.location, utf8.count)
            let end = piece.length > 0 ? min(utf8.count, start + piece.length) : utf8.count
            let pieceText = String(decoding: utf8[start..<end], as: UTF8.self)
            switch PgQuery.parse(pieceText) {
            case .tree(let tree):
                for raw in tree["stmts"]?.array ?? [] {
                    guard let stmt = raw["stmt"] else { continue }
                    let stmtStart = start + (raw["stmt_location"]?.int ?? 0)
                    operations += statementOperations(
                        stmt, text: utf8, statementStart: stmtStart, lines: lines, lineOffset: lineOffset)
                }
            case .error(let message, let offset):
                let words = SQLNormalizer.normalize(pieceText).text
                if words.contains("drop ") || words.contains("rename ") {
                    let line = lines.line(at: start + (offset ?? 0)) + lineOffset
                    throw .unparsableStatement(path: path, line: line, message: message)
                }
            }
        }
        return operations
    }

    /// The line of the first word `name` at or after `from` (for operations inside one long statement).
    static func line(of name: String, in text: [UInt8], from: Int, lines: LineIndex) -> (line: Int, offset: Int) {
        let needle = Array(name.lowercased().utf8)
        var found = from
        text.withUnsafeBufferPointer { buffer in
            let tail = UnsafeBufferPointer(rebasing: buffer[min(from, buffer.count)...])
            if let hit = SQLResolver.wordOccurrences(of: needle, in: tail).first { found = from + hit }
        }
        return (lines.line(at: found), found)
    }

    static func statementOperations(
        _ stmt: JSONValue, text: [UInt8], statementStart: Int, lines: LineIndex, lineOffset: Int
    ) -> [MigrationOperation] {
        guard let (type, body) = stmt.node else { return [] }
        var operations: [MigrationOperation] = []
        switch type {
        case "AlterTableStmt":
            guard body["objtype"]?.string == "OBJECT_TABLE", let relation = body["relation"],
                let table = relation["relname"]?.string
            else { return [] }
            let schema = relation["schemaname"]?.string
            var cursor = statementStart + (relation["location"]?.int ?? 0)
            for command in body["cmds"]?.array ?? [] {
                guard let cmd = command["AlterTableCmd"], cmd["subtype"]?.string == "AT_DropColumn",
                    let column = cmd["name"]?.string
                else { continue }
                let (line, offset) = Self.line(of: column, in: text, from: cursor, lines: lines)
                cursor = offset
                operations.append(
                    MigrationOperation(
                        target: Target(
                            schema: schemaIdentifier(schema), table: identifier(table), column: identifier(column)),
                        kind: .dropColumn, line: line + lineOffset,
                        description:
                            "ALTER TABLE \(spelled(schema, table)) DROP COLUMN \(Identifier(stored: column).sqlSpelling)"
                    ))
            }
        case "RenameStmt":
            guard let relation = body["relation"], let table = relation["relname"]?.string else { return [] }
            let schema = relation["schemaname"]?.string
            let newName = body["newname"]?.string ?? ""
            let line = lines.line(at: statementStart + (relation["location"]?.int ?? 0)) + lineOffset
            switch (body["renameType"]?.string, body["relationType"]?.string) {
            case ("OBJECT_COLUMN", "OBJECT_TABLE"):
                guard let column = body["subname"]?.string else { return [] }
                operations.append(
                    MigrationOperation(
                        target: Target(
                            schema: schemaIdentifier(schema), table: identifier(table), column: identifier(column)),
                        kind: .renameColumn, line: line,
                        description:
                            "ALTER TABLE \(spelled(schema, table)) RENAME COLUMN \(Identifier(stored: column).sqlSpelling) TO \(Identifier(stored: newName).sqlSpelling)"
                    ))
            case ("OBJECT_TABLE", _):
                operations.append(
                    MigrationOperation(
                        target: Target(schema: schemaIdentifier(schema), table: identifier(table)), kind: .renameTable,
                        line: line,
                        description:
                            "ALTER TABLE \(spelled(schema, table)) RENAME TO \(Identifier(stored: newName).sqlSpelling)"
                    ))
            default: break
            }
        case "DropStmt":
            guard body["removeType"]?.string == "OBJECT_TABLE" else { return [] }
            var cursor = statementStart
            for object in body["objects"]?.array ?? [] {
                let names = object["List"]?["items"]?.array.compactMap(\.stringNode) ?? []
                guard let table = names.last else { continue }
                let schema = names.count >= 2 ? names[names.count - 2] : nil
                let (line, offset) = Self.line(of: table, in: text, from: cursor, lines: lines)
                cursor = offset
                operations.append(
                    MigrationOperation(
                        target: Target(schema: schemaIdentifier(schema), table: identifier(table)), kind: .dropTable,
                        line: line + lineOffset, description: "DROP TABLE \(spelled(schema, table))"))
            }
        default: break
        }
        return operations
    }
}
