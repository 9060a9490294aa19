import Catalog

/// The statements of a Python file the model reader parses (imports, class headers, class bodies' fields), on
/// their bytes: a string is made only of what goes into the index (a name, a base, a column).
extension PythonModels {
    /// `from extras.forms.mixins import CustomFieldsMixin, SavedFiltersMixin as Saved` → each imported name
    /// (as bound in the file) → `extras/forms/mixins`; a relative module (`.mixins`, `..core.models`) is
    /// resolved against the file's folder. `import *` binds nothing known.
    static func readImport(_ text: ArraySlice<UInt8>, path: String, into imports: inout [String: String]) {
        let rest = text.dropFirst("from ".count).drop(while: { $0 == .space })
        let module = rest.prefix(while: { $0 != .space })
        guard !module.isEmpty, let range = rest.firstRange(of: " import ") else { return }
        let dots = module.prefix(while: { $0 == .dot }).count
        var modulePath = module.dropFirst(dots).split(separator: .dot).map(\.string).joined(separator: "/")
        if dots > 0 {
            var components = folder(of: path).split(separator: "/").map(String.init)
            components.removeLast(min(dots - 1, components.count))
            if !modulePath.isEmpty { components.append(modulePath) }
            modulePath = components.joined(separator: "/")
        }
        let names = rest[range.upperBound...].filter {
            $0 != UInt8(ascii: "(") && $0 != UInt8(ascii: ")") && $0 != UInt8(ascii: "\\")
        }
        for item in names.split(separator: UInt8(ascii: ",")) {
            guard let name = item.split(separator: .space).last, name.allSatisfy(Bytes.isWordByte) else { continue }
            imports[name.string] = modulePath
        }
    }

    /// `class Ping(TimestampMixin, models.Model):` → `Ping` with bases `TimestampMixin`, `Model`.
    static func classHeader(_ text: ArraySlice<UInt8>, path: String, line: Int) -> DeclaredClass? {
        let rest = text.dropFirst("class ".count)
        let name = rest.prefix(while: Bytes.isWordByte)
        guard !name.isEmpty else { return nil }
        var declared = DeclaredClass(ecosystem: .django, name: name.string, file: path, line: line)
        let afterName = rest.dropFirst(name.count)
        guard afterName.first == UInt8(ascii: "("), let close = afterName.lastIndex(of: UInt8(ascii: ")")) else {
            return declared
        }
        let inside = afterName[(afterName.startIndex + 1)..<close]
        var usesDjango = false
        var usesSQLAlchemy = false
        for raw in inside.split(separator: UInt8(ascii: ",")) {
            let base = raw.trimmed
            if base.contains(UInt8(ascii: "=")) {
                // `table=True` (SQLModel), `metaclass=…`.
                if base.filter({ $0 != .space }).elementsEqual("table=True".utf8) {
                    declared.isMapped = true
                    usesSQLAlchemy = true
                }
                continue
            }
            let short = base.split(separator: .dot).last ?? base
            if base.hasPrefix("models.") { usesDjango = true }
            if base.equals("DeclarativeBase") || base.equals("DeclarativeBaseNoMeta") || base.equals("SQLModel")
                || base.hasSuffix("db.Model")
            {
                usesSQLAlchemy = true
            }
            if base.equals("models.Model") || base.hasSuffix("db.Model") { declared.isMapped = true }
            declared.bases.append(short.string)
        }
        if usesSQLAlchemy && !usesDjango { declared.ecosystem = .sqlalchemy }
        return declared
    }

