import Testing

@testable import Matching

/// `{column_pascal_part}`, `{column_camel_part}` and `{django_model}`: names inside longer identifiers.
@Suite struct EmbeddedPlaceholderTests {
    func rule(_ pattern: String, subject: String = "column", target: String = "orders.legacy_status") throws
        -> CompiledRule
    {
        let text = """
            rule: test.embedded
            description: test
            applies-to: \(subject)
            evidence: probable
            pattern: \(pattern)
            positive: x
            """
        let parsed = try PatternLibrary.parse(text, file: "test.rules")
        return try #require(try parsed[0].compile(for: try Target(parsing: target), targetIndex: 0))
    }

    @Test func pascalPartStartsAtACaseChangeAndEndsAtOneOrAtTheIdentifiersEnd() throws {
        let compiled = try rule("{column_pascal_part}")
        let scratch = MatchScratch()
        for sample in [
            "findByLegacyStatus(", "getLegacyStatus()", "countByLegacyStatusAndId", "LegacyStatus", "_LegacyStatus",
        ] {
            #expect(try compiled.matches(sample, scratch: scratch), "\(sample)")
        }
        // The name goes on in lower case (a longer word), starts inside a capitalised run, or is spelt otherwise.
        for sample in ["getLegacyStatuses()", "URLLegacyStatus", "getLegacystatus()", "legacy_status"] {
            #expect(try !compiled.matches(sample, scratch: scratch), "\(sample)")
        }
        // A following capitalised word is left to the rule: `LegacyStatusCode` matches up to `Code`.
        #expect(try compiled.matches("findByLegacyStatusCode", scratch: scratch))
    }

    @Test func camelPartMayFollowADollarButNotALetter() throws {
        let compiled = try rule("\\${column_camel_part}")
        let scratch = MatchScratch()
        #expect(try compiled.matches("\\.$legacyStatus == 1", scratch: scratch))
        #expect(try compiled.matches("$0.$legacyStatusCode", scratch: scratch))
        #expect(try !compiled.matches("$legacyStatuses", scratch: scratch))
        let bare = try rule("{column_camel_part}")
        #expect(try !bare.matches("xlegacyStatus", scratch: scratch))
    }

    @Test func djangoModelIsTheClassAfterEachUnderscoreOfTheTable() throws {
        #expect(Placeholders.djangoModelTails(forTable: "shop_order") == ["order"])
        #expect(Placeholders.djangoModelTails(forTable: "shop_order_item") == ["order_item", "item"])
        #expect(Placeholders.djangoModelTails(forTable: "orders") == [])
        let compiled = try rule("{django_model}", subject: "table", target: "shop_orderitem.*")
        let scratch = MatchScratch()
        #expect(try compiled.matches("class OrderItem(models.Model):", scratch: scratch))
        #expect(try !compiled.matches("orderitem = 1", scratch: scratch))
        #expect(try !compiled.matches("class OrderItemForm(forms.Form):", scratch: scratch))
        // A table without `_` has no Django model name: the rule does not apply.
        let parsed = try PatternLibrary.parse(
            "rule: t.x\ndescription: d\napplies-to: table\nevidence: possible\npattern: {django_model}\npositive: x\n",
            file: "t.rules")
        #expect(try parsed[0].compile(for: try Target(parsing: "orders.*"), targetIndex: 0) == nil)
    }
}
