import CPgQuery
import ScanIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// PostgreSQL's own parser (libpg_query, PostgreSQL 15 grammar), returning the raw parse tree.
///
/// ## Thread safety
/// libpg_query may be called from several threads at once without a lock. Since release 9.5-1.4.0
/// ("Make library thread-safe through thread-local storage", pganalyze/libpg_query#13, see the changelog in
/// `/usr/share/doc/libpg-query-dev/changelog.gz`) every global of the extracted PostgreSQL parser is
/// thread-local: each thread lazily initialises its own top memory context (`pg_query_init`, called
/// automatically since 9.5-1.4.1) and, since 10-1.0.5, frees it when the thread exits. The upstream test
/// `test/concurrency.c` parses from 500 threads at once. Our own test
/// (`ParserConcurrencyTests.parsesFromManyThreadsAtOnce`) parses from many threads with
/// `DispatchQueue.concurrentPerform` and checks every tree. Hence `PgQuery` takes no lock; each call owns its
/// result and frees it before returning.
enum PgQuery {
    /// The outcome of one `pg_query_parse` call.
    enum ParseOutcome {
        case tree(JSONValue)
        /// The server's message and the UTF-8 byte offset of the error (when known).
        case error(message: String, offset: Int?)
    }

    /// Parses `sql` (one or several statements) into its JSON tree.
    static func parse(_ sql: String) -> ParseOutcome {
        let result = sql.withCString { pg_query_parse($0) }
        defer { pg_query_free_parse_result(result) }
        if let error = result.error {
            let message = error.pointee.message.map { String(cString: $0) } ?? "syntax error"
            // `cursorpos` counts characters from 1; offsets here are UTF-8 bytes.
            let cursor = Int(error.pointee.cursorpos)
            guard cursor > 0 else { return .error(message: message, offset: nil) }
            var characters = 0
            var offset = 0
            for byte in sql.utf8 {
                if byte & 0xC0 != 0x80 {
                    if characters == cursor - 1 { break }
                    characters += 1
                }
                offset += 1
            }
            return .error(message: message, offset: offset)
        }
        guard let tree = result.parse_tree else { return .error(message: "empty parse result", offset: nil) }
        let length = strlen(tree)
        let buffer = UnsafeBufferPointer(
            start: UnsafeRawPointer(tree).assumingMemoryBound(to: UInt8.self), count: length)
        var parser = JSONParser(bytes: buffer)
        guard let value = parser.parseValue() else {
            if parser.tooDeep {
                return .error(
                    message: "statement nested more than \(JSONParser.maximumDepth) levels deep; not resolved",
                    offset: nil)
            }
            return .error(message: "libpg_query returned an unreadable tree", offset: nil)
        }
        return .tree(value)
    }

    /// Parses a `CREATE FUNCTION … LANGUAGE plpgsql` statement's body with PL/pgSQL's own parser
    /// (`pg_query_parse_plpgsql`): the functions' trees, or the parser's message. Thread-safe as `parse`.
    static func parsePlpgsql(_ createFunction: String) -> ParseOutcome {
        let result = createFunction.withCString { pg_query_parse_plpgsql($0) }
        defer { pg_query_free_plpgsql_parse_result(result) }
        if let error = result.error {
            return .error(message: error.pointee.message.map { String(cString: $0) } ?? "syntax error", offset: nil)
        }
        guard let functions = result.plpgsql_funcs else { return .error(message: "empty parse result", offset: nil) }
        let buffer = UnsafeBufferPointer(
            start: UnsafeRawPointer(functions).assumingMemoryBound(to: UInt8.self), count: strlen(functions))
        var parser = JSONParser(bytes: buffer)
        guard let value = parser.parseValue() else {
            return .error(message: "libpg_query returned an unreadable PL/pgSQL tree", offset: nil)
        }
        return .tree(value)
    }

    /// The JSON text of `sql`'s parse tree exactly as libpg_query prints it, or `nil` when it does not parse.
    static func treeText(_ sql: String) -> String? {
        let result = sql.withCString { pg_query_parse($0) }
        defer { pg_query_free_parse_result(result) }
        guard result.error == nil, let tree = result.parse_tree else { return nil }
        return String(cString: tree)
    }

