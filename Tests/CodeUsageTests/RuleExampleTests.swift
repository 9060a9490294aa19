import Matching
import Testing

@testable import CodeUsage

/// Rule examples run through the whole scanner: every rule of the library, scoping included.
@Suite struct RuleExampleTests {
    @Test func everyBundledRuleHasAnExampleAndEachGivesItsTier() throws {
        let library = try bundledLibrary()
        let result = RuleExamples.check(library)
        #expect(result.problems == [])
        for rule in library.rules {
            #expect(!rule.examples.isEmpty, "rule \(rule.id) has no example")
        }
        #expect(result.examplesChecked >= library.rules.count)
    }

    @Test func anExampleTheScopingLowersIsReportedWithItsPlaceAndWhatWasFound() throws {
        // A member rule whose example claims `confirmed` for another model's receiver: the scope says not-a-use.
        let text = """
            rule: user.member-status
            description: the column as a member
            evidence: confirmed
            scope: member
            files: *.py
            pattern: \\.{column}
            positive: order.legacy_status
            negative: order.legacy_status_v2
            example: confirmed: print(↓order.legacy_status)
            example: confirmed
                class Customer(models.Model):
                    name = models.TextField()
                print(↓customer.legacy_status)
            """
        let library = PatternLibrary(rules: try PatternLibrary.parse(text, file: "user.rules"))
        let result = RuleExamples.check(library)
        #expect(result.examplesChecked == 2)
        #expect(
            result.problems == [
                "user.rules:10: rule user.member-status: example line 3 in example.py: expected confirmed from this rule, got user.member-status not-a-use"
            ])
    }

    @Test func withoutAScopeTheSameRuleIsDecidedByTheFile() throws {
        let text = """
            rule: user.plain-status
            description: the column as a member, unscoped
            evidence: probable
            files: *.py
            pattern: \\.{column}
            positive: order.legacy_status
            negative: x
            example: possible: print(↓customer.legacy_status)
            example: none: print(↓customer.other)
            """
        let library = PatternLibrary(rules: try PatternLibrary.parse(text, file: "user.rules"))
        #expect(RuleExamples.check(library).problems == [])
    }
}
