import Testing

@testable import Matching

/// `example:` and `scope:` in pattern files: what a rule's examples state and how they are read.
@Suite struct RuleExampleParsingTests {
    static let header = """
        rule: shop.member-thing
        description: d
        evidence: confirmed
        pattern: \\.{column}
        positive: order.legacy_status
        negative: x

        """

    @Test func aOneLineExampleStatesItsTierPathAndText() throws {
        let rules = try PatternLibrary.parse(
            Self.header + "scope: member\nexample: possible in app.py: x = ↓row.legacy_status\n", file: "u.rules")
        #expect(rules[0].scope == .member)
        #expect(
            rules[0].examples == [
                RuleExample(tier: .possible, path: "app.py", text: "x = row.legacy_status\n", line: 1, fileLine: 8)
            ])
    }

    @Test func aBlockExampleIsItsIndentedLinesWithTheMarkedLineExpected() throws {
        let text =
            Self.header + """
                example: not-a-use
                    class Customer(models.Model):

                        ↓legacy_status = models.TextField()

                example: none in a.rb: x
                """
        let rules = try PatternLibrary.parse(text, file: "u.rules")
        #expect(
            rules[0].examples == [
                RuleExample(
                    tier: .notAUse, path: nil,
                    text: "class Customer(models.Model):\n\n    legacy_status = models.TextField()\n", line: 3,
                    fileLine: 7),
                RuleExample(tier: nil, path: "a.rb", text: "x\n", line: 1, fileLine: 12),
            ])
    }

    @Test func badExamplesAndScopesAreErrorsWithTheirLine() throws {
        #expect(throws: PatternFileError.self) {
            try PatternLibrary.parse(Self.header + "example: sure: x\n", file: "u.rules")
        }
        do {
            _ = try PatternLibrary.parse(Self.header + "example: probable\n", file: "u.rules")
            Issue.record("an example without text parsed")
        } catch {
            #expect(error.description.hasPrefix("u.rules:7: example has no text"))
        }
        do {
            _ = try PatternLibrary.parse(Self.header + "scope: receiver\n", file: "u.rules")
            Issue.record("an unknown scope parsed")
        } catch {
            #expect(error.description.hasPrefix("u.rules:7: scope must be one of plain, model, member"))
        }
    }
}
