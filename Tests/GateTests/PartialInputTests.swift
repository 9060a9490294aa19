import Foundation
import Matching
import Report
import Testing

@testable import Gate

/// A report that a signal cut short, or that skipped an input naming a target, is decided from its data:
/// never a pass, whether it comes from the scan, a saved file or a merge.
@Suite struct PartialInputTests {
    @Test func anInterruptedReportIsInconclusiveAndThatReasonDecides() throws {
        var report = try sampleReport()
        var clean = report
        Gate.decide(&clean, policy: plainPolicy())
        #expect(clean.verdict == .pass)
        report.coverage.interrupted = Interruption(signal: "SIGTERM", inputsNotScanned: 4)
        report.targets[0].caveat = "No model mentions table orders."
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(report.targets[0].verdict == .inconclusive)
        #expect(
            report.decision?.reason
                == "The scan was stopped by SIGTERM before it read every input (4 not read to the end), so this report is partial: run the scan again and let it finish."
        )
        #expect(report.reasons.count == 2)
    }

    @Test func aUseFoundBeforeTheInterruptionStillBlocks() throws {
        var report = try sampleReport()
        report.coverage.interrupted = Interruption(signal: "SIGINT", inputsNotScanned: 1)
        report.targets[0].code = CodeUsage(findings: [finding("app/orders.py")], declarations: [], deprecations: [])
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .blocked)
        #expect(report.reasons.last?.hasPrefix("The scan was stopped by SIGINT") == true)
    }

    @Test func anEmptyLogFromAnInterruptedScanIsNotCalledEmpty() throws {
        var report = try sampleReport()
        report.coverage.logFiles = 0
        report.coverage.entries = nil
        report.coverage.window = nil
        report.coverage.interrupted = Interruption(signal: "SIGINT", inputsNotScanned: 1)
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.reasons.count == 1)
        #expect(!report.reasons.contains("No log file was found to scan."))
    }

    @Test func aSkippedInputThatMayHoldAUseKeepsAPassAwayAndOthersDoNot() throws {
        var report = try sampleReport()
        report.coverage.skipped = [
            SkippedInput(path: "app/logo.png", reason: "binary file (NUL byte in the first 8 KiB)", kind: "binary")
        ]
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .pass)

        report.coverage.skipped.append(
            SkippedInput(
                path: "app/dump.sql",
                reason:
                    "larger than the 10-byte limit (--max-filesize) and names orders.legacy_status on line 9: raise --max-filesize to scan it",
                kind: "too-large", mayHoldUse: true, line: 9, offset: 120))
        Gate.decide(&report, policy: plainPolicy())
        #expect(report.verdict == .inconclusive)
        #expect(
            report.reasons == [
                "app/dump.sql was skipped (larger than the 10-byte limit (--max-filesize) and names orders.legacy_status on line 9: raise --max-filesize to scan it), so a use may hide in it."
            ])

        report.coverage.skipped.append(
            SkippedInput(path: "app/fix.sql", reason: "binary", kind: "binary", mayHoldUse: true, line: 2, offset: 30))
        Gate.decide(&report, policy: plainPolicy())
        #expect(
            report.reasons == [
                "2 skipped inputs name a target (app/dump.sql and 1 more; see coverage.skipped), so a use may hide in them: scan them as text (raise --max-filesize, remove NUL bytes)."
            ])
    }

    /// `merge` and `gate --report` decide again from the shards: an interrupted shard leaves the whole partial.
    @Test func mergingAnInterruptedShardKeepsTheInterruptionAndItsCount() throws {
        var first = try sampleReport()
        first.coverage.interrupted = Interruption(signal: "SIGINT", inputsNotScanned: 2)
        var second = try sampleReport()
        second.run?.inputs = [InputRecord(kind: "log", path: "logs/replica/postgresql.log", size: 10, identity: "1:3")]
        second.coverage.interrupted = Interruption(signal: "SIGTERM", inputsNotScanned: 3)
        var merged = try ReportMerger.merge([first, second]).report
        #expect(merged.coverage.interrupted == Interruption(signal: "SIGINT", inputsNotScanned: 5))
        Gate.decide(&merged, policy: plainPolicy())
        #expect(merged.verdict == .inconclusive)
        #expect(
            merged.decision?.reason.hasPrefix("The scan was stopped by SIGINT before it read every input (5 ") == true)

        var clean = try sampleReport()
        clean.run?.inputs = [InputRecord(kind: "log", path: "logs/replica/postgresql.log", size: 10, identity: "1:3")]
        let mixed = try ReportMerger.merge([clean, first]).report
        #expect(mixed.coverage.interrupted == Interruption(signal: "SIGINT", inputsNotScanned: 2))
    }
}
