import Matching

/// What the prefilter looks for, per target: the primary names that trigger rules (the column's spellings;
/// for a whole table, the table's and its model's) and the scope names (table, model) whose presence in a
/// file makes a bare column name `probable`.
struct NameRole: Equatable {
    var target: Int
    var isPrimary: Bool
}

struct RoleTable {
    var names: [String] = []
    var caseSensitive: [Bool] = []
    var roles: [[NameRole]] = []
    /// Index of each name, by case sensitivity: a lookup per name, whatever the number of targets.
    private var indices: [Bool: [String: Int]] = [:]

    /// Adds a role to `name`. A target's roles are added together, after those of every lower target.
    mutating func add(_ name: String, caseSensitive sensitive: Bool, role: NameRole) {
        guard !name.isEmpty else { return }
        let key = sensitive ? name : name.lowercased()
        if let index = indices[sensitive]?[key] {
            // Only this target's own roles, at the end, can repeat this one.
            if !roles[index].reversed().prefix(while: { $0.target == role.target }).contains(role) {
                roles[index].append(role)
            }
            return
        }
        indices[sensitive, default: [:]][key] = names.count
        names.append(key)
        caseSensitive.append(sensitive)
        roles.append([role])
    }

    mutating func addNames(for target: Target, index: Int) {
        let table = target.table
        let model = NameSpellings.modelNames(forTable: table.name)
        let tableSpellings = NameSpellings(table.name)
        if let column = target.column {
            let primary = NameRole(target: index, isPrimary: true)
            add(column.name, caseSensitive: !column.isFoldable, role: primary)
            if column.isFoldable {
                for form in NameSpellings(column.name).foldedForms { add(form, caseSensitive: false, role: primary) }
            }
            let scope = NameRole(target: index, isPrimary: false)
            add(table.name, caseSensitive: !table.isFoldable, role: scope)
            if table.isFoldable {
                add(model.className, caseSensitive: true, role: scope)
                add(tableSpellings.pascal, caseSensitive: true, role: scope)
                add(tableSpellings.upper, caseSensitive: true, role: scope)
            }
        } else {
            let primary = NameRole(target: index, isPrimary: true)
            add(table.name, caseSensitive: !table.isFoldable, role: primary)
            if table.isFoldable {
                for form in tableSpellings.foldedForms { add(form, caseSensitive: false, role: primary) }
                add(model.className, caseSensitive: true, role: primary)
                add(model.snakeSingular, caseSensitive: true, role: primary)
                // Django's `<app>_<model>`: the model class (`Order` for `shop_order`), compared folded since
                // Django lower-cases the class name (`OrderItem` → `shop_orderitem`).
                for tail in Placeholders.djangoModelTails(forTable: table.name) {
                    add(tail, caseSensitive: false, role: primary)
                }
            }
        }
    }
}

/// The names that identify a target's table and model, precomputed.
struct TargetInfo: Sendable {
    let target: Target
    let normalized: String
    /// The table name as stored (lower-case for unquoted names).
    let table: String
    let modelClass: String
    let modelSnake: String
    let tablePascal: String
    /// Receivers that stand for the model or its rows: `order`, `orders`, `orderitem`, `order_item`.
    let receivers: Set<String>
    /// The column's spellings as code writes them (case kept): snake, camel, Pascal, UPPER.
    let columnSpellings: Set<String>
    /// What the model index says about the target (empty without one).
    let facts: IndexFacts

    init(_ target: Target, facts: IndexFacts = IndexFacts()) {
        self.facts = facts
        self.target = target
        normalized = target.normalized
        table = target.table.name
        let model = NameSpellings.modelNames(forTable: target.table.name)
        modelClass = model.className
        modelSnake = model.snakeSingular
        tablePascal = NameSpellings(target.table.name).pascal
        receivers = Set([
            model.snakeSingular.lowercased(), model.className.lowercased(), target.table.name.lowercased(),
            NameSpellings(target.table.name).camel.lowercased(),
        ]).union(facts.ownReceivers)
        if let column = target.column {
            let spellings = NameSpellings(column.name)
            columnSpellings = [spellings.snake, spellings.camel, spellings.pascal, spellings.upper]
        } else {
            columnSpellings = []
        }
    }

    /// Whether a declared model maps to this target's table: `true` yes, `false` it maps to another table,
    /// `nil` it is not known to be a model at all (a DTO, a form, a plain class).
    func mapping(of region: ModelRegion) -> Bool? {
        if let explicit = region.explicitTable {
            return target.table.isFoldable ? explicit == table.lowercased() : explicit == table.lowercased()
        }
        if let indexed = facts.classTables[region.name] { return indexed == table }
        guard region.isModel else { return nil }
        return defaultNameMatches(region)
    }

    /// The naming conventions of Rails, Django, JPA/Spring, SQLAlchemy, Fluent, GORM: class `Order` or
    /// `OrderEntity`/`OrderRecord`/`OrderModel` for `orders`; Django `Order` for `shop_order`.
    func defaultNameMatches(_ region: ModelRegion) -> Bool {
        let name = region.name
        if name == modelClass || name == tablePascal || name.lowercased() == table.lowercased() { return true }
        for suffix in ["Entity", "Record", "Model", "Row", "Table", "Schema"] where name == modelClass + suffix {
            return true
        }
        if region.isDjangoModel && table.hasSuffix("_" + name.lowercased()) { return true }
        return false
    }

