import Foundation

/// A PostgreSQL identifier as written in a target: unquoted names fold to lower case, quoted ones keep
/// their case, exactly as the server treats them.
public struct Identifier: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The name the server stores (folded for unquoted input).
    public let name: String
    /// Whether the input was quoted, so that only a quoted reference with the same case can name it.
    public let quoted: Bool

    public init(name: String, quoted: Bool) {
        self.name = name
        self.quoted = quoted
    }

    /// Whether this name can be written without quotes (so `Orders` in SQL text also names it).
    public var isFoldable: Bool {
        guard let first = name.utf8.first, !name.isEmpty else { return false }
        if first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || byte >= 0x80
        }
    }

    /// The spelling SQL needs for this name: bare when it folds to itself, quoted otherwise.
    public var sqlSpelling: String {
        isFoldable ? name : "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Whether a reference written in SQL (already split into name and quoting) names this identifier.
    public func isNamed(by reference: String, quoted referenceQuoted: Bool) -> Bool {
        referenceQuoted ? reference == name : reference.lowercased() == name
    }

    public var description: String { sqlSpelling }
}

/// Something slated for removal: a column (`schema.table.column`) or a whole table (`schema.table.*`).
public struct Target: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The schema, when the target named one; `nil` matches the table in any schema.
    public let schema: Identifier?
    public let table: Identifier
    /// The column, or `nil` for a whole table.
    public let column: Identifier?

    public init(schema: Identifier? = nil, table: Identifier, column: Identifier? = nil) {
        self.schema = schema
        self.table = table
        self.column = column
    }

    /// Whether the whole table is slated for removal.
    public var isWholeTable: Bool { column == nil }

    /// The normalized spelling: `orders.legacy_status`, `public.orders.*`, `"Orders".status`.
    public var normalized: String {
        var parts: [String] = []
        if let schema { parts.append(schema.sqlSpelling) }
        parts.append(table.sqlSpelling)
        parts.append(column?.sqlSpelling ?? "*")
        return parts.joined(separator: ".")
    }

    public var description: String { normalized }

    /// Whether a table reference (optional schema, name) names this target's table.
    public func tableMatches(schema referenceSchema: Identifier?, table referenceTable: Identifier) -> Bool {
        guard table.isNamed(by: referenceTable.name, quoted: referenceTable.quoted) else { return false }
        guard let schema, let referenceSchema else { return true }
        return schema.isNamed(by: referenceSchema.name, quoted: referenceSchema.quoted)
    }
}

/// Why a target could not be read. Each message names the target and what to write instead.
public enum TargetError: Error, Equatable, CustomStringConvertible {
    case empty
    case malformed(String, reason: String)
    /// A name longer than PostgreSQL keeps (`Target.maximumNameBytes`): no table or column can bear it.
    case nameTooLong(String, bytes: Int)
    case unreadableFile(path: String, message: String)
    case inFile(path: String, line: Int, TargetErrorBox)

    public var description: String {
        switch self {
        case .empty:
            return "empty target: name a column as table.column or schema.table.column, or a table as table.*"
        case .malformed(let text, let reason):
            return
                "invalid target '\(Target.shortened(text))': \(reason). Write table.column, schema.table.column, table, table.* or schema.table.*"
        case .nameTooLong(let text, let bytes):
            return
                "invalid target '\(Target.shortened(text))': a name in it is \(bytes) bytes long, but PostgreSQL keeps at "
                + "most \(Target.maximumNameBytes) bytes of a name (NAMEDATALEN - 1) and cuts the rest, so no table or "
                + "column is called that. Give the name as the catalog stores it (its first \(Target.maximumNameBytes) bytes)"
        case .unreadableFile(let path, let message):
            return "cannot read targets file \(path): \(message)"
        case .inFile(let path, let line, let inner):
            return "\(path):\(line): \(inner.error)"
        }
    }
}

/// Boxes a nested target error so that `TargetError` can refer to itself.
public final class TargetErrorBox: Equatable, Sendable {
    public let error: TargetError
    public init(_ error: TargetError) { self.error = error }
    public static func == (lhs: TargetErrorBox, rhs: TargetErrorBox) -> Bool { lhs.error == rhs.error }
}

extension Target {
    /// The longest name PostgreSQL stores, in bytes (`NAMEDATALEN` - 1): longer identifiers are cut to it.
    public static let maximumNameBytes = 63

