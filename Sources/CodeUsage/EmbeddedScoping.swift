import Foundation
import Matching

/// Scoping for names that sit inside longer identifiers or need more than the line: Spring Data
/// repositories (`repository-…`), Swift key paths (`keypath-…`), declared receiver types (`member-…`) and
/// Django apps (`app-…`). See `Patterns/README.md`.
extension CodeScanner {
    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte >= 0x80
    }

    /// The entity type of the Spring Data repository declared at or before `lineIndex`:
    /// `interface OrderRepository extends JpaRepository<Order, Long>` (Java) or
    /// `interface OrderRepository : CrudRepository<Order, Long>` (Kotlin) → `Order`. The nearest declaration
    /// wins; `nil` when the file declares none before the line.
    static func repositoryEntity(before lineIndex: Int, in document: Document) -> String? {
        var index = min(lineIndex, document.lineCount - 1)
        while index >= 0 {
            if let entity = repositoryEntity(declaredBy: document.lineString(index)) { return entity }
            index -= 1
        }
        return nil
    }

    /// The entity of a repository declaration line; the declaration may be split after the name
    /// (`public interface OrderRepository` ⏎ `extends JpaRepository<Order, Long> {`).
    static func repositoryEntity(declaredBy line: String) -> String? {
        guard let generic = line.range(of: "Repository<") else { return nil }
        let before = line[..<generic.lowerBound].trimmingSpaces()
        if before.hasPrefix("extends ") || before.hasPrefix(": ") {
            // The continuation line of a split declaration.
        } else {
            guard before.contains("interface "), before.contains(" extends ") || before.contains(":") else {
                return nil
            }
        }
        let rest = line[generic.upperBound...].drop(while: { $0 == " " })
        let name = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
        guard let last = name.split(separator: ".").last, let first = last.first, first.isUppercase else { return nil }
        return String(last)
    }

    /// The root type of a Swift key path that starts right before `start`: `\Order.$legacyStatus` → `Order`;
    /// `nil` for `\.$legacyStatus` (the root is inferred) or when no key path starts there.
    static func keyPathRoot(before start: Int, in line: [UInt8]) -> String? {
        var index = min(start, line.count)
        // From the match's start, find `\`; the type (if any) follows it.
        while index < line.count && line[index] != UInt8(ascii: "\\") && line[index] != UInt8(ascii: "$") {
            index += 1
        }
        guard index < line.count, line[index] == UInt8(ascii: "\\") else { return nil }
        var end = index + 1
        while end < line.count && isIdentifierByte(line[end]) { end += 1 }
        guard end > index + 1 else { return nil }
        let name = String(decoding: line[(index + 1)..<end], as: UTF8.self)
        guard let first = name.first, first.isUppercase else { return nil }
        return name
    }

    /// The model that starts the query chain a match is part of: on the line (`Order.query(on: db).filter(…`)
    /// or, when the line continues a chain (starts with `.`), on the line that starts it, at most 15 lines up.
    static func chainModel(in line: [UInt8], before position: Int, lineIndex: Int, document: Document) -> String? {
        if let model = chainModel(in: line, before: position) { return model }
        func continuesChain(_ bytes: [UInt8]) -> Bool {
            bytes.first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: ".")
        }
        guard continuesChain(line) else { return nil }
        var index = lineIndex - 1
        while index >= 0 && lineIndex - index <= 15 {
            let previous = Array(document.line(index))
            if let model = chainModel(in: previous, before: previous.count) { return model }
            guard continuesChain(previous) else { return nil }
            index -= 1
        }
        return nil
    }

    /// The type a file declares for a variable or parameter named `receiver` (compared lower-cased):
    /// `Order order`, `final Customer customer =`, `List<Order> orders` (Java, C#), or `order: Order?`,
    /// `val customer: Customer` (Kotlin, Swift, TypeScript, Python annotations). `nil` when none is declared.
    static func declaredType(of receiver: String, in document: Document) -> String? {
        guard !receiver.isEmpty, receiver != "self", receiver != "this", receiver != "it" else { return nil }
        let needle = Array(receiver.utf8)
        let bytes = document.bytes
        func fold(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        var types: Set<String> = []
        var index = 0
        while index + needle.count <= bytes.count {
            var matches = true
            for offset in 0..<needle.count where fold(bytes[index + offset]) != needle[offset] {
                matches = false
                break
            }
            let end = index + needle.count
            if matches && (index == 0 || !isIdentifierByte(bytes[index - 1]))
                && (end == bytes.count || !isIdentifierByte(bytes[end])),
                let type = typeAfterColon(bytes, from: end) ?? typeBefore(bytes, at: index)
            {
                let line = document.lineIndex(containing: index)
                let inComment = document.commentStart(inLine: line).map {
                    $0 <= index - document.lineRange(line).lowerBound
                }
                if inComment != true { types.insert(type) }
            }
            index += 1
        }
        // Declared with different types in different places (`Order o`, then `Customer o`): not known.
        return types.count == 1 ? types.first : nil
    }

    /// Types whose instances hold any table's rows (`Row`, `Record`, `Map`, a `DataFrame`): a member of one
    /// may well be the column, so their declaration does not decide.
    static let rowContainerTypes: Set<String> = [
        "Row", "Record", "RowMapping", "Mapping", "Map", "HashMap", "Dict", "Tuple", "NamedTuple", "Object", "Any",
        "DataFrame", "Series", "JsonNode", "JsonObject", "ResultSet", "Result", "Entry", "Namespace",
        "SimpleNamespace", "Struct", "Document", "Hash", "OpenStruct", "Relation", "QuerySet", "Tuple2",
    ]

    /// What a receiver's declared type says about a member of it: `true` the table's model (or a type built
    /// around it: `OrderSummary`, `OrderDto`, a projection), so the evidence stands or the file decides;
    /// `false` another type, whose member merely shares the name; `nil` a type that may hold any table's
    /// rows. (`Order` → true; `Customer` → false; `Row`, `ResultRow` → nil.)
    static func declaredTypeIsOwn(_ type: String, info: TargetInfo) -> Bool? {
        if info.isOwnModelName(type) { return true }
        if rowContainerTypes.contains(type) { return nil }
        for suffix in ["Row", "Record", "Result", "Tuple", "Map", "Mapping", "Projection", "View"]
        where type.hasSuffix(suffix) {
            return nil
        }
        if type.contains(info.modelClass) || type.contains(info.tablePascal) { return nil }
        return false
    }

    /// `: Type` after a name (spaces allowed, not `::`).
    private static func typeAfterColon(_ bytes: [UInt8], from start: Int) -> String? {
        var index = start
        while index < bytes.count && bytes[index] == 0x20 { index += 1 }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        if index < bytes.count && bytes[index] == UInt8(ascii: ":") { return nil }
        while index < bytes.count && bytes[index] == 0x20 { index += 1 }
        let typeStart = index
        while index < bytes.count && isIdentifierByte(bytes[index]) { index += 1 }
        return typeName(bytes[typeStart..<index])
    }

    /// `Type name` before a name: the word before it (after spaces), a generic's closing `>` skipped.
    private static func typeBefore(_ bytes: [UInt8], at start: Int) -> String? {
        var index = start
        var spaces = 0
        while index > 0 && bytes[index - 1] == 0x20 {
            index -= 1
            spaces += 1
        }
        guard spaces > 0, index > 0 else { return nil }
        if bytes[index - 1] == UInt8(ascii: ">") { return nil }
        let end = index
        while index > 0 && isIdentifierByte(bytes[index - 1]) { index -= 1 }
        if index > 0 && bytes[index - 1] == UInt8(ascii: ".") { return nil }
        guard let type = typeName(bytes[index..<end]) else { return nil }
        // What precedes the type must start a declaration: the line's start, `(`, `,`, `{`, `;`, or a modifier
        // (`final Customer c`) or JPQL's `FROM`/`JOIN` (`FROM Order o`), not prose (`// the Old row`).
        var before = index
        while before > 0 && (bytes[before - 1] == 0x20 || bytes[before - 1] == 0x09) { before -= 1 }
        if before == 0 || "\n(,{;".utf8.contains(bytes[before - 1]) { return type }
        let wordEnd = before
        while before > 0 && isIdentifierByte(bytes[before - 1]) { before -= 1 }
        let word = String(decoding: bytes[before..<wordEnd], as: UTF8.self)
        return declarationModifiers.contains(word) ? type : nil
    }

    private static let declarationModifiers: Set<String> = [
        "final", "private", "public", "protected", "static", "val", "var", "let", "const", "readonly", "in",
        "internal", "lateinit", "override", "volatile", "transient",
        // JPQL/HQL aliases: `FROM Order o`, `JOIN o.customer c` is not a type.
        "FROM", "from", "JOIN", "join",
    ]

    private static let notTypes: Set<String> = ["String", "Int", "Long", "Integer", "Boolean", "Bool", "Object", "Any"]

    /// A capitalised name with a lower-case letter (`Order`, `OrderDto`): upper-case words are SQL keywords
    /// (`WHERE o.x`) or constants, not types.
    private static func typeName(_ slice: ArraySlice<UInt8>) -> String? {
        guard let first = slice.first, first >= 0x41 && first <= 0x5A else { return nil }
        guard slice.contains(where: { $0 >= 0x61 && $0 <= 0x7A }) else { return nil }
        let name = String(decoding: slice, as: UTF8.self)
        return notTypes.contains(name) ? nil : name
    }

    /// A Django `<app>_<model>` whole-table match: the model's app decides. For a class declaration, the app
    /// is the file's (`shop/models.py` or `shop/models/order.py` → `shop`) and an explicit `db_table` in the
    /// class decides first; for a use (`Order.objects…`), the app the file imports the model from
    /// (`from shop.models import Order`, `from .models import Order` → the file's app). The app label must
    /// be the part of the table before the model's name. Unknown app: the file decides.
    func djangoAppEvidence(
        ceiling: Evidence, fileLevel: Evidence, line: [UInt8], lineIndex: Int, info: TargetInfo,
        context: SourceContext, document: Document, path: String
    ) -> Evidence {
        let text = String(decoding: line, as: UTF8.self)
        let table = info.table.lowercased()
        let isDeclaration = text.trimmingSpaces().hasPrefix("class ")
        if isDeclaration, let region = context.region(atLine: lineIndex), region.startLine == lineIndex {
            if let explicit = region.explicitTable { return explicit == table ? ceiling : .notAUse }
            guard let app = Self.djangoAppLabel(ofFile: path) else { return max(ceiling, fileLevel) }
            return table == app + "_" + region.name.lowercased() ? ceiling : .notAUse
        }
        guard let model = Self.djangoModelName(in: text, table: table) else { return max(ceiling, fileLevel) }
        guard let app = Self.djangoImportedApp(of: model, in: document, path: path) else {
            return max(ceiling, fileLevel)
        }
        return table == app + "_" + model.lowercased() ? ceiling : .notAUse
    }

    /// The app label of a file: the directory that holds `models.py`, or the `models/` package.
    static func djangoAppLabel(ofFile path: String) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 2 else { return nil }
        if parts.last == "models.py" { return parts[parts.count - 2].lowercased() }
        if parts.count >= 3 && parts[parts.count - 2] == "models" { return parts[parts.count - 3].lowercased() }
        return nil
    }

    /// The class on the line whose name the table ends with (`Order` in `Order.objects.filter(…)`).
    static func djangoModelName(in text: String, table: String) -> String? {
        var word = ""
        for character in text + " " {
            if character.isLetter || character.isNumber || character == "_" {
                word.append(character)
                continue
            }
            if let first = word.first, first.isUppercase, table.hasSuffix("_" + word.lowercased()) { return word }
            word = ""
        }
        return nil
    }

    /// The app a file imports `model` from: `from shop.models import Order` → `shop`, `from .models import
    /// Order` → the file's own directory; a model declared in the file itself is of the file's app.
    static func djangoImportedApp(of model: String, in document: Document, path: String) -> String? {
        let directory = path.split(separator: "/").dropLast().last.map { String($0).lowercased() }
        for index in 0..<document.lineCount {
            let line = document.lineString(index).trimmingSpaces()
            if line.hasPrefix("class \(model)(") { return djangoAppLabel(ofFile: path) ?? directory }
            guard line.hasPrefix("from "), let importRange = line.range(of: " import ") else { continue }
            let names = line[importRange.upperBound...].split(whereSeparator: { " ,()".contains($0) })
            guard names.contains(where: { $0 == model }) else { continue }
            let module = line.dropFirst(5)[..<importRange.lowerBound].trimmingSpaces()
            var components = module.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if let models = components.lastIndex(of: "models") { components.removeSubrange(models...) }
            if module.hasPrefix(".") {
                // `.models` (the file's app) or `..shop.models`.
                let named = components.filter { !$0.isEmpty }
                return named.last?.lowercased() ?? directory
            }
            return components.last?.lowercased()
        }
        return nil
    }
}
