import Foundation
import Testing

@testable import PostgresLog

/// Measures framing plus coverage on a large log named by `DROPSCAN_BENCH_LOG` (skipped otherwise):
/// `DROPSCAN_BENCH_LOG=/tmp/big.log swift test -c release -Xswiftc -enable-testing --filter Throughput`.
@Suite struct ThroughputTests {
    static let path = ProcessInfo.processInfo.environment["DROPSCAN_BENCH_LOG"]

    @Test(.enabled(if: path != nil)) func framingAndCoverageThroughput() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.path!)))
        let format = try LogFormatDetector.detect(sample: Array(bytes.prefix(LogFormatDetector.sampleSize)))
        var framer = LogEntryFramer(format: format)
        var coverage = LogCoverage()
        coverage.beginFile(Self.path!)
        let chunk = 4 << 20
        let clock = ContinuousClock()
        var entries = 0
        let elapsed = clock.measure {
            bytes.withUnsafeBytes { all in
                var start = 0
                while start < all.count {
                    let end = min(all.count, start + chunk)
                    let used = framer.frame(
                        UnsafeRawBufferPointer(rebasing: all[start..<end]), baseOffset: Int64(start),
                        atEnd: end == all.count
                    ) { entry in
                        entries += 1
                        coverage.observe(entry)
                    }
                    start += max(used, end == all.count ? end - start : 0)
                    if used == 0 && end == all.count { break }
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let perGiB = seconds / (Double(bytes.count) / Double(1 << 30))
        print("\(format.name): \(bytes.count) bytes, \(entries) entries in \(seconds) s = \(perGiB) s/GiB")
        #expect(coverage.parsedEntries == entries)
    }
}
