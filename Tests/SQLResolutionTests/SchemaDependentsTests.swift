import Matching
import Testing

@testable import SQLResolution

/// Small hand-written schemas (the real-server tests compare a `pg_dump` with the catalog).
@Suite struct SchemaDependentsTests {
    let targets = try! ["orders.legacy_status", "events.*"].map { try Target(parsing: $0) }

    func objects(_ dependents: [Dependent]) -> Set<String> {
        Set(dependents.map { "\($0.kind.rawValue) \($0.name)" + ($0.table.map { " on \($0)" } ?? "") })
    }

    @Test func inlineConstraintsGetTheNamesPostgreSQLWouldGiveThem() {
        let sql = """
            -- A hand-written schema: comments, inline constraints, no schema names.
            CREATE TABLE orders (
                id int PRIMARY KEY,
                legacy_status text REFERENCES status_codes (code) CHECK (legacy_status <> ''),
                note text DEFAULT 'x'
            );
            CREATE TABLE events (id int, kind text) PARTITION BY LIST (kind);
            CREATE TABLE events_login PARTITION OF events FOR VALUES IN ('login');
            CREATE TABLE events_archive () INHERITS (events);
            """
        let result = SchemaDependents.find(sql: sql, origin: "schema.sql", targets: targets)
        #expect(
            objects(result.dependents[0]) == [
                "foreign-key orders_legacy_status_fkey on orders",
                "check-constraint orders_legacy_status_check on orders",
            ])
        #expect(objects(result.dependents[1]) == ["child-table events_login", "child-table events_archive"])
        #expect(result.dependents[0].map(\.line) == [2, 2], "the line of the CREATE TABLE")
        #expect(result.defined == [true, true])
        #expect(result.problems.isEmpty)
    }

    @Test func aBeginAtomicBodyWithACaseExpressionStaysOneStatement() {
        let sql = """
            CREATE FUNCTION label(order_id int) RETURNS text LANGUAGE sql
            BEGIN ATOMIC
                SELECT CASE WHEN legacy_status IS NULL THEN 'none' ELSE legacy_status END FROM orders WHERE id = order_id;
                SELECT 'second statement';
            END;
            CREATE VIEW v AS SELECT 1 AS one;
            """
        let statements = SQLScript.statements(sql)
        #expect(statements.count == 2)
        #expect(statements.first?.text.hasSuffix("END") == true)
        #expect(statements.last?.line == 6)
        let result = SchemaDependents.find(sql: sql, origin: "f.sql", targets: targets)
        #expect(
            result.dependents[0].map(\.onDrop) == [.cascade], "the server records a BEGIN ATOMIC body's dependencies")
    }

    @Test func aTableAfterPgDumpsCommentIsRead() {
        let dump = "--\n-- Name: orders; Type: TABLE; Schema: public\n--\n\nCREATE TABLE public.orders (id int);\n"
        let (tables, problems) = SchemaDump.read(sql: dump, path: "schema.sql")
        #expect(tables.map(\.name) == ["orders"])
        #expect(tables.first?.provenance.line == 5)
        #expect(problems.isEmpty)
    }

    @Test func aTargetTheSchemaDoesNotHaveIsNotDefined() {
        let result = SchemaDependents.find(
            sql: "CREATE TABLE orders (id int, legacy_state text);", origin: "s.sql", targets: targets)
        #expect(result.defined == [false, false])
    }
}

@Suite struct RoutineBodyTests {
    let targets = [try! Target(parsing: "orders.legacy_status")]

    func use(_ definition: String, triggerTables: [RelationName] = []) -> RoutineBody.Use? {
        RoutineBody.analyze(definition: definition, targets: targets, triggerTables: triggerTables)?.uses.first
    }

    @Test func newAndOldAreRowsOfTheTriggersTableOnly() {
        let body = """
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.legacy_status IS NULL THEN RETURN OLD; END IF;
                RETURN NEW;
            END $$;
            """
        #expect(use(body, triggerTables: [RelationName(schema: "public", name: "orders")])?.evidence == .confirmed)
        #expect(use(body, triggerTables: [RelationName(schema: nil, name: "customers")]) == nil)
        #expect(use(body) == nil, "a function no trigger runs has no NEW row")
    }

    @Test func dynamicSQLInAStringIsBound() {
        let body = """
            CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                EXECUTE 'UPDATE orders SET legacy_status = NULL';
            END $$;
            """
        #expect(use(body)?.evidence == .confirmed)
        #expect(use(body)?.reason.contains("dynamic SQL") == true)
    }

    @Test func anotherTablesColumnOfTheSameNameIsNotAUse() {
        let body = "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT legacy_status FROM customers $$;"
        #expect(use(body) == nil)
    }

    @Test func otherLanguagesArePossibleByName() {
        let body = """
            CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$
            return plpy.execute("SELECT legacy_status FROM orders").nrows()
            $$;
            """
        #expect(use(body)?.evidence == .possible)
        #expect(
            RoutineBody.analyze(
                definition: "CREATE FUNCTION g() RETURNS int LANGUAGE plpython3u AS $$ return 1 $$;", targets: targets)?
                .uses.isEmpty == true)
    }
}
