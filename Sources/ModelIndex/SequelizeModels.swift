import Catalog
import Foundation

/// Sequelize models defined with `sequelize.define("collection", { type: DataTypes.STRING, … }, { tableName })`
/// and bound to a variable (`const Collection = …`): the variable is the name code uses, the attributes object's
/// keys are the columns (`field: "…"` renames one), the options name the table (`tableName`, else the model
/// name, pluralised unless `freezeTableName: true`, as Sequelize's default does).
enum SequelizeModels {
    static func mightDeclare(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Bytes.contains(bytes, ".define(") && (Bytes.contains(bytes, "sequelize") || Bytes.contains(bytes, "Sequelize"))
    }

    static func read(path: String, bytes: UnsafeRawBufferPointer, into part: inout IndexPart) {
        let text = Array(bytes)
        var search = 0
        while let call = find(Array(".define(".utf8), in: text, from: search) {
            search = call + 1
            guard let variable = assignedVariable(before: call, in: text) else { continue }
            var index = call + ".define(".count
            index = skipSpace(text, index)
            guard let (modelName, afterName) = stringLiteral(at: index, in: text) else { continue }
            index = skipSpace(text, afterName)
            guard index < text.count, text[index] == UInt8(ascii: ","),
                let attributes = object(at: skipSpace(text, index + 1), in: text)
            else { continue }
            let line = text[..<call].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            var declared = DeclaredClass(ecosystem: .sequelize, name: variable, file: path, line: line)
            declared.isMapped = true
            for (key, value) in members(of: attributes, in: text) {
                let column = value.flatMap { keyedString(in: text[$0], key: "field") } ?? key
                declared.fields.append(ModelColumn(attribute: key, column: column))
            }
            var table = Text.plural(modelName)
            index = skipSpace(text, attributes.upperBound)
            if index < text.count, text[index] == UInt8(ascii: ","),
                let options = object(at: skipSpace(text, index + 1), in: text)
            {
                let values = Dictionary(
                    members(of: options, in: text).map { ($0.0, $0.1.map { text[$0] } ?? []) },
                    uniquingKeysWith: { first, _ in first })
                if let named = values["tableName"].flatMap({ stringLiteral(at: 0, in: Array($0))?.0 }) {
                    table = named
                } else if let frozen = values["freezeTableName"], String(decoding: frozen, as: UTF8.self) == "true" {
                    table = modelName
                }
            }
            declared.explicitTable = table
            part.classes.append(declared)
        }
    }

