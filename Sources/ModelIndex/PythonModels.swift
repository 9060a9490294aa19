import Catalog
import Foundation

/// Python models: Django (`models.Model` subclasses, abstract bases and mixins, `Meta.db_table`,
/// `ForeignKey` → `<name>_id`, `db_column=`, `AppConfig.label`) and SQLAlchemy (`__tablename__`,
/// `Column("name")`/`mapped_column("name")` on an attribute of another name, `Mapped[…]`, Core `Table(…)`).
/// The readers only see classes; which of them are models is decided when the whole tree is known.
enum PythonModels {
    private static let markers: [StaticString] = [
        "models.", "Field(", "ForeignKey", "Column(", "mapped_column", "Mapped[", "__tablename__", "Table(",
        "AppConfig",
    ]

    /// Whether the file may declare models (a byte search, run over every `.py` file).
    static func mightDeclare(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Bytes.contains(bytes, "class ") || Bytes.contains(bytes, "Table(")
            ? Bytes.containsAny(bytes, markers) : false
    }

    /// One logical line: physical lines joined while brackets are open (at most 40).
    private struct Statement {
        var line: SourceLine
        var text: Substring
    }

    private static func statements(_ lines: [SourceLine]) -> [Statement] {
        var result: [Statement] = []
        var index = 0
        while index < lines.count {
            let first = lines[index]
            var text = first.text
            var depth = Text.depthChange(first.text)
            var end = index + 1
            if depth > 0 {
                var joined = String(first.text)
                while depth > 0 && end < lines.count && end - index < 40 {
                    joined += " " + lines[end].text
                    depth += Text.depthChange(lines[end].text)
                    end += 1
                }
                text = joined[...]
            }
            if !text.isEmpty && !text.hasPrefix("#") { result.append(Statement(line: first, text: text)) }
            index = end
        }
        return result
    }

    private struct OpenClass {
        var declared: DeclaredClass
        var indent: Int
        var bodyIndent: Int?
        /// A nested `class Meta:` at this indent, whose body is `metaIndent + …`.
        var metaIndent: Int?
        var isAppConfig: Bool
        var appConfigLabel: String?
    }

    static func read(path: String, bytes: UnsafeRawBufferPointer, into part: inout IndexPart) {
        var open: [OpenClass] = []
        func close(_ item: OpenClass) {
            if item.isAppConfig {
                if let label = item.appConfigLabel { part.appLabels[folder(of: path)] = label }
                return
            }
            part.classes.append(item.declared)
        }
        for statement in statements(Text.lines(bytes)) {
            let indent = statement.line.indent
            let text = statement.text
            while let last = open.last, indent <= last.indent { close(open.removeLast()) }
            if var current = open.popLast() {
                if current.bodyIndent == nil { current.bodyIndent = indent }
                if let meta = current.metaIndent, indent > meta {
                    readMeta(text, into: &current.declared)
                } else if indent == current.bodyIndent {
                    current.metaIndent = nil
                    if text.hasPrefix("class Meta") {
                        current.metaIndent = indent
                    } else if current.isAppConfig {
                        if Text.identifier(text) == "label", let value = Text.keyedString(text, key: "label") {
                            current.appConfigLabel = value
                        }
                    } else if !text.hasPrefix("class ") {
                        readBodyStatement(text, line: statement.line.number, into: &current.declared)
                    }
                }
                open.append(current)
            }
            if text.hasPrefix("class "), !text.hasPrefix("class Meta"),
                let declared = classHeader(text, path: path, line: statement.line.number)
            {
                let isConfig = declared.bases.contains("AppConfig")
                open.append(
                    OpenClass(declared: declared, indent: indent, isAppConfig: isConfig))
            } else if indent == 0, let table = coreTable(text, path: path, line: statement.line.number) {
                part.tables.append(table)
            }
        }
        while let last = open.popLast() { close(last) }
    }

    /// The folder of a file (`shop/apps.py` → `shop`).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// `class Ping(TimestampMixin, models.Model):` → `Ping` with bases `TimestampMixin`, `Model`.
    private static func classHeader(_ text: Substring, path: String, line: Int) -> DeclaredClass? {
        let rest = text.dropFirst("class ".count)
        let name = Text.identifier(rest)
        guard !name.isEmpty else { return nil }
        var declared = DeclaredClass(ecosystem: .django, name: String(name), file: path, line: line)
        let afterName = rest.dropFirst(name.count)
        guard afterName.first == "(", let close = afterName.lastIndex(of: ")") else { return declared }
        let inside = afterName[afterName.index(after: afterName.startIndex)..<close]
        var usesDjango = false
        var usesSQLAlchemy = false
        for raw in inside.split(separator: ",") {
            let base = raw.trimmingCharacters()
            if base.contains("=") {
                // `table=True` (SQLModel), `metaclass=…`.
                if base.filter({ $0 != " " }) == "table=True" {
                    declared.isMapped = true
                    usesSQLAlchemy = true
                }
                continue
            }
            let short = base.split(separator: ".").last.map(String.init) ?? base
            if base.hasPrefix("models.") { usesDjango = true }
            if ["DeclarativeBase", "DeclarativeBaseNoMeta", "SQLModel"].contains(base) || base.hasSuffix("db.Model") {
                usesSQLAlchemy = true
            }
            if base == "models.Model" || base.hasSuffix("db.Model") { declared.isMapped = true }
            declared.bases.append(short)
        }
        if usesSQLAlchemy && !usesDjango { declared.ecosystem = .sqlalchemy }
        return declared
    }

    private static func readMeta(_ text: Substring, into declared: inout DeclaredClass) {
        switch Text.identifier(text) {
        case "db_table": declared.explicitTable = Text.keyedString(text, key: "db_table")
        case "abstract": declared.isAbstract = text.replacingSpaces().hasSuffix("=True")
        case "app_label": declared.appLabel = Text.keyedString(text, key: "app_label")
        default: break
        }
    }

