import Foundation
import Matching
import Testing

@testable import Report

/// The stderr summary counts what the reasons and the other formats count: blocking tiers only.
@Suite struct SummaryReporterTests {
    @Test func countsAreTheBlockingTiersLikeTheReasons() throws {
        let usage = try targetUsage(
            findings: [
                finding("app/a.rb", line: 3, evidence: .confirmed),
                finding("app/b.rb", line: 9, evidence: .probable),
                finding("app/c.rb", line: 1, evidence: .possible),
            ],
            groups: [
                group("g1", "SELECT legacy_status FROM orders", count: 11, applications: ["web"]),
                group("g2", "SELECT * FROM orders", evidence: .implicit, count: 1, applications: ["export"]),
                group("g3", "SELECT legacy_status FROM x", evidence: .possible, count: 4, applications: ["bi"]),
            ])
        let text = String(decoding: try SummaryReporter().render(report([usage])), as: UTF8.self)
        #expect(text.contains("orders.legacy_status: blocked (12 logged use(s), 2 code reference(s))\n"))
        // With only confirmed blocking, the implicit use and the probable reference do not count.
        var strict = ReportOptions()
        strict.blocking = [.confirmed]
        let strictText = String(decoding: try SummaryReporter(options: strict).render(report([usage])), as: UTF8.self)
        #expect(strictText.contains("orders.legacy_status: blocked (11 logged use(s), 1 code reference(s))\n"))
    }
}
