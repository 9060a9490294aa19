import Catalog
import Foundation

/// `schema.prisma`: each `model` is a table (its name, or `@@map("…")`), each scalar field a column (its
/// name, or `@map("…")`); relation fields (another model's type, `@relation`) are not columns.
enum PrismaSchema {
    static func read(path: String, bytes: UnsafeRawBufferPointer, into part: inout IndexPart) {
        let lines = Text.lines(bytes)
        var models: Set<String> = []
        for line in lines where line.text.hasPrefix("model ") || line.text.hasPrefix("type ") {
            models.insert(String(Text.identifier(line.text.drop(while: { $0 != " " }).dropFirst())))
        }
        var current: DeclaredClass?
        for line in lines {
            let text = line.text
            if text.hasPrefix("model ") {
                let name = Text.identifier(text.dropFirst(6).drop(while: { $0 == " " }))
                var declared = DeclaredClass(ecosystem: .prisma, name: String(name), file: path, line: line.number)
                declared.isMapped = true
                current = declared
                continue
            }
            guard var declared = current else { continue }
            if text.hasPrefix("}") {
                part.classes.append(declared)
                current = nil
                continue
            }
            if text.hasPrefix("@@map") {
                declared.explicitTable = Text.firstString(text)
            } else if !text.hasPrefix("@@") && !text.hasPrefix("//") {
                let name = Text.identifier(text)
                let rest = text.dropFirst(name.count).drop(while: { $0 == " " || $0 == "\t" })
                let type = rest.prefix(while: { $0 != " " && $0 != "\t" })
                let baseType = type.filter { $0 != "?" && $0 != "[" && $0 != "]" }
                if !name.isEmpty && !type.isEmpty {
                    if models.contains(baseType) || text.contains("@relation") {
                        declared.associations.append(
                            Association(
                                kind: type.hasSuffix("[]") ? .hasMany : .belongsTo, name: String(name),
                                foreignKey: nil, targetClass: baseType))
                    } else if !type.hasSuffix("[]") || !models.contains(baseType) {
                        let column = mapped(rest) ?? String(name)
                        declared.fields.append(ModelColumn(attribute: String(name), column: column))
                    }
                }
            }
            current = declared
        }
    }

    /// The `@map("…")` of a field's attributes.
    private static func mapped(_ text: Substring) -> String? {
        guard let range = text.range(of: "@map(") else { return nil }
        return Text.firstString(text[range.upperBound...])
    }
}
