import Foundation

/// The no-silent-pass check: words that say a migration drops or renames a table or column. A migration that
/// yields no target while its forward code says one of these is an error, never "nothing to check".
enum DropMentions {
    /// Drop and rename spellings of SQL and of every migration tool read here, matched case-insensitively
    /// (`drop_column`, `dropColumn`, `DROP COLUMN`, `RemoveField`, `removeColumn`, `new_column_name`, …).
    static var pattern: Regex<Substring> {
        #/(?i)drop[ \t\r\n_]*(?:column|table|join_table|timestamps|alltables)|remove[ \t_]*(?:column|field|reference|belongs_to|timestamps)|deletemodel|rename[ \t\r\n_]*(?:column|table|field|model)|new_column_name|altermodeltable/#
    }

    /// The first mention outside `ignoring` (rollback code) and outside comment lines, with its 1-based line.
    static func first(in text: String, ignoring: [Range<Int>], format: MigrationReader.Format)
        -> (line: Int, text: String)?
    {
        let comments: [String]
        switch format {
        case .sql, .flyway, .liquibase, .prisma: comments = ["--"]
        case .rails, .django, .alembic: comments = ["#"]
        case .knex, .sequelize, .typeorm: comments = ["//", "/*", "*"]
        }
        let lines = LineIndex(text)
        for match in text.matches(of: pattern) {
            let offset = text.utf8.distance(from: text.startIndex, to: match.range.lowerBound)
            if ignoring.contains(where: { $0.contains(offset) }) { continue }
            let lineStart =
                text[..<match.range.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) }
                ?? text.startIndex
            let lead = text[lineStart..<match.range.lowerBound].drop(while: { $0 == " " || $0 == "\t" })
            if comments.contains(where: { lead.hasPrefix($0) }) { continue }
            return (lines.line(at: offset), String(match.output))
        }
        return nil
    }
}

/// The files around a migration, read from disk.
public struct DiskNeighbourhood: MigrationNeighbourhood {
    public init() {}

    public func text(ofFile path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    public func entries(ofDirectory path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }
}
