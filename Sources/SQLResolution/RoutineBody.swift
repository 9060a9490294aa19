import Matching

/// A table's name as the catalog or a schema file gives it.
public struct RelationName: Hashable, Sendable, CustomStringConvertible {
    public var schema: String?
    public var name: String

    public init(schema: String?, name: String) {
        self.schema = schema
        self.name = name
    }

    /// `public.orders`, `"Orders"`: spelled as SQL needs it.
    public var description: String {
        let table = Identifier(name: name, quoted: true).sqlSpelling
        return schema.map { Identifier(name: $0, quoted: true).sqlSpelling + "." + table } ?? table
    }
}

/// What the body of a function or procedure does with the targets: SQL bodies (`BEGIN ATOMIC` or a string)
/// are bound like any statement, PL/pgSQL bodies are read with PL/pgSQL's own parser and each SQL
/// expression in them bound, other languages are only searched for the target's name (`possible`).
public enum RoutineBody {
    /// One target the body uses, at its strongest.
    public struct Use: Sendable, Equatable {
        public let targetIndex: Int
        public let evidence: Evidence
        public let reason: String
    }

    /// What one `CREATE FUNCTION` or `CREATE PROCEDURE` says and does.
    public struct Analysis: Sendable {
        public var name: RelationName
        public var isProcedure: Bool
        /// `sql`, `plpgsql`, `plpython3u`, … (lower case).
        public var language: String
        /// A `BEGIN ATOMIC` (or `RETURN`) body: the server records what it depends on, as for a view.
        public var atomic: Bool
        public var uses: [Use]
    }

    /// Analyzes `definition` (a `CREATE FUNCTION`/`PROCEDURE` statement: `pg_get_functiondef`'s output or a
    /// dump's); `triggerTables` are the tables whose triggers run it, which its `NEW` and `OLD` rows are rows
    /// of. `nil` when the text is not such a statement.
    public static func analyze(definition: String, targets: [Target], triggerTables: [RelationName] = []) -> Analysis? {
        guard case .tree(let tree) = PgQuery.parse(definition),
            let statement = tree["stmts"]?.array.first?["stmt"]?["CreateFunctionStmt"]
        else { return nil }
        let names = statement["funcname"]?.array.compactMap(\.stringNode) ?? []
        guard let name = names.last else { return nil }
        var language = "sql"
        var strings: [String] = []
        for option in statement["options"]?.array ?? [] {
            guard let element = option["DefElem"] else { continue }
            switch element["defname"]?.string {
            case "language": language = (element["arg"]?.stringNode ?? language).lowercased()
            case "as": strings = element["arg"]?["List"]?["items"]?.array.compactMap(\.stringNode) ?? []
            default: break
            }
        }
        var analysis = Analysis(
            name: RelationName(schema: names.count > 1 ? names[names.count - 2] : nil, name: name),
            isProcedure: statement["is_procedure"]?.bool ?? false, language: language,
            atomic: statement["sql_body"] != nil, uses: [])
        var collector = UseCollector(targets: targets)
        let rowTables: [RelationName?] = triggerTables.isEmpty ? [nil] : triggerTables
        if let body = statement["sql_body"] {
            var binder = Binder(targets: targets)
            for node in atomicStatements(body) { binder.statement(node, scope: Scope(parent: nil), statementStart: 0) }
            collector.add(binder.findings, prefix: "its body")
        } else if language == "sql", let source = strings.first {
            collector.bindSQL(source, rows: nil, prefix: "its body")
        } else if language == "plpgsql", let source = strings.first {
            switch PgQuery.parsePlpgsql(definition) {
            case .tree(let functions):
                var expressions: [String] = []
                collectExpressions(functions, into: &expressions)
                for rows in rowTables {
                    for expression in expressions { collector.bindPlpgsql(expression, rows: rows) }
                }
            case .error(let message, _):
                collector.mentions(
                    in: source, evidence: .possible,
                    reason: { "its PL/pgSQL body names \($0), but does not parse (\(message))" })
            }
        } else if language != "c" && language != "internal", let source = strings.first {
            collector.mentions(
                in: source, evidence: .possible,
                reason: { "its \(language) body names \($0); dropscan does not parse \(language)" })
        }
        analysis.uses = collector.strongest()
        return analysis
    }

    /// The statements of a `BEGIN ATOMIC` body (a list of lists) or of a `RETURN` body (one node).
    static func atomicStatements(_ body: JSONValue) -> [JSONValue] {
        guard let items = body["List"]?["items"]?.array else { return [body] }
        return items.flatMap { $0["List"]?["items"]?.array ?? [$0] }
    }

    /// Every `PLpgSQL_expr`'s query text in a PL/pgSQL tree, in document order.
    static func collectExpressions(_ node: JSONValue, into expressions: inout [String]) {
        switch node {
        case .object(let members):
            for member in members {
                if member.key == "PLpgSQL_expr", let query = member.value["query"]?.string {
                    expressions.append(query)
                } else {
                    collectExpressions(member.value, into: &expressions)
                }
            }
        case .array(let values):
            for value in values { collectExpressions(value, into: &expressions) }
        default:
            break
        }
    }
}

