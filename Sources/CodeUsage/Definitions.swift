import Matching

/// A method, property, struct field or SQL output alias whose name is a target column's, defined somewhere in
/// the scanned tree: reads of that name may be calls of it rather than reads of the column.
public struct Definition: Sendable, Hashable {
    public enum Kind: String, Sendable {
        /// `def legacy_status`, `func legacyStatus()`, `legacyStatus() {`.
        case method
        /// `@property def legacy_status`, `get legacyStatus()`, `attr_reader :legacy_status`.
        case property
        /// Rails `delegate :legacy_status, to: :shipment`: another object's value.
        case delegate
        /// A field of a struct or class that is not the target's model (a DTO, a form, a view model).
        case field
        /// An SQL output alias of an expression: `count(*) AS legacy_status`.
        case alias
    }

    public var kind: Kind
    public var path: String
    /// 1-based.
    public var line: Int
    /// The class or struct that defines it; `nil` at top level and for SQL aliases.
    public var owner: String?
    /// Whether the owner is the target's own model (its attribute of that name is then the method).
    public var ownerIsTargetModel: Bool
}

/// The definitions found in a tree, per target (indexed like the scanner's `targets`). Collected by the
/// scanner from the lines that name a target, in the same pass as the findings; merge the results of every
/// file, then scan the files with findings again with the whole tree's definitions.
public struct DefinedNames: Sendable, Equatable {
    public var byTarget: [[Definition]]

    public init(targetCount: Int) { byTarget = Array(repeating: [], count: targetCount) }

    public var isEmpty: Bool { byTarget.allSatisfy(\.isEmpty) }

    public mutating func merge(_ other: DefinedNames) {
        for index in byTarget.indices where index < other.byTarget.count {
            byTarget[index] += other.byTarget[index]
        }
    }

    /// The definitions of target `index`, or none.
    public subscript(target index: Int) -> [Definition] {
        index < byTarget.count ? byTarget[index] : []
    }
}

extension CodeScanner {
    /// The definition of the target's name that line `lineIndex` makes, if any.
    func definition(
        onLine line: [UInt8], lineIndex: Int, hits: [Int], info: TargetInfo, document: Document,
        context: SourceContext, path: String
    ) -> Definition? {
        guard !info.target.isWholeTable else { return nil }
        let words = hits.map { NameOccurrence(line: line, start: $0) }
        let region = context.region(atLine: lineIndex)
        let ownerIsModel = region.map { info.mapping(of: $0) == true || info.isOwnModelName($0.name) } ?? false
        func make(_ kind: Definition.Kind, owner: String?) -> Definition {
            Definition(
                kind: kind, path: path, line: lineIndex + 1, owner: owner,
                ownerIsTargetModel: owner != nil && ownerIsModel)
        }
        let text = String(decoding: line, as: UTF8.self)
        if let declaration = FunctionDeclaration(text), let name = declaration.nameRanges.first,
            words.contains(where: { $0.start == name.lowerBound })
        {
            // A setter (`def legacy_status=`) writes through; a method that reads the stored attribute
            // (`super`, `self[:legacy_status]`, `read_attribute`) wraps the column rather than replacing it.
            if name.upperBound < line.count && line[name.upperBound] == UInt8(ascii: "=") { return nil }
            if Self.wrapsStoredValue(after: lineIndex, in: document, info: info) { return nil }
            let owner = Self.methodReceiverTypeName(text) ?? region?.name
            let isProperty =
                text.contains(" get ") || text.hasPrefix("get ") || Self.isDecoratedProperty(lineIndex, document)
            return make(isProperty ? .property : .method, owner: owner)
        }
        let trimmed = text.trimmingSpaces()
        for (prefix, kind) in [
            ("attr_accessor", Definition.Kind.property), ("attr_reader", .property), ("delegate ", .delegate),
        ] where trimmed.hasPrefix(prefix) {
            if words.contains(where: { $0.start > 0 && line[$0.start - 1] == UInt8(ascii: ":") }) {
                return make(kind, owner: region?.name)
            }
        }
        if words.contains(where: { $0.isAfterAlias(in: line) && !Self.aliasesItself($0, in: line) }),
            !trimmed.hasPrefix("import ") && !trimmed.hasPrefix("from ")
        {
            return make(.alias, owner: nil)
        }
        if let region, !ownerIsModel, !region.isModel, Self.isFieldDeclaration(trimmed, words: words, line: line),
            lineIndex > region.startLine
        {
            return make(.field, owner: region.name)
        }
        return nil
    }

