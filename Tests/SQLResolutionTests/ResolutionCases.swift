import Matching
import Testing

@testable import SQLResolution

/// Targets shared by the table-driven cases; the case's `target` is an index into this list.
let caseTargets: [Target] = [
    Target(table: Identifier(name: "orders", quoted: false), column: Identifier(name: "legacy_status", quoted: false)),
    Target(
        table: Identifier(name: "order_items", quoted: false),
        column: Identifier(name: "legacy_discount_code", quoted: false)),
    Target(
        schema: Identifier(name: "billing", quoted: false), table: Identifier(name: "invoices", quoted: false),
        column: Identifier(name: "legacy_ref", quoted: false)),
    Target(table: Identifier(name: "Orders", quoted: true), column: Identifier(name: "status", quoted: false)),
    Target(table: Identifier(name: "customers", quoted: false)),
]

let orders = 0
let orderItems = 1
let invoices = 2
let quotedOrders = 3
let customersTable = 4

struct ResolutionCase: CustomTestStringConvertible, Sendable {
    let name: String
    let sql: String
    let target: Int
    /// `nil`: the resolver must report nothing for the target.
    let expected: Evidence?

    init(_ name: String, _ sql: String, _ target: Int, _ expected: Evidence?) {
        self.name = name
        self.sql = sql
        self.target = target
        self.expected = expected
    }

    var testDescription: String { name }
}

