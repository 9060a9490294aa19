/// A class, struct, model or view declared in a file, with the lines it spans and the table it maps to.
struct ModelRegion: Equatable {
    /// The declared name (`Order`, `OrderItem`, LookML `orders`).
    var name: String
    /// 0-based lines, inclusive.
    var startLine: Int
    var endLine: Int
    var indent: Int
    /// The table named by `@Table(name=…)`, `db_table`, `__tablename__`, `@@map`, `@Entity("…")`,
    /// `static let schema`, `self.table_name`, `sql_table_name`, `TableName()`; lower-cased, schema dropped.
    var explicitTable: String?
    /// Whether something marks it as mapped to a table (an ORM base class, an entity annotation, column tags).
    var isModel: Bool
    /// Whether the declaration line names Django's `models.Model` (default table `<app>_<model>`).
    var isDjangoModel: Bool
}

/// Facts about a document that do not depend on the target: declared models, local variables, Django
/// `SeparateDatabaseAndState` blocks. Built only for documents with a hit.
struct SourceContext {
    var regions: [ModelRegion] = []
    /// Names bound as local variables (`let x =`, `x := …`, `x = …` that is not a field declaration).
    var localVariables: Set<String> = []
    /// Lines (0-based) that open `state_operations` and `database_operations` lists in a Django migration.
    var stateOperationLines: [Int] = []
    var databaseOperationLines: [Int] = []

    init(document: Document) {
        var open: [ModelRegion] = []
        var receiverTables: [String: String] = [:]
        var pendingTable: String?
        var pendingModel = false
        var pendingLine = -10
        document.bytes.withUnsafeBufferPointer { all in
            for index in 0..<document.lineCount {
                let line = SourceLine(UnsafeBufferPointer(rebasing: all[document.lineRange(index)]))
                let indent = line.indent
                if line.isEmpty { continue }
                if let comment = document.commentStart(inLine: index), comment <= indent { continue }
                // Close regions this line leaves (not at the `):` that ends a Python class's multi-line bases).
                let endsSignature = line.endsSignature
                while let last = open.last, indent <= last.indent, index > last.startLine,
                    !(endsSignature && index - last.startLine <= 12)
                {
                    var closed = open.removeLast()
                    closed.endLine = line.closesBlock ? index : index - 1
                    regions.append(closed)
                }
                let modelMarker = line.hasModelMarker
                if let name = line.declaredName {
                    let isDjango = line.hasDjangoModel
                    var region = ModelRegion(
                        name: name, startLine: index, endLine: document.lineCount - 1, indent: indent,
                        explicitTable: nil, isModel: modelMarker || line.startsModel || line.startsView,
                        isDjangoModel: isDjango)
                    if line.startsView { region.explicitTable = name.lowercased() }
                    if index - pendingLine <= 6 {
                        if let pendingTable { region.explicitTable = pendingTable }
                        if pendingModel { region.isModel = true }
                    }
                    pendingTable = nil
                    pendingModel = false
                    open.append(region)
                    if let table = line.tableMapping { open[open.count - 1].explicitTable = table }
                    continue
                }
                if let block = line.tableBlock {
                    // Rails `create_table "orders" do |t|`, SQLAlchemy Core `orders = Table("orders", …`.
                    open.append(
                        ModelRegion(
                            name: block.name, startLine: index, endLine: document.lineCount - 1, indent: indent,
                            explicitTable: block.table, isModel: true, isDjangoModel: false))
                    continue
                }
                if let last = open.last, last.explicitTable == nil, last.name.hasPrefix("Table:"),
                    let literal = Self.firstStringLiteral(line.trimmed)
                {
                    // `Table(` with the table's name on the next line.
                    open[open.count - 1].explicitTable = Self.lastComponent(literal)
                }
                let isAnnotation = line.isAnnotation
                if let table = line.tableMapping {
                    if let receiver = Self.methodReceiverType(line.trimmed) {
                        // Go: `func (Order) TableName() string { return "orders" }` names its type, wherever it is.
                        receiverTables[receiver] = table
                    } else if isAnnotation || open.isEmpty {
                        pendingTable = table
                        pendingModel = true
                        pendingLine = index
                    } else {
                        open[open.count - 1].explicitTable = table
                        open[open.count - 1].isModel = true
                    }
                } else if isAnnotation && modelMarker {
                    pendingModel = true
                    pendingLine = index
                } else if modelMarker, !open.isEmpty {
                    open[open.count - 1].isModel = true
                }
                if let variable = line.localVariable { localVariables.insert(variable) }
                localVariables.formUnion(line.parameterNames)
                if line.hasStateOperations { stateOperationLines.append(index) }
                if line.hasDatabaseOperations { databaseOperationLines.append(index) }
            }
        }
        for var region in open.reversed() {
            region.endLine = document.lineCount - 1
            regions.append(region)
        }
        for index in regions.indices {
            if let table = receiverTables[regions[index].name] {
                regions[index].explicitTable = table
                regions[index].isModel = true
            }
        }
        regions.sort { $0.startLine < $1.startLine }
        indexRegions(lineCount: document.lineCount)
        multilineStrings = Self.multilineStrings(in: document)
    }

