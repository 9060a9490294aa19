import Catalog
import Matching

/// What the model index and the schema say about one target: which classes map to its table, what code
/// calls its column, and how rare the column's name is.
struct IndexFacts: Sendable {
    /// How many known tables have a column of the target's name.
    enum Rarity: Sendable, Equatable {
        /// Nothing known (no index, no schema, or no table with the name): naming conventions decide.
        case unknown
        /// Only the target's table: a use wherever it is an identifier.
        case rare
        /// Several tables: a use only with scoping evidence on the line or around it.
        case common
    }

    var rarity: Rarity = .unknown
    /// Class name (short) → the table the index maps it to; names that map to several tables are left out.
    var classTables: [String: String] = [:]
    /// The classes that map to the target's table.
    var ownClasses: Set<String> = []
    /// Receivers standing for the target's models (`ping`, `pings`, `system_message`).
    var ownReceivers: Set<String> = []
    /// Receivers standing for other tables' models.
    var otherReceivers: Set<String> = []
    /// Attribute names code uses for the column besides its own (`_image_url`, Django's `owner` for `owner_id`).
    var aliases: [String] = []

    init() {}

    init(target: Target, catalog: Catalog) {
        guard !catalog.isEmpty else { return }
        var tablesByClass: [String: Set<String>] = [:]
        for model in catalog.models { tablesByClass[model.shortName, default: []].insert(model.table) }
        for (name, tables) in tablesByClass where tables.count == 1 { classTables[name] = tables.first }
        let table = target.table.name
        for (name, mapped) in classTables {
            let snake = TargetInfo.snakeCase(name)
            let forms: Set<String> = [name.lowercased(), snake, snake + "s", name.lowercased() + "s"]
            if mapped == table {
                ownClasses.insert(name)
                ownReceivers.formUnion(forms)
            } else {
                otherReceivers.formUnion(forms)
            }
        }
        otherReceivers.subtract(ownReceivers)
        guard let column = target.column?.name else { return }
        let tables = catalog.tables(havingColumn: column)
        let aliasSet = catalog.attributes(ofColumn: column, inTable: table)
        aliases = aliasSet.filter { $0 != column && Self.isIdentifier($0) }.sorted()
        // A quoted mixed-case column (Prisma's `"templateToken"`) is matched by SQL rules only when quoted; a
        // model attribute of that very name is how code uses it.
        if let identifier = target.column, !identifier.isFoldable, Self.isIdentifier(column),
            catalog.models(ofTable: table).contains(where: { $0.columns.contains { $0.attribute == column } })
        {
            aliases.append(column)
        }
        // Rare only when the column is known on the target's table and on no other; known elsewhere, or the
        // table known without it (the tree after a removal), a use needs scoping evidence.
        if tables == [table] {
            rarity = .rare
        } else if !tables.isEmpty || catalog.mentions(table: table) {
            rarity = .common
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, first > 0x39 else { return false }
        return name.utf8.allSatisfy { CodeScanner.isIdentifierByte($0) }
    }

    /// The rule that finds an alias (`_image_url`) read as a member, a keyword argument or a symbol; scoped like
    /// `member-…` rules (by the receiver, then the line and the file).
    static func aliasRule(_ alias: String) -> PatternRule {
        let name = Placeholders.escape(alias)
        return PatternRule(
            id: "index.member-model-attribute",
            description: "An attribute the model index maps to the column (\(alias))", subject: .column,
            inputs: [.source], files: [], evidence: .probable,
            pattern:
                "(?:[?!]?\\.\\s*\(name)(?![A-Za-z0-9_])|(?<![A-Za-z0-9_.$])\(name)\\s*(?:=(?![=>])|:(?!:))|:\(name)\\b)",
            requires: nil, positives: [], negatives: [], sampleTarget: nil, file: "(model index)", line: 0)
    }
}

extension CodeScanner {
    /// Scoping evidence for a common name found on the line or around it: a query, manager, constructor or
    /// factory call on a model (`Ping.objects.filter(body=…)`, `Ping(body=…)`, `Message.where(x: …)`,
    /// `baker.make(Ping, …)`, `create(:ping, …)`), an update on a receiver named after the model
    /// (`ping.update!(x: nil)`), the class enclosing the line (the model itself, or a serializer, form, admin,
    /// filterset, table or factory whose `model =` is the model), or a FactoryBot `factory :ping` block.
    /// `.probable` for the target's model, `.notAUse` for another table's model, `nil` for no evidence.
    static func indexLineEvidence(
        line: [UInt8], lineIndex: Int, info: TargetInfo, context: SourceContext, document: Document
    ) -> Evidence? {
        func judge(_ name: String) -> Evidence? {
            if info.isOwnModelName(name) { return .probable }
            if info.facts.classTables[name] != nil { return .notAUse }
            return nil
        }
        for name in modelsCalled(on: line) { if let found = judge(name) { return found } }
        for symbol in factorySymbols(on: line) {
            if let found = judge(NameSpellings(symbol).pascal) { return found }
        }
        let updater = updatedReceiver(on: line)
        if let updater, info.receivers.contains(updater) { return .probable }
        // Prisma's client: `prisma.board.findMany({ where: { slug } })`, the call on the line or up to 10 above.
        var index = lineIndex
        while index >= 0 && lineIndex - index <= 10 {
            let text = index == lineIndex ? line : Array(document.line(index))
            if let model = prismaDelegate(on: text) {
                if info.receivers.contains(model) { return .probable }
                if info.facts.otherReceivers.contains(model) { return .notAUse }
            }
            index -= 1
        }
        if let region = context.region(atLine: lineIndex) {
            if let maps = info.mapping(of: region) { return maps ? .probable : .notAUse }
            if let model = declaredModel(in: region, document: document), let found = judge(model) { return found }
        }
        if let factory = enclosingFactory(before: lineIndex, document: document),
            let found = judge(NameSpellings(factory).pascal)
        {
            return found
        }
        return nil
    }

