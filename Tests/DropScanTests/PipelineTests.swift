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

@Suite struct ModelIndexPipelineTests {
    func scan(_ tree: TemporaryDirectory, targets: [String], schema: [String] = []) throws -> UsageReport {
        var configuration = ScanConfiguration()
        configuration.targets = try targets.map { try Target(parsing: $0) }
        configuration.sources = [tree.path]
        configuration.schemaFiles = schema
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.threads = 2
        configuration.progress = false
        return try ScanPipeline(configuration: configuration).run()
    }

    func djangoTree() throws -> TemporaryDirectory {
        let tree = try TemporaryDirectory()
        _ = try tree.write(
            "pings/models/ping.py",
            "from django.db import models\n\nclass Ping(models.Model):\n    body = models.TextField()\n")
        _ = try tree.write("pings/views.py", "def show(ping):\n    return ping.body\n")
        return tree
    }

    @Test func modelsOfAPackageGoIntoTheReportAndScopeTheTarget() throws {
        let tree = try djangoTree()
        let report = try scan(tree, targets: ["pings_ping.body"])
        #expect(
            report.models == [
                ModelSummary(
                    className: "Ping", file: "pings/models/ping.py", line: 3, table: "pings_ping",
                    ecosystem: "django", columns: [ModelSummary.Column(attribute: "body", column: "body")])
            ])
        #expect(report.verdict == .blocked)
        #expect(report.targets[0].code.findings.contains { $0.path == "pings/views.py" && $0.evidence == .confirmed })
    }

    @Test func aTableNoModelSchemaOrSQLMentionsIsInconclusiveNotAPass() throws {
        let tree = try djangoTree()
        let report = try scan(tree, targets: ["legacy_audit.note"])
        #expect(report.verdict == .inconclusive)
        #expect(report.reasons.count == 1)
        #expect(
            report.reasons.first?.hasPrefix("No model, schema file or SQL in the sources mentions table legacy_audit")
                == true)
        // A schema dump that has the table makes the mapping understood: nothing uses it, so it passes.
        let elsewhere = try TemporaryDirectory()
        let dump = try elsewhere.write("schema.sql", "CREATE TABLE public.legacy_audit (id int, note text);\n")
        let withSchema = try scan(tree, targets: ["legacy_audit.note"], schema: [dump])
        #expect(withSchema.verdict == .pass)
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

@Suite struct KeptSourcesTests {
    /// A tree where every kind of second look happens: candidates, a file that names the target only through the
    /// attribute the index maps to the column (`ping.owner` for `owner_id`), and a method defined in another
    /// file that rescores a finding.
    func scan(keeping budget: Int, between: (@Sendable (_ root: String) -> Void)? = nil) throws -> [String] {
        let dir = try TemporaryDirectory()
        _ = try dir.write(
            "pings/models.py",
            "from django.db import models\n\nclass Ping(models.Model):\n    owner = models.ForeignKey(\"auth.User\", on_delete=models.CASCADE)\n"
        )
        _ = try dir.write("pings/views.py", "def show(ping):\n    return ping.owner\n")
        _ = try dir.write(
            "docs/upload.py", "class Upload:\n    def checksum(self):\n        return md5(self.data)\n")
        _ = try dir.write(
            "docs/views.py",
            "from docs.models import Document\ndef show(upload, document):\n    a = upload.checksum()\n    b = document.checksum\n"
        )
        var configuration = ScanConfiguration()
        configuration.targets = [try Target(parsing: "documents.checksum"), try Target(parsing: "pings_ping.owner_id")]
        configuration.sources = [dir.path]
        configuration.bundledPatterns = repositoryRoot + "/Patterns"
        configuration.threads = 2
        configuration.progress = false
        configuration.keptSourceBytes = budget
        let root = dir.path
        if let between { configuration.afterFirstPass = { between(root) } }
        let report = try ScanPipeline(configuration: configuration).run()
        // The tiers of the checksum's findings show the rescoring; the owner's, which the scoring rules decide,
        // are left out: that `ping.owner` is found at all shows the second look at a file that was no candidate.
        return report.targets.flatMap { target in
            target.code.findings.map {
                let place = "\(target.column ?? "*") \($0.path):\($0.line)"
                return target.column == "checksum" ? place + ":" + $0.evidence.rawValue : place
            }
        }.sorted()
    }

    @Test func filesKeptFromTheFirstPassAndFilesReadAgainGiveTheSameFindings() throws {
        let expected = [
            "checksum docs/upload.py:2:not-a-use", "checksum docs/views.py:3:not-a-use",
            "checksum docs/views.py:4:confirmed", "owner_id pings/models.py:4", "owner_id pings/views.py:2",
        ]
        let kept = try scan(keeping: 64 << 20)
        let readAgain = try scan(keeping: 0)
        #expect(kept == expected)
        #expect(readAgain == expected)
    }

    @Test func aFileIsScoredAsTheFirstPassReadIt() throws {
        // Rewritten between the passes: the second scores the bytes the index was built from, not a second read.
        let rewrite: @Sendable (String) -> Void = { root in
            _ = FileManager.default.createFile(
                atPath: root + "/docs/views.py", contents: Data("def show():\n    return None\n".utf8))
        }
        let found = try scan(keeping: 64 << 20, between: rewrite)
        #expect(found.contains("checksum docs/views.py:4:confirmed"))
        // Past the budget the file is read again, and then it is the new text.
        let reread = try scan(keeping: 0, between: rewrite)
        #expect(!reread.contains { $0.hasPrefix("checksum docs/views.py") })
    }
}

@Suite struct KeptSlotsTests {
    @Test func eachFilesKeptBytesAreHandedOverOnce() {
        let slots = KeptSlots([[1, 2, 3], nil, [4]])
        #expect(slots.take(0) == [1, 2, 3])
        #expect(slots.take(0) == nil)
        #expect(slots.take(1) == nil)
        #expect(slots.take(2) == [4])
        #expect(slots.take(3) == nil)
    }
}
