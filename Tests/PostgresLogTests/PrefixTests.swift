import Testing

@testable import PostgresLog

@Suite struct LinePrefixTests {
    /// Frames one stderr line with `pattern` and returns its record.
    func parse(_ pattern: String, _ line: String) throws -> LogRecord {
        let records = frameRecords(line + "\n", format: .stderr(try LinePrefix(parsing: pattern)))
        let record = try #require(records.first)
        #expect(records.count == 1)
        return record
    }

    @Test func timestampWithMillisecondsAndPid() throws {
        let record = try parse("%m [%p] ", "2024-05-02 10:15:42.123 UTC [12345] LOG:  statement: SELECT 1")
        #expect(record.isParsed)
        #expect(record.timestamp == utc(2024, 5, 2, 10, 15, 42, 123))
        #expect(record.pid == 12345)
        #expect(record.severity == .log)
        #expect(record.message == "statement: SELECT 1")
    }

    @Test func timestampWithoutMillisecondsRejectsMillisecondsForT() throws {
        let record = try parse("%t [%p] ", "2024-05-02 10:15:42 UTC [7] LOG:  x")
        #expect(record.timestamp == utc(2024, 5, 2, 10, 15, 42))
        let withMillis = try parse("%m [%p] ", "2024-05-02 10:15:42 UTC [7] LOG:  x")
        #expect(!withMillis.isParsed)
    }

    @Test func epochTimestamp() throws {
        let record = try parse("%n [%p] ", "1714644942.123 [7] LOG:  x")
        #expect(record.timestamp == 1_714_644_942_123)
    }

    @Test func userDatabaseApplicationAndHost() throws {
        let record = try parse(
            "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
            "2017-09-06 08:41:43 UTC [44]: [371-1] user=postgres,db=shop,app=pg bench,client=172.23.0.1 LOG:  x")
        #expect(record.user == "postgres")
        #expect(record.database == "shop")
        #expect(record.application == "pg bench")
        #expect(record.clientHost == "172.23.0.1")
        #expect(record.pid == 44)
    }

    @Test func remoteHostAndPortKeepsTheHost() throws {
        let record = try parse(
            "%t:%r:%u@%d:[%p]:", "2020-03-11 20:40:50 CET:192.168.1.201(50906):gilles@pgbench:[12795]:FATAL:  no")
        #expect(record.clientHost == "192.168.1.201")
        #expect(record.severity == .fatal)
        #expect(record.timestamp == utc(2020, 3, 11, 19, 40, 50))
    }

    @Test func rdsPrefixWithoutSpaceBeforeSeverityAndBackgroundProcess() throws {
        let local = try parse(
            "%t:%r:%u@%d:[%p]:",
            "2020-03-11 20:41:42 CET:[local]:postgres@postgres:[12835]:LOG:  duration: 0.860 ms  statement: SELECT 1")
        #expect(local.clientHost == "[local]")
        #expect(local.user == "postgres")
        #expect(local.pid == 12835)
        let background = try parse(
            "%t:%r:%u@%d:[%p]:", "2020-03-11 20:40:43 CET::@:[12760]:LOG:  database system is ready")
        #expect(background.isParsed)
        #expect(background.user == nil)
        #expect(background.database == nil)
        #expect(background.pid == 12760)
    }

    @Test func percentQStopsThePrefixForBackgroundProcesses() throws {
        let pattern = "%m [%p] %q%u@%d "
        let session = try parse(pattern, "2024-05-02 10:15:42.123 UTC [12345] app@shop LOG:  statement: SELECT 1")
        #expect(session.user == "app")
        #expect(session.database == "shop")
        let background = try parse(pattern, "2024-05-02 10:15:44.500 UTC [4242] LOG:  checkpoint starting: time")
        #expect(background.isParsed)
        #expect(background.pid == 4242)
        #expect(background.user == nil)
    }

