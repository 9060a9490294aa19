import Catalog
import Foundation

/// GORM: structs that embed `gorm.Model`, carry `gorm:"…"` tags or have a `TableName()` method; the table is
/// `TableName()`'s string or the snake-case plural of the struct; a field's column is `gorm:"column:…"` or
/// its snake-case name; `gorm:"-"` and relations (another struct, a slice) are not columns.
enum GoModels {
    /// A struct the reader opens (`type X struct {`) and a GORM marker: files that only import GORM or use a
    /// model are not read.
    static func mightDeclare(_ bytes: UnsafeRawBufferPointer) -> Bool {
        (Bytes.contains(bytes, "gorm") || Bytes.contains(bytes, "TableName()")) && Bytes.contains(bytes, "struct {")
    }

    static func read(path: String, bytes: UnsafeRawBufferPointer, into part: inout IndexPart) {
        let lines = Text.lines(bytes)
        var found: [DeclaredClass] = []
        var tableNames: [String: String] = [:]
        var current: DeclaredClass?
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let text = line.text
            index += 1
            if text.hasPrefix("func ("), text.contains("TableName()"), let close = text.firstIndex(of: ")") {
                let receiver = text[text.index(text.startIndex, offsetBy: 6)..<close].split(separator: " ").last
                let type = receiver.map { String($0.drop(while: { $0 == "*" })) } ?? ""
                for offset in 0..<4 where index - 1 + offset < lines.count {
                    let candidate = lines[index - 1 + offset].text
                    guard let range = candidate.range(of: "return ") else { continue }
                    if let name = Text.firstString(candidate[range.upperBound...]) { tableNames[type] = name }
                    break
                }
                continue
            }
            if text.hasPrefix("type "), text.hasSuffix("struct {") {
                let name = Text.identifier(text.dropFirst(5))
                current = DeclaredClass(ecosystem: .gorm, name: String(name), file: path, line: line.number)
                continue
            }
            guard var declared = current else { continue }
            if text.hasPrefix("}") {
                found.append(declared)
                current = nil
                continue
            }
            if text == "gorm.Model" {
                declared.isMapped = true
                for (field, column) in [
                    ("ID", "id"), ("CreatedAt", "created_at"), ("UpdatedAt", "updated_at"), ("DeletedAt", "deleted_at"),
                ] {
                    declared.fields.append(ModelColumn(attribute: field, column: column))
                }
                current = declared
                continue
            }
            let words = text.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 2, let first = words.first?.first, first.isUppercase else { continue }
            let field = String(words[0])
            let type = words[1]
            let tag = text.range(of: "gorm:\"").map { text[$0.upperBound...].prefix(while: { $0 != "\"" }) }
            if tag != nil { declared.isMapped = true }
            if tag == "-" || tag?.hasPrefix("-:") == true { continue }
            var column: String?
            for option in (tag ?? "").split(separator: ";") where option.hasPrefix("column:") {
                column = String(option.dropFirst("column:".count))
            }
            let bare = type.drop(while: { $0 == "*" || $0 == "[" || $0 == "]" })
            let isRelation =
                column == nil && (type.hasPrefix("[]") || (bare.first?.isUppercase == true && !bare.contains(".")))
            if isRelation {
                declared.associations.append(
                    Association(
                        kind: type.hasPrefix("[]") ? .hasMany : .belongsTo, name: field, foreignKey: nil,
                        targetClass: String(bare)))
            } else {
                declared.fields.append(ModelColumn(attribute: field, column: column ?? Text.snakeCase(field)))
            }
            current = declared
        }
        if let declared = current { found.append(declared) }
        for var declared in found {
            if let table = tableNames[declared.name] {
                declared.explicitTable = table
                declared.isMapped = true
            }
            if declared.isMapped { part.classes.append(declared) }
        }
    }
}
