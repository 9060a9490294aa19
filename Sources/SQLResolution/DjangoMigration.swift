import Matching

/// Reads Django migration modules: `migrations.RemoveField`, `DeleteModel`, `RenameField`, `RenameModel`,
/// `AlterModelTable` and the SQL of `RunSQL`, skipping operations that only change Django's state
/// (`SeparateDatabaseAndState(state_operations=[…])`).
enum DjangoMigration {
    static func operations(in text: String, path: String, neighbours: any MigrationNeighbourhood)
        throws(MigrationError) -> MigrationReading
    {
        let bytes = Array(text.utf8)
        let lines = LineIndex(text)
        let calls = PythonSyntax.calls(bytes, lines: lines).calls.filter(isOperation)
        // Operations inside `state_operations=[…]` change only Django's state, not the database; `reverse_sql`
        // runs only on rollback.
        var ignored: [Range<Int>] = []
        var parsed: [PythonSyntax.Arguments] = []
        for call in calls {
            let arguments = PythonSyntax.arguments(bytes, call.arguments)
            parsed.append(arguments)
            if call.name == "SeparateDatabaseAndState", let state = arguments.keyword["state_operations"] {
                ignored.append(state.range)
            }
            if call.name == "RunSQL", let reverse = arguments.keyword["reverse_sql"] { ignored.append(reverse.range) }
        }
        let project = DjangoProject(migrationPath: path, neighbours: neighbours)
        var state = project.history()
        var operations: [MigrationOperation] = []
        for (index, call) in calls.enumerated() {
            let arguments = parsed[index]
            if ignored.contains(where: { $0.contains(call.arguments.lowerBound) }) {
                // Django's state still changes (a later operation may name the renamed model or field).
                state.apply(call.name, arguments, bytes: bytes)
                continue
            }
            let written = "migrations.\(call.name)"
            func required(_ key: String, _ position: Int) throws(MigrationError) -> String {
                guard let value = arguments.string(key, position: position) else {
                    throw .unreadableCall(path: path, line: call.line, call: written)
                }
                return value
            }
            func table(_ model: String) throws(MigrationError) -> (schema: Identifier?, table: Identifier) {
                if let explicit = state.dbTables[model.lowercased()] ?? project.modelSourceTable(model) {
                    return DjangoProject.split(explicit)
                }
                guard let label = project.appLabel else { throw .unknownDjangoApp(path: path, line: call.line) }
                return (nil, Identifier(orm: "\(label)_\(model.lowercased())"))
            }
            func add(_ target: Target, _ kind: MigrationOperation.Kind, _ description: String) {
                operations.append(
                    MigrationOperation(target: target, kind: kind, line: call.line, description: description))
            }
            switch call.name {
            case "RemoveField":
                let model = try required("model_name", 0)
                let field = try required("name", 1)
                let (schema, tableName) = try table(model)
                let description = "\(written)(model_name='\(model)', name='\(field)')"
                switch state.field(model, field) ?? project.modelSourceField(model, field) {
                case .column(let column, _)?:
                    add(
                        Target(schema: schema, table: tableName, column: Identifier(orm: column)), .dropColumn,
                        description)
                case .joinTable(let explicit)?:
                    let join: (schema: Identifier?, table: Identifier) =
                        explicit.map { DjangoProject.split($0) } ?? (
                            schema, Identifier(orm: tableName.name + "_" + field)
                        )
                    add(Target(schema: join.schema, table: join.table), .dropTable, description)
                case .throughModel?: break
                case nil:
                    // The field's definition is in no migration or model source read here: a foreign key's
                    // column is `<name>_id`, any other field's is `<name>`; both are checked.
                    add(
                        Target(schema: schema, table: tableName, column: Identifier(orm: field)), .dropColumn,
                        description)
                    add(
                        Target(schema: schema, table: tableName, column: Identifier(orm: field + "_id")), .dropColumn,
                        description + " (if a ForeignKey)")
                }
            case "RenameField":
                let model = try required("model_name", 0)
                let old = try required("old_name", 1)
                let new = try required("new_name", 2)
                let (schema, tableName) = try table(model)
                let description = "\(written)(model_name='\(model)', old_name='\(old)', new_name='\(new)')"
                switch state.field(model, old) ?? project.modelSourceField(model, old) {
                case .column(let column, let explicit)?:
                    // With `db_column` the column keeps its name.
                    if explicit { break }
                    add(
                        Target(schema: schema, table: tableName, column: Identifier(orm: column)), .renameColumn,
                        description)
                case .joinTable(let explicit)?:
                    // The automatic join table is named after the field.
                    if explicit == nil {
                        add(
                            Target(schema: schema, table: Identifier(orm: tableName.name + "_" + old)), .renameTable,
                            description)
                    }
                case .throughModel?: break
                case nil:
                    add(
                        Target(schema: schema, table: tableName, column: Identifier(orm: old)), .renameColumn,
                        description)
                }
            case "DeleteModel":
                let model = try required("name", 0)
                let (schema, tableName) = try table(model)
                add(Target(schema: schema, table: tableName), .dropTable, "\(written)(name='\(model)')")
            case "RenameModel":
                let old = try required("old_name", 0)
                let new = try required("new_name", 1)
                // With an explicit db_table the table keeps its name.
                if state.dbTables[old.lowercased()] == nil && project.modelSourceTable(old) == nil {
                    let (schema, tableName) = try table(old)
                    add(
                        Target(schema: schema, table: tableName), .renameTable,
                        "\(written)(old_name='\(old)', new_name='\(new)')")
                }
            case "AlterModelTable":
                let model = try required("name", 0)
                let newTable = arguments.string("table", position: 1)
                let (schema, old) = try table(model)
                if newTable != old.name {
                    add(
                        Target(schema: schema, table: old), .renameTable,
                        "\(written)(name='\(model)', table='\(newTable ?? "None")')")
                }
            case "RunSQL":
                let sql = arguments.keyword["sql"]?.value ?? arguments.positional.first
                var strings: [(String, Int)] = []
                switch sql {
                case .string(let text, let offset)?: strings = [(text, offset)]
                case .list(let items)?:
                    for item in items {
                        if case .string(let text, let offset) = item { strings.append((text, offset)) }
                        // `[("SQL", params)]` pairs.
                        if case .list(let pair) = item, case .string(let text, let offset)? = pair.first {
                            strings.append((text, offset))
                        }
                    }
                default: break
                }
                for (text, offset) in strings {
                    operations += try SQLMigration.operations(
                        in: text, path: path, lineOffset: lines.line(at: offset) - 1)
                }
            default: break
            }
            state.apply(call.name, arguments, bytes: bytes)
        }
        return MigrationReading(operations: operations, ignored: ignored)
    }

    /// `migrations.RemoveField(…)`, or the bare `RemoveField(…)` of `from django.db.migrations import …`.
    static func isOperation(_ call: PythonSyntax.Call) -> Bool {
        guard call.receiver == nil || call.receiver == "migrations" || call.receiver == "operations" else {
            return false
        }
        return DjangoState.operationNames.contains(call.name)
    }
}