    /// Multi-line string literals and heredocs (`"""…"""`, `'''…'''`, backtick strings, `<<SQL … SQL`), as
    /// inclusive line ranges from the opening line to the closing one.
    var multilineStrings: [ClosedRange<Int>] = []

    /// Finds multi-line strings and heredocs: a delimiter left open at the end of a line opens one, the same
    /// delimiter closes it (a heredoc closes on a line holding only its tag).
    static func multilineStrings(in document: Document) -> [ClosedRange<Int>] {
        var ranges: [ClosedRange<Int>] = []
        var open: (line: Int, delimiter: String, bytes: [UInt8], isHeredoc: Bool)?
        document.bytes.withUnsafeBufferPointer { all in
            for index in 0..<document.lineCount {
                let line = UnsafeBufferPointer(rebasing: all[document.lineRange(index)])
                // An ASCII line is read as bytes (a byte is a character there); any other through `String`.
                let text: String? = SourceLine.isASCII(line) ? nil : String(decoding: line, as: UTF8.self)
                if let current = open {
                    let closes: Bool
                    if current.isHeredoc {
                        if let text {
                            closes = text.trimmingSpaces() == current.delimiter[...]
                        } else if current.bytes.allSatisfy({ $0 < 0x80 }) {
                            closes = Self.trimmingSpaces(line).elementsEqual(current.bytes)
                        } else {
                            // A tag of other characters: compared as `String` compares (canonical equivalence).
                            closes = String(decoding: line, as: UTF8.self).trimmingSpaces() == current.delimiter[...]
                        }
                    } else {
                        closes = SourceLine.occurrences(of: current.bytes, in: line) % 2 == 1
                    }
                    if closes {
                        ranges.append(current.line...index)
                        open = nil
                    }
                    continue
                }
                // Most lines hold no quote at all: count delimiters only where one could open a string.
                let mayQuote = line.contains { $0 == 0x22 || $0 == 0x27 || $0 == 0x60 }
                for delimiter in Self.stringDelimiters
                where mayQuote && SourceLine.occurrences(of: delimiter, in: line) % 2 == 1 {
                    open = (index, String(decoding: delimiter, as: UTF8.self), delimiter, false)
                    break
                }
                if open == nil, SourceLine.occurrences(of: heredocBytes, in: line, stopAtFirst: true) > 0,
                    let tag = heredocTag(text ?? String(decoding: line, as: UTF8.self))
                {
                    open = (index, tag, Array(tag.utf8), true)
                }
            }
        }
        if let current = open { ranges.append(current.line...(document.lineCount - 1)) }
        return ranges
    }

    /// `trimmingSpaces()` on bytes.
    static func trimmingSpaces(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = line.count
        while start < end && (line[start] == 0x20 || line[start] == 0x09) { start += 1 }
        while end > start && (line[end - 1] == 0x20 || line[end - 1] == 0x09) { end -= 1 }
        return UnsafeBufferPointer(rebasing: line[start..<end])
    }

    static let heredocBytes = Array("<<".utf8)

    /// The tag of a heredoc opened on this line: `<<SQL`, `<<-'EOF'`, `<<~SQL`, `<<"END"`.
    static func heredocTag(_ line: String) -> String? {
        guard line.containsBytes(heredocBytes), let range = line.range(of: "<<") else { return nil }
        var rest = line[range.upperBound...]
        if rest.first == "-" || rest.first == "~" { rest = rest.dropFirst() }
        if rest.first == "'" || rest.first == "\"" { rest = rest.dropFirst() }
        let tag = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
        guard let first = tag.first, first.isLetter || first == "_" else { return nil }
        return String(tag)
    }

    /// The tag when `text` is a heredoc's closing line (a line holding only a word), else `nil`.
    func heredocTag(closing text: String) -> String? {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return String(trimmed)
    }