    /// `name = models.CharField(…)`, `owner = ForeignKey(User, …)`, `_image_url = Column("image_url", …)`,
    /// `name: Mapped[str] = mapped_column(…)`, `name: Mapped[str]`, `__tablename__ = "pings"`. Anything else (a
    /// form's or serializer's field, a call of another function) is left on its bytes.
    static func readBodyStatement(_ text: ArraySlice<UInt8>, line: Int, into declared: inout DeclaredClass) {
        let attributeBytes = text.prefix(while: Bytes.isWordByte)
        guard !attributeBytes.isEmpty else { return }
        var rest = text.dropFirst(attributeBytes.count).drop(while: { $0 == .space })
        var annotation = rest[rest.startIndex..<rest.startIndex]
        if rest.first == UInt8(ascii: ":") {
            let afterColon = rest.dropFirst()
            annotation = afterColon.prefix(while: { $0 != .equals })
            rest = afterColon.dropFirst(annotation.count)
        }
        if attributeBytes.equals("__tablename__") {
            declared.explicitTable = Text.firstString(rest.substring)
            declared.ecosystem = .sqlalchemy
            declared.isMapped = true
            return
        }
        if attributeBytes.equals("__abstract__") {
            declared.isAbstract = rest.filter { $0 != .space && $0 != .tab }.elementsEqual("=True".utf8)
            return
        }
        if attributeBytes.equals("table_name") || attributeBytes.equals("__table_args__")
            || attributeBytes.equals("objects") || attributeBytes.hasPrefix("__")
        {
            return
        }
        let attribute = attributeBytes.string
        let value = rest.first == .equals ? rest.dropFirst().drop(while: { $0 == .space }) : rest[rest.endIndex...]
        if value.isEmpty {
            // SQLAlchemy 2: `name: Mapped[str]` alone is a column named after the attribute.
            if annotation.firstRange(of: "Mapped[") != nil && annotation.firstRange(of: "relationship") == nil {
                declared.fields.append(ModelColumn(attribute: attribute, column: attribute))
                declared.ecosystem = .sqlalchemy
            }
            return
        }
        let callee = value.prefix(while: { $0 != UInt8(ascii: "(") })
        guard callee.count < value.count, !callee.contains(.space) else { return }
        let function = callee.split(separator: .dot).last ?? callee
        let module = callee.dropLast(function.count)
        let arguments = value.dropFirst(callee.count + 1)
        if function.equals("Column") || function.equals("mapped_column") || function.equals("column_property")
            || function.equals("deferred")
        {
            let inner =
                function.equals("deferred") || function.equals("column_property") ? arguments.dropFirst() : arguments
            let first = inner.drop(while: { $0 == .space })
            let named =
                first.first == UInt8(ascii: "\"") || first.first == UInt8(ascii: "'")
                ? Text.firstString(first.substring) : nil
            declared.fields.append(ModelColumn(attribute: attribute, column: named ?? attribute))
            if declared.ecosystem != .sqlalchemy && !declared.bases.contains(where: { $0 == "Model" }) {
                declared.ecosystem = .sqlalchemy
            }
            return
        }
        if function.equals("relationship") {
            declared.associations.append(
                Association(
                    kind: .hasMany, name: attribute, foreignKey: nil, targetClass: Text.firstString(arguments.substring)
                ))
            return
        }
        // Django: `models.XField(`, or an imported field class; not a form's or serializer's field.
        guard module.isEmpty || module.equals("models.") || module.hasSuffix(".models.") else { return }
        let isRelation =
            function.equals("ForeignKey") || function.equals("OneToOneField") || function.equals("ParentalKey")
            || function.equals("TreeForeignKey")
        if function.equals("ManyToManyField") {
            declared.associations.append(
                Association(
                    kind: .manyToMany, name: attribute, foreignKey: nil,
                    targetClass: firstArgument(arguments.substring)))
            return
        }
        guard isRelation || (function.hasSuffix("Field") && !function.equals("Field")) else { return }
        let text = arguments.substring
        let column = Text.keyedString(text, key: "db_column") ?? (isRelation ? attribute + "_id" : attribute)
        declared.fields.append(ModelColumn(attribute: attribute, column: column))
        if isRelation {
            declared.associations.append(
                Association(kind: .belongsTo, name: attribute, foreignKey: column, targetClass: firstArgument(text)))
        }
    }

    /// The first argument as written: a class name, or a string (`"auth.User"`).
    private static func firstArgument(_ arguments: Substring) -> String? {
        let first = arguments.drop(while: { $0 == " " })
        if first.first == "\"" || first.first == "'" { return Text.firstString(first) }
        let name = first.prefix(while: { Text.isIdentifier($0) || $0 == "." })
        return name.isEmpty ? nil : String(name)
    }
}

extension UInt8 {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let dot = UInt8(ascii: ".")
    static let equals = UInt8(ascii: "=")
}

extension ArraySlice<UInt8> {
    /// Decoded (a malformed sequence becomes U+FFFD).
    var string: String { String(decoding: self, as: UTF8.self) }

    var substring: Substring { string[...] }

    /// Without leading and trailing spaces and tabs.
    var trimmed: ArraySlice<UInt8> {
        let start = drop(while: { $0 == .space || $0 == .tab })
        var end = start.endIndex
        while end > start.startIndex && (self[end - 1] == .space || self[end - 1] == .tab) { end -= 1 }
        return self[start.startIndex..<end]
    }

    func equals(_ text: StaticString) -> Bool {
        count == text.utf8CodeUnitCount && hasPrefix(text)
    }

    func hasPrefix(_ text: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        return count >= needle.count && self[startIndex..<(startIndex + needle.count)].elementsEqual(needle)
    }

    func hasSuffix(_ text: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        return count >= needle.count && self[(endIndex - needle.count)..<endIndex].elementsEqual(needle)
    }

    /// The first occurrence of `needle`.
    func firstRange(of needle: StaticString) -> Range<Int>? {
        let bytes = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let head = bytes.first, count >= bytes.count else { return nil }
        var index = startIndex
        while index <= endIndex - bytes.count {
            if self[index] == head && self[index..<(index + bytes.count)].elementsEqual(bytes) {
                return index..<(index + bytes.count)
            }
            index += 1
        }
        return nil
    }
}
