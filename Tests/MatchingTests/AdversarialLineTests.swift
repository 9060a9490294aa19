import Foundation
import Testing

@testable import Matching

/// Lines that real inputs hold and that make a backtracking engine crawl — a bytea literal (`'\x0123…'`), one
/// long identifier, runs of quotes and of parentheses, minified code, `a.b.c` chains, and runs of the target's
/// own spellings — at 1 MiB and 16 MiB, each with a target's name in it. Every bundled rule must answer on
/// each: PCRE2's limits are the budget (`MatchLimits`), and no bundled rule may reach them, so the test counts
/// the limits reached instead of timing anything.
@Suite(.serialized) struct AdversarialLineTests {
    /// The repeated unit of each shape, for `target`.
    static func shapes(_ target: Target) -> [(name: String, unit: String)] {
        let column = target.column?.name ?? target.table.name
        let table = target.table.name
        let spellings = NameSpellings(column)
        let model = NameSpellings.modelNames(forTable: table).className
        return [
            ("bytea hex literal", "0123456789abcdef"),
            ("long identifier", "a_b1"),
            ("quotes", "\"a\"\"'"),
            ("double quotes", "\""),
            ("parentheses", "(a, ("),
            ("minified code", "a.where(b).select(c);F(x)||Q({k:\"v\"}),get(y)&&@Column(n=1 {{ ref('x' "),
            ("a.b.c chain", "a.b.c."),
            ("chain of the names", "a.\(column).\(table)."),
            ("keys", ":\(column) '\(column)' \"\(column)\": \(spellings.camel): "),
            (
                "spellings",
                "\(model).\(spellings.pascal) find\(spellings.pascal)By\(spellings.pascal)And "
                    + "get\(spellings.pascal)( $\(spellings.camel) "
            ),
            ("query chain", "\(model).objects.filter(x=F('\(column)x'), \(model).where(y: 1) "),
            ("template", ".\(column) {{ :\(column) '\(column)' "),
            ("SQL", "SELECT \(table).\(column)x FROM \(table)x, "),
        ]
    }

    static func filler(_ unit: String, size: Int) -> [UInt8] {
        let bytes = Array(unit.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(size + bytes.count)
        while out.count < size { out.append(contentsOf: bytes) }
        return out
    }

    static func firstMatch(_ rule: CompiledRule, _ line: [UInt8], _ scratch: MatchScratch) -> Range<Int>?? {
        line.withUnsafeBytes { buffer in
            do {
                return .some(try rule.firstMatch(in: buffer, scratch: scratch))
            } catch {
                return .none
            }
        }
    }

    @Test(arguments: [1 << 20, 16 << 20])
    func everyBundledRuleAnswersOnAdversarialLinesWithoutReachingALimit(size: Int) throws {
        let library = try PatternLibrary.load(directories: [bundledPatterns])
        #expect(library.rules.count >= 60)
        let scratch = MatchScratch()
        var answers = 0
        // Rules by the target their samples are written for: one filler at a time is in memory.
        let byTarget = Dictionary(grouping: library.rules) { $0.sampleTarget ?? ($0.subject == .column ? "" : "*") }
        for (_, rules) in byTarget.sorted(by: { $0.key < $1.key }) {
            let target = try rules[0].resolvedSampleTarget()
            for shape in Self.shapes(target) {
                let filler = Self.filler(shape.unit, size: size)
                let name = Array((target.column?.name ?? target.table.name).utf8) + [0x20]
                for rule in rules {
                    let compiled = try #require(try rule.compile(for: target, targetIndex: 0))
                    let sample = Array(rule.positives[0].utf8)
                    let startAnchored = rule.pattern.hasPrefix("^")
                    let endAnchored = rule.pattern.hasSuffix("$")
                    let place = "\(rule.id) on \(shape.name)"
                    // The rule's own positive sample first: the rule finds it there (`nil`: a limit was reached).
                    let first = Self.firstMatch(compiled, sample + [0x20] + filler, scratch)
                    #expect(first != nil, "\(place): reached a limit")
                    if !endAnchored {
                        #expect(
                            ((first ?? nil)?.lowerBound ?? .max) < sample.count,
                            "\(place): the sample is not found first")
                    }
                    // The sample last: found (where the shape itself holds a match, it may be found earlier).
                    let last = Self.firstMatch(compiled, filler + [0x20] + sample, scratch)
                    #expect(last != nil, "\(place): reached a limit")
                    if !startAnchored { #expect((last ?? nil) != nil, "\(place): the sample is not found last") }
                    // Only the target's name, then the shape: whatever the rule answers, it answers.
                    #expect(Self.firstMatch(compiled, name + filler, scratch) != nil, "\(place): reached a limit")
                    answers += 3
                }
            }
        }
        #expect(answers == 3 * 13 * library.rules.count)
        #expect(scratch.limitsReached == 0)
    }

    /// The quadratic case the `{qualifier}` placeholder had: a long run of word characters before a qualified
    /// column made every byte of the run a start of `{ident}`.
    @Test func qualifiedColumnAfterAMebibyteHexLiteralIsFound() throws {
        let rule = try #require(
            try PatternLibrary.load(directories: [bundledPatterns]).rules.first { $0.id == "sql.qualified-column" })
        let compiled = try #require(try rule.compile(for: try Target(parsing: "orders.legacy_status"), targetIndex: 0))
        let head = Array("UPDATE t SET data = '\\x".utf8)
        let tail = Array("' WHERE public.orders.legacy_status = 1".utf8)
        let line = head + Self.filler("0123456789abcdef", size: 1 << 20) + tail
        let scratch = MatchScratch()
        let found = try line.withUnsafeBytes { try compiled.firstMatch(in: $0, scratch: scratch) }
        let start = head.count + (1 << 20) + "' WHERE ".utf8.count
        #expect(found == start..<(start + "public.orders.legacy_status".utf8.count))
        #expect(scratch.limitsReached == 0)
    }

    /// A rule that backtracks exponentially reaches the match limit: the limit, not the clock, ends it.
    @Test func aCatastrophicRuleReachesTheMatchLimitAndSaysSo() throws {
        let rules = try PatternLibrary.parse(
            """
            rule: user.backtracks
            description: nested alternatives that overlap
            evidence: possible
            pattern: {column}\\s(?:\\w|\\w\\w)+[!?]
            positive: legacy_status ab!
            """, file: "user.rules")
        let compiled = try #require(
            try rules[0].compile(for: try Target(parsing: "orders.legacy_status"), targetIndex: 0))
        let scratch = MatchScratch(matchLimit: 1_000_000)
        let line = "legacy_status " + String(repeating: "a", count: 200)
        #expect(throws: MatchFailure.limitExceeded(code: -47)) { try compiled.matches(line, scratch: scratch) }
        #expect(scratch.limitsReached == 1)
        #expect(try compiled.matches("legacy_status ab!", scratch: scratch))
    }
}
