import Foundation
import Testing

@testable import Matching

/// The repository's `Patterns/` directory.
let bundledPatterns = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Patterns").path

@Suite struct PatternLibraryTests {
    @Test func everyBundledRuleCompilesAndPassesItsSamples() throws {
        let library = try PatternLibrary.load(directories: [bundledPatterns])
        #expect(library.rules.count >= 6)
        let result = library.check()
        #expect(result.problems == [])
        #expect(result.samplesChecked >= 30)
        for rule in library.rules {
            #expect(!rule.positives.isEmpty, "rule \(rule.id) needs positive samples")
            #expect(!rule.negatives.isEmpty, "rule \(rule.id) needs negative samples")
        }
    }

    @Test func checkReportsPCRE2ErrorsWithFileLineMessageAndOffsetInTheRuleText() throws {
        let text = """
            # a broken rule
            rule: broken.paren
            description: unbalanced
            evidence: possible
            pattern: {column}(abc
            positive: legacy_status(abc
            negative: x
            """
        let library = PatternLibrary(rules: try PatternLibrary.parse(text, file: "user.rules"))
        let problems = library.check().problems
        #expect(problems.count == 1)
        #expect(problems[0].hasPrefix("user.rules:2: rule broken.paren: pattern: PCRE2: missing closing parenthesis"))
        #expect(problems[0].hasSuffix("at offset 12"))
    }

    @Test func checkReportsSamplesThatDisagree() throws {
        let text = """
            rule: wrong.samples
            description: samples that disagree
            evidence: possible
            pattern: {column}
            positive: nothing here
            negative: legacy_status
            """
        let problems = PatternLibrary(rules: try PatternLibrary.parse(text, file: "u.rules")).check().problems
        #expect(problems.count == 2)
        #expect(problems[0].contains("positive sample does not match: nothing here"))
        #expect(problems[1].contains("negative sample matches: legacy_status"))
    }

    @Test func unknownPlaceholderIsAnErrorThatListsTheKnownOnes() throws {
        let rules = try PatternLibrary.parse(
            "rule: x\ndescription: d\nevidence: possible\npattern: {colum}\npositive: a\n", file: "u.rules")
        #expect {
            _ = try rules[0].compile(for: try Target(parsing: "orders.legacy_status"), targetIndex: 0)
        } throws: { error in
            "\(error)".contains("unknown placeholder {colum}") && "\(error)".contains("{column}")
        }
    }

    @Test(arguments: [
        ("description: before any rule\n", "u.rules:1: 'description:' comes before any 'rule:' line"),
        ("rule: a\ndescription: d\nevidence: maybe\n", "u.rules:3: evidence must be one of"),
        ("rule: a\ndescription: d\npattern: x\n", "u.rules:1: rule a has no 'evidence:' line"),
        ("rule: a\ndescription: d\nevidence: possible\npattern: x\nflavour: x\n", "u.rules:5: unknown key 'flavour'"),
        ("rule: a\nno colon here\n", "u.rules:2: expected 'key: value'"),
    ])
    func parseErrorsNameFileAndLine(text: String, expected: String) {
        #expect {
            _ = try PatternLibrary.parse(text, file: "u.rules")
        } throws: { "\($0)".hasPrefix(expected) }
    }

    @Test func userDirectoryRuleReplacesABundledRuleWithTheSameID() throws {
        let directory = NSTemporaryDirectory() + "dropscan-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(
            "rule: sql.bare-column\ndescription: tuned\nevidence: probable\npattern: {column}\npositive: legacy_status\n"
                .utf8
        )
        .write(to: URL(fileURLWithPath: directory + "/mine.rules"))
        let library = try PatternLibrary.load(directories: [bundledPatterns, directory])
        let rule = try #require(library.rules.first { $0.id == "sql.bare-column" })
        #expect(rule.description == "tuned")
        #expect(library.rules.filter { $0.id == "sql.bare-column" }.count == 1)
    }

    @Test func columnPlaceholderRespectsQuotingAndCase() throws {
        let scratch = MatchScratch()
        let rule = try PatternLibrary.parse(
            "rule: r\ndescription: d\nevidence: possible\npattern: {column}\npositive: x\n", file: "u")[0]
        let folded = try #require(try rule.compile(for: try Target(parsing: "orders.Legacy_Status"), targetIndex: 0))
        #expect(try folded.matches("select LEGACY_STATUS", scratch: scratch))
        #expect(try folded.matches("select \"legacy_status\"", scratch: scratch))
        #expect(try !folded.matches("select \"Legacy_Status\"", scratch: scratch))
        let quoted = try #require(try rule.compile(for: try Target(parsing: "orders.\"LegacyStatus\""), targetIndex: 0))
        #expect(try quoted.matches("select \"LegacyStatus\" from orders", scratch: scratch))
        #expect(try !quoted.matches("select legacystatus from orders", scratch: scratch))
    }

    @Test func columnRulesDoNotApplyToWholeTableTargets() throws {
        let rule = try PatternLibrary.parse(
            "rule: r\ndescription: d\nevidence: possible\npattern: {column}\npositive: x\n", file: "u")[0]
        #expect(try rule.compile(for: try Target(parsing: "orders.*"), targetIndex: 0) == nil)
    }
}

@Suite struct CompiledPatternTests {
    @Test func pathologicalPatternHitsTheMatchLimitInsteadOfHanging() throws {
        let pattern = try CompiledPattern("^(a|aa)+$")
        let scratch = MatchScratch(matchLimit: 10_000)
        let subject = String(repeating: "a", count: 5000) + "b"
        #expect(throws: MatchFailure.self) { try pattern.matches(subject, scratch: scratch) }
    }

    @Test func compileErrorCarriesPCRE2MessageAndOffset() {
        #expect {
            _ = try CompiledPattern("abc[")
        } throws: { error in
            guard let error = error as? PatternCompileError else { return false }
            return error.message.contains("missing terminating ]") && error.offset == 4
        }
    }

    @Test func matchesWorkOnRawBytesThatAreNotUTF8() throws {
        let pattern = try CompiledPattern("legacy")
        let bytes: [UInt8] = [0xff, 0xfe] + Array("x legacy y".utf8)
        let range = try bytes.withUnsafeBytes { try pattern.firstMatch(in: $0, scratch: MatchScratch()) }
        #expect(range == 4..<10)
    }
}