    @Test func unknownValuesMeanAbsent() throws {
        let record = try parse(
            "%m [%p] %u@%d %a ",
            "2024-05-02 10:15:42.123 UTC [1] [unknown]@[unknown] [unknown] LOG:  connection received")
        #expect(record.isParsed)
        #expect(record.user == nil)
        #expect(record.database == nil)
        #expect(record.application == nil)
    }

    @Test func sessionIdLineNumberAndAzurePrefix() throws {
        let record = try parse("%t-%c-", "2026-09-16 19:02:12 UTC-6aaae7b4.1dc3-LOG:  connection authorized: user=x")
        #expect(record.sessionID == "6aaae7b4.1dc3")
        #expect(record.timestamp == utc(2026, 9, 16, 19, 2, 12))
        #expect(record.message == "connection authorized: user=x")
    }

    @Test func processStartVirtualXidXidSqlStateQueryIdBackendTypeCommandTag() throws {
        let record = try parse(
            "%m [%p/%P] %s %v %x %e %Q %b %i %% ",
            "2024-05-02 10:15:42.123 UTC [12/] 2024-05-02 10:10:06 UTC 3/1822 0 42703 -8112313845396740087 client backend SELECT idle % ERROR:  column \"x\" does not exist"
        )
        #expect(record.isParsed)
        #expect(record.pid == 12)
        #expect(record.sqlState == "42703")
        #expect(record.severity == .error)
        #expect(record.timestamp == utc(2024, 5, 2, 10, 15, 42, 123))
    }

    @Test func paddedEscapes() throws {
        let record = try parse("%m [%5p] %-10u|%d ", "2024-05-02 10:15:42.123 UTC [   42] bob       |shop LOG:  x")
        #expect(record.pid == 42)
        #expect(record.user == "bob")
        #expect(record.database == "shop")
    }

    @Test func literalsLongerThanSixteenBytes() throws {
        let pattern = "%m <<this-is-a-rather-long-literal-text>> [%p] "
        let line = "2024-05-02 10:15:42.123 UTC <<this-is-a-rather-long-literal-text>> [42] LOG:  x"
        #expect(try parse(pattern, line).pid == 42)
        let wrong = "2024-05-02 10:15:42.123 UTC <<this-is-a-rather-long-literal-texT>> [42] LOG:  x"
        #expect(!(try parse(pattern, wrong).isParsed))
    }

    @Test func unknownEscapesAreIgnoredLikePostgreSQLDoes() throws {
        let record = try parse("%m %Z[%p] ", "2024-05-02 10:15:42.123 UTC [42] LOG:  x")
        #expect(record.pid == 42)
    }

    @Test func touchingFreeTextEscapesAreRejectedWithAReason() {
        #expect(throws: LogFormatError.self) { try LinePrefix(parsing: "%u%d ") }
        do {
            _ = try LinePrefix(parsing: "%m %")
            Issue.record("a lone % must be rejected")
        } catch {
            #expect(error.description.contains("lone '%'"))
        }
    }

    @Test func verboseSqlStateIsTakenOutOfTheMessage() throws {
        let record = try parse(
            "%m [%p] ", "2024-12-04 00:00:01.371 GMT [2099221] ERROR:  42703: column \"legacy_col\" does not exist")
        #expect(record.sqlState == "42703")
        #expect(record.message == "column \"legacy_col\" does not exist")
    }
}

@Suite struct FormatDetectionTests {
    @Test(arguments: [
        ("2024-05-02 10:15:42.123 UTC [12345] LOG:  x\n", "%m [%p] "),
        (
            "2024-05-02 10:15:42.123 UTC [12345] app@shop LOG:  x\n2024-05-02 10:15:44.500 UTC [4242] LOG:  y\n",
            "%m [%p] %q%u@%d "
        ),
        (
            "2017-09-06 08:41:43 UTC [44]: [371-1] user=postgres,db=postgres,app=pgbench,client=172.23.0.1 LOG:  x\n",
            "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "
        ),
        ("2020-03-11 20:41:42 CET:[local]:postgres@postgres:[12835]:LOG:  x\n", "%t:%r:%u@%d:[%p]:"),
        ("2026-09-16 19:02:12 UTC-6aaae7b4.1dc3-LOG:  x\n", "%t-%c-"),
        (
            "2022-02-17 14:45:44.989 UTC [691] [queryid=7831118945884805370] postgres@so ERROR:  x\n",
            "%m [%p] [queryid=%Q] %u@%d "
        ),
    ])
    func infersCommonPrefixes(sample: String, expected: String) throws {
        let format = try LogFormatDetector.detect(sample: Array(sample.utf8))
        #expect(format == .stderr(try LinePrefix(parsing: expected)))
    }