    /// Whether an alias renames the column to itself (`o.legacy_status AS legacy_status`).
    static func aliasesItself(_ word: NameOccurrence, in line: [UInt8]) -> Bool {
        var index = word.start
        while index > 0 && !isIdentifierByte(line[index - 1]) { index -= 1 }  // quote and spaces
        index -= 2  // `AS`
        while index > 0 && (line[index - 1] == 0x20 || line[index - 1] == 0x22) { index -= 1 }
        var start = index
        while start > 0 && isIdentifierByte(line[start - 1]) { start -= 1 }
        guard start < index else { return false }
        let before = String(decoding: line[start..<index], as: UTF8.self).lowercased()
        return before == String(decoding: line[word.start..<word.end], as: UTF8.self).lowercased()
    }

    /// A struct or class member declared with a type: Go `LegacyStatus string`, Swift/TypeScript/Kotlin
    /// `var legacyStatus: String`, `legacyStatus?: string;`, Python `legacy_status: str`; the name first.
    static func isFieldDeclaration(_ trimmed: Substring, words: [NameOccurrence], line: [UInt8]) -> Bool {
        let offset = line.prefix(while: { $0 == 0x20 || $0 == 0x09 }).count
        var position = 0
        for keyword in ["let ", "var ", "val ", "public ", "private ", "readonly ", "protected "] {
            if trimmed.dropFirst(position).hasPrefix(keyword) { position += keyword.count }
        }
        guard let word = words.first(where: { $0.start == offset + position }) else { return false }
        var after = word.end
        while after < line.count && (line[after] == UInt8(ascii: "?") || line[after] == UInt8(ascii: "!")) {
            after += 1
        }
        if after < line.count && line[after] == UInt8(ascii: ":") {
            // `name: Type`, not `name: value,` in an object literal (a lower-case value after `: ` is a type only
            // in Python and TypeScript; accept any identifier but not a string, number or call).
            let rest = line[(after + 1)...].drop(while: { $0 == 0x20 })
            guard let first = rest.first, isIdentifierByte(first), !(0x30...0x39).contains(first) else { return false }
            return !rest.contains(UInt8(ascii: "(")) && !rest.contains(UInt8(ascii: ","))
        }
        // Go: `LegacyStatus string`, `LegacyStatus *time.Time`, with no column tag.
        guard after < line.count, line[after] == 0x20 else { return false }
        let rest = line[after...].drop(while: { $0 == 0x20 })
        guard let first = rest.first,
            isIdentifierByte(first) || first == UInt8(ascii: "*") || first == UInt8(ascii: "[")
        else {
            return false
        }
        let text = String(decoding: rest, as: UTF8.self)
        return !text.contains("db:\"") && !text.contains("gorm:\"") && !text.contains("bun:\"")
            && !text.contains("=") && !text.contains("(")
    }

    /// Whether the method declared on `lineIndex` reads or writes the stored attribute in its first lines:
    /// `super`, `self[:x]`, `read_attribute`, `write_attribute`, `attributes[`, `self._x`, `self.__dict__`.
    static func wrapsStoredValue(after lineIndex: Int, in document: Document, info: TargetInfo) -> Bool {
        let markers = ["[:", "read_attribute", "write_attribute", "attributes[", "._", "self[", "__dict__"]
        func indent(_ index: Int) -> Int { document.line(index).prefix(while: { $0 == 0x20 || $0 == 0x09 }).count }
        let own = indent(lineIndex)
        var index = lineIndex
        while index < document.lineCount && index - lineIndex < 15 {
            let text = document.lineString(index)
            if index > lineIndex && !text.trimmingSpaces().isEmpty && indent(index) <= own { break }
            if text.contains("super") { return true }
            if markers.contains(where: { text.contains($0) }) && info.columnSpellings.contains(where: text.contains) {
                // `self._image_url` wraps the column only where `_image_url` is mapped to it (`Column("image_url")`).
                if !text.contains("._") || Self.mapsPrivateAttribute(in: document, info: info) { return true }
            }
            index += 1
        }
        return false
    }

