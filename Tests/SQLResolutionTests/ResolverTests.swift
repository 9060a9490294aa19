import Dispatch
import Matching
import Synchronization
import Testing

@testable import SQLResolution

@Suite struct ResolverDetailTests {
    let resolver = SQLResolver(targets: caseTargets)

    @Test func aliasReasonNamesTheAliasAndLocationPointsAtTheReference() throws {
        let sql = "SELECT oi.legacy_discount_code FROM order_items oi"
        let outcome = try #require(resolver.resolve(sql).outcome(forTarget: orderItems))
        #expect(outcome.findings.first?.reason == "oi.legacy_discount_code via alias oi")
        let location = try #require(outcome.findings.first?.location)
        #expect(Array(Array(sql.utf8)[location..<(location + 2)]) == Array("oi".utf8))
    }

    @Test func locationsPointIntoTheOriginalTextWhenLiteralsChangeItsLength() throws {
        let sql =
            "SELECT id FROM orders WHERE note = 'a much longer literal than a placeholder' AND legacy_status = 'x'"
        let outcome = try #require(resolver.resolve(sql).outcome(forTarget: orders))
        #expect(outcome.evidence == .confirmed)
        let location = try #require(outcome.findings.first?.location)
        let word = String(decoding: Array(sql.utf8)[location..<(location + 13)], as: UTF8.self)
        #expect(word == "legacy_status")
    }

    @Test func locationsAreRightOnACacheHitWithOtherLiterals() throws {
        _ = resolver.resolve("UPDATE orders SET legacy_status = 'a' WHERE id = 1")
        let sql = "UPDATE orders SET legacy_status = 'a far longer value' WHERE id = 123456"
        let outcome = try #require(resolver.resolve(sql).outcome(forTarget: orders))
        let location = try #require(outcome.findings.first?.location)
        #expect(String(decoding: Array(sql.utf8)[location..<(location + 13)], as: UTF8.self) == "legacy_status")
    }

    @Test func secondStatementLocationsAreOffsetIntoTheWholeText() throws {
        let sql = "SELECT 1; SELECT TOP 1 x FROM y; SELECT legacy_status FROM orders"
        let resolution = resolver.resolve(sql)
        #expect(!resolution.parsed)
        let outcome = try #require(resolution.outcome(forTarget: orders))
        #expect(outcome.evidence == .confirmed)
        let location = try #require(outcome.findings.first?.location)
        #expect(String(decoding: Array(sql.utf8)[location..<(location + 13)], as: UTF8.self) == "legacy_status")
    }

    @Test func everyMentionedTargetGetsExactlyOneOutcome() {
        let resolution = resolver.resolve(
            "SELECT o.legacy_status, 'legacy_ref', c.* FROM orders o JOIN customers c ON c.id = o.customer_id")
        #expect(resolution.outcomes.map(\.targetIndex) == [orders, invoices, customersTable])
        #expect(resolution.outcome(forTarget: invoices)?.evidence == .notAUse)
        #expect(resolution.outcome(forTarget: invoices)?.findings.first?.reason.contains("string literal") == true)
        #expect(resolution.outcome(forTarget: orderItems) == nil)
    }

    @Test func strongestEvidenceWinsAndAllFindingsAreKept() throws {
        let outcome = try #require(
            resolver.resolve("SELECT s.legacy_status, o.legacy_status FROM orders o JOIN shipments s ON true")
                .outcome(forTarget: orders))
        #expect(outcome.evidence == .confirmed)
        #expect(outcome.findings.map(\.evidence) == [.confirmed, .notAUse])
    }

    @Test func parseErrorsNeverQuoteALiteral() throws {
        let resolution = resolver.resolve("SELECT TOP 'secret-token-42' legacy_status FROM orders WHERE")
        let error = try #require(resolution.parseError)
        #expect(!error.contains("secret"))
        #expect(resolution.outcome(forTarget: orders)?.evidence == .possible)
    }

    @Test func reasonsNeverQuoteALiteral() {
        let resolution = resolver.resolve(
            "SELECT legacy_status FROM orders WHERE legacy_status = 'hunter2'; SELECT TOP 5 'hunter2' FROM orders")
        for outcome in resolution.outcomes {
            for finding in outcome.findings { #expect(!finding.reason.contains("hunter2")) }
        }
    }
}

@Suite struct ResolverRobustnessTests {
    /// Random splices of real statements: whatever parses or not, every outcome is well-formed.
    @Test func splicedStatementsGiveWellFormedOutcomes() {
        var generator = SystemRandomNumberGenerator()
        let resolver = SQLResolver(targets: caseTargets, cacheCapacity: 128)
        let statements = resolutionCases.map { Array($0.sql.utf8) }
        for _ in 0..<1_500 {
            let first = statements[Int.random(in: 0..<statements.count, using: &generator)]
            let second = statements[Int.random(in: 0..<statements.count, using: &generator)]
            let cut = Int.random(in: 0...first.count, using: &generator)
            let resume = Int.random(in: 0...second.count, using: &generator)
            let sql = String(decoding: first[..<cut] + second[resume...], as: UTF8.self)
            let resolution = resolver.resolve(sql)
            #expect(resolution.outcomes.map(\.targetIndex) == resolution.outcomes.map(\.targetIndex).sorted())
            for outcome in resolution.outcomes {
                #expect(!outcome.findings.isEmpty)
                #expect(outcome.evidence == outcome.findings.map(\.evidence).min())
                for finding in outcome.findings {
                    #expect(finding.location >= 0 && finding.location <= sql.utf8.count, "\(sql)")
                }
            }
        }
    }
}

