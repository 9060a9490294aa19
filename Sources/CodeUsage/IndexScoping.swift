import Catalog
import Matching

/// What the model index and the schema say about one target: which classes map to its table, what code
/// calls its column, and how rare the column's name is.
struct IndexFacts: Sendable {
    /// How many known tables have a column of the target's name (the catalog decides, for `--explain` too).
    typealias Rarity = NameRarity

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
    /// Where the index found the target table's models declared (`path:line`): for a whole-table target, the
    /// declaration is the ORM's use of the table.
    var ownDeclarations: Set<String> = []
    /// Django model class (short name) → the app directories that define it (`netbox/dcim` for
    /// `netbox/dcim/models/sites.py`): forms, filtersets and tables of that app are named after their models.
    var djangoApps: [String: Set<String>] = [:]
    /// Aliases that another table's model also uses as an attribute or column name (Django's `owner`): a quoted
    /// one names the target only with scoping evidence.
    var sharedAliases: Set<String> = []

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
        for model in catalog.models where model.ecosystem == "django" {
            if let app = Self.djangoApp(ofModelFile: model.file) {
                djangoApps[model.shortName, default: []].insert(app)
            }
        }
        ownDeclarations = Set(catalog.models(ofTable: table).map { "\($0.file):\($0.line)" })
        guard let column = target.column?.name else { return }
        let aliasSet = catalog.attributes(ofColumn: column, inTable: table)
        aliases = aliasSet.filter { $0 != column && Self.isIdentifier($0) }.sorted()
        for model in catalog.models where model.table != table {
            for mapped in model.columns where aliasSet.contains(mapped.attribute) || aliasSet.contains(mapped.column) {
                sharedAliases.insert(aliasSet.contains(mapped.attribute) ? mapped.attribute : mapped.column)
            }
        }
        // A quoted mixed-case column (Prisma's `"templateToken"`) is matched by SQL rules only when quoted; a
        // model attribute of that very name is how code uses it.
        if let identifier = target.column, !identifier.isFoldable, Self.isIdentifier(column),
            catalog.models(ofTable: table).contains(where: { $0.columns.contains { $0.attribute == column } })
        {
            aliases.append(column)
        }
        rarity = catalog.nameRarity(ofColumn: column, inTable: table)
    }

    /// The app directory of a Django model file: the directory that holds `models.py`, or the one that holds
    /// the `models/` package (`netbox/dcim/models/sites.py` → `netbox/dcim`); `nil` for other files.
    static func djangoApp(ofModelFile file: String) -> String? {
        let parts = file.split(separator: "/").map(String.init)
        if let last = parts.last, last == "models.py" { return parts.dropLast().joined(separator: "/") }
        if let package = parts.lastIndex(of: "models"), package < parts.count - 1 {
            return parts[..<package].joined(separator: "/")
        }
        return nil
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
            requires: nil, positives: [], negatives: [], sampleTarget: nil, file: "(model index)", line: 0,
            scope: .member)
    }

    /// The rule that finds an alias named as a string (`load_only("id", "_image_url")`); scoped by the call
    /// that takes it (`attribute-name-…`).
    static func aliasStringRule(_ alias: String) -> PatternRule {
        let name = Placeholders.escape(alias)
        return PatternRule(
            id: "index.attribute-name-string",
            description: "An attribute the model index maps to the column (\(alias)), named as a string",
            subject: .column, inputs: [.source], files: [], evidence: .probable,
            pattern: "([\"'])\(name)\\1", requires: nil, positives: [], negatives: [], sampleTarget: nil,
            file: "(model index)", line: 0, scope: .attributeName)
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
        line: [UInt8], lineIndex: Int, hits: [Int] = [], info: TargetInfo, context: SourceContext,
        document: Document, isScript: Bool = false, path: String = ""
    ) -> Evidence? {
        func judge(_ name: String) -> Evidence? {
            if info.isOwnModelName(name) { return .probable }
            if info.facts.classTables[name] != nil { return .notAUse }
            return nil
        }
        for name in modelsCalled(on: line) + wrapperModels(on: line) { if let found = judge(name) { return found } }
        for symbol in factorySymbols(on: line) {
            if let found = judge(NameSpellings(symbol).pascal) { return found }
        }
        let updater = updatedReceiver(on: line)
        if let updater, info.receivers.contains(updater) { return .probable }
        // A receiver bound above to a query or constructor of a model: `c = Channel.objects.get()`, then `c.user`.
        let words = hits.filter { $0 < line.count }.map { NameOccurrence(line: line, start: $0) }
        for word in words {
            guard let receiver = memberReceiver(of: word, in: line), receiver != "@",
                !["self", "this", "cls"].contains(receiver), !info.receivers.contains(receiver)
            else { continue }
            for name in boundModels(of: receiver, before: lineIndex, in: document) {
                if let found = judge(name) { return found }
            }
        }
        // Prisma's client (JavaScript and TypeScript only): `prisma.board.findMany({ where: { slug } })`, the
        // call on the line or up to 10 above.
        var index = lineIndex
        while isScript && index >= 0 && lineIndex - index <= 10 {
            let text = index == lineIndex ? line : Array(document.line(index))
            if let model = prismaDelegate(on: text) {
                if info.receivers.contains(model) { return .probable }
                if info.facts.otherReceivers.contains(model) { return .notAUse }
            }
            index -= 1
        }
        // `to_field_name='asn'` names a column of the field's `queryset=` model.
        if let model = toFieldNameModel(words: words, line: line, lineIndex: lineIndex, document: document),
            let found = judge(model)
        {
            return found
        }
        // A keyword argument of a call opened on a line above: `ModelFactory(models.Widget,` / `Check(` /
        // `Check.objects.create(` / `create(:ping,`, then `type="chart",` on its own line.
        if words.contains(where: { isKeywordArgument($0, in: line) && !isInsideBrackets($0, in: line) }),
            let opening = enclosingCallOpening(before: lineIndex, in: document)
        {
            let named = modelsCalled(on: opening) + wrapperModels(on: opening)
            for name in named + firstArgumentModels(of: opening) + assignedName(of: opening) {
                if let found = judge(name) { return found }
            }
            for symbol in factorySymbols(on: opening) {
                if let found = judge(NameSpellings(symbol).pascal) { return found }
            }
        }
        if let region = context.region(atLine: lineIndex) {
            // A class that names its model (`model = models.Platform`) is about that model, whatever its body
            // looks like (a table's `tables.Column(`, a search index's `models.` read as model markers).
            if let model = declaredModel(in: region, document: document), let found = judge(model) { return found }
            // A form, filterset or table of the model's app named after it (`SiteBulkEditForm`), or its `Meta`.
            let helper = region.name == "Meta" ? context.enclosingRegion(of: region) : region
            if let helper, let model = helperClassModel(named: helper.name, path: path, info: info),
                let found = judge(model)
            {
                return found
            }
            if let maps = info.mapping(of: region) { return maps ? .probable : .notAUse }
        }
        if let factory = enclosingFactory(before: lineIndex, document: document),
            let found = judge(NameSpellings(factory).pascal)
        {
            return found
        }
        return nil
    }

    /// Whether an occurrence is a keyword argument or a key (`type="chart"`, `body: "x"`), not a comparison.
    static func isKeywordArgument(_ word: NameOccurrence, in line: [UInt8]) -> Bool {
        var index = word.end
        while index < line.count && line[index] == 0x20 { index += 1 }
        guard index < line.count else { return false }
        let next: UInt8 = index + 1 < line.count ? line[index + 1] : 0
        if line[index] == UInt8(ascii: "=") { return next != UInt8(ascii: "=") && next != UInt8(ascii: ">") }
        return line[index] == UInt8(ascii: ":") && next != UInt8(ascii: ":")
    }

    /// Whether an occurrence sits inside a bracket opened earlier on its own line (`f(type=1)`).
    static func isInsideBrackets(_ word: NameOccurrence, in line: [UInt8]) -> Bool {
        let mask = Document.quotedMask(of: line)
        var depth = 0
        for position in 0..<min(word.start, line.count) where !mask[position] {
            let byte = line[position]
            if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { depth += 1 }
            if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth = max(0, depth - 1)
            }
        }
        return depth > 0
    }

    /// The line, up to and including its unclosed `(`, that opens the call enclosing line `lineIndex` (within
    /// 20 lines above), or `nil` when the line is not inside a multi-line call.
    static func enclosingCallOpening(before lineIndex: Int, in document: Document) -> [UInt8]? {
        var closers = 0
        var index = lineIndex - 1
        while index >= 0 && lineIndex - index <= 20 {
            let text = Array(document.line(index))
            let mask = Document.quotedMask(of: text)
            var opens: [Int] = []
            var closes = 0
            for (position, byte) in text.enumerated() where !mask[position] {
                if byte == UInt8(ascii: "#") { break }
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                    opens.append(position)
                } else if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                    if opens.isEmpty { closes += 1 } else { opens.removeLast() }
                }
            }
            // `closers`: brackets the lines below close that were opened above them. This line's last open
            // brackets are those; the one before them encloses the line.
            if opens.count > closers {
                var which = opens.count - closers - 1
                while true {
                    let open = opens[which]
                    if text[open] == UInt8(ascii: "(") {
                        return Array(text[...open]) + firstArgument(after: open, in: text)
                    }
                    // An object or array literal passed to a call (`Integration.create({`, `define("x", {`) is
                    // looked through; a block (`=> {`, `) {`) ends the search.
                    let before = text[..<open].last { $0 != 0x20 && $0 != 0x09 }
                    if before == UInt8(ascii: ")") || before == UInt8(ascii: ">") { return nil }
                    if which == 0 { break }
                    which -= 1
                }
                closers = 0
            } else {
                closers += closes - opens.count
            }
            index -= 1
        }
        return nil
    }

    /// The capitalised name a line assigns (`const Collection = sequelize.define(` → `Collection`): a model
    /// declared by a call.
    static func assignedName(of line: [UInt8]) -> [String] {
        var text = String(decoding: line, as: UTF8.self).trimmingSpaces()
        for keyword in ["export ", "const ", "let ", "var "] where text.hasPrefix(keyword) {
            text = text.dropFirst(keyword.count)
        }
        let name = text.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
        let rest = text.dropFirst(name.count).trimmingSpaces()
        guard let first = name.first, first.isUppercase, rest.hasPrefix("="), !rest.hasPrefix("==") else { return [] }
        return [String(name)]
    }

    /// The first argument after an open parenthesis, up to its `,` or `)` (empty when none is on the line).
    private static func firstArgument(after open: Int, in text: [UInt8]) -> [UInt8] {
        let rest = text[(open + 1)...]
        return Array(rest.prefix(while: { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: ")") }))
    }

    /// The model class given as the first argument of a call (`ModelFactory(redash.models.Widget`,
    /// `get_object_or_404(Ping`, `SubFactory("pings.Ping"`): the last dotted component, capitalised.
    static func firstArgumentModels(of opening: [UInt8]) -> [String] {
        guard let open = opening.firstIndex(of: UInt8(ascii: "(")) else { return [] }
        let argument = String(decoding: firstArgument(after: open, in: opening), as: UTF8.self)
        let cleaned = argument.trimmingSpaces().filter { $0 != "\"" && $0 != "'" }
        guard let last = cleaned.split(separator: ".").last, let first = last.first, first.isUppercase,
            last.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
        else { return [] }
        return [String(last)]
    }

    /// The models a variable is bound to by its nearest assignment within 60 lines above
    /// (`c = Channel.objects.get()`, `m = Message.find(1)`, `ping = Ping(owner=check)`).
    static func boundModels(of variable: String, before lineIndex: Int, in document: Document) -> [String] {
        let name = Array(variable.utf8)
        var index = lineIndex - 1
        while index >= 0 && lineIndex - index <= 60 {
            let text = Array(document.line(index))
            var start = 0
            while start < text.count && (text[start] == 0x20 || text[start] == 0x09) { start += 1 }
            let end = start + name.count
            if end < text.count, text[start..<end].map({ $0 | 0x20 }) == name.map({ $0 | 0x20 }),
                !isIdentifierByte(text[end])
            {
                var after = end
                while after < text.count && text[after] == 0x20 { after += 1 }
                if after + 1 < text.count, text[after] == UInt8(ascii: "="), text[after + 1] != UInt8(ascii: "=") {
                    return modelsCalled(on: Array(text[(after + 1)...]))
                }
            }
            index -= 1
        }
        return []
    }

    private static let callSuffixes: [[UInt8]] = [
        ".objects", ".where", ".find_by", ".find_or_create_by", ".find_or_initialize_by", ".create", ".new(",
        ".find(", ".find!(", ".first", ".last", ".get(", ".joins(", ".includes(",
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