    /// Whether the document maps a private attribute to the column: `_image_url = Column("image_url")`,
    /// `mapped_column(…)`, a Django field with `db_column=`.
    static func mapsPrivateAttribute(in document: Document, info: TargetInfo) -> Bool {
        let names = info.columnSpellings.map { "_" + $0 }
        for index in 0..<document.lineCount {
            let text = document.lineString(index).trimmingSpaces()
            guard text.hasPrefix("_"), names.contains(where: { text.hasPrefix($0) }) else { continue }
            if text.contains("Column(") || text.contains("column(") || text.contains("db_column") { return true }
        }
        return false
    }

    /// Whether the line above a `def` is `@property` (or `@cached_property`, `@functools.cached_property`).
    static func isDecoratedProperty(_ lineIndex: Int, _ document: Document) -> Bool {
        var index = lineIndex - 1
        while index >= 0 && lineIndex - index <= 3 {
            let text = document.lineString(index).trimmingSpaces()
            guard text.hasPrefix("@") else { return false }
            if text.hasSuffix("property") { return true }
            index -= 1
        }
        return false
    }

    /// The receiver type of a Go method (`func (u *Upload) Checksum()` → `Upload`).
    static func methodReceiverTypeName(_ text: String) -> String? {
        SourceContext.methodReceiverType(text.trimmingSpaces())
    }

    /// The evidence of a column finding of a rule whose scorer is scoped by definitions (the generic code and
    /// template rules) once the tree's definitions of the name are known:
    /// - a member read or bare read of a name the target's own model defines as a method or property (not
    ///   wrapping the stored attribute) calls that method: `not-a-use`;
    /// - a member of `self`/`this` or a bare name inside the class that defines it, a receiver named after that
    ///   class (`upload.checksum` with `class Upload` defining `checksum`), or a call (`x.checksum()`) outside
    ///   Ruby: `not-a-use`;
    /// - a receiver named after the target's model keeps its evidence; anything else is at most `possible`.
    /// String keys (`row["x"]`, `:x`) are capped only by SQL aliases.
    func definedNameEvidence(
        _ evidence: Evidence, rule: PatternRule, line: [UInt8], lineIndex: Int, words: [NameOccurrence],
        info: TargetInfo, context: SourceContext, definitions: [Definition], path: String
    ) -> Evidence {
        guard rule.subject == .column, rule.scorer.isScopedByDefinitions else {
            return evidence
        }
        return definedNameEvidence(
            evidence, line: line, lineIndex: lineIndex, words: words, info: info,
            regionName: context.region(atLine: lineIndex)?.name,
            definitions: DefinitionSummary(definitions, except: path, line: lineIndex + 1), path: path)
    }

    /// `definedNameEvidence(_:rule:…)` for a rule it applies to, with the name of the declared region that holds
    /// the line (if any) and the definitions other than the line's own, summarised.
    func definedNameEvidence(
        _ evidence: Evidence, line: [UInt8], lineIndex: Int, words: [NameOccurrence], info: TargetInfo,
        regionName: String?, definitions summary: DefinitionSummary, path: String
    ) -> Evidence {
        guard !summary.isEmpty else { return evidence }
        let isRuby = path.hasSuffix(".rb") || path.hasSuffix(".erb") || path.hasSuffix(".rake")
        let ownModelShadows = summary.ownModelShadows
        let hasAlias = summary.hasAlias
        let owners = summary.owners
        let ownerReceivers = summary.ownerReceivers
        var strongest = Evidence.notAUse
        for word in words {
            let outcome: Evidence
            let before: UInt8 = word.start > 0 ? line[word.start - 1] : 0
            let isKey =
                before == UInt8(ascii: ":") || word.isQuotedToken
                || (word.end < line.count && line[word.end] == UInt8(ascii: ":")
                    && !(word.end + 1 < line.count && line[word.end + 1] == UInt8(ascii: ":")))
            if isKey || Self.isCallKeywordArgument(word, in: line) {
                outcome = hasAlias ? max(evidence, .possible) : evidence
            } else {
                let receiver = Self.memberReceiver(of: word, in: line)
                var after = word.end
                while after < line.count && line[after] == 0x20 { after += 1 }
                let isAssignment =
                    after < line.count && line[after] == UInt8(ascii: "=")
                    && !(after + 1 < line.count && line[after + 1] == UInt8(ascii: "="))
                let isCall = after < line.count && line[after] == UInt8(ascii: "(")
                let inDefiningClass = regionName.map { owners.contains($0) } ?? false
                if ownModelShadows && !(isAssignment && receiver != nil) {
                    outcome = .notAUse
                } else if let receiver {
                    if ["self", "this", "@", "cls"].contains(receiver) {
                        outcome = inDefiningClass ? .notAUse : evidence
                    } else if info.receivers.contains(receiver) {
                        outcome = isCall && !isRuby && !ownModelShadows ? max(evidence, .possible) : evidence
                    } else if ownerReceivers.contains(receiver) || (isCall && !isRuby) {
                        outcome = .notAUse
                    } else {
                        outcome = max(evidence, .possible)
                    }
                } else {
                    outcome = inDefiningClass ? .notAUse : max(evidence, .possible)
                }
            }
            strongest = min(strongest, outcome)
        }
        return strongest
    }