    /// Whether a class name is this table's model (`Order`, `Orders`, `OrderRecord`, …).
    func isOwnModelName(_ name: String) -> Bool {
        if let indexed = facts.classTables[name] { return indexed == table }
        return defaultNameMatches(
            ModelRegion(
                name: name, startLine: 0, endLine: 0, indent: 0, explicitTable: nil, isModel: true,
                isDjangoModel: false))
    }

    /// The receivers that stand for the other models declared in a file (`customer`, `customers`), whose
    /// members are those models' columns.
    func otherModelReceivers(in context: SourceContext) -> Set<String> {
        var names: Set<String> = []
        for region in context.regions where mapping(of: region) == false {
            let lower = region.name.lowercased()
            let snake = Self.snakeCase(region.name)
            names.formUnion([lower, snake, snake + "s", lower + "s"])
        }
        return names.union(facts.otherReceivers).subtracting(receivers)
    }

    static func snakeCase(_ name: String) -> String {
        var out = ""
        for (offset, character) in name.enumerated() {
            if character.isUppercase && offset > 0 { out.append("_") }
            out.append(contentsOf: character.lowercased())
        }
        return out
    }
}

extension CodeScanner {
    /// The evidence of a match once scoped: the rule's evidence is an upper bound; the enclosing model, the
    /// receiver, the file's mention of the table or model, comments and local variables may lower it.
    func scopedEvidence(
        rule: PatternRule, match: Range<Int>, line: [UInt8], lineIndex: Int, hits: [Int], info: TargetInfo,
        context: SourceContext, document: Document, scoped: Bool, path: String = "",
        otherReceivers: () -> Set<String>, declaredType: ((String) -> String?)? = nil
    ) -> Evidence {
        if let comment = document.commentStart(inLine: lineIndex), comment <= match.lowerBound {
            return .notAUse
        }
        let ceiling = rule.evidence
        // The name's rarity (from the index and the schema): a name only the target's table has is a use
        // wherever it is an identifier; a common one needs scoping evidence on or around the line.
        var fileLevel: Evidence
        switch info.facts.rarity {
        case .rare: fileLevel = .probable
        case .common: fileLevel = .possible
        case .unknown: fileLevel = scoped ? .probable : .possible
        }
        // A REST route named after the model (`app/api/boards/route.ts`) handles that model's requests.
        if fileLevel > .probable, !info.target.isWholeTable,
            Self.routeNamesOwnModel(path, bytes: document.bytes, info: info)
        {
            fileLevel = .probable
        }
        func capped(_ evidence: Evidence) -> Evidence {
            if info.facts.rarity != .unknown && !info.target.isWholeTable,
                let lineLevel = Self.indexLineEvidence(
                    line: line, lineIndex: lineIndex, hits: hits, info: info, context: context, document: document,
                    isScript: UnitTraits.scriptExtensions.contains(Self.fileExtension(path)), path: path)
            {
                return lineLevel == .notAUse ? .notAUse : max(evidence, lineLevel)
            }
            return max(evidence, fileLevel)
        }
        switch rule.scope {
        case .model, .deprecation:
            if let model = Self.chainModel(in: line, before: match.upperBound) {
                return info.isOwnModelName(model) ? ceiling : .notAUse
            }
            if let region = context.region(atLine: lineIndex), let maps = info.mapping(of: region) {
                return maps ? ceiling : .notAUse
            }
            return capped(ceiling)
        case .member:
            let receiver = Self.receiver(before: match.lowerBound, in: line)
            if Self.isDjangoRelation(match: match, in: line) {
                // `customer__legacy_status`, rewritten `customer. legacy_status`: the related model's column.
                return info.receivers.contains(receiver) ? ceiling : .notAUse
            }
            if receiver == "self" || receiver == "this" || receiver == "@" {
                if let region = context.region(atLine: lineIndex), let maps = info.mapping(of: region) {
                    return maps ? ceiling : .notAUse
                }
                return capped(ceiling)
            }
            if info.receivers.contains(receiver) { return ceiling }
            if otherReceivers().contains(receiver) { return .notAUse }
            let type = declaredType.map { $0(receiver) } ?? Self.declaredType(of: receiver, in: document)
            if let type, let own = Self.declaredTypeIsOwn(type, info: info) {
                // `Order order` / `order: Order?` keeps the evidence; another declared type (`Customer customer`)
                // has a member of the same name; `OrderSummary s`, `Row r`: the file decides.
                if !own { return .notAUse }
                return info.isOwnModelName(type) ? ceiling : capped(ceiling)
            }
            return capped(ceiling)
        case .repository:
            guard let entity = Self.repositoryEntity(before: lineIndex, in: document) else { return capped(ceiling) }
            if let region = context.regions.first(where: { $0.name == entity }), let maps = info.mapping(of: region) {
                return maps ? ceiling : .notAUse
            }
            return info.isOwnModelName(entity) ? ceiling : .notAUse
        case .keypath:
            if let root = Self.keyPathRoot(before: match.lowerBound, in: line) {
                return info.isOwnModelName(root) ? ceiling : .notAUse
            }
            if let model = Self.chainModel(in: line, before: match.upperBound, lineIndex: lineIndex, document: document)
            {
                return info.isOwnModelName(model) ? ceiling : .notAUse
            }
            if let region = context.region(atLine: lineIndex), let maps = info.mapping(of: region) {
                return maps ? ceiling : .notAUse
            }
            return capped(ceiling)
        case .attributeName:
            // A model attribute named as a string (`load_only("_image_url")`): a use where a call names
            // attributes by string, scoped further when another table's model has an attribute of that name.
            guard
                Self.isAttributeNamingArgument(
                    at: match.lowerBound, line: line, lineIndex: lineIndex, document: document)
            else { return max(ceiling, .possible) }
            let name = NameOccurrence(line: line, start: min(match.lowerBound + 1, line.count)).text(in: line)
            return info.facts.sharedAliases.contains(name) ? capped(ceiling) : ceiling
        case .djangoApp:
            return djangoAppEvidence(
                ceiling: ceiling, fileLevel: fileLevel, line: line, lineIndex: lineIndex, info: info,
                context: context, document: document, path: path)
        case .plain, .templateVariable, .templateForm, .templateName:
            if info.target.isWholeTable || ceiling <= .implicit { return ceiling }
            if Self.isOnlyLocalVariable(line: line, hits: hits, info: info, context: context, document: document) {
                return .notAUse
            }
            return capped(ceiling)
        }
    }

