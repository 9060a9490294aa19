import Matching
import SQLResolution

/// The objects a live catalog records as depending on each target (`pg_depend`, `pg_rewrite`, `tgattr`,
/// `indkey`, `conkey`/`confkey`, `attacl`, `prattrs`, `stxkeys`, `partattrs`, `relreplident`), and the
/// routines whose bodies use it (read with `RoutineBody`, as the catalog records nothing for string
/// bodies). Every query runs through `connection`; nothing is written.
struct CatalogDependents {
    let connection: PostgresConnection
    let targets: [Target]
    /// `server_version_num`.
    let version: Int

    /// Per target: its dependents, and whether its table (and column) exists.
    func read() throws(DatabaseError) -> (dependents: [[Dependent]], defined: [Bool]) {
        let triggers = try connection.query(CatalogQueries.triggers)
        let routines = try readRoutines(triggers: triggers)
        var dependents: [[Dependent]] = []
        var defined: [Bool] = []
        for (index, target) in targets.enumerated() {
            var found: [String: Dependent] = [:]
            var exists = false
            let relations = try connection.query(
                CatalogQueries.relations, [target.table.name, target.schema?.name])
            for row in relations.rows.indices {
                guard let oid = relations.value(row, "oid"), let schema = relations.value(row, "schema"),
                    let name = relations.value(row, "name")
                else { continue }
                let table = RelationName(schema: schema, name: name)
                var attnum = "0"
                if let column = target.column {
                    let columns = try connection.query(CatalogQueries.column, [oid, column.name])
                    guard let number = columns.value(0, "attnum") else { continue }
                    attnum = number
                }
                exists = true
                let context = TargetContext(
                    index: index, target: target, oid: oid, attnum: attnum, table: table, origin: connection.server)
                for dependent in try relationDependents(context, routines: routines, triggers: triggers) {
                    found[dependent.identity] = dependent
                }
            }
            dependents.append(Array(found.values).sorted(by: Dependent.reportOrder))
            defined.append(exists)
        }
        return (dependents, defined)
    }

    /// One table a target names (a target without a schema may name several).
    struct TargetContext {
        let index: Int
        let target: Target
        let oid: String
        /// "0" for a whole-table target.
        let attnum: String
        let table: RelationName
        let origin: String
        var parameters: [String?] { [oid, attnum] }
        var column: String? { target.column?.name }

        func dependent(
            _ kind: DependentKind, _ name: String, table: RelationName?, definition: String, reason: String,
            onDrop: DropEffect, evidence: Evidence = .confirmed
        ) -> Dependent {
            Dependent(
                kind: kind, name: name, table: table?.description, definition: definition, evidence: evidence,
                reason: reason, onDrop: onDrop, source: .database, origin: origin)
        }

        /// `orders.legacy_status` or `the table orders`, for reasons.
        var subject: String { column.map { "\(table).\($0)" } ?? "table \(table)" }
    }

    /// A user routine and what its body does with each target.
    struct Routine {
        let oid: String
        let analysis: RoutineBody.Analysis
        let definition: String
    }

    /// Routines whose definition names a target, analyzed with the tables their triggers are on.
    func readRoutines(triggers: QueryRows) throws(DatabaseError) -> [Routine] {
        let names = Set(targets.map { $0.column?.name ?? $0.table.name })
        let array = "{" + names.sorted().map(Self.arrayElement).joined(separator: ",") + "}"
        let rows = try connection.query(CatalogQueries.routines, [array])
        var tablesOfFunction: [String: [RelationName]] = [:]
        for row in triggers.rows.indices {
            guard let function = triggers.value(row, "function"), let schema = triggers.value(row, "schema"),
                let table = triggers.value(row, "tablename")
            else { continue }
            tablesOfFunction[function, default: []].append(RelationName(schema: schema, name: table))
        }
        var routines: [Routine] = []
        for row in rows.rows.indices {
            guard let oid = rows.value(row, "oid"), let definition = rows.value(row, "definition"),
                let analysis = RoutineBody.analyze(
                    definition: definition, targets: targets, triggerTables: tablesOfFunction[oid] ?? [])
            else { continue }
            routines.append(Routine(oid: oid, analysis: analysis, definition: definition))
        }
        return routines
    }

