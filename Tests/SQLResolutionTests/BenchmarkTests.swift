import CPgQuery
import Foundation
import Matching
import Testing

@testable import SQLResolution

/// Measurements for the report; run with `DROPSCAN_BENCHMARK=1 swift test -c release -Xswiftc -enable-testing
/// --filter BenchmarkTests`. They print their numbers and check only orders of magnitude between them.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DROPSCAN_BENCHMARK"] != nil))
struct BenchmarkTests {
    static let statement =
        "SELECT o.id, o.total, oi.legacy_discount_code FROM orders o JOIN order_items oi ON oi.order_id = o.id "
        + "WHERE o.created_at > '2024-01-01' AND o.status = 'open' AND o.customer_id = 123456 ORDER BY o.id LIMIT 50"

    static func perCall(_ iterations: Int, _ body: () -> Void) -> Duration {
        let clock = ContinuousClock()
        let elapsed = clock.measure { for _ in 0..<iterations { body() } }
        return elapsed / iterations
    }

    @Test func parseNormalizeAndCacheCosts() {
        let resolver = SQLResolver(targets: caseTargets, cacheCapacity: 100_000)
        var sink = 0
        let parse = Self.perCall(5_000) {
            if case .tree = PgQuery.parse(Self.statement) { sink += 1 }
        }
        let normalize = Self.perCall(50_000) { sink &+= Int(SQLNormalizer.normalize(Self.statement).placeholderCount) }
        let miss = Self.perCall(5_000) {
            sink &+= SQLResolver(targets: caseTargets).resolve(Self.statement).outcomes.count
        }
        _ = resolver.resolve(Self.statement)
        let variants = (0..<1_000).map { Self.statement.replacingOccurrences(of: "123456", with: String($0 * 7919)) }
        var counter = 0
        let hit = Self.perCall(50_000) {
            counter += 1
            sink &+= resolver.resolve(variants[counter % variants.count]).outcomes.count
        }
        let untouched = "SELECT id, total FROM payments WHERE id = 42 AND state = 'settled'"
        _ = resolver.resolve(untouched)
        let hitUntouched = Self.perCall(50_000) { sink &+= resolver.resolve(untouched).outcomes.count }
        let rawParse = Self.perCall(5_000) {
            let result = Self.statement.withCString { pg_query_parse($0) }
            sink &+= result.error == nil ? 1 : 0
            pg_query_free_parse_result(result)
        }
        let statistics = resolver.cacheStatistics
        print(
            "bytes=\(Self.statement.utf8.count) pg_query_parse(C only)=\(rawParse) parse+decode=\(parse) "
                + "normalize=\(normalize) resolve(miss)=\(miss) resolve(hit, other literal)=\(hit) "
                + "resolve(hit, no target named)=\(hitUntouched) cache=\(statistics)")
        #expect(sink != 0)
        #expect(normalize < .microseconds(20))
        #expect(normalize < rawParse)
        #expect(hit < miss)
        #expect(statistics.misses == 2)
    }
}
