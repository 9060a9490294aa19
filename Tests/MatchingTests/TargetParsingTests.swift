import Testing

@testable import Matching

@Suite struct TargetParsingTests {
    @Test func unquotedNamesFoldToLowerCase() throws {
        let target = try Target(parsing: "Orders.Legacy_Status")
        #expect(target.table == Identifier(name: "orders", quoted: false))
        #expect(target.column == Identifier(name: "legacy_status", quoted: false))
        #expect(target.schema == nil)
        #expect(target.normalized == "orders.legacy_status")
    }

    @Test func quotedNamesKeepCaseAndMayHoldDots() throws {
        let target = try Target(parsing: "\"Sales\".\"Order.Items\".\"LegacyCode\"")
        #expect(target.schema == Identifier(name: "Sales", quoted: true))
        #expect(target.table == Identifier(name: "Order.Items", quoted: true))
        #expect(target.column == Identifier(name: "LegacyCode", quoted: true))
        #expect(target.normalized == "\"Sales\".\"Order.Items\".\"LegacyCode\"")
    }

    @Test func quotedLowerCaseNameNormalizesToBareSpelling() throws {
        #expect(try Target(parsing: "\"orders\".\"status\"").normalized == "orders.status")
    }

    @Test(arguments: [
        ("orders", "orders.*"), ("orders.*", "orders.*"), ("public.orders.*", "public.orders.*"),
        ("public.orders.legacy_status", "public.orders.legacy_status"),
    ])
    func wholeTablesAndSchemas(input: String, expected: String) throws {
        #expect(try Target(parsing: input).normalized == expected)
    }

    @Test func wholeTableHasNoColumn() throws {
        let target = try Target(parsing: "audit_notes.*")
        #expect(target.isWholeTable)
        #expect(target.column == nil)
    }

    @Test(arguments: [
        "", "orders.", ".status", "a.b.c.d", "*", "orders.*.status", "\"open", "\"\".x", "9lives.x", "or-ders.x",
    ])
    func malformedTargetsAreRejectedWithTheirText(input: String) {
        #expect(throws: TargetError.self) { try Target(parsing: input) }
    }

    @Test func errorMessageNamesTheTargetAndTheFix() {
        do {
            _ = try Target(parsing: "orders.*.status")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("orders.*.status"))
            #expect(error.description.contains("table.column"))
        }
    }

    @Test func listSkipsCommentsAndBlankLinesAndNamesTheFailingLine() throws {
        let targets = try Target.parseList("# to drop\norders.legacy_status  # old\n\n\"Audit\".*\n", path: "t.txt")
        #expect(targets.map(\.normalized) == ["orders.legacy_status", "\"Audit\".*"])
        do {
            _ = try Target.parseList("orders.ok\nbad target\n", path: "t.txt")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("t.txt:2:"))
        }
    }
}