    /// The multi-line string that holds `line`, if any (the ranges are sorted and disjoint).
    func multilineString(containing line: Int) -> ClosedRange<Int>? {
        var low = 0
        var high = multilineStrings.count
        while low < high {
            let middle = (low + high) / 2
            if multilineStrings[middle].upperBound < line { low = middle + 1 } else { high = middle }
        }
        return low < multilineStrings.count && multilineStrings[low].contains(line) ? multilineStrings[low] : nil
    }

    /// For each line, the index in `regions` of the innermost region that holds it, or -1.
    private var regionIndexByLine: [Int32] = []

    /// The innermost declared region that holds `line`.
    func region(atLine line: Int) -> ModelRegion? {
        guard line >= 0 && line < regionIndexByLine.count else { return nil }
        let index = Int(regionIndexByLine[line])
        return index >= 0 ? regions[index] : nil
    }

    /// The region that directly encloses `region` (a class around its `Meta`), if any.
    func enclosingRegion(of region: ModelRegion) -> ModelRegion? {
        regions.last { other in
            other.startLine < region.startLine && other.endLine >= region.endLine && other.indent < region.indent
        }
    }

    /// Fills `regionIndexByLine`: regions in order of their start, so that an inner region (starting later)
    /// overrides its outer one for its own lines only.
    private mutating func indexRegions(lineCount: Int) {
        regionIndexByLine = Array(repeating: -1, count: lineCount)
        for (index, region) in regions.enumerated() where region.startLine < lineCount {
            let end = min(region.endLine, lineCount - 1)
            guard end >= region.startLine else { continue }
            for line in region.startLine...end { regionIndexByLine[line] = Int32(index) }
        }
    }

    /// Whether `line` sits in a Django `state_operations=[…]` list (a state-only removal) rather than in
    /// `database_operations`.
    func isStateOnlyOperation(line: Int) -> Bool {
        guard let state = stateOperationLines.last(where: { $0 <= line }) else { return false }
        let database = databaseOperationLines.last(where: { $0 <= line }) ?? -1
        return state > database
    }

    // MARK: - Line recognisers

    static let modifiers: Set<String> = [
        "export", "default", "public", "private", "protected", "internal", "final", "abstract", "open", "data",
        "sealed", "static", "fileprivate", "partial", "inline", "value",
    ]

    /// The name a line declares: `class Order`, `struct Order`, `type Order struct`, Prisma `model Order {`,
    /// LookML `view: orders {`. `Meta` and `Config` (nested option classes) declare nothing.
    static func declaredName(_ line: Substring) -> String? {
        guard declarationHintSet.occurs(in: line) else { return nil }
        let words = line.split(whereSeparator: { " \t(<:{,".contains($0) }).map(String.init)
        var position = 0
        while position < words.count && (modifiers.contains(words[position]) || words[position].hasPrefix("@")) {
            position += 1
        }
        guard position + 1 < words.count else { return nil }
        let keyword = words[position]
        let name = words[position + 1]
        let declares: Bool
        switch keyword {
        case "class", "struct", "record", "object": declares = true
        case "model": declares = line.hasSuffix("{")
        case "type": declares = position + 2 < words.count && words[position + 2] == "struct"
        case "view": declares = line.hasPrefix("view:")
        default: declares = false
        }
        guard declares, let first = name.first, first.isLetter || first == "_" else { return nil }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        if name == "Meta" || name == "Config" { return nil }
        return name
    }

    private static let modelMarkers = [
        "models.Model", "ApplicationRecord", "ActiveRecord::Base", "@Entity", "@Table", "DeclarativeBase",
        "declarative_base", "(Base)", "db.Model", "SQLModel", ": Model", "Model,", "FetchableRecord",
        "PersistableRecord", "TableRecord", "@Field(", "@Column", "db:\"", "gorm:\"", "mapped_column", "Column(",
        "sql_table_name", "@@map", "@map(", "@ID(", "@PrimaryGeneratedColumn", "models.",
    ]

    static let djangoModelBytes = Array("models.Model".utf8)
    static let stateOperationsBytes = Array("state_operations".utf8)
    static let databaseOperationsBytes = Array("database_operations".utf8)
    private static let stringDelimiters = ["\"\"\"", "'''", "`"].map { Array($0.utf8) }

    static func hasModelMarker(_ line: Substring) -> Bool { modelMarkerSet.occurs(in: line) }

    static let modelMarkerSet = LiteralSet(modelMarkers)
    static let declarationHintSet = LiteralSet([
        "class", "struct", "model", "type", "view:", "record", "object",
    ])
    static let tableMappingHintSet = LiteralSet(["@", "table", "Table", "schema"])
    static let fieldMarkerSet = LiteralSet([
        "models.", "Column(", "mapped_column", "Field(", "relationship", "fields.", "sa.", "db.", "attribute",
    ])