    /// One statement of a text split by PostgreSQL's scanner (which works even on text that does not parse).
    struct Piece {
        /// UTF-8 byte offset of the statement in the text.
        let location: Int
        /// UTF-8 byte length of the statement.
        let length: Int
    }

    /// Splits `sql` into statements at top-level semicolons, using the scanner only.
    static func split(_ sql: String) -> [Piece] {
        let result = sql.withCString { pg_query_split_with_scanner($0) }
        defer { pg_query_free_split_result(result) }
        guard result.error == nil, let stmts = result.stmts else { return [] }
        var pieces: [Piece] = []
        pieces.reserveCapacity(Int(result.n_stmts))
        for index in 0..<Int(result.n_stmts) {
            guard let stmt = stmts[index] else { continue }
            pieces.append(Piece(location: Int(stmt.pointee.stmt_location), length: Int(stmt.pointee.stmt_len)))
        }
        return pieces
    }
}

/// A JSON value as libpg_query prints it.
enum JSONValue: Sendable {
    /// One `"key": value` pair of an object.
    struct Member: Sendable {
        let key: String
        let value: JSONValue
    }

    /// Members in document order; objects in parse trees have few keys, so a linear search beats hashing.
    case object([Member])
    case array([JSONValue])
    case string(String)
    case number(Int)
    case bool(Bool)
    case null

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self {
            for member in members where member.key == key { return member.value }
        }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var int: Int? {
        if case .number(let value) = self { return value }
        return nil
    }

    var bool: Bool {
        if case .bool(let value) = self { return value }
        return false
    }

    var array: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }

    /// The single `{"NodeType": {...}}` wrapper of a node, as `(type, body)`.
    var node: (type: String, body: JSONValue)? {
        guard case .object(let members) = self, members.count == 1,
            let (key, value) = members.first.map({ ($0.key, $0.value) })
        else {
            return nil
        }
        guard let first = key.utf8.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") else { return nil }
        return (key, value)
    }

    /// The `sval` of a `{"String": {"sval": …}}` node (an empty string when `sval` is omitted).
    var stringNode: String? {
        guard let body = self["String"] else { return nil }
        return body["sval"]?.string ?? ""
    }
}

/// A minimal, fast JSON reader for libpg_query's output (no floats beyond integers are needed, but they are
/// tolerated and read as their integer part).
struct JSONParser {
    /// Deeper trees (e.g. thousands of chained `+`) are refused: reading and walking them recursively could
    /// exhaust a worker thread's stack. Real statements stay far below.
    static let maximumDepth = 1_000

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var depth = 0
    private(set) var tooDeep = false

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func skipSpace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x09 || bytes[index] == 0x0D
        {
            index += 1
        }
    }

    mutating func parseValue() -> JSONValue? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            tooDeep = true
            return nil
        }
        skipSpace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [JSONValue.Member] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard let key = parseString() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let value = parseValue() else { return nil }
                members.append(JSONValue.Member(key: key, value: value))
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    return nil
                }
            }
        case UInt8(ascii: "["):
            index += 1
            var values: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            }
            while true {
                guard let value = parseValue() else { return nil }
                values.append(value)
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(values)
                } else {
                    return nil
                }
            }
        case UInt8(ascii: "\""):
            return parseString().map { .string($0) }
        case UInt8(ascii: "t"):
            index += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            index += 5
            return .bool(false)
        case UInt8(ascii: "n"):
            index += 4
            return .null
        default:
            var negative = false
            if bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            var value = 0
            var sawDigit = false
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                value = value &* 10 &+ Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
                sawDigit = true
            }
            guard sawDigit else { return nil }
            // Fractions and exponents (never emitted for locations) are skipped.
            while index < bytes.count,
                bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: "e")
                    || bytes[index] == UInt8(ascii: "E")
                    || bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")
                    || (bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9"))
            {
                index += 1
            }
            return .number(negative ? -value : value)
        }
    }

    mutating func parseString() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            index += 1
        }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "\"") {
            let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            index += 1
            return value
        }
        // Escapes: find the closing quote (skipping escaped characters), then unescape the inside.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard index < bytes.count else { return nil }
        var scratch: [UInt8] = []
        JSONText.unescape(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index])), into: &scratch)
        index += 1
        return String(decoding: scratch, as: UTF8.self)
    }
}