    private static func find(_ needle: [UInt8], in text: [UInt8], from start: Int) -> Int? {
        guard needle.count <= text.count, start <= text.count - needle.count else { return nil }
        var index = start
        while index <= text.count - needle.count {
            if text[index] == needle[0] && Array(text[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }

    private static func isWord(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte == 0x24
    }

    private static func skipSpace(_ text: [UInt8], _ start: Int) -> Int {
        var index = start
        while index < text.count
            && (text[index] == 0x20 || text[index] == 0x09 || text[index] == 0x0A
                || text[index] == 0x0D)
        {
            index += 1
        }
        return index
    }

    /// `const Collection = sequelize.define(` → `Collection`: the identifier assigned the call's result.
    private static func assignedVariable(before call: Int, in text: [UInt8]) -> String? {
        var index = call
        while index > 0 && isWord(text[index - 1]) { index -= 1 }  // the receiver (`sequelize`)
        while index > 0 && (text[index - 1] == 0x20 || text[index - 1] == 0x0A || text[index - 1] == 0x09) {
            index -= 1
        }
        guard index > 0, text[index - 1] == UInt8(ascii: "="), index < 2 || text[index - 2] != UInt8(ascii: "=") else {
            return nil
        }
        index -= 1
        while index > 0 && text[index - 1] == 0x20 { index -= 1 }
        let end = index
        while index > 0 && isWord(text[index - 1]) { index -= 1 }
        guard index < end, let first = text[index...].first, !(0x30...0x39).contains(first) else { return nil }
        return String(decoding: text[index..<end], as: UTF8.self)
    }

    /// A string literal starting at `index`: its text and the index after its closing quote.
    private static func stringLiteral(at index: Int, in text: [UInt8]) -> (String, Int)? {
        guard index < text.count else { return nil }
        let quote = text[index]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") || quote == UInt8(ascii: "`") else {
            return nil
        }
        var end = index + 1
        while end < text.count && text[end] != quote && text[end] != 0x0A { end += 1 }
        guard end < text.count, text[end] == quote else { return nil }
        return (String(decoding: text[(index + 1)..<end], as: UTF8.self), end + 1)
    }

    /// The object literal `{ … }` starting at `index`, braces included (strings and comments skipped).
    private static func object(at index: Int, in text: [UInt8]) -> Range<Int>? {
        guard index < text.count, text[index] == UInt8(ascii: "{") else { return nil }
        var depth = 0
        var position = index
        while position < text.count {
            let byte = text[position]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`") {
                position = (stringLiteral(at: position, in: text)?.1 ?? position + 1)
                continue
            }
            if byte == UInt8(ascii: "/") && position + 1 < text.count && text[position + 1] == UInt8(ascii: "/") {
                while position < text.count && text[position] != 0x0A { position += 1 }
                continue
            }
            if byte == UInt8(ascii: "/") && position + 1 < text.count && text[position + 1] == UInt8(ascii: "*") {
                position += 2
                while position + 1 < text.count
                    && !(text[position] == UInt8(ascii: "*") && text[position + 1] == UInt8(ascii: "/"))
                {
                    position += 1
                }
                position += 2
                continue
            }
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") { depth += 1 }
            if byte == UInt8(ascii: "}") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return index..<(position + 1) }
            }
            position += 1
        }
        return nil
    }

    /// The top-level `key: value` members of an object literal: each key with the range of its value (`nil`
    /// for a shorthand or a method).
    private static func members(of object: Range<Int>, in text: [UInt8]) -> [(String, Range<Int>?)] {
        var result: [(String, Range<Int>?)] = []
        var position = object.lowerBound + 1
        let end = object.upperBound - 1
        while position < end {
            position = skipSpace(text, position)
            // Comments between members.
            if position + 1 < end && text[position] == UInt8(ascii: "/") {
                if text[position + 1] == UInt8(ascii: "/") {
                    while position < end && text[position] != 0x0A { position += 1 }
                    continue
                }
                if text[position + 1] == UInt8(ascii: "*") {
                    position += 2
                    while position + 1 < end
                        && !(text[position] == UInt8(ascii: "*") && text[position + 1] == UInt8(ascii: "/"))
                    {
                        position += 1
                    }
                    position += 2
                    continue
                }
            }
            var key: String?
            if let (quoted, after) = stringLiteral(at: position, in: text) {
                key = quoted
                position = after
            } else {
                let start = position
                while position < end && isWord(text[position]) { position += 1 }
                if position > start { key = String(decoding: text[start..<position], as: UTF8.self) }
            }
            position = skipSpace(text, position)
            // The value runs to the next top-level comma.
            var valueStart: Int?
            if let key, position < end, text[position] == UInt8(ascii: ":") {
                valueStart = skipSpace(text, position + 1)
                position = valueStart ?? position
            }
            var depth = 0
            while position < end {
                let byte = text[position]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "`") {
                    position = stringLiteral(at: position, in: text)?.1 ?? position + 1
                    continue
                }
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") { depth += 1 }
                if byte == UInt8(ascii: "}") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") { depth -= 1 }
                if byte == UInt8(ascii: ",") && depth == 0 { break }
                position += 1
            }
            if let key, let valueStart {
                var valueEnd = position
                while valueEnd > valueStart && (text[valueEnd - 1] == 0x20 || text[valueEnd - 1] == 0x0A) {
                    valueEnd -= 1
                }
                result.append((key, valueStart..<valueEnd))
            }
            position += 1
        }
        return result
    }

    /// The string after `key:` at the object's top level (`field: "legacy_status"`).
    private static func keyedString(in value: ArraySlice<UInt8>, key: String) -> String? {
        let bytes = Array(value)
        guard let object = object(at: 0, in: bytes) else { return nil }
        for (name, range) in members(of: object, in: bytes) where name == key {
            if let range, let (text, _) = stringLiteral(at: range.lowerBound, in: bytes) { return text }
        }
        return nil
    }
}