    @Test func infersAnUnlistedPrefixStructurally() throws {
        let sample =
            "2024-05-02 10:15:42.123 UTC <node-a> {12345} (42) LOG:  statement: SELECT 1\n"
            + "2024-05-02 10:15:43.000 UTC <node-a> {12345} (42) ERROR:  boom\n"
        let format = try LogFormatDetector.detect(sample: Array(sample.utf8))
        guard case .stderr(let prefix) = format else {
            Issue.record("expected stderr, got \(format)")
            return
        }
        #expect(prefix.pattern.hasPrefix("%m"))
        let records = frameRecords(sample, format: format)
        #expect(records.count == 2)
        #expect(records[0].timestamp == utc(2024, 5, 2, 10, 15, 42, 123))
        #expect(records[1].severity == .error)
        #expect(records[0].message == "statement: SELECT 1")
    }

    @Test func structuralInferenceTakesThePidFromBrackets() throws {
        let sample = "2024-05-02 10:15:42 UTC host1 [777] LOG:  x\n"
        let format = try LogFormatDetector.detect(sample: Array(sample.utf8))
        let records = frameRecords(sample, format: format)
        #expect(records.first?.pid == 777)
    }

    @Test func detectsCsvJsonAndSyslog() throws {
        let csv =
            "2024-05-02 10:15:42.123 UTC,\"app\",\"shop\",12345,\"10.0.0.5:53210\",66336a1e.3039,7,\"SELECT\",2024-05-02 10:10:06 UTC,3/1822,0,LOG,00000,\"statement: SELECT 1\",,,,,,,,,\"psql\",\"client backend\",,0\n"
        #expect(try LogFormatDetector.detect(sample: Array(csv.utf8)) == .csv)
        let json =
            "{\"timestamp\":\"2024-05-02 10:15:42.123 UTC\",\"pid\":1,\"error_severity\":\"LOG\",\"message\":\"x\"}\n"
        #expect(try LogFormatDetector.detect(sample: Array(json.utf8)) == .json)
        let syslog =
            "Feb 10 23:15:40 test-pc postgres[10819]: [7-1] db=postgres,user=postgres,app=psql,client=[local] LOG:  x\n"
        let format = try LogFormatDetector.detect(sample: Array(syslog.utf8))
        guard case .syslog = format else {
            Issue.record("expected syslog, got \(format)")
            return
        }
    }

    @Test func explicitPrefixThatDoesNotFitALineReadsItAsUnparsedInsteadOfRejectingTheFile() throws {
        // A line before any entry is unparsed; one after an entry is a continuation whose TAB a shipper
        // stripped: joined to it and counted, never dropped.
        let sample =
            "hello world\n2024-05-02 10:15:42.123 UTC [1] LOG:  a\n2024-05-02 10:15:42.124 UTC [2] LOG:  b\nstray line\n"
        let format = try LogFormatDetector.detect(sample: Array(sample.utf8), explicitPrefix: "%m [%p] ")
        #expect(format == .stderr(try LinePrefix(parsing: "%m [%p] ")))
        let framed = frameRecords(Array(sample.utf8), format: format)
        #expect(framed.records.map(\.isParsed) == [false, true, true])
        #expect(framed.coverage.joinedLines == 1)
    }

    @Test func unrecognisableSampleIsAnError() {
        #expect(throws: LogFormatError.self) {
            try LogFormatDetector.detect(sample: Array("just some text\nmore text\n".utf8))
        }
        #expect(throws: LogFormatError.emptySample) { try LogFormatDetector.detect(sample: [UInt8]()) }
    }
}