    /// Whether an occurrence is a call's keyword argument (`Widget(type="chart")`, or `type="chart",` on its own
    /// line of a multi-line call): it names a parameter (a model's column), never calls a method of that name.
    static func isCallKeywordArgument(_ word: NameOccurrence, in line: [UInt8]) -> Bool {
        guard word.end < line.count, line[word.end] == UInt8(ascii: "="), isKeywordArgument(word, in: line) else {
            return false
        }
        if isInsideBrackets(word, in: line) { return true }
        let value = String(decoding: line[(word.end + 1)...], as: UTF8.self)
        return SourceContext.isKeywordArgumentLine(value[...])
    }

    /// The identifier before the `.` that precedes an occurrence (`order.x`, `@order.x`, `order&.x`,
    /// `order?.x`), lower-cased; `@` for Ruby's `@x`; `nil` for a bare name.
    static func memberReceiver(of word: NameOccurrence, in line: [UInt8]) -> String? {
        var index = word.start
        while index > 0 && line[index - 1] == 0x20 { index -= 1 }
        guard index > 0, line[index - 1] == UInt8(ascii: ".") else {
            return index > 0 && line[index - 1] == UInt8(ascii: "@") ? "@" : nil
        }
        index -= 1
        while index > 0 && "?!&".utf8.contains(line[index - 1]) { index -= 1 }
        var start = index
        while start > 0 && isIdentifierByte(line[start - 1]) { start -= 1 }
        return String(decoding: line[start..<index], as: UTF8.self).lowercased()
    }
}

/// What `definedNameEvidence` needs of a target's definitions: built once per target when many findings are
/// scored against the same definitions (none of which sits on the finding's own line).
struct DefinitionSummary {
    let isEmpty: Bool
    /// Whether the target's own model defines the name as a method or property (not a field or an alias).
    let ownModelShadows: Bool
    let hasAlias: Bool
    /// The classes other than the target's model that define the name, and the receivers named after them.
    let owners: Set<String>
    let ownerReceivers: Set<String>
    /// Where the definitions sit (`path`, 1-based line).
    let places: Set<DefinitionPlace>

    init(_ definitions: [Definition]) {
        isEmpty = definitions.isEmpty
        ownModelShadows = definitions.contains { $0.ownerIsTargetModel && $0.kind != .field && $0.kind != .alias }
        hasAlias = definitions.contains { $0.kind == .alias }
        owners = Set(definitions.compactMap { $0.ownerIsTargetModel ? nil : $0.owner })
        ownerReceivers = Set(
            owners.flatMap { owner -> [String] in
                let snake = TargetInfo.snakeCase(owner)
                return [owner.lowercased(), snake, snake + "s", owner.lowercased() + "s"]
            })
        places = Set(definitions.map { DefinitionPlace(path: $0.path, line: $0.line) })
    }

    /// The definitions other than those on line `line` of `path` (a definition does not scope itself).
    init(_ definitions: [Definition], except path: String, line: Int) {
        self.init(definitions.filter { !($0.path == path && $0.line == line) })
    }
}

/// A file (relative path) and a 1-based line.
struct DefinitionPlace: Hashable {
    var path: String
    var line: Int
}
