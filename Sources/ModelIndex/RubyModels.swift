import Catalog
import Foundation

/// Rails: model classes (`< ApplicationRecord`, `< ActiveRecord::Base`, or another model: single-table
/// inheritance), `self.table_name`, `self.abstract_class`, `belongs_to` (→ `<name>_id`), `has_many`/`has_one`
/// foreign keys, `ignored_columns`, `alias_attribute`; and `db/schema.rb`'s `create_table` blocks.
enum RubyModels {
    static func mightDeclare(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Bytes.contains(bytes, "class ") && Bytes.contains(bytes, "<")
    }

    static func isSchemaFile(_ path: String) -> Bool { path == "schema.rb" || path.hasSuffix("/schema.rb") }

    private struct Open {
        var declared: DeclaredClass?
        /// `module`/`class` nesting names, for namespaces.
        var name: String
        var indent: Int
    }

    static func read(path: String, bytes: UnsafeRawBufferPointer, into part: inout IndexPart) {
        if isSchemaFile(path) {
            readSchema(path: path, bytes: bytes, into: &part)
            return
        }
        var open: [Open] = []
        let lines = ByteLines(bytes)
        for line in lines.lines {
            if line.isEmpty || lines.hasPrefix(line, "#") { continue }
            if lines.hasPrefix(line, "end") {
                let after = line.start + 3
                if after == line.end || lines.bytes[after] == UInt8(ascii: " ")
                    || lines.bytes[after] == UInt8(ascii: "#")
                {
                    if let last = open.last, line.indent <= last.indent {
                        if let declared = open.removeLast().declared { part.classes.append(declared) }
                    }
                    continue
                }
            }
            // Decoded only for what the reader parses: `module`, `class`, and a model body's declarations.
            let opens = lines.hasPrefix(line, "module ") || lines.hasPrefix(line, "class ")
            guard opens || (open.last?.declared != nil && mayDeclare(line, lines)) else { continue }
            let text = lines.text(line)
            if text.hasPrefix("module ") {
                let name = text.dropFirst(7).prefix(while: { Text.isIdentifier($0) || $0 == ":" })
                open.append(Open(declared: nil, name: String(name), indent: line.indent))
                continue
            }
            if text.hasPrefix("class ") {
                let rest = text.dropFirst(6)
                let fullName = rest.prefix(while: { Text.isIdentifier($0) || $0 == ":" })
                guard !fullName.isEmpty, !fullName.hasPrefix("<") else { continue }
                let afterName = rest.dropFirst(fullName.count).drop(while: { $0 == " " })
                var declared: DeclaredClass?
                if afterName.hasPrefix("<") && !afterName.hasPrefix("<<") {
                    let base = afterName.dropFirst().drop(while: { $0 == " " }).prefix(while: {
                        Text.isIdentifier($0) || $0 == ":"
                    })
                    let parts = fullName.components(separatedBy: "::")
                    var value = DeclaredClass(
                        ecosystem: .rails, name: parts.last ?? String(fullName), file: path, line: line.number)
                    value.namespace = (open.map(\.name) + parts.dropLast()).filter { !$0.isEmpty }.joined(
                        separator: "::")
                    let baseName = String(base)
                    value.bases = [baseName.components(separatedBy: "::").last ?? baseName]
                    value.isMapped = baseName == "ActiveRecord::Base" || baseName == "ApplicationRecord"
                    declared = value
                }
                // A one-line class (`class Foo < Bar; end`) opens nothing.
                if text.hasSuffix("; end") || text.hasSuffix(";end") {
                    if let declared { part.classes.append(declared) }
                } else {
                    open.append(Open(declared: declared, name: String(fullName), indent: line.indent))
                }
                continue
            }
            guard let index = open.lastIndex(where: { $0.declared != nil }), index == open.count - 1,
                var declared = open[index].declared
            else { continue }
            readBody(text, into: &declared)
            open[index].declared = declared
        }
        for item in open.reversed() { if let declared = item.declared { part.classes.append(declared) } }
    }

    /// Whether a line of a model's body can be one `readBody` reads (`self.table_name =`, `self.abstract_class`,
    /// `self.ignored_columns`, `alias_attribute`, an association), on its bytes.
    private static func mayDeclare(_ line: ByteLine, _ lines: ByteLines) -> Bool {
        lines.hasPrefix(line, "self") || lines.hasPrefix(line, "alias_attribute") || lines.hasPrefix(line, "belongs_to")
            || lines.hasPrefix(line, "has_")
    }