    /// `text` for a message: whole when short, else its start and its length.
    static func shortened(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > 80 else { return text }
        var end = 60
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self) + "… (\(bytes.count) bytes)"
    }

    /// Parses `table.column`, `schema.table.column`, `table`, `table.*` or `schema.table.*` with PostgreSQL's
    /// identifier rules: unquoted parts fold to lower case, `"Quoted"` parts keep case and may hold dots.
    public init(parsing text: String) throws(TargetError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .empty }
        var parts: [Identifier?] = []  // nil stands for `*`
        var bytes = Array(trimmed.utf8)[...]
        while true {
            guard let first = bytes.first else { throw .malformed(trimmed, reason: "a name is missing after '.'") }
            if first == UInt8(ascii: "\"") {
                bytes = bytes.dropFirst()
                var name: [UInt8] = []
                var closed = false
                while let byte = bytes.first {
                    bytes = bytes.dropFirst()
                    if byte == UInt8(ascii: "\"") {
                        if bytes.first == UInt8(ascii: "\"") {
                            name.append(byte)
                            bytes = bytes.dropFirst()
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        name.append(byte)
                    }
                }
                guard closed else { throw .malformed(trimmed, reason: "a quoted name is not closed") }
                guard !name.isEmpty else { throw .malformed(trimmed, reason: "a quoted name is empty") }
                parts.append(Identifier(name: String(decoding: name, as: UTF8.self), quoted: true))
            } else if first == UInt8(ascii: "*") {
                bytes = bytes.dropFirst()
                parts.append(nil)
            } else {
                var name: [UInt8] = []
                while let byte = bytes.first, byte != UInt8(ascii: ".") {
                    name.append(byte)
                    bytes = bytes.dropFirst()
                }
                let word = String(decoding: name, as: UTF8.self)
                guard Self.isPlainIdentifier(name) else {
                    let word = Self.shortened(word)
                    throw .malformed(
                        trimmed,
                        reason: "'\(word)' is not a valid identifier (quote it as \"\(word)\" if it is a real name)")
                }
                parts.append(Identifier(name: word.lowercased(), quoted: false))
            }
            guard let next = bytes.first else { break }
            guard next == UInt8(ascii: ".") else {
                throw .malformed(trimmed, reason: "unexpected '\(Character(Unicode.Scalar(next)))' after a name")
            }
            bytes = bytes.dropFirst()
        }
        if let long = parts.compactMap({ $0?.name.utf8.count }).first(where: { $0 > Self.maximumNameBytes }) {
            throw .nameTooLong(trimmed, bytes: long)
        }
        let starIndex = parts.firstIndex(where: { $0 == nil })
        if let starIndex, starIndex != parts.count - 1 {
            throw .malformed(trimmed, reason: "'*' may only stand last, for a whole table")
        }
        switch (parts.count, starIndex) {
        case (1, nil):
            self.init(table: parts[0]!)
        case (2, nil):
            self.init(table: parts[0]!, column: parts[1]!)
        case (3, nil):
            self.init(schema: parts[0]!, table: parts[1]!, column: parts[2]!)
        case (2, .some):
            self.init(table: parts[0]!)
        case (3, .some):
            self.init(schema: parts[0]!, table: parts[1]!)
        case (1, .some):
            throw .malformed(trimmed, reason: "'*' alone names no table")
        default:
            throw .malformed(trimmed, reason: "too many parts (at most schema.table.column)")
        }
    }

    /// Reads targets one a line; `#` starts a comment; blank lines are skipped. Errors name the line.
    public static func parseList(_ text: String, path: String) throws(TargetError) -> [Target] {
        var targets: [Target] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if let hash = Self.commentStart(in: line) { line = line[..<hash] }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do throws(TargetError) {
                targets.append(try Target(parsing: trimmed))
            } catch {
                throw .inFile(path: path, line: lineNumber, TargetErrorBox(error))
            }
        }
        return targets
    }

    /// The index of a `#` that starts a comment (one outside a quoted name).
    private static func commentStart(in line: Substring) -> Substring.Index? {
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if character == "\"" { inQuotes.toggle() }
            if character == "#" && !inQuotes { return index }
            index = line.index(after: index)
        }
        return nil
    }

    private static func isPlainIdentifier(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first else { return false }
        let isLetter = { (byte: UInt8) in
            (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
                || byte >= 0x80
        }
        guard isLetter(first) else { return false }
        return bytes.allSatisfy {
            isLetter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "$")
        }
    }
}