    private static let tableMappingKeys = [
        "@Table(", "@Entity(", "db_table", "__tablename__", "@@map(", "static let schema", "static var schema",
        "databaseTableName", "table_name =", "table_name=", "sql_table_name:", "TableName()",
    ]

    /// The table a line maps its model to, lower-cased, schema dropped.
    static func tableMapping(_ line: Substring) -> String? {
        guard tableMappingHintSet.occurs(in: line) else { return nil }
        guard let key = tableMappingKeys.first(where: { line.containsBytes(Array($0.utf8)) }) else { return nil }
        let rest = line[line.range(of: key)!.upperBound...]
        if key == "sql_table_name:" {
            let value = rest.split(separator: ";").first.map { $0.trimmingSpaces() } ?? ""
            return lastComponent(String(value))
        }
        var searchFrom = rest
        if key == "@Table(", let name = rest.range(of: "name") { searchFrom = rest[name.upperBound...] }
        guard let literal = firstStringLiteral(searchFrom) else { return nil }
        return lastComponent(literal)
    }

    /// The receiver type of a Go method: `func (Order) TableName()` and `func (o *Order) TableName()` → `Order`.
    static func methodReceiverType(_ line: Substring) -> String? {
        guard line.hasPrefix("func ("), let close = line.firstIndex(of: ")") else { return nil }
        let inside = line[line.index(line.startIndex, offsetBy: 6)..<close]
        let type = inside.split(separator: " ").last.map { $0.drop(while: { $0 == "*" }) } ?? ""
        guard let first = type.first, first.isLetter else { return nil }
        return String(type)
    }

    static let tableBlockHints: [[UInt8]] = ["_table", "Table("].map { Array($0.utf8) }

    /// A block that defines a table's columns: Rails `create_table :orders do |t|` / `change_table "orders"`,
    /// SQLAlchemy Core `orders = Table("orders", metadata, …`. The name starts with `Table:` for the latter.
    static func tableBlock(_ line: Substring) -> (name: String, table: String?)? {
        guard tableBlockHints.contains(where: { line.containsBytes($0) }) else { return nil }
        for keyword in ["create_table", "change_table"] where line.hasPrefix(keyword) {
            var rest = line.dropFirst(keyword.count).drop(while: { $0 == " " || $0 == "(" })
            if rest.first == ":" { rest = rest.dropFirst() }
            if rest.first == "\"" || rest.first == "'" { rest = rest.dropFirst() }
            let name = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
            guard !name.isEmpty, let table = lastComponent(String(name)) else { return nil }
            return (table, table)
        }
        let variable = line.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
        guard !variable.isEmpty else { return nil }
        var rest = line.dropFirst(variable.count).drop(while: { $0 == " " })
        guard rest.first == "=" else { return nil }
        rest = rest.dropFirst().drop(while: { $0 == " " })
        for prefix in ["sa.", "sqlalchemy.", "db."] where rest.hasPrefix(prefix) { rest = rest.dropFirst(prefix.count) }
        guard rest.hasPrefix("Table(") else { return nil }
        let literal = firstStringLiteral(rest.dropFirst("Table(".count))
        return ("Table:" + variable, literal.flatMap(lastComponent))
    }

    static func firstStringLiteral(_ text: Substring) -> String? {
        guard let open = text.firstIndex(where: { $0 == "\"" || $0 == "'" || $0 == "`" }) else { return nil }
        let quote = text[open]
        let afterOpen = text.index(after: open)
        guard let close = text[afterOpen...].firstIndex(of: quote) else { return nil }
        return String(text[afterOpen..<close])
    }

    static func lastComponent(_ name: String) -> String? {
        let cleaned = name.filter { $0 != "\"" && $0 != "`" && $0 != "'" }
        guard let last = cleaned.split(separator: ".").last, !last.isEmpty else { return nil }
        return last.lowercased()
    }