@Suite struct TimestampTests {
    func parse(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBytes { LogTimestamp.parse($0, at: 0, end: $0.count)?.milliseconds }
    }

    @Test func convertsZoneAbbreviationsToUTC() {
        let base = utc(2024, 5, 2, 10, 15, 42, 123)
        #expect(parse("2024-05-02 10:15:42.123 UTC") == base)
        #expect(parse("2024-05-02 10:15:42.123 GMT") == base)
        #expect(parse("2024-05-02 11:15:42.123 CET") == base)
        #expect(parse("2024-05-02 12:15:42.123 CEST") == base)
        #expect(parse("2024-05-02 05:15:42.123 EST") == base)
        #expect(parse("2024-05-02 06:15:42.123 EDT") == base)
        #expect(parse("2024-05-02 02:15:42.123 PST") == base)
        #expect(parse("2024-05-02 03:15:42.123 PDT") == base)
        #expect(parse("2024-05-02 13:15:42.123 MSK") == base)
    }

    @Test func convertsNumericZones() {
        let base = utc(2024, 5, 2, 10, 15, 42)
        #expect(parse("2024-05-02 15:45:42 +0530") == base)
        #expect(parse("2024-05-02 07:15:42 -03") == base)
        #expect(parse("2024-05-02 15:45:42 +05:30") == base)
    }

    @Test func crossesMidnightAndYears() {
        #expect(parse("2025-01-01 00:30:00 CET") == utc(2024, 12, 31, 23, 30, 0))
        #expect(parse("2024-02-29 23:00:00 -03") == utc(2024, 3, 1, 2, 0, 0))
    }

    @Test func unknownZoneGivesNoTimestamp() {
        #expect(parse("2024-05-02 10:15:42 XYZT") == nil)
    }

    @Test func formatsUTCISO8601() {
        #expect(LogCoverage.format(utc(2024, 5, 2, 10, 15, 42, 123)) == "2024-05-02T10:15:42.123Z")
        #expect(LogTimestamp.iso8601(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(LogTimestamp.iso8601(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }
}

@Suite struct PrefixInferenceTests {
    func sample(_ lines: [String]) -> PrefixSample {
        var sample = PrefixSample()
        for line in lines { Array(line.utf8).withUnsafeBytes { sample.append($0) } }
        return sample
    }

    @Test func statementLinesWithoutTheUserAndDatabaseThePrefixCarriesMakeItUntrusted() throws {
        // RDS's prefix, but every statement line has empty user and database: not what a session writes.
        let lines = (1...8).map { "2024-05-02 10:15:4\($0) UTC::@:[12\($0)]:LOG:  statement: SELECT \($0)" }
        let decision = try #require(PrefixInference.decide(sample: sample(lines)))
        #expect(decision.prefix.pattern == "%t:%r:%u@%d:[%p]:")
        #expect(decision.problem?.hasPrefix("8 of 8 sampled statement lines have no user or database") == true)
    }

    @Test func thePrefixTheLogReportsIsACandidate() throws {
        let lines = [
            "<2024-05-02 10:15:42 UTC|7|alice|shop> LOG:  parameter \"log_line_prefix\" changed to \"<%t|%p|%u|%d> \"",
            "<2024-05-02 10:15:43 UTC|8|bob|shop> LOG:  statement: SELECT 1",
            "<2024-05-02 10:15:44 UTC|9||> LOG:  checkpoint starting: time",
        ]
        let decision = try #require(PrefixInference.decide(sample: sample(lines)))
        #expect(decision.prefix.pattern == "<%t|%p|%u|%d> ")
        #expect(decision.explainedLines == 3)
    }

    @Test func fewerThanHalfTheLinesExplainedIsNoDecision() {
        #expect(PrefixInference.decide(sample: sample(["just text", "more text", "x LOG:  y"])) == nil)
    }
}
