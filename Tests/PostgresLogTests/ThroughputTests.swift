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
        let observe = ProcessInfo.processInfo.environment["DROPSCAN_BENCH_FRAMING_ONLY"] == nil
        func cpuSeconds() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }
        let clock = ContinuousClock()
        var entries = 0
        let cpuStart = cpuSeconds()
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
                        if observe { coverage.observe(entry) }
                    }
                    start += max(used, end == all.count ? end - start : 0)
                    if used == 0 && end == all.count { break }
                }
            }
        }
        let cpu = cpuSeconds() - cpuStart
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let gib = Double(bytes.count) / Double(1 << 30)
        print(
            "\(format.name): \(bytes.count) bytes, \(entries) entries in \(seconds) s wall = \(seconds / gib) s/GiB, "
                + "\(cpu) s CPU = \(cpu / gib) s/GiB")
        if observe { #expect(coverage.parsedEntries == entries) }
        // Reference on the same machine: only splitting lines with memchr.
        var lines = 0
        let baselineStart = cpuSeconds()
        bytes.withUnsafeBytes { all in
            var index = 0
            while index < all.count {
                index = find(10, all, from: index, end: all.count) + 1
                lines += 1
            }
        }
        let baseline = cpuSeconds() - baselineStart
        print("baseline: \(lines) lines split with memchr in \(baseline) s CPU = \(baseline / gib) s/GiB")
    }
}
