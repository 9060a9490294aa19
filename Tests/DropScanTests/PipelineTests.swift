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

@Suite struct DefinedNamesPipelineTests {
    @Test func aMethodDefinedInAnotherFileRescoresItsCallsAcrossTheTree() throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write(
            "docs/upload.py", "class Upload:\n    def checksum(self):\n        return md5(self.data)\n")
        _ = try dir.write(
            "docs/views.py",
            "from docs.models import Document\ndef show(upload, document):\n    a = upload.checksum()\n    b = document.checksum\n"
        )
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "documents.checksum")]
        configuration.sources = [dir.path]
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.threads = 2
        configuration.progress = false
        let report = try ScanPipeline(configuration: configuration).run()
        let code = try #require(report.targets.first).code
        #expect(
            code.findings.map { "\($0.path):\($0.line):\($0.evidence.rawValue)" }.sorted() == [
                "docs/upload.py:2:not-a-use", "docs/views.py:3:not-a-use", "docs/views.py:4:confirmed",
            ])
    }
}