    private static let callSuffixes: [[UInt8]] = [
        ".objects", ".where", ".find_by", ".find_or_create_by", ".find_or_initialize_by", ".create", ".new(",
        ".update_all", ".query", ".filter", ".exclude", ".order", ".pluck", ".select", ".insert", ".upsert",
        ".build", "(",
    ].map { Array($0.utf8) }

    private static let makers: [[UInt8]] = ["make(", "prepare(", "make_recipe(", "select(", "query("].map {
        Array($0.utf8)
    }

    /// Capitalised names on the line that start a query or are called (`Ping.objects`, `Ping(`), or that a
    /// factory makes (`baker.make(Ping`, `baker.make("pings.Ping"`).
    static func modelsCalled(on line: [UInt8]) -> [String] {
        var names: [String] = []
        var index = 0
        while index < line.count {
            let byte = line[index]
            guard byte >= 0x41 && byte <= 0x5A, index == 0 || !isIdentifierByte(line[index - 1]) else {
                index += 1
                continue
            }
            var end = index
            while end < line.count && isIdentifierByte(line[end]) { end += 1 }
            let rest = line[end...]
            let called = callSuffixes.contains { suffix in rest.starts(with: suffix) }
            var made = false
            var start = index
            if start > 0 && (line[start - 1] == 0x22 || line[start - 1] == 0x27 || line[start - 1] == 0x2E) {
                // `"pings.Ping"`: back over the app label and the quote.
                while start > 0 && line[start - 1] != 0x28 && line[start - 1] != 0x20 { start -= 1 }
            }
            for maker in makers where start >= maker.count && Array(line[(start - maker.count)..<start]) == maker {
                made = true
            }
            if called || made { names.append(String(decoding: line[index..<end], as: UTF8.self)) }
            index = end
        }
        return names
    }

    /// FactoryBot's `create(:ping, …)`, `build(:ping)`, `create_list(:ping, 3, …)` → `ping`.
    static func factorySymbols(on line: [UInt8]) -> [String] {
        var names: [String] = []
        for verb in ["create(:", "build(:", "build_stubbed(:", "create_list(:", "build_list(:", "create :", "build :"] {
            let needle = Array(verb.utf8)
            var index = 0
            while index + needle.count <= line.count {
                if Array(line[index..<(index + needle.count)]) == needle
                    && (index == 0 || !isIdentifierByte(line[index - 1]))
                {
                    var end = index + needle.count
                    while end < line.count && isIdentifierByte(line[end]) { end += 1 }
                    names.append(String(decoding: line[(index + needle.count)..<end], as: UTF8.self))
                    index = end
                } else {
                    index += 1
                }
            }
        }
        return names
    }