@Suite struct DeepStatementTests {
    static func chain(_ terms: Int) -> String {
        "SELECT legacy_status FROM orders WHERE x = " + Array(repeating: "1", count: terms).joined(separator: " + ")
    }

    @Test func deepButReasonableStatementsResolveOnWorkerThreads() {
        let resolver = SQLResolver(targets: caseTargets)
        let sql = Self.chain(250)
        let failures = Mismatches()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            if resolver.resolve(sql).outcome(forTarget: orders)?.evidence != .confirmed { failures.add() }
        }
        #expect(failures.count == 0)
    }

    @Test func absurdlyDeepStatementsAreLeftUnresolvedNotCrashed() throws {
        let resolution = SQLResolver(targets: caseTargets).resolve(Self.chain(5_000))
        #expect(resolution.parseError?.contains("nested") == true)
        #expect(resolution.outcome(forTarget: orders)?.evidence == .possible)
    }
}

@Suite struct ResolverCacheTests {
    @Test func sameShapeWithOtherLiteralsIsAHit() {
        let resolver = SQLResolver(targets: caseTargets)
        let first = resolver.resolve("SELECT legacy_status FROM orders WHERE id = 1")
        let second = resolver.resolve("select legacy_status   from orders where id = 987 -- again")
        let statistics = resolver.cacheStatistics
        #expect(statistics.misses == 1)
        #expect(statistics.hits == 1)
        #expect(first.normalized.fingerprint == second.normalized.fingerprint)
        #expect(second.outcome(forTarget: orders)?.evidence == .confirmed)
    }

    @Test func boundedCacheEvictsOldShapes() {
        let resolver = SQLResolver(targets: caseTargets, cacheCapacity: 8)
        for index in 0..<40 {
            _ = resolver.resolve("SELECT column_\(index) FROM orders")
        }
        let statistics = resolver.cacheStatistics
        #expect(statistics.misses == 40)
        #expect(statistics.count <= 8)
        #expect(statistics.evictions >= 40 - 8)
        // An evicted shape parses again; a recent one is still there.
        _ = resolver.resolve("SELECT column_0 FROM orders")
        _ = resolver.resolve("SELECT column_39 FROM orders")
        #expect(resolver.cacheStatistics.misses == 41)
        #expect(resolver.cacheStatistics.hits == 1)
    }

    @Test func cachedAndUncachedResolutionsAgree() {
        let cached = SQLResolver(targets: caseTargets)
        for testCase in resolutionCases {
            let first = cached.resolve(testCase.sql).outcomes
            let again = cached.resolve(testCase.sql).outcomes
            #expect(first == again, "\(testCase.sql)")
        }
    }
}

@Suite struct ParserConcurrencyTests {
    /// libpg_query keeps its parser state in thread-local storage; many threads parsing at once must each get
    /// their own, correct tree.
    @Test func parsesFromManyThreadsAtOnce() {
        let statements = resolutionCases.map(\.sql)
        // The exact tree text libpg_query prints, and the bindings made from it.
        @Sendable func signature(_ sql: String) -> String {
            var binder = Binder(targets: caseTargets)
            if case .tree(let tree) = PgQuery.parse(sql) { binder.bind(tree: tree, statementOffset: 0) }
            let findings = binder.findings.map { "\($0.targetIndex):\($0.evidence):\($0.location)" }.sorted()
            return (PgQuery.treeText(sql) ?? "error") + findings.joined(separator: ",")
        }
        let expected = statements.map(signature)
        let mismatches = Mismatches()
        DispatchQueue.concurrentPerform(iterations: 64) { iteration in
            for offset in 0..<statements.count {
                let index = (offset + iteration) % statements.count
                if signature(statements[index]) != expected[index] { mismatches.add() }
            }
        }
        #expect(mismatches.count == 0)
    }

    @Test func sharedResolverGivesTheSameAnswersFromManyThreads() {
        let resolver = SQLResolver(targets: caseTargets, cacheCapacity: 16)
        let expected = resolutionCases.map { SQLResolver(targets: caseTargets).resolve($0.sql).outcomes }
        let mismatches = Mismatches()
        DispatchQueue.concurrentPerform(iterations: 32) { iteration in
            for offset in 0..<resolutionCases.count {
                let index = (offset * 7 + iteration) % resolutionCases.count
                if resolver.resolve(resolutionCases[index].sql).outcomes != expected[index] { mismatches.add() }
            }
        }
        #expect(mismatches.count == 0)
        let statistics = resolver.cacheStatistics
        #expect(statistics.hits + statistics.misses == 32 * resolutionCases.count)
    }
}

/// A thread-safe counter for the concurrency tests.
final class Mismatches: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
