import Foundation
import Report
import TestSupport
import Testing

@testable import DropScan
@testable import Matching

@Suite struct PipelineTests {
    func configuration(logs: [String], threads: Int, pipelineThreshold: Int64, chunkSize: Int) throws
        -> ScanConfiguration
    {
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "orders.legacy_status"), try Target(parsing: "customers.status")]
        configuration.logs = logs
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.threads = threads
        configuration.pipelineThreshold = pipelineThreshold
        configuration.chunkSize = chunkSize
        configuration.progress = false
        return configuration
    }

    /// The demo's real server logs, repeated so that entries straddle many chunk boundaries.
    func largerLogs() throws -> (TemporaryDirectory, [String]) {
        let dir = try TemporaryDirectory()
        var paths: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: demo + "/logs").sorted() {
            let text = String(decoding: try run("/bin/gzip", ["-dc", demo + "/logs/" + name]), as: UTF8.self)
            paths.append(try dir.write(name, try gzip(String(repeating: text, count: 40))))
        }
        return (dir, paths)
    }

    @Test func pipelinedInflateSmallChunksAndThreadsGiveTheSameReport() throws {
        let (dir, paths) = try largerLogs()
        _ = dir
        let reference = try ScanPipeline(
            configuration: configuration(logs: paths, threads: 1, pipelineThreshold: .max, chunkSize: 1 << 20)
        ).run()
        let varied = try ScanPipeline(
            configuration: configuration(logs: paths, threads: 2, pipelineThreshold: 0, chunkSize: 4096)
        ).run()
        #expect(reference.targets == varied.targets)
        #expect(reference.coverage.entries == varied.coverage.entries)
        #expect(reference.coverage.bytesScanned == varied.coverage.bytesScanned)
        let legacy = try #require(reference.targets.first)
        #expect(legacy.runtime.statements == 11 * 40)
        #expect(legacy.runtime.byApplication == ["shop-web": 200, "billing": 160, "metabase": 80])
    }
}
