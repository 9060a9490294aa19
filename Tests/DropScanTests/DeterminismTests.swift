import Foundation
import Matching
import Report
import TestSupport
import Testing

@testable import DropScan

/// The same inputs give byte-identical JSON whatever the thread count and the order the files are listed
/// in, once the documented timing fields (`run.startedAt`, `run.endedAt`) are removed: reports can be
/// diffed and cached. The logs are a real server's (every statement, all three destinations, rotated),
/// with a copy of one stderr file whose lines fit no prefix given for it, so that which unparsed samples are
/// kept is put to the test; the sources are the demo app.
@Suite struct DeterminismTests {
    /// The report's JSON lines without the timing fields, and the report.
    func scan(threads: Int, files: [String]) throws -> (lines: [String], report: UsageReport) {
        var configuration = ScanConfiguration()
        configuration.targets = try ServerLogs.targets.map { try Target(parsing: $0) }
        configuration.fileLists = [(name: "inputs", text: files.map { "log\t\($0)" }.joined(separator: "\n"))]
        configuration.sources = [demo + "/app"]
        configuration.logLinePrefixes = [ScopedPrefix(argument: "?-copy*=%t user=%u ")]
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.commandLine = ["scan"]
        configuration.threads = threads
        configuration.progress = false
        let report = try ScanPipeline(configuration: configuration).run()
        let data = try JSONReporter().render(report)
        // The timing fields, one a line in the pretty-printed JSON.
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("    \"startedAt\" : ") && !$0.hasPrefix("    \"endedAt\" : ") }.map(String.init)
        return (lines, report)
    }

    @Test func oneScanWithOneTwoAndEightThreadsAndEitherFileOrderGivesTheSameJSON() throws {
        let folder = try ServerLogs.everyStatement.get()
        let dir = try TemporaryDirectory()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        // The stderr files again, read with a prefix that fits none of their lines: the smaller under a name
        // that sorts first. Workers take the larger files first, so the samples a worker meets first depend
        // on the thread count.
        func size(_ name: String) -> Int {
            var info = stat()
            return stat(folder + "/" + name, &info) == 0 ? Int(info.st_size) : 0
        }
        let stderrFiles = names.filter { $0.hasSuffix(".log.gz") }.sorted { size($0) < size($1) }
        #expect(stderrFiles.count >= 2)
        let copy = dir.path + "/a-copy.log.gz"
        try FileManager.default.copyItem(atPath: folder + "/" + stderrFiles.first!, toPath: copy)
        try FileManager.default.copyItem(atPath: folder + "/" + stderrFiles.last!, toPath: dir.path + "/b-copy.log.gz")
        let files = [copy, dir.path + "/b-copy.log.gz"] + names.map { folder + "/" + $0 }

        let (reference, report) = try scan(threads: 1, files: files)
        #expect(try scan(threads: 2, files: files).lines == reference)
        #expect(try scan(threads: 8, files: files).lines == reference)
        #expect(try scan(threads: 8, files: files.reversed()).lines == reference)
        #expect(reference.filter { $0.contains("\"startedAt\"") || $0.contains("\"endedAt\"") }.isEmpty)

        // The samples kept are the first unparsed lines by place: the copy's first five.
        let samples = try #require(report.coverage.entries?.unparsedSamples)
        #expect(samples.map(\.path) == Array(repeating: copy, count: 5))
        #expect(samples.map(\.line) == [1, 2, 3, 4, 5])
        #expect(report.coverage.sourceFiles > 0)
    }
}
