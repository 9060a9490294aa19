import Matching
import Testing

@Suite struct PatternFileTests {
    @Test func everyBundledRuleCompilesAndPassesItsSamples() throws {
        let library = try PatternLibrary.load(directories: [patternsDirectory])
        let result = library.check()
        #expect(result.problems == [])
        #expect(result.rulesChecked == library.rules.count)
        #expect(library.rules.count > 40)
    }

    @Test func everyEcosystemRuleIsLimitedToSourcesAndHasNegativeSamples() throws {
        let library = try PatternLibrary.load(directories: [patternsDirectory])
        for rule in library.rules where !rule.file.hasSuffix("sql.rules") {
            #expect(rule.inputs == [.source], "\(rule.id) should apply to sources only")
            #expect(!rule.negatives.isEmpty, "\(rule.id) has no negative sample")
        }
    }
}