let resolutionCases: [ResolutionCase] = [
    // Aliases, qualification, case.
    .init("alias", "SELECT oi.legacy_discount_code FROM order_items oi", orderItems, .confirmed),
    .init("single table unqualified", "SELECT legacy_status FROM orders", orders, .confirmed),
    .init("upper-case unquoted folds", "SELECT ORDERS.LEGACY_STATUS FROM ORDERS", orders, .confirmed),
    .init("quoted lower-case column is the column", #"SELECT "legacy_status" FROM orders"#, orders, .confirmed),
    .init("quoted upper-case column is another column", #"SELECT "LEGACY_STATUS" FROM orders"#, orders, .notAUse),
    .init("quoted mixed-case table", #"SELECT status FROM "Orders""#, quotedOrders, .confirmed),
    .init("unquoted Orders is not \"Orders\"", "SELECT status FROM Orders", quotedOrders, .notAUse),
    .init("schema matches", "SELECT legacy_ref FROM billing.invoices", invoices, .confirmed),
    .init("schema differs", "SELECT legacy_ref FROM archive.invoices", invoices, .notAUse),
    .init("unqualified table may be in the schema", "SELECT i.legacy_ref FROM invoices i", invoices, .confirmed),
    .init(
        "three-part column reference", "SELECT billing.invoices.legacy_ref FROM billing.invoices", invoices, .confirmed),
    // Joins.
    .init(
        "same column, qualified to the target",
        "SELECT o.legacy_status FROM orders o JOIN shipments s ON s.order_id = o.id",
        orders, .confirmed),
    .init(
        "same column, qualified to the other table",
        "SELECT s.legacy_status FROM orders o JOIN shipments s ON s.order_id = o.id", orders, .notAUse),
    .init(
        "same column, unqualified over two tables",
        "SELECT legacy_status FROM orders o JOIN shipments s ON s.order_id = o.id", orders, .probable),
    .init(
        "unqualified over two tables, one of them the target of another column",
        "SELECT legacy_discount_code FROM order_items oi JOIN orders o ON o.id = oi.order_id", orderItems, .probable),
    .init(
        "USING on the target column", "SELECT id FROM orders JOIN orders_archive USING (legacy_status)", orders,
        .confirmed),
    .init(
        "USING on another column", "SELECT legacy_status FROM orders JOIN order_archive USING (id)", orders, .probable),
    .init("NATURAL join may join on it", "SELECT id FROM orders NATURAL JOIN order_archive", orders, .probable),
    .init("column of another table only", "SELECT legacy_status FROM order_items", orders, .notAUse),
    // Subqueries and CTEs.
    .init(
        "correlated subquery, outer alias",
        "SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id AND o.legacy_status = 'x')",
        orders, .confirmed),
    .init(
        "subquery, inner target table wins",
        "SELECT id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND legacy_status = 'x')",
        orders, .confirmed),
    .init(
        "correlated subquery, unqualified, inner table may have it",
        "SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE legacy_status = 'x')", orders, .probable),
    .init(
        "derived table reads it", "SELECT x.legacy_status FROM (SELECT legacy_status FROM orders) x", orders, .confirmed
    ),
    .init(
        "derived column of the same name", "SELECT t.legacy_status FROM (SELECT 1 AS legacy_status) t, orders", orders,
        .notAUse),
    .init(
        "CTE named like the table shadows it",
        "WITH orders AS (SELECT 1 AS legacy_status) SELECT legacy_status FROM orders", orders, .notAUse),
    .init(
        "CTE reading the table",
        "WITH recent AS (SELECT id, legacy_status FROM orders) SELECT legacy_status FROM recent", orders, .confirmed),
    .init(
        "LATERAL subquery sees the outer alias",
        "SELECT x.s FROM orders o CROSS JOIN LATERAL (SELECT o.legacy_status AS s) x", orders, .confirmed),
    // Stars.
    .init("SELECT *", "SELECT * FROM orders", orders, .implicit),
    .init("t.* over the target", "SELECT o.* FROM orders o JOIN customers c ON true", orders, .implicit),
    .init("t.* over another table", "SELECT c.* FROM orders o JOIN customers c ON true", orders, nil),
    .init("star over a CTE that names other columns", "WITH w AS (SELECT id FROM orders) SELECT * FROM w", orders, nil),
    // Text that names the column without using it.
    .init("string literal", "SELECT id FROM orders WHERE note = 'legacy_status'", orders, .notAUse),
    .init("comment", "SELECT id FROM orders -- legacy_status is gone\nWHERE id = 1", orders, .notAUse),
    .init("block comment", "SELECT id /* legacy_status */ FROM orders", orders, .notAUse),
    .init("output alias", "SELECT id AS legacy_status FROM orders", orders, .notAUse),
    .init("function of the same name", "SELECT util.legacy_status(id) FROM orders", orders, .notAUse),
    .init("longer word is not the name", "SELECT legacy_status_v2 FROM orders", orders, nil),
    // DML.
    .init("INSERT with a column list", "INSERT INTO orders (id, legacy_status) VALUES (1, 'x')", orders, .confirmed),
    .init("INSERT without a column list", "INSERT INTO orders VALUES (1, 'x')", orders, .implicit),
    .init("INSERT DEFAULT VALUES names no column", "INSERT INTO orders DEFAULT VALUES", orders, nil),
    .init("INSERT with a list that omits it", "INSERT INTO orders (id) VALUES (1)", orders, nil),
    .init(
        "INSERT … SELECT reads it", "INSERT INTO archive (id, legacy_status) SELECT id, legacy_status FROM orders",
        orders, .confirmed),
    .init("INSERT … SELECT * without a list", "INSERT INTO orders SELECT * FROM staging", orders, .implicit),
    .init("UPDATE SET", "UPDATE orders SET legacy_status = NULL WHERE id = 1", orders, .confirmed),
    .init(
        "UPDATE … FROM, qualified",
        "UPDATE orders o SET total = s.total FROM staging s WHERE s.id = o.id AND o.legacy_status = 'x'", orders,
        .confirmed),
    .init(
        "UPDATE … FROM, unqualified over two tables",
        "UPDATE shipments s SET state = 'x' FROM orders o WHERE s.order_id = o.id AND legacy_status = 'old'", orders,
        .probable),
    .init(
        "ON CONFLICT … EXCLUDED",
        "INSERT INTO orders (id, state) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.legacy_status",
        orders, .confirmed),
    .init(
        "ON CONFLICT target column", "INSERT INTO orders (id) VALUES (1) ON CONFLICT (legacy_status) DO NOTHING",
        orders,
        .confirmed),
    .init("RETURNING *", "DELETE FROM orders WHERE id = 1 RETURNING *", orders, .implicit),
    .init(
        "DELETE … USING … RETURNING",
        "DELETE FROM orders o USING customers c WHERE c.id = o.customer_id RETURNING o.legacy_status", orders,
        .confirmed),
    .init(
        "MERGE UPDATE SET",
        "MERGE INTO orders o USING staging s ON s.id = o.id WHEN MATCHED THEN UPDATE SET legacy_status = s.x", orders,
        .confirmed),
    // Clauses and expressions.
    .init(
        "GROUP BY, HAVING, ORDER BY",
        "SELECT count(*) FROM orders GROUP BY legacy_status HAVING count(*) > 1 ORDER BY legacy_status", orders,
        .confirmed),
    .init(
        "window clause", "SELECT id, row_number() OVER (PARTITION BY legacy_status ORDER BY id) FROM orders", orders,
        .confirmed),
    .init("CASE", "SELECT CASE WHEN legacy_status = 'x' THEN 1 END FROM orders", orders, .confirmed),
    .init("function argument and cast", "SELECT coalesce(legacy_status, 'none')::text FROM orders", orders, .confirmed),
    .init(
        "ORDER BY an output alias of the same name",
        "SELECT id AS legacy_status FROM orders ORDER BY legacy_status", orders, .notAUse),
    // DDL.
    .init("CREATE INDEX", "CREATE INDEX idx_orders_legacy ON orders (legacy_status)", orders, .confirmed),
    .init(
        "CREATE INDEX on an expression",
        "CREATE INDEX idx ON orders (lower(legacy_status)) WHERE legacy_status IS NOT NULL", orders, .confirmed),
    .init("COMMENT ON COLUMN", "COMMENT ON COLUMN orders.legacy_status IS 'deprecated'", orders, .confirmed),
    .init("CREATE VIEW", "CREATE VIEW v_orders AS SELECT id, legacy_status FROM orders", orders, .confirmed),
    .init("ALTER TABLE DROP COLUMN", "ALTER TABLE orders DROP COLUMN legacy_status", orders, .confirmed),
    .init(
        "ALTER TABLE RENAME COLUMN", "ALTER TABLE orders RENAME COLUMN legacy_status TO old_status", orders, .confirmed),
    .init(
        "ALTER COLUMN SET DEFAULT", "ALTER TABLE orders ALTER COLUMN legacy_status SET DEFAULT 'x'", orders, .confirmed),
    .init(
        "ADD CONSTRAINT CHECK", "ALTER TABLE orders ADD CONSTRAINT chk CHECK (legacy_status IN ('a', 'b'))", orders,
        .confirmed),
    .init(
        "CREATE TABLE … REFERENCES", "CREATE TABLE refunds (id int, status text REFERENCES orders (legacy_status))",
        orders, .confirmed),
    .init("CREATE TABLE (LIKE)", "CREATE TABLE orders_copy (LIKE orders)", orders, .implicit),
    .init("COPY with a column list", "COPY orders (id, legacy_status) FROM STDIN", orders, .confirmed),
    .init("COPY without a column list", "COPY orders TO STDOUT", orders, .implicit),
    .init(
        "trigger UPDATE OF",
        "CREATE TRIGGER t BEFORE UPDATE OF legacy_status ON orders FOR EACH ROW EXECUTE FUNCTION f()",
        orders, .confirmed),
    .init(
        "trigger WHEN reads OLD and NEW",
        "CREATE TRIGGER t AFTER UPDATE ON orders FOR EACH ROW "
            + "WHEN (OLD.legacy_status IS DISTINCT FROM NEW.legacy_status) EXECUTE FUNCTION f()", orders, .confirmed),
    .init("row-level policy", "CREATE POLICY p ON orders USING (legacy_status <> 'hidden')", orders, .confirmed),
    .init("ANALYZE a column", "ANALYZE orders (legacy_status)", orders, .confirmed),
    .init("materialized view over *", "CREATE MATERIALIZED VIEW mv AS SELECT * FROM orders", orders, .implicit),
    // Other statement forms.
    .init("whole-row reference", "SELECT row_to_json(o) FROM orders o", orders, .implicit),
    .init("field of a whole-row reference", "SELECT (o).legacy_status FROM orders o", orders, .confirmed),
    .init(
        "UNION branches", "SELECT legacy_status FROM orders UNION ALL SELECT legacy_status FROM archive", orders,
        .confirmed),
    .init("PREPARE", "PREPARE p (text) AS UPDATE orders SET legacy_status = $1", orders, .confirmed),
    .init("EXPLAIN", "EXPLAIN ANALYZE SELECT * FROM orders", orders, .implicit),
    .init("multi-column SET", "UPDATE orders SET (legacy_status, total) = ('x', 1)", orders, .confirmed),
    .init(
        "IN subquery, unqualified, inner table may have it",
        "SELECT id FROM orders WHERE id IN (SELECT order_id FROM refunds WHERE legacy_status = 'x')", orders, .probable),
    .init("column privilege", "GRANT SELECT (legacy_status) ON orders TO app", orders, .confirmed),
    .init(
        "ALTER COLUMN TYPE … USING reads it",
        "ALTER TABLE orders ALTER COLUMN total TYPE numeric USING legacy_status::numeric", orders, .confirmed),
    .init("DISTINCT ON", "SELECT DISTINCT ON (legacy_status) id FROM orders", orders, .confirmed),
    .init(
        "data-modifying CTE RETURNING *", "WITH x AS (UPDATE orders SET total = 0 RETURNING *) SELECT id FROM x",
        orders,
        .implicit),
    .init(
        "column through a join alias",
        "SELECT j.legacy_status FROM (orders a JOIN shipments b ON true) AS j", orders, .probable),
    // Text that does not parse.
    .init("truncated statement", "SELECT id, legacy_status FROM orders WHERE", orders, .possible),
    .init("MySQL backticks", "SELECT `legacy_status` FROM `orders` LIMIT 10", orders, .possible),
    .init("T-SQL TOP", "SELECT TOP 10 legacy_status FROM orders", orders, .possible),
    .init("template placeholders", "SELECT legacy_status FROM orders WHERE id = {{ id }}", orders, .possible),
    .init(
        "PL/pgSQL function body",
        "CREATE FUNCTION f() RETURNS void AS $$ BEGIN UPDATE orders SET legacy_status = 'x'; END $$ LANGUAGE plpgsql",
        orders, .possible),
    // Several statements.
    .init("two statements", "SELECT 1; UPDATE orders SET legacy_status = 'x'", orders, .confirmed),
    .init(
        "one good and one unparseable statement",
        "SELECT legacy_status FROM orders; SELECT TOP 1 legacy_status FROM orders", orders, .confirmed),
    // Whole-table targets.
    .init("whole table: FROM", "SELECT id FROM customers", customersTable, .confirmed),
    .init("whole table: TRUNCATE", "TRUNCATE customers", customersTable, .confirmed),
    .init("whole table: DROP", "DROP TABLE orders, customers", customersTable, .confirmed),
    .init(
        "whole table: REFERENCES", "CREATE TABLE notes (customer_id int REFERENCES customers)", customersTable,
        .confirmed),
    .init("whole table: LOCK", "LOCK TABLE customers IN SHARE MODE", customersTable, .confirmed),
    .init("whole table: longer name", "SELECT 1 FROM customers_archive", customersTable, nil),
    .init("whole table: CTE shadows", "WITH customers AS (SELECT 1) SELECT * FROM customers", customersTable, .notAUse),
    .init("whole table: column of the same name", "SELECT customers FROM stats", customersTable, .notAUse),
]

@Suite struct ResolutionCaseTests {
    static let resolver = SQLResolver(targets: caseTargets)

    @Test(arguments: resolutionCases)
    func resolvesToTheExpectedEvidence(_ testCase: ResolutionCase) {
        let resolution = Self.resolver.resolve(testCase.sql)
        let outcome = resolution.outcome(forTarget: testCase.target)
        #expect(
            outcome?.evidence == testCase.expected,
            "\(testCase.sql) → \(outcome.map { "\($0.evidence): \($0.findings.map(\.reason))" } ?? "nothing")")
        if let outcome {
            #expect(!outcome.findings.isEmpty)
            #expect(outcome.findings.allSatisfy { $0.location >= 0 && $0.location <= testCase.sql.utf8.count })
        }
    }

    @Test func hasAtLeastFortyCases() {
        #expect(resolutionCases.count >= 40)
    }
}
