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

    /// One logical line: physical lines joined while brackets are open (at most 40), as a range of lines.
    private struct Statement {
        var first: ByteLine
        var lines: Range<Int>
    }

    private static func statements(_ lines: ByteLines) -> [Statement] {
        var result: [Statement] = []
        var index = 0
        while index < lines.count {
            let first = lines[index]
            var depth = lines.depthChange(first)
            var end = index + 1
            while depth > 0 && end < lines.count && end - index < 40 {
                depth += lines.depthChange(lines[end])
                end += 1
            }
            if !first.isEmpty && lines.bytes[first.start] != UInt8(ascii: "#") {
                result.append(Statement(first: first, lines: index..<end))
            }
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
        var imports: [String: String] = [:]
        func close(_ item: OpenClass) {
            if item.isAppConfig {
                if let label = item.appConfigLabel { part.appLabels[folder(of: path)] = label }
                return
            }
            var declared = item.declared
            for base in declared.bases { declared.baseModules[base] = imports[base] }
            part.classes.append(declared)
        }
        let lines = ByteLines(bytes)
        for statement in statements(lines) {
            let first = statement.first
            let indent = first.indent
            // Copied (lines joined) only for the statements a reader parses: imports, class headers, class
            // bodies' fields; decoded only for `Meta`, `AppConfig.label` and `Table(…)`.
            var joined: [UInt8]?
            func statementBytes() -> ArraySlice<UInt8> {
                if let joined { return joined[...] }
                let value = lines.bytes(joining: statement.lines)
                joined = value
                return value[...]
            }
            func text() -> Substring { statementBytes().substring }
            if indent == 0 && lines.hasPrefix(first, "from ") {
                readImport(statementBytes(), path: path, into: &imports)
            }
            while let last = open.last, indent <= last.indent { close(open.removeLast()) }
            let isClass = lines.hasPrefix(first, "class ")
            let isMeta = lines.hasPrefix(first, "class Meta")
            if var current = open.popLast() {
                if current.bodyIndent == nil { current.bodyIndent = indent }
                if let meta = current.metaIndent, indent > meta {
                    if lines.hasPrefix(first, "db_table") || lines.hasPrefix(first, "abstract")
                        || lines.hasPrefix(first, "app_label")
                    {
                        readMeta(text(), into: &current.declared)
                    }
                } else if indent == current.bodyIndent {
                    current.metaIndent = nil
                    if isMeta {
                        current.metaIndent = indent
                    } else if current.isAppConfig {
                        if lines.hasPrefix(first, "label"), Text.identifier(text()) == "label",
                            let value = Text.keyedString(text(), key: "label")
                        {
                            current.appConfigLabel = value
                        }
                    } else if !isClass && mayDeclareField(statement, lines) {
                        readBodyStatement(statementBytes(), line: first.number, into: &current.declared)
                    }
                }
                open.append(current)
            }
            if isClass, !isMeta, let declared = classHeader(statementBytes(), path: path, line: first.number) {
                let isConfig = declared.bases.contains("AppConfig")
                open.append(
                    OpenClass(declared: declared, indent: indent, isAppConfig: isConfig))
            } else if indent == 0, lines.contains(first, "Table("),
                let table = coreTable(text(), path: path, line: first.number)
            {
                part.tables.append(table)
            }
        }
        while let last = open.popLast() { close(last) }
    }

    /// Whether a class body's statement can be one `readBodyStatement` reads, on its bytes: an attribute
    /// assigned a call (`= models.CharField(`), annotated `Mapped[…]`, or `__tablename__`/`__abstract__`;
    /// not a method (`def`), a decorator, a docstring or a plain value.
    private static func mayDeclareField(_ statement: Statement, _ lines: ByteLines) -> Bool {
        let first = statement.first
        guard Bytes.isWordByte(lines.bytes[first.start]), !lines.hasPrefix(first, "def "),
            !lines.hasPrefix(first, "async def ")
        else { return false }
        if lines.hasPrefix(first, "__tablename__") || lines.hasPrefix(first, "__abstract__") { return true }
        return statement.lines.contains { index in
            lines.contains(lines[index], "(") || lines.contains(lines[index], "Mapped[")
        }
    }

    /// Whether a file is the module an import names, or lies in the package it names (a package re-exports
    /// its modules' classes): `extras/forms/mixins.py` for `extras/forms/mixins` (the import's path may
    /// start below the source root, as `netbox/extras/…` is imported as `extras.…`).
    static func file(_ file: String, isInModule module: String) -> Bool {
        guard !module.isEmpty else { return false }
        let padded = "/" + file
        return padded.hasSuffix("/" + module + ".py") || padded.contains("/" + module + "/")
    }

    /// The folder of a file (`shop/apps.py` → `shop`).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    private static func readMeta(_ text: Substring, into declared: inout DeclaredClass) {
        switch Text.identifier(text) {
        case "db_table": declared.explicitTable = Text.keyedString(text, key: "db_table")
        case "abstract": declared.isAbstract = text.replacingSpaces().hasSuffix("=True")
        case "app_label": declared.appLabel = Text.keyedString(text, key: "app_label")
        default: break
        }
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