    /// `name = models.CharField(…)`, `owner = ForeignKey(User, …)`, `_image_url = Column("image_url", …)`,
    /// `name: Mapped[str] = mapped_column(…)`, `name: Mapped[str]`, `__tablename__ = "pings"`.
    private static func readBodyStatement(_ text: Substring, line: Int, into declared: inout DeclaredClass) {
        let attribute = String(Text.identifier(text))
        guard !attribute.isEmpty else { return }
        var rest = text.dropFirst(attribute.count).drop(while: { $0 == " " })
        var annotation: Substring = ""
        if rest.first == ":" {
            let afterColon = rest.dropFirst()
            annotation = afterColon.prefix(while: { $0 != "=" })
            rest = afterColon.dropFirst(annotation.count)
        }
        switch attribute {
        case "__tablename__":
            declared.explicitTable = Text.firstString(rest)
            declared.ecosystem = .sqlalchemy
            declared.isMapped = true
            return
        case "__abstract__":
            declared.isAbstract = rest.replacingSpaces() == "=True"
            return
        case "table_name", "__table_args__", "objects":
            return
        default:
            break
        }
        if attribute.hasPrefix("__") { return }
        let value: Substring = rest.first == "=" ? rest.dropFirst().drop(while: { $0 == " " }) : ""
        if value.isEmpty {
            // SQLAlchemy 2: `name: Mapped[str]` alone is a column named after the attribute.
            if annotation.contains("Mapped[") && !annotation.contains("relationship") {
                declared.fields.append(ModelColumn(attribute: attribute, column: attribute))
                declared.ecosystem = .sqlalchemy
            }
            return
        }
        let callee = value.prefix(while: { $0 != "(" })
        guard callee.count < value.count, !callee.contains(" ") else { return }
        let function = callee.split(separator: ".").last.map(String.init) ?? String(callee)
        let module = callee.dropLast(function.count)
        let arguments = value.dropFirst(callee.count + 1)
        if ["Column", "mapped_column", "column_property", "deferred"].contains(function) {
            let inner = function == "deferred" || function == "column_property" ? arguments.dropFirst() : arguments
            let first = inner.drop(while: { $0 == " " })
            let named = first.first == "\"" || first.first == "'" ? Text.firstString(first) : nil
            declared.fields.append(ModelColumn(attribute: attribute, column: named ?? attribute))
            if declared.ecosystem != .sqlalchemy && !declared.bases.contains(where: { $0 == "Model" }) {
                declared.ecosystem = .sqlalchemy
            }
            return
        }
        if function == "relationship" {
            declared.associations.append(
                Association(kind: .hasMany, name: attribute, foreignKey: nil, targetClass: Text.firstString(arguments)))
            return
        }
        // Django: `models.XField(`, or an imported field class; not a form's or serializer's field.
        guard module.isEmpty || module == "models." || module.hasSuffix(".models.") else { return }
        let isRelation = ["ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey"].contains(function)
        if function == "ManyToManyField" {
            declared.associations.append(
                Association(kind: .manyToMany, name: attribute, foreignKey: nil, targetClass: firstArgument(arguments)))
            return
        }
        guard isRelation || (function.hasSuffix("Field") && function != "Field") else { return }
        let column = Text.keyedString(arguments, key: "db_column") ?? (isRelation ? attribute + "_id" : attribute)
        declared.fields.append(ModelColumn(attribute: attribute, column: column))
        if isRelation {
            declared.associations.append(
                Association(
                    kind: .belongsTo, name: attribute, foreignKey: column, targetClass: firstArgument(arguments)))
        }
    }

    /// The first argument as written: a class name, or a string (`"auth.User"`).
    private static func firstArgument(_ arguments: Substring) -> String? {
        let first = arguments.drop(while: { $0 == " " })
        if first.first == "\"" || first.first == "'" { return Text.firstString(first) }
        let name = first.prefix(while: { Text.isIdentifier($0) || $0 == "." })
        return name.isEmpty ? nil : String(name)
    }

    /// SQLAlchemy Core at module level: `pings = Table("pings", metadata, Column("body", …), …)`.
    private static func coreTable(_ text: Substring, path: String, line: Int) -> TableFact? {
        let variable = Text.identifier(text)
        guard !variable.isEmpty else { return nil }
        var rest = text.dropFirst(variable.count).drop(while: { $0 == " " })
        guard rest.first == "=" else { return nil }
        rest = rest.dropFirst().drop(while: { $0 == " " })
        let callee = rest.prefix(while: { $0 != "(" })
        guard callee == "Table" || callee.hasSuffix(".Table"), callee.count < rest.count else { return nil }
        let arguments = rest.dropFirst(callee.count + 1)
        guard let name = Text.firstString(arguments.prefix(while: { $0 != "," })) else { return nil }
        let provenance = Provenance(kind: .model, path: path, line: line)
        var columns: [ColumnFact] = []
        var search = arguments[...]
        while let range = search.range(of: "Column(") {
            let after = search[range.upperBound...].drop(while: { $0 == " " })
            if after.first == "\"" || after.first == "'", let column = Text.firstString(after) {
                columns.append(ColumnFact(name: column, provenance: provenance))
            }
            search = search[range.upperBound...]
        }
        return TableFact(name: foldedTable(name), columns: columns, provenance: provenance)
    }

    /// The table as stored: the ORMs quote what they are given, so the name as written without its schema.
    static func foldedTable(_ name: String) -> String {
        name.split(separator: ".").last.map(String.init) ?? name
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    func replacingSpaces() -> String { String(filter { $0 != " " && $0 != "\t" }) }
}