    /// The lower-cased extension of a path (`app/board.ts` → `ts`), empty when it has none.
    static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: ".") else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// The model class that starts a query chain before `position`: `Customer.objects…`,
    /// `Customer.where(…`, `Customer.query…`, `Customer.filter(…`.
    static func chainModel(in line: [UInt8], before position: Int) -> String? {
        let text = String(decoding: line[..<min(position, line.count)], as: UTF8.self)
        let starters = [
            ".objects", ".where(", ".where.", ".find_by(", ".pluck(", ".select(", ".filter(", ".query(", ".update_all(",
            ".order(", ".exclude(",
        ]
        for starter in starters {
            guard let range = text.range(of: starter) else { continue }
            let head = text[..<range.lowerBound]
            let name = head.reversed().prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }).reversed()
            guard let first = name.first, first.isUppercase else { continue }
            return String(name)
        }
        return nil
    }

    /// Whether a member match is the rewritten form of a Django relation lookup (`. ` after the receiver).
    static func isDjangoRelation(match: Range<Int>, in line: [UInt8]) -> Bool {
        var index = match.lowerBound
        while index < match.upperBound && line[index] != UInt8(ascii: ".") { index += 1 }
        return index + 1 < line.count && line[index] == UInt8(ascii: ".") && line[index + 1] == 0x20
            && index > 0 && line[index - 1] != 0x20
    }

    /// The identifier before the `.` that starts a member match (`order.legacy_status` → `order`,
    /// `@order.legacy_status` → `order`, `self.x` → `self`), lower-cased.
    static func receiver(before start: Int, in line: [UInt8]) -> String {
        var end = start
        while end < line.count && line[end] != UInt8(ascii: ".") { end += 1 }
        if end >= line.count { end = start }
        var position = end
        while position > 0 && (line[position - 1] == UInt8(ascii: "?") || line[position - 1] == UInt8(ascii: "!")) {
            position -= 1
        }
        let wordEnd = position
        while position > 0 {
            let byte = line[position - 1]
            let isWord =
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F
                || byte >= 0x80
            if !isWord { break }
            position -= 1
        }
        let word = String(decoding: line[position..<wordEnd], as: UTF8.self).lowercased()
        if word.isEmpty && position > 0 && line[position - 1] == UInt8(ascii: "@") { return "@" }
        return word
    }

    /// Whether every occurrence of the column on the line is a bare identifier (not in a string, not a
    /// member, not a keyword argument or symbol) that the file binds as a local variable.
    static func isOnlyLocalVariable(
        line: [UInt8], hits: [Int], info: TargetInfo, context: SourceContext, document: Document
    ) -> Bool {
        guard !hits.isEmpty, !context.localVariables.isDisjoint(with: info.columnSpellings) else { return false }
        let mask = Document.quotedMask(of: line)
        for start in hits where start < line.count {
            if mask[start] { return false }
            var end = start
            while end < line.count {
                let byte = line[end]
                let isWord =
                    (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F
                    || byte >= 0x80
                if !isWord { break }
                end += 1
            }
            let word = String(decoding: line[start..<end], as: UTF8.self)
            guard context.localVariables.contains(word) else { return false }
            if start > 0 && ".:@$".utf8.contains(line[start - 1]) { return false }
            if end < line.count && line[end] == UInt8(ascii: ":") && !(end + 1 < line.count && line[end + 1] == 0x3D) {
                return false
            }
        }
        return true
    }
}