    /// One element of a PostgreSQL array literal: quoted, with `"` and `\` escaped.
    static func arrayElement(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    func relationDependents(_ context: TargetContext, routines: [Routine], triggers: QueryRows) throws(DatabaseError)
        -> [Dependent]
    {
        let wholeTable = context.column == nil
        var found = try rewrites(context)
        // Routines: bodies that use the target, and those the server records (BEGIN ATOMIC).
        let recorded = Set(
            try connection.query(CatalogQueries.recordedRoutines, context.parameters).rows.compactMap {
                $0.first ?? nil
            })
        var dependentRoutines: [String: String] = [:]
        for routine in routines {
            let use = routine.analysis.uses.first { $0.targetIndex == context.index }
            guard use != nil || recorded.contains(routine.oid) else { continue }
            let name = routine.analysis.name.description
            dependentRoutines[routine.oid] = name
            found.append(
                context.dependent(
                    routine.analysis.isProcedure ? .procedure : .function, name, table: nil,
                    definition: routine.definition,
                    reason: use?.reason ?? "the server records that its body depends on \(context.subject)",
                    onDrop: recorded.contains(routine.oid) ? .cascade : .breaks, evidence: use?.evidence ?? .confirmed))
        }
        // A recorded routine whose definition does not spell the target's name (none is known) is still one.
        for oid in recorded.subtracting(routines.map(\.oid)).sorted() {
            let rows = try connection.query(CatalogQueries.routine, [oid])
            guard let schema = rows.value(0, "schema"), let name = rows.value(0, "name") else { continue }
            let qualified = RelationName(schema: schema, name: name).description
            dependentRoutines[oid] = qualified
            found.append(
                context.dependent(
                    rows.value(0, "kind") == "p" ? .procedure : .function, qualified, table: nil,
                    definition: rows.value(0, "definition") ?? qualified,
                    reason: "the server records that its body depends on \(context.subject)", onDrop: .cascade))
        }
        // Triggers: UPDATE OF or WHEN on the column, or running a routine that uses the target.
        let named =
            wholeTable
            ? []
            : Set(
                try connection.query(CatalogQueries.columnTriggers, context.parameters).rows.compactMap {
                    $0.first ?? nil
                })
        for row in triggers.rows.indices {
            guard let oid = triggers.value(row, "oid"), let name = triggers.value(row, "name"),
                let schema = triggers.value(row, "schema"), let table = triggers.value(row, "tablename"),
                let function = triggers.value(row, "function"), let definition = triggers.value(row, "definition")
            else { continue }
            let on = RelationName(schema: schema, name: table)
            if named.contains(oid) {
                found.append(
                    context.dependent(
                        .trigger, name, table: on, definition: definition,
                        reason: "its UPDATE OF list or WHEN condition names \(context.subject)", onDrop: .cascade))
            } else if let routine = dependentRoutines[function], !(wholeTable && on == context.table) {
                found.append(
                    context.dependent(
                        .trigger, name, table: on, definition: definition,
                        reason: "it runs \(routine), which uses \(context.subject)", onDrop: .breaks))
            }
        }
        found += try constraints(context)
        found += try publications(context)
        if wholeTable {
            found += try policies(context)
            found += try children(context)
            for row in try connection.query(CatalogQueries.rowTypeDependents, [context.oid]).rows {
                guard let name = row[0] else { continue }
                found.append(
                    context.dependent(
                        .other, name, table: nil, definition: name,
                        reason: "it depends on the row type of \(context.table)", onDrop: .cascade))
            }
        } else {
            found += try columnOnly(context)
        }
        return found
    }

    /// Views, materialized views and rules.
    func rewrites(_ context: TargetContext) throws(DatabaseError) -> [Dependent] {
        let rows = try connection.query(CatalogQueries.rewrites, context.parameters)
        return rows.rows.indices.compactMap { row in
            guard let rule = rows.value(row, "rule"), let schema = rows.value(row, "schema"),
                let name = rows.value(row, "name"), let kind = rows.value(row, "kind"),
                let definition = rows.value(row, "definition")
            else { return nil }
            let relation = RelationName(schema: schema, name: name)
            if rule == "_RETURN" {
                let materialized = kind == "m"
                return context.dependent(
                    materialized ? .materializedView : .view, relation.description, table: nil,
                    definition: "CREATE \(materialized ? "MATERIALIZED VIEW" : "VIEW") \(relation) AS\n\(definition)",
                    reason: "the server records that it reads \(context.subject)", onDrop: .cascade)
            }
            return context.dependent(
                .rule, rule, table: relation, definition: definition,
                reason: "the server records that it uses \(context.subject)", onDrop: .cascade)
        }
    }

    /// The column's constraints (and foreign keys referencing it), or foreign keys referencing the table.
    func constraints(_ context: TargetContext) throws(DatabaseError) -> [Dependent] {
        let query = context.column == nil ? CatalogQueries.referencingForeignKeys : CatalogQueries.columnConstraints
        let rows = try connection.query(query, context.column == nil ? [context.oid] : context.parameters)
        let kinds: [String: DependentKind] = [
            "p": .primaryKey, "u": .uniqueConstraint, "c": .checkConstraint, "f": .foreignKey,
            "x": .exclusionConstraint,
        ]
        return rows.rows.indices.compactMap { row in
            guard let name = rows.value(row, "name"), let type = rows.value(row, "type"), let kind = kinds[type],
                let schema = rows.value(row, "schema"), let table = rows.value(row, "tablename"),
                let definition = rows.value(row, "definition")
            else { return nil }
            let on = RelationName(schema: schema, name: table)
            let own = rows.value(row, "own") == "true"
            return context.dependent(
                kind, name, table: on, definition: "ALTER TABLE \(on) ADD CONSTRAINT \(name) \(definition)",
                reason: own ? "it constrains \(context.subject)" : "its foreign key references \(context.subject)",
                onDrop: own ? .dropped : .cascade)
        }
    }

    /// Publications: a column list (or row filter) holding the column, or the whole table published.
    func publications(_ context: TargetContext) throws(DatabaseError) -> [Dependent] {
        guard let column = context.column else {
            let rows = try connection.query(
                CatalogQueries.tablePublications, [context.table.schema, context.table.name])
            return rows.rows.indices.compactMap { row in
                guard let name = rows.value(row, "name") else { return nil }
                let all = rows.value(row, "alltables") == "true"
                return context.dependent(
                    .publication, name, table: all ? nil : context.table,
                    definition: all
                        ? "CREATE PUBLICATION \(name) FOR ALL TABLES"
                        : "ALTER PUBLICATION \(name) ADD TABLE \(context.table)",
                    reason: all ? "it publishes every table" : "it publishes \(context.table)", onDrop: .dropped)
            }
        }
        guard version >= 150_000 else { return [] }
        let rows = try connection.query(CatalogQueries.publicationColumns, context.parameters)
        return rows.rows.indices.compactMap { row in
            guard let name = rows.value(row, "name") else { return nil }
            var definition = "ALTER PUBLICATION \(name) ADD TABLE \(context.table)"
            if let columns = rows.value(row, "columns"), !columns.isEmpty { definition += " (\(columns))" }
            if let filter = rows.value(row, "filter") { definition += " WHERE (\(filter))" }
            return context.dependent(
                .publication, name, table: context.table, definition: definition,
                reason: "its column list or row filter for \(context.table) holds \(column)", onDrop: .cascade)
        }
    }
}