    /// `let x =`, `var x`, `val x`, `const x`, `x := …`, and `x = …` that is not a model field declaration.
    static func localVariable(_ line: Substring) -> String? {
        let isIdentifier = { (character: Character) in character.isLetter || character.isNumber || character == "_" }
        let first = line.prefix(while: { $0 != " " && $0 != "\t" })
        if declarationKeywords.contains(String(first)) {
            let rest = line.dropFirst(first.count).drop(while: { $0 == " " || $0 == "\t" })
            let name = rest.prefix(while: isIdentifier)
            return name.isEmpty ? nil : String(name)
        }
        let name = line.prefix(while: isIdentifier)
        guard !name.isEmpty, let firstCharacter = name.first, !firstCharacter.isNumber else { return nil }
        let rest = line.dropFirst(name.count).drop(while: { $0 == " " })
        if rest.hasPrefix(":=") { return String(name) }
        if rest.hasPrefix("=") && !rest.hasPrefix("==") && !rest.hasPrefix("=>") {
            let value = rest.dropFirst()
            if fieldMarkerSet.occurs(in: value) { return nil }
            // A keyword argument on its own line of a multi-line call (`type='chart',`, `org_id=1)`).
            if isKeywordArgumentLine(value) { return nil }
            return String(name)
        }
        return nil
    }

    /// Whether the value of `name=value` ends a call's argument rather than a statement: it ends with `,` or
    /// closes a bracket it did not open (`'chart',`, `1)`, `Sequence("x"))`).
    static func isKeywordArgumentLine(_ value: Substring) -> Bool { isKeywordArgumentLine(Array(value.utf8)) }

    /// `isKeywordArgumentLine(_:)` on the value's UTF-8 bytes.
    static func isKeywordArgumentLine(_ bytes: [UInt8]) -> Bool {
        let mask = Document.quotedMask(of: bytes)
        var depth = 0
        var last: UInt8 = 0
        for (position, byte) in bytes.enumerated() where !mask[position] {
            if byte == UInt8(ascii: "#") { break }
            if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { depth += 1 }
            if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth -= 1
                if depth < 0 { return true }
            }
            if byte != 0x20 && byte != 0x09 && byte != 0x0D { last = byte }
        }
        return depth == 0 && last == UInt8(ascii: ",")
    }

    /// Words that declare a local variable in the languages scanned.
    static let declarationKeywords: Set<String> = ["let", "var", "val", "const", "my", "local", "auto"]
}

extension StringProtocol {
    /// Whether the UTF-8 bytes hold `needle` (a plain byte search, without Foundation's bridging).
    func containsBytes(_ needle: [UInt8]) -> Bool {
        occurrences(of: needle, stopAtFirst: true) > 0
    }

    /// How many non-overlapping times the UTF-8 bytes hold `needle`.
    func occurrences(of needle: [UInt8], stopAtFirst: Bool = false) -> Int {
        func count(_ hay: UnsafeBufferPointer<UInt8>) -> Int {
            SourceLine.occurrences(of: needle, in: hay, stopAtFirst: stopAtFirst)
        }
        if let result = utf8.withContiguousStorageIfAvailable(count) { return result }
        return Array(utf8).withUnsafeBufferPointer(count)
    }

    func trimmingSpaces() -> SubSequence {
        let start = drop(while: { $0 == " " || $0 == "\t" })
        var end = start
        while let last = end.last, last == " " || last == "\t" { end = end.dropLast() }
        return end
    }
}

/// Several literals searched in one pass over a line: the literals are bucketed by their first byte, so
/// most bytes cost one table look-up (testing 27 markers one by one cost 27 passes a line).
struct LiteralSet: Sendable {
    private let buckets: [[[UInt8]]]
    /// The literals' bytes, in the order given.
    let literals: [[UInt8]]

    init(_ literals: [String]) {
        self.literals = literals.map { Array($0.utf8) }
        var buckets = Array(repeating: [[UInt8]](), count: 256)
        for literal in literals {
            let bytes = Array(literal.utf8)
            if let first = bytes.first { buckets[Int(first)].append(bytes) }
        }
        self.buckets = buckets
    }

    /// Whether any literal occurs in `text`'s UTF-8 bytes.
    func occurs<S: StringProtocol>(in text: S) -> Bool {
        if let found = text.utf8.withContiguousStorageIfAvailable(occurs(inBuffer:)) { return found }
        return Array(text.utf8).withUnsafeBufferPointer(occurs(inBuffer:))
    }

    /// Whether any literal occurs in `bytes`.
    func occurs(inBytes bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer(occurs(inBuffer:)) }

    func occurs(inBuffer bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let search = { (bytes: UnsafeBufferPointer<UInt8>) -> Bool in
            for index in 0..<bytes.count {
                let bucket = buckets[Int(bytes[index])]
                if bucket.isEmpty { continue }
                for literal in bucket where literal.count <= bytes.count - index {
                    var offset = 1
                    while offset < literal.count && bytes[index + offset] == literal[offset] { offset += 1 }
                    if offset == literal.count { return true }
                }
            }
            return false
        }
        return search(bytes)
    }
}