    /// The receiver of an update on the line (`ping.update!(`, `@message.update_columns(`), lower-cased.
    static func updatedReceiver(on line: [UInt8]) -> String? {
        for verb in [
            ".update!(", ".update(", ".update_columns(", ".update_column(", ".update_attribute(",
            ".assign_attributes(", ".write_attribute(", ".read_attribute(", ".refresh_from_db(", ".save(",
        ] {
            let needle = Array(verb.utf8)
            guard needle.count <= line.count else { continue }
            for index in 0...(line.count - needle.count) where Array(line[index..<(index + needle.count)]) == needle {
                let word = receiver(before: index, in: line)
                if !word.isEmpty { return word }
            }
        }
        return nil
    }

    private static let prismaVerbs: [[UInt8]] = [
        "findMany(", "findFirst(", "findUnique(", "findFirstOrThrow(", "findUniqueOrThrow(", "create(", "createMany(",
        "update(", "updateMany(", "upsert(", "delete(", "deleteMany(", "count(", "aggregate(", "groupBy(",
    ].map { Array($0.utf8) }

    /// The model delegate of a Prisma client call on the line (`prisma.board.findMany(` → `board`), lower-cased.
    static func prismaDelegate(on line: [UInt8]) -> String? {
        var index = 0
        while index < line.count {
            guard line[index] == UInt8(ascii: ".") else {
                index += 1
                continue
            }
            var end = index + 1
            while end < line.count && isIdentifierByte(line[end]) { end += 1 }
            if end > index + 1, end < line.count, line[end] == UInt8(ascii: ".") {
                let rest = line[(end + 1)...]
                if prismaVerbs.contains(where: { rest.starts(with: $0) }) {
                    return String(decoding: line[(index + 1)..<end], as: UTF8.self).lowercased()
                }
            }
            index = end
        }
        return nil
    }

    /// `model = Ping` (or `model = "pings.Ping"`) in a class's body or its `Meta`: serializers, forms, admins,
    /// filtersets, tables, factory_boy factories.
    static func declaredModel(in region: ModelRegion, document: Document) -> String? {
        let last = min(region.endLine, region.startLine + 60, document.lineCount - 1)
        guard region.startLine <= last else { return nil }
        for index in region.startLine...last {
            let text = document.lineString(index).trimmingSpaces()
            guard text.hasPrefix("model ") || text.hasPrefix("model=") else { continue }
            let value = text.drop(while: { $0 != "=" }).dropFirst().trimmingSpaces()
            let name = value.filter { $0 != "\"" && $0 != "'" }.split(separator: ".").last.map(String.init) ?? ""
            if let first = name.first, first.isUppercase, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                return name
            }
        }
        return nil
    }

    /// The FactoryBot `factory :ping do` (or `factory :x, class: "Ping"`) block above the line, at a smaller
    /// indent, within 40 lines: the model's snake name.
    static func enclosingFactory(before lineIndex: Int, document: Document) -> String? {
        let own = document.lineString(lineIndex)
        let indent = own.prefix(while: { $0 == " " }).count
        var index = lineIndex - 1
        while index >= 0 && lineIndex - index <= 40 {
            let text = document.lineString(index)
            let lineIndent = text.prefix(while: { $0 == " " }).count
            let trimmed = text.dropFirst(lineIndent)
            if lineIndent < indent && trimmed.hasPrefix("factory :") {
                if let range = trimmed.range(of: "class:") {
                    let value = trimmed[range.upperBound...].drop(while: { $0 == " " || $0 == "\"" || $0 == "'" })
                    let name = value.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" })
                    if let last = name.split(separator: ":").last { return TargetInfo.snakeCase(String(last)) }
                }
                return String(
                    trimmed.dropFirst("factory :".count).prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }))
            }
            if trimmed.hasPrefix("FactoryBot.define") { return nil }
            index -= 1
        }
        return nil
    }
}