/// Gathers the uses a body's pieces give, the strongest per target.
private struct UseCollector {
    let targets: [Target]
    /// Lower-cased UTF-8 of each target's name as written in text (the column, or the table of a whole-table
    /// target).
    let mentionNames: [[UInt8]]
    var best: [Int: RoutineBody.Use] = [:]

    init(targets: [Target]) {
        self.targets = targets
        mentionNames = targets.map { Array(($0.column?.name ?? $0.table.name).lowercased().utf8) }
    }

    mutating func add(_ findings: [RawFinding], prefix: String) {
        for finding in findings where finding.evidence.isUse {
            offer(finding.targetIndex, finding.evidence, "\(prefix): \(finding.reason)")
        }
    }

    mutating func offer(_ index: Int, _ evidence: Evidence, _ reason: String) {
        if let existing = best[index], existing.evidence <= evidence { return }
        best[index] = RoutineBody.Use(targetIndex: index, evidence: evidence, reason: reason)
    }

    /// Binds SQL text (one or more statements); pieces that do not parse and name a target are `possible`.
    mutating func bindSQL(_ text: String, rows: RelationName?, prefix: String) {
        var binder = Binder(targets: targets, rows: rows)
        if case .tree(let tree) = PgQuery.parse(text) {
            binder.bind(tree: tree, statementOffset: 0)
            add(binder.findings, prefix: prefix)
            return
        }
        let utf8 = Array(text.utf8)
        for piece in PgQuery.split(text) {
            let start = min(piece.location, utf8.count)
            let end = min(utf8.count, start + max(piece.length, 0))
            let pieceText = String(decoding: utf8[start..<(piece.length > 0 ? end : utf8.count)], as: UTF8.self)
            if case .tree(let tree) = PgQuery.parse(pieceText) {
                binder.bind(tree: tree, statementOffset: 0)
            } else {
                mentions(
                    in: pieceText, evidence: .possible, reason: { "\(prefix) names \($0) in SQL that does not parse" })
            }
        }
        add(binder.findings, prefix: prefix)
    }

    /// Binds one PL/pgSQL expression: a statement as it is, else an expression or assignment read as a
    /// `SELECT` list. A string constant that names a target may be dynamic SQL: it is bound too, and a
    /// mention in one is `possible` at least.
    mutating func bindPlpgsql(_ expression: String, rows: RelationName?) {
        let prefix = rows.map { "its PL/pgSQL body (NEW and OLD rows of \($0))" } ?? "its PL/pgSQL body"
        var candidates = [expression, "SELECT " + expression]
        if let assignment = expression.range(of: ":=") {
            candidates.append("SELECT " + expression.replacingCharacters(in: assignment, with: ","))
        }
        for candidate in candidates {
            guard case .tree(let tree) = PgQuery.parse(candidate) else { continue }
            var binder = Binder(targets: targets, rows: rows)
            binder.bind(tree: tree, statementOffset: 0)
            add(binder.findings, prefix: prefix)
            var constants: [String] = []
            Self.stringConstants(tree, into: &constants)
            for constant in constants {
                mentions(
                    in: constant, evidence: .possible,
                    reason: { "\(prefix) names \($0) in a string, which may be run as dynamic SQL" })
                if case .tree(let dynamic) = PgQuery.parse(constant) {
                    var inner = Binder(targets: targets, rows: nil)
                    inner.bind(tree: dynamic, statementOffset: 0)
                    add(inner.findings, prefix: "\(prefix), dynamic SQL")
                }
            }
            return
        }
        mentions(
            in: expression, evidence: .possible,
            reason: { "\(prefix) names \($0) in an expression that does not parse" })
    }

    /// Offers `evidence` for every target whose name `text` holds as a word.
    mutating func mentions(in text: String, evidence: Evidence, reason: (String) -> String) {
        var copy = text
        copy.withUTF8 { bytes in
            for (index, name) in mentionNames.enumerated()
            where !SQLResolver.wordOccurrences(of: name, in: bytes).isEmpty {
                offer(index, evidence, reason(String(decoding: name, as: UTF8.self)))
            }
        }
    }

    func strongest() -> [RoutineBody.Use] { best.keys.sorted().map { best[$0]! } }

    /// The values of the string constants (`A_Const` `sval`) in a parse tree.
    static func stringConstants(_ node: JSONValue, into constants: inout [String]) {
        switch node {
        case .object(let members):
            for member in members {
                if member.key == "A_Const", let value = member.value["sval"]?["sval"]?.string {
                    constants.append(value)
                } else {
                    stringConstants(member.value, into: &constants)
                }
            }
        case .array(let values):
            for value in values { stringConstants(value, into: &constants) }
        default:
            break
        }
    }
}

extension Binder {
    /// A binder whose statements see `NEW` and `OLD` as rows of `rows` (answering qualified references only,
    /// as in a trigger function or a rule).
    init(targets: [Target], rows: RelationName?) {
        self.init(targets: targets)
        if let rows {
            rootRelations = ["new", "old"].map { row in
                Relation(
                    refName: row,
                    kind: .join([
                        Relation(refName: rows.name, kind: .table(schema: rows.schema, name: rows.name), aliased: false)
                    ]),
                    aliased: true)
            }
        }
    }
}
