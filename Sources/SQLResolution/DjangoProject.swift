import Matching

/// What a Django field is in the database: a column (named by `db_column`, or `<name>_id` for a foreign key),
/// or the join table of a `ManyToManyField` (named by its `db_table`, or `<model table>_<name>`).
enum DjangoField: Equatable {
    case column(String, explicit: Bool)
    case joinTable(String?)
    /// A many-to-many field `through` a model of its own: that model's table is dropped by its `DeleteModel`.
    case throughModel

    /// The field from its definition's source text, e.g. `models.ForeignKey("shop.Customer", db_column="cust")`.
    init(name: String, definition: String) {
        let callable = definition.prefix(while: { $0 != "(" }).split(separator: ".").last.map(String.init) ?? ""
        if callable.hasSuffix("ManyToManyField") {
            if definition.contains(#/\bthrough\s*=/#) {
                self = .throughModel
            } else {
                self = .joinTable(
                    definition.firstMatch(of: #/\bdb_table\s*=\s*['"](?<t>[^'"]+)['"]/#).map { String($0.output.t) })
            }
        } else if let column = definition.firstMatch(of: #/\bdb_column\s*=\s*['"](?<c>[^'"]+)['"]/#) {
            self = .column(String(column.output.c), explicit: true)
        } else if callable.hasSuffix("ForeignKey") || callable.hasSuffix("OneToOneField") {
            self = .column(name + "_id", explicit: false)
        } else {
            self = .column(name, explicit: false)
        }
    }
}

/// Django's migration state as far as table and column names go: explicit `db_table`s and field definitions,
/// by lower-cased model name, built by applying operations in order.
struct DjangoState {
    static let operationNames: Set<String> = [
        "CreateModel", "DeleteModel", "RenameModel", "AlterModelTable", "AlterModelOptions", "AddField", "AlterField",
        "RemoveField", "RenameField", "RunSQL", "SeparateDatabaseAndState",
    ]

    var dbTables: [String: String] = [:]
    var fields: [String: [String: DjangoField]] = [:]

    func field(_ model: String, _ name: String) -> DjangoField? { fields[model.lowercased()]?[name] }

    mutating func apply(_ operation: String, _ arguments: PythonSyntax.Arguments, bytes: [UInt8]) {
        func text(_ value: PythonSyntax.Value?) -> String? {
            guard case .other(let range)? = value else { return nil }
            return String(decoding: bytes[range], as: UTF8.self)
        }
        switch operation {
        case "CreateModel":
            guard let model = arguments.string("name", position: 0)?.lowercased() else { return }
            dbTables[model] = nil
            if let options = text(arguments.value("options", position: 3)),
                let table = options.firstMatch(of: #/['"]db_table['"]\s*:\s*['"](?<t>[^'"]+)['"]/#)
            {
                dbTables[model] = String(table.output.t)
            }
            var defined: [String: DjangoField] = [:]
            if case .list(let items)? = arguments.value("fields", position: 1) {
                for case .list(let pair) in items {
                    guard pair.count == 2, let name = pair[0].string, let definition = text(pair[1]) else { continue }
                    defined[name] = DjangoField(name: name, definition: definition)
                }
            }
            fields[model] = defined
        case "AddField", "AlterField":
            guard let model = arguments.string("model_name", position: 0)?.lowercased(),
                let name = arguments.string("name", position: 1),
                let definition = text(arguments.value("field", position: 2))
            else { return }
            fields[model, default: [:]][name] = DjangoField(name: name, definition: definition)
        case "RemoveField":
            guard let model = arguments.string("model_name", position: 0)?.lowercased(),
                let name = arguments.string("name", position: 1)
            else { return }
            fields[model]?[name] = nil
        case "RenameField":
            guard let model = arguments.string("model_name", position: 0)?.lowercased(),
                let old = arguments.string("old_name", position: 1), let new = arguments.string("new_name", position: 2)
            else { return }
            switch fields[model]?[old] {
            case .column(let column, explicit: true)?: fields[model]?[new] = .column(column, explicit: true)
            case .column(let column, explicit: false)?:
                fields[model]?[new] = .column(
                    column.hasSuffix("_id") && column == old + "_id" ? new + "_id" : new, explicit: false)
            case .joinTable(let table)?: fields[model]?[new] = .joinTable(table)
            case .throughModel?: fields[model]?[new] = .throughModel
            case nil: break
            }
            fields[model]?[old] = nil
        case "AlterModelTable":
            guard let model = arguments.string("name", position: 0)?.lowercased() else { return }
            dbTables[model] = arguments.string("table", position: 1)
        case "RenameModel":
            guard let old = arguments.string("old_name", position: 0)?.lowercased(),
                let new = arguments.string("new_name", position: 1)?.lowercased()
            else { return }
            dbTables[new] = dbTables.removeValue(forKey: old)
            fields[new] = fields.removeValue(forKey: old)
        case "DeleteModel":
            guard let model = arguments.string("name", position: 0)?.lowercased() else { return }
            dbTables[model] = nil
            fields[model] = nil
        default: break
        }
    }
}

/// The Django app around a migration file: its label, its earlier migrations and its model sources.
struct DjangoProject {
    /// The directory holding `migrations/`, e.g. `src/shop`; `nil` when the file is not in a `migrations/` folder.
    let appDirectory: String?
    /// `AppConfig.label` from the app's `apps.py`, else the app's folder name.
    let appLabel: String?
    let migrationPath: String
    let neighbours: any MigrationNeighbourhood

    init(migrationPath: String, neighbours: any MigrationNeighbourhood) {
        self.migrationPath = migrationPath
        self.neighbours = neighbours
        let parts = migrationPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let migrations = parts.lastIndex(of: "migrations"), migrations > 0, !parts[migrations - 1].isEmpty
        else {
            appDirectory = nil
            appLabel = nil
            return
        }
        let directory = parts[..<migrations].joined(separator: "/")
        appDirectory = directory
        let configured = neighbours.text(ofFile: directory + "/apps.py").flatMap { source in
            source.firstMatch(of: #/(?m)^[ \t]+label[ \t]*(?::[^=\n]*)?=[ \t]*['"](?<label>[A-Za-z0-9_]+)['"]/#).map {
                String($0.output.label)
            }
        }
        appLabel = configured ?? parts[migrations - 1]
    }

    /// `db_table = '"billing"."invoice"'` names a schema too (Django quotes the whole value otherwise).
    static func split(_ dbTable: String) -> (schema: Identifier?, table: Identifier) {
        if let match = dbTable.wholeMatch(of: #/"(?<schema>[^"]+)"\."(?<table>[^"]+)"/#) {
            return (Identifier(orm: String(match.output.schema)), Identifier(orm: String(match.output.table)))
        }
        return (nil, Identifier(orm: dbTable))
    }

    /// The state after the migrations of the same folder that sort before this one (Django numbers them).
    func history() -> DjangoState {
        var state = DjangoState()
        guard let appDirectory else { return state }
        let name = migrationPath.split(separator: "/").last.map(String.init) ?? migrationPath
        let earlier = neighbours.entries(ofDirectory: appDirectory + "/migrations")
            .filter { $0.hasSuffix(".py") && $0 != "__init__.py" && $0 < name }.sorted()
        for file in earlier {
            guard let text = neighbours.text(ofFile: appDirectory + "/migrations/" + file) else { continue }
            let bytes = Array(text.utf8)
            for call in PythonSyntax.calls(bytes, lines: LineIndex(text)).calls where DjangoMigration.isOperation(call)
            {
                state.apply(call.name, PythonSyntax.arguments(bytes, call.arguments), bytes: bytes)
            }
        }
        return state
    }

    /// The sources of the app's models: `models.py` and every module of a `models/` package.
    var modelSources: [String] {
        guard let appDirectory else { return [] }
        var sources: [String] = []
        if let text = neighbours.text(ofFile: appDirectory + "/models.py") { sources.append(text) }
        var directories = [(appDirectory + "/models", 0)]
        while let (directory, depth) = directories.popLast() {
            for entry in neighbours.entries(ofDirectory: directory).sorted() {
                let path = directory + "/" + entry
                if entry.hasSuffix(".py") {
                    if let text = neighbours.text(ofFile: path) { sources.append(text) }
                } else if depth < 3 && !entry.hasPrefix(".") && entry != "__pycache__" {
                    directories.append((path, depth + 1))
                }
            }
        }
        return sources
    }

    /// The body of `class <Model>(…):` in the model sources, matched case-insensitively as Django does.
    func modelClass(_ model: String) -> Substring? {
        for source in modelSources {
            let lines = PythonSyntax.lineSpans(source)
            for (index, line) in lines.enumerated() {
                guard
                    let match = line.text.firstMatch(
                        of: #/^(?<indent>[ \t]*)class[ \t]+(?<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*[(:]/#),
                    match.output.name.lowercased() == model.lowercased()
                else { continue }
                let end = PythonSyntax.blockEnd(lines, after: index, indent: match.output.indent.count)
                let utf8 = source.utf8
                return Substring(
                    utf8[utf8.index(utf8.startIndex, offsetBy: line.start)..<utf8.index(utf8.startIndex, offsetBy: end)]
                )
            }
        }
        return nil
    }

    /// `Meta.db_table` of the model's class in the app's model sources.
    func modelSourceTable(_ model: String) -> String? {
        guard let body = modelClass(model) else { return nil }
        let text = String(body)
        let lines = PythonSyntax.lineSpans(text)
        for (index, line) in lines.enumerated() {
            guard let meta = line.text.firstMatch(of: #/^(?<indent>[ \t]+)class[ \t]+Meta\b/#) else { continue }
            let end = PythonSyntax.blockEnd(lines, after: index, indent: meta.output.indent.count)
            let utf8 = text.utf8
            let metaBody = Substring(
                utf8[utf8.index(utf8.startIndex, offsetBy: line.start)..<utf8.index(utf8.startIndex, offsetBy: end)])
            if let table = metaBody.firstMatch(of: #/(?m)^[ \t]+db_table[ \t]*=[ \t]*[rRuU]?['"](?<t>[^'"\n]+)['"]/#) {
                return String(table.output.t)
            }
        }
        return nil
    }

    /// The field's definition (`name = models.ForeignKey(…)`) in the model's class.
    func modelSourceField(_ model: String, _ field: String) -> DjangoField? {
        guard let body = modelClass(model) else { return nil }
        for line in body.split(separator: "\n") {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            guard trimmed.hasPrefix(field),
                let match = trimmed.dropFirst(field.count).firstMatch(
                    of: #/^[ \t]*(?::[^=]*)?=[ \t]*(?<definition>[A-Za-z_][A-Za-z0-9_.]*\(.*)/#)
            else { continue }
            return DjangoField(name: field, definition: Self.balancedCall(match.output.definition, in: body))
        }
        return nil
    }

    /// The call that starts at `start` up to its closing parenthesis (it may continue on the next lines).
    static func balancedCall(_ start: Substring, in body: Substring) -> String {
        let bytes = Array(body[start.startIndex...].utf8)
        var depth = 0
        var index = 0
        while index < bytes.count {
            if let (quote, raw) = PythonSyntax.stringStart(bytes, index) {
                index = PythonSyntax.readString(bytes, at: quote, raw: raw).1
                continue
            }
            if bytes[index] == UInt8(ascii: "(") { depth += 1 }
            if bytes[index] == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { return String(decoding: bytes[...index], as: UTF8.self) }
            }
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
