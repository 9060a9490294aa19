import Testing

@testable import PostgresLog

@Suite struct CoverageTests {
    /// A log of one process with an entry at each of the given UTC times (hour, minute).
    func log(_ times: [(Int64, Int64)], message: String = "checkpoint starting: time") -> String {
        times.map { "2024-05-02 \(String(format2: $0.0)):\(String(format2: $0.1)):00.000 UTC [1] LOG:  \(message)\n" }
            .joined()
    }

    func coverage(_ path: String, _ text: String, threshold: Int64 = 3_600_000) -> LogCoverage {
        var coverage = LogCoverage(gapThresholdMilliseconds: threshold)
        coverage.beginFile(path)
        var framer = LogEntryFramer(format: .stderr(debianPrefix))
        Array(text.utf8).withUnsafeBytes { _ = framer.frame($0, baseOffset: 0, atEnd: true) { coverage.observe($0) } }
        return coverage
    }

    @Test func timeWindowAndGapInsideAFile() throws {
        let c = coverage("a.log", log([(1, 0), (1, 30), (4, 0), (4, 10)]))
        #expect(c.from == utc(2024, 5, 2, 1, 0, 0))
        #expect(c.to == utc(2024, 5, 2, 4, 10, 0))
        #expect(c.gaps.count == 1)
        #expect(c.gaps.first?.isInsideFile == true)
        #expect(c.gaps.first?.afterFile == "a.log")
        #expect(c.gaps.first.map { LogCoverage.format($0.from) } == "2024-05-02T01:30:00.000Z")
        let gap = try #require(c.gaps.first)
        #expect(gap.durationMilliseconds == Int64(150 * 60_000))
        #expect(c.parsedEntries == 4)
    }

    @Test func gapBetweenFilesAndMergeOrderDoesNotMatter() {
        let a = coverage("a.log", log([(1, 0), (2, 0)]))
        let b = coverage("b.log", log([(5, 0), (6, 0)]))
        let c = coverage("c.log", log([(5, 30), (6, 30)]))
        var forward = a
        forward.merge(b)
        forward.merge(c)
        var backward = c
        backward.merge(b)
        backward.merge(a)
        #expect(forward.gaps == backward.gaps)
        #expect(forward.gaps.count == 1)
        #expect(forward.gaps.first?.afterFile == "a.log")
        #expect(forward.gaps.first?.beforeFile == "b.log")
        #expect(!forward.gaps[0].isInsideFile)
        #expect(forward.from == backward.from && forward.to == backward.to)
        #expect(forward.parsedEntries == 6)
    }

    @Test func overlappingFilesHideEachOthersGaps() {
        let a = coverage("a.log", log([(1, 0), (5, 0)]))
        let b = coverage("b.log", log([(2, 0), (2, 50), (3, 40), (4, 30)]))
        var merged = a
        merged.merge(b)
        #expect(a.gaps.count == 1)
        #expect(merged.gaps.isEmpty)
    }

    @Test func configurableThreshold() {
        let c = coverage("a.log", log([(1, 0), (1, 10), (1, 30)]), threshold: 15 * 60_000)
        #expect(c.gaps.count == 1)
    }

    @Test func unparsedLinesAreCountedWithFiveSamples() {
        // Before any entry (after one they are continuation lines that lost their TAB).
        var text = ""
        for n in 1...7 { text += "junk line \(n)\n" }
        let c = coverage("x.log", text + log([(1, 0)]))
        #expect(c.unparsedEntries == 7)
        #expect(c.unparsedSamples.count == 5)
        #expect(
            c.unparsedSamples[1]
                == LogCoverage.UnparsedSample(path: "x.log", line: 2, offset: 12, text: "junk line 2"))
    }

    @Test func linesWithoutPrefixAfterAnEntryAreCountedAsJoined() {
        var text = log([(1, 0)])
        for n in 1...7 { text += "junk line \(n)\n" }
        let c = coverage("x.log", text)
        #expect(c.unparsedEntries == 0)
        #expect(c.joinedLines == 7)
        #expect(c.parsedEntries == 1)
    }

    @Test(arguments: [
        ("statement: SELECT 1", "all"),
        ("statement: UPDATE orders SET a = 1", "mod"),
        ("statement: CREATE TABLE t (a int)", "ddl"),
        ("duration: 0.042 ms  statement: SELECT 1", "duration>=0 ms"),
        ("duration: 250.5 ms  execute S_1: SELECT 1", "duration>=250 ms"),
        ("checkpoint starting: time", "none"),
    ])
    func statementLoggingMode(message: String, expected: String) {
        let c = coverage("a.log", log([(1, 0), (1, 1)], message: message))
        #expect(c.statementLogging == expected)
        if expected == "all" || expected == "duration>=0 ms" {
            #expect(c.statementLoggingCaveat == nil)
        } else {
            #expect(c.statementLoggingCaveat?.contains("cannot") == true)
        }
    }

    @Test func modAndDdlTogetherAreMod() {
        let c = coverage(
            "a.log",
            log([(1, 0)], message: "statement: DROP TABLE t")
                + log([(1, 1)], message: "statement: INSERT INTO t VALUES (1)"))
        #expect(c.statementLogging == "mod")
        #expect(c.statementLoggingCaveat?.contains("SELECT") == true)
    }

    @Test func thresholdAndModCombine() {
        let c = coverage(
            "a.log",
            log([(1, 0)], message: "statement: UPDATE t SET a = 1")
                + log([(1, 1)], message: "duration: 300.1 ms  statement: SELECT 1"))
        #expect(c.statementLogging == "mod, duration>=300 ms")
    }

    @Test func errorsOnly() {
        let text =
            "2024-05-02 10:00:00.000 UTC [1] app@shop ERROR:  column \"x\" does not exist\n"
            + "2024-05-02 10:00:00.000 UTC [1] app@shop STATEMENT:  SELECT x FROM t\n"
        let c = coverage("a.log", text)
        #expect(c.statementLogging == "errors-only")
        #expect(c.failedStatements == 1)
        #expect(c.statementLoggingCaveat?.contains("failing") == true)
    }

    @Test func settingChangesAreRecorded() {
        let c = coverage("a.log", log([(1, 0)], message: "parameter \"log_statement\" changed to \"all\""))
        #expect(
            c.settingChanges == [
                LogCoverage.SettingChange(timestamp: utc(2024, 5, 2, 1, 0, 0), name: "log_statement", value: "all")
            ])
        #expect(c.settingChangeNote?.contains("log_statement=all at 2024-05-02T01:00:00.000Z") == true)
        #expect(coverage("b.log", log([(1, 0)])).settingChangeNote == nil)
    }

    @Test func realFixturesReportTheirMode() throws {
        for (name, expected) in [("all.json", "all"), ("duration.csv", "all")] {
            let bytes = try fixture(name)
            let result = frameRecords(bytes, format: try LogFormatDetector.detect(sample: bytes))
            #expect(result.coverage.statementLogging == expected)
            #expect(result.coverage.unparsedEntries == 0)
            #expect(result.coverage.gaps.isEmpty)
        }
    }
}

extension String {
    init(format2 value: Int64) { self = value < 10 ? "0\(value)" : "\(value)" }
}
