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
    /// A migration call whose table or column could not be read.
    case unreadableCall(path: String, line: Int, call: String)
    /// The file mentions a drop or rename (outside rollback code) but no target could be read from it.
    case dropWithoutTarget(path: String, line: Int, mention: String)

    public var description: String {
        switch self {
        case .unsupportedFile(let path):
            return
                "\(path): not a migration this reader knows; it reads plain SQL, Flyway and Liquibase formatted SQL, "
                + "Prisma (migration.sql), Rails (.rb), Django and Alembic (.py), Knex, Sequelize and TypeORM (.js/.ts); "
                + "name the targets with --target instead"
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
                "\(path):\(line): cannot read the table or column of `\(call)`: write them as string literals "
                + "(or symbols), or name the targets with --target"
        case .dropWithoutTarget(let path, let line, let mention):
            return
                "\(path):\(line): `\(mention)` looks like a drop or rename, but no table or column could be read from "
                + "the migration; name the targets with --target (a migration that drops something never passes "
                + "with nothing to check)"
        }
    }
}

/// Read access to the files around a migration, for what the migration itself does not say (a Django app's
/// label, its earlier migrations and its model sources).
public protocol MigrationNeighbourhood: Sendable {
    /// The text of a file, or `nil` when it cannot be read.
    func text(ofFile path: String) -> String?
    /// The names of a directory's entries, or `[]` when it is not a readable directory.
    func entries(ofDirectory path: String) -> [String]
}

/// No files around the migration: it is read on its own.
public struct NoNeighbourhood: MigrationNeighbourhood {
    public init() {}
    public func text(ofFile path: String) -> String? { nil }
    public func entries(ofDirectory path: String) -> [String] { [] }
}

/// What a reader found in a migration: its operations, and the byte ranges it deliberately did not read
/// (rollbacks, state-only operations), which the no-silent-pass check skips too.
struct MigrationReading {
    var operations: [MigrationOperation]
    var ignored: [Range<Int>] = []
}

/// Reads migration files (plain SQL, Flyway, Liquibase formatted SQL, Prisma, Rails, Django, Alembic, Knex,
/// Sequelize, TypeORM) and lists the columns and tables they drop or rename: the targets whose remaining uses
/// must be proven gone.
public enum MigrationReader {
    /// The kinds of migration file the reader knows.
    public enum Format: String, Sendable {
        case sql, flyway, liquibase, prisma, rails, django, alembic, knex, sequelize, typeorm
    }

    /// The format of a file, from its name and content; `nil` when unknown.
    public static func format(ofPath path: String, text: String) -> Format? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let lower = name.lowercased()
        if lower.hasSuffix(".rb") { return .rails }
        if lower.hasSuffix(".py") {
            if text.contains(#/(?m)^\s*(?:from\s+alembic\b|import\s+alembic\b|(?:async\s+)?def\s+upgrade\w*\s*\()/#) {
                return .alembic
            }
            if text.contains("django") || text.contains("migrations.Migration") { return .django }
            return nil
        }
        if [".js", ".ts", ".mjs", ".cjs", ".mts", ".cts"].contains(where: { lower.hasSuffix($0) }) {
            return JavaScriptMigration.tool(of: text)
        }
        guard lower.hasSuffix(".sql") else { return nil }
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first ?? ""
        if firstLine.trimmingPrefix(while: \.isWhitespace).lowercased().hasPrefix("--liquibase formatted sql") {
            return .liquibase
        }
        if name.wholeMatch(of: #/[VU][0-9][0-9._]*__.+\.sql/#) != nil || name.wholeMatch(of: #/R__.+\.sql/#) != nil {
            return .flyway
        }
        // Prisma Migrate writes `migrations/<timestamp>_<name>/migration.sql`.
        let parts = path.split(separator: "/")
        if name == "migration.sql" && parts.count >= 3 && parts[parts.count - 3] == "migrations" { return .prisma }
        return .sql
    }

    /// The destructive operations in a migration file, in file order; `[]` only when the file mentions no drop
    /// or rename outside its rollback code. `neighbours` gives the files around it (Django reads its app).
    public static func operations(
        in text: String, path: String, neighbours: any MigrationNeighbourhood = NoNeighbourhood()
    ) throws(MigrationError) -> [MigrationOperation] {
        guard let format = format(ofPath: path, text: text) else { throw .unsupportedFile(path: path) }
        var read = text
        let reading: MigrationReading
        switch format {
        case .sql, .prisma: reading = MigrationReading(operations: try SQLMigration.operations(in: text, path: path))
        case .flyway:
            // An undo migration (`U12__…`) reverses version 12 and runs only on `flyway undo`, like a rollback:
            // it yields no target, and a drop in it is an error rather than a pass.
            if (path.split(separator: "/").last ?? "").hasPrefix("U") {
                reading = MigrationReading(operations: [])
            } else {
                reading = MigrationReading(
                    operations: try SQLMigration.operations(
                        in: SQLMigration.replacingFlywayPlaceholders(text), path: path))
            }
        case .liquibase:
            read = SQLMigration.removingLiquibaseRollbacks(text)
            reading = MigrationReading(operations: try SQLMigration.operations(in: read, path: path))
        case .rails: reading = try RailsMigration.operations(in: text, path: path)
        case .django: reading = try DjangoMigration.operations(in: text, path: path, neighbours: neighbours)
        case .alembic: reading = try AlembicMigration.operations(in: text, path: path)
        case .knex, .sequelize, .typeorm:
            reading = try JavaScriptMigration.operations(in: text, path: path, tool: format)
        }
        if reading.operations.isEmpty,
            let mention = DropMentions.first(in: read, ignoring: reading.ignored, format: format)
        {
            throw .dropWithoutTarget(path: path, line: mention.line, mention: mention.text)
        }
        return reading.operations
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