    private static func readBody(_ text: Substring, into declared: inout DeclaredClass) {
        let compact = text.replacingSpaces()
        if compact.hasPrefix("self.table_name=") {
            declared.explicitTable = Text.firstString(text) ?? symbol(after: "=", in: text)
        } else if compact.hasPrefix("self.abstract_class=true") {
            declared.isAbstract = true
        } else if compact.hasPrefix("self.ignored_columns") {
            var rest = text[...]
            while let string = Text.firstString(rest) {
                declared.ignoredColumns.append(string)
                guard let range = rest.range(of: string) else { break }
                rest = rest[range.upperBound...].dropFirst()
            }
            for word in text.split(whereSeparator: { !Text.isIdentifier($0) && $0 != ":" })
            where word.hasPrefix(":") {
                declared.ignoredColumns.append(String(word.dropFirst()))
            }
        } else if compact.hasPrefix("alias_attribute") {
            let symbols = symbols(in: text.dropFirst("alias_attribute".count))
            if symbols.count >= 2 { declared.fields.append(ModelColumn(attribute: symbols[0], column: symbols[1])) }
        } else {
            for (keyword, kind) in [
                ("belongs_to", Association.Kind.belongsTo), ("has_many", .hasMany), ("has_one", .hasOne),
                ("has_and_belongs_to_many", .manyToMany),
            ] where text.hasPrefix(keyword + " ") || text.hasPrefix(keyword + "(") {
                let arguments = text.dropFirst(keyword.count + 1)
                guard let name = symbols(in: arguments).first ?? Text.firstString(arguments) else { return }
                let explicit = Text.keyedSymbol(arguments, key: "foreign_key")
                let className = Text.keyedSymbol(arguments, key: "class_name")
                let foreignKey: String?
                switch kind {
                case .belongsTo: foreignKey = explicit ?? name + "_id"
                case .hasMany, .hasOne:
                    // On the other table; the owner's name unless `as:` or `foreign_key:` says otherwise.
                    if let explicit {
                        foreignKey = explicit
                    } else if let polymorphic = Text.keyedSymbol(arguments, key: "as") {
                        foreignKey = polymorphic + "_id"
                    } else {
                        foreignKey = Text.snakeCase(declared.name) + "_id"
                    }
                case .manyToMany: foreignKey = nil
                }
                declared.associations.append(
                    Association(kind: kind, name: name, foreignKey: foreignKey, targetClass: className))
                if kind == .belongsTo, let foreignKey {
                    declared.fields.append(ModelColumn(attribute: name, column: foreignKey))
                    if arguments.replacingSpaces().contains("polymorphic:true") {
                        declared.fields.append(ModelColumn(attribute: name, column: name + "_type"))
                    }
                }
            }
        }
    }

    private static func symbol(after marker: Character, in text: Substring) -> String? {
        guard let index = text.firstIndex(of: marker) else { return nil }
        return symbols(in: text[text.index(after: index)...]).first
    }

    /// `:user, :owner` → `user`, `owner` (symbols, in order; not `key:` labels).
    static func symbols(in text: Substring) -> [String] {
        var result: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == ":" {
                let next = text.index(after: index)
                let isLabel = index > text.startIndex && Text.isIdentifier(text[text.index(before: index)])
                let name = text[next...].prefix(while: Text.isIdentifier)
                if !isLabel && !name.isEmpty && (next >= text.endIndex || text[next] != ":") {
                    result.append(String(name))
                }
                index = name.isEmpty ? next : name.endIndex
                continue
            }
            index = text.index(after: index)
        }
        return result
    }

    /// `create_table "pings", force: :cascade do |t|` … `t.text "body"` … `end`.
    static func readSchema(path: String, bytes: UnsafeRawBufferPointer, into part: inout IndexPart) {
        var current: TableFact?
        let lines = ByteLines(bytes)
        for line in lines.lines {
            // Decoded only for `create_table`, its `t.…` columns and its `end`.
            let opens = lines.hasPrefix(line, "create_table")
            guard opens || (current != nil && (lines.hasPrefix(line, "t.") || lines.hasPrefix(line, "end"))) else {
                continue
            }
            let text = lines.text(line)
            if opens {
                let arguments = text.dropFirst("create_table".count).drop(while: { $0 == " " || $0 == "(" })
                let name =
                    arguments.first == ":"
                    ? String(arguments.dropFirst().prefix(while: Text.isIdentifier)) : Text.firstString(arguments)
                guard let name else { continue }
                let provenance = Provenance(kind: .schemaFile, path: path, line: line.number)
                let hasID = !text.replacingSpaces().contains("id:false")
                current = TableFact(
                    name: PythonModels.foldedTable(name),
                    columns: hasID ? [ColumnFact(name: "id", provenance: provenance)] : [], provenance: provenance)
                continue
            }
            guard var table = current else { continue }
            if text == "end" {
                part.tables.append(table)
                current = nil
                continue
            }
            guard text.hasPrefix("t.") else { continue }
            let method = text.dropFirst(2).prefix(while: Text.isIdentifier)
            let arguments = text.dropFirst(2 + method.count)
            let provenance = Provenance(kind: .schemaFile, path: path, line: line.number)
            switch method {
            case "index", "check_constraint", "foreign_key": break
            case "timestamps":
                table.columns.append(ColumnFact(name: "created_at", provenance: provenance))
                table.columns.append(ColumnFact(name: "updated_at", provenance: provenance))
            case "references", "belongs_to":
                guard let name = Text.firstString(arguments) ?? symbols(in: arguments).first else { break }
                table.columns.append(ColumnFact(name: name + "_id", attribute: name, provenance: provenance))
                if arguments.replacingSpaces().contains("polymorphic:true") {
                    table.columns.append(ColumnFact(name: name + "_type", attribute: name, provenance: provenance))
                }
            default:
                if let name = Text.firstString(arguments) ?? symbols(in: arguments).first {
                    table.columns.append(ColumnFact(name: name, provenance: provenance))
                }
            }
            current = table
        }
    }
}
