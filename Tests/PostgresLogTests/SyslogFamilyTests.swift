import Foundation
import Testing

@testable import PostgresLog

/// Heroku Postgres as `heroku logs` prints it (https://devcenter.heroku.com/articles/logging, "Log format":
/// `timestamp source[dyno]: message`), with the server's `[seq-chunk]` pieces and Heroku's prefix
/// (`sql_error_code = 00000 LOG:`, https://help.heroku.com/MJUI0JR0). Written here to that documentation.
let herokuSample = """
    2024-03-15T12:10:39.000000+00:00 app[postgres.2041]: [CRIMSON] [7-1]  sql_error_code = 00000 LOG:  statement: SELECT id, legacy_status
    2024-03-15T12:10:39.000000+00:00 app[postgres.2077]: [CRIMSON] [3-1]  sql_error_code = 00000 LOG:  checkpoint starting: time
    2024-03-15T12:10:39.000000+00:00 app[postgres.2041]: [CRIMSON] [7-2] \tFROM orders WHERE customer_id = 7
    2024-03-15T12:10:40.000000+00:00 app[postgres.2041]: [CRIMSON] [8-1]  sql_error_code = 42703 ERROR:  column "legacy_status" does not exist at character 8
    2024-03-15T12:10:40.000000+00:00 app[postgres.2041]: [CRIMSON] [8-2]  sql_error_code = 42703 STATEMENT:  UPDATE orders SET note = 'a'
    2024-03-15T12:10:40.000000+00:00 app[postgres.2041]: [CRIMSON] [8-3]  WHERE legacy_status = 1
    2024-03-15T12:10:41.000000+00:00 heroku[router]: at=info method=GET path="/" status=200

    """

/// The same messages as a Heroku syslog drain delivers them: RFC 5424 with octet counting and no structured
/// data (https://devcenter.heroku.com/articles/log-drains; logplex's own example
/// `<len> <pri>1 time host app web.3 - message`).
let herokuDrainSample = """
    147 <134>1 2024-03-15T12:10:39.000000+00:00 host app postgres.2041 - [CRIMSON] [7-1]  sql_error_code = 00000 LOG:  statement: SELECT id, legacy_status
    116 <134>1 2024-03-15T12:10:39.000000+00:00 host app postgres.2041 - [CRIMSON] [7-2] \tFROM orders WHERE customer_id = 7

    """

/// rsyslog's RFC 5424 output (https://www.rfc-editor.org/rfc/rfc5424#section-6): structured data, NIL
/// structured data, a UTF-8 BOM, and a long line cut by PostgreSQL before a space.
let rfc5424Sample = """
    <134>1 2024-05-02T10:15:42.123+02:00 db1 postgres 1234 - [origin ip="10.0.0.9" x="a\\]b"] [5-1] db=shop,user=app,app=web,client=10.0.0.5 LOG:  statement: SELECT legacy_status
    <134>1 2024-05-02T10:15:42.124+02:00 db1 postgres 777 - - [2-1] db=shop,user=batch,app=cron,client=10.0.0.6 LOG:  statement: SELECT 1
    <134>1 2024-05-02T10:15:42.125+02:00 db1 postgres 1234 - - [5-2]  FROM orders
    <134>1 2024-05-02T10:15:43.000Z db1 postgres 1234 - - \u{FEFF}[6-1] db=shop,user=app,app=web,client=10.0.0.5 ERROR:  boom
    <134>1 2024-05-02T10:15:43.001Z db1 postgres 1234 - - [6-2] db=shop,user=app,app=web,client=10.0.0.5 STATEMENT:  SELECT legacy_status FROM orders

    """

@Suite struct HerokuLogplexTests {
    @Test func isRecognisedFromContentWithHerokusPrefix() throws {
        let format = try LogFormatDetector.detect(sample: Array(herokuSample.utf8))
        guard case .syslog(let prefix) = format else {
            Issue.record("detected \(format)")
            return
        }
        #expect(prefix.pattern == " sql_error_code = %e ")
    }

    @Test func piecesAreRejoinedPerProcessWithAttributionFromTheLine() throws {
        let records = frameRecords(herokuSample, format: .syslog(prefix(" sql_error_code = %e ")))
        #expect(records.count == 4)
        let select = try #require(records.first { $0.pid == 2041 && $0.severity == .log })
        #expect(select.message == "statement: SELECT id, legacy_status\nFROM orders WHERE customer_id = 7")
        #expect(select.timestamp == utc(2024, 3, 15, 12, 10, 39))
        #expect(select.sqlState == "00000")
        #expect(select.line == 1)
        let error = try #require(records.first { $0.severity == .error })
        #expect(error.sqlState == "42703")
        // The cut inside the STATEMENT line (before a space) is joined without a line break.
        #expect(error.statement == "UPDATE orders SET note = 'a' WHERE legacy_status = 1")
        #expect(records.first { $0.pid == 2077 }?.message == "checkpoint starting: time")
        // The router's line is not the database's.
        #expect(records.filter { !$0.isParsed }.map(\.message) == [herokuSample.split(separator: "\n")[6].description])
    }

    @Test func statementsAreExtractedOnceEach() throws {
        let result = frameRecords(
            Array(herokuSample.utf8), format: .syslog(prefix(" sql_error_code = %e ")), statements: true)
        #expect(
            result.statements.map(\.text).sorted() == [
                "SELECT id, legacy_status\nFROM orders WHERE customer_id = 7",
                "UPDATE orders SET note = 'a' WHERE legacy_status = 1",
            ])
        #expect(result.coverage.unparsedEntries == 1)
    }

    @Test func theDrainFormIsReadTheSame() throws {
        #expect(Array(herokuDrainSample.utf8).withUnsafeBytes { startsOctetCount($0, 0, 10) })
        let format = try LogFormatDetector.detect(sample: Array(herokuDrainSample.utf8))
        guard case .syslog = format else {
            Issue.record("detected \(format)")
            return
        }
        let records = frameRecords(herokuDrainSample, format: .syslog(prefix(" sql_error_code = %e ")))
        #expect(records.count == 1)
        #expect(records.first?.pid == 2041)
        #expect(records.first?.message == "statement: SELECT id, legacy_status\nFROM orders WHERE customer_id = 7")
        #expect(records.first?.timestamp == utc(2024, 3, 15, 12, 10, 39))
    }

    @Test func theSavedDrainFormWithItsTokenIsReadToo() throws {
        let line =
            "2024-03-15T12:10:39.000000+00:00 d.9173ea1f-6f14-4976-9cf0-7cd0dafdcdbc app[postgres.2041] [CRIMSON] [7-1]  sql_error_code = 00000 LOG:  statement: SELECT 1\n"
        let records = frameRecords(line, format: .syslog(prefix(" sql_error_code = %e ")))
        #expect(records.map(\.pid) == [2041])
        #expect(records.first?.message == "statement: SELECT 1")
    }
}

@Suite struct RFC5424Tests {
    let serverPrefix = prefix("db=%d,user=%u,app=%a,client=%h ")

    @Test func isRecognisedAndItsPrefixInferred() throws {
        let format = try LogFormatDetector.detect(sample: Array(rfc5424Sample.utf8))
        guard case .syslog(let prefix) = format else {
            Issue.record("detected \(format)")
            return
        }
        #expect(prefix.pattern == "db=%d,user=%u,app=%a,client=%h ")
    }

    @Test func headerStructuredDataAndPiecesAreRead() throws {
        let records = frameRecords(rfc5424Sample, format: .syslog(serverPrefix))
        #expect(records.count == 3)
        let select = try #require(records.first { $0.line == 1 })
        #expect(select.pid == 1234)
        #expect(select.message == "statement: SELECT legacy_status FROM orders")
        #expect(select.timestamp == utc(2024, 5, 2, 8, 15, 42, 123))
        #expect(select.user == "app")
        #expect(select.database == "shop")
        #expect(select.application == "web")
        let batch = try #require(records.first { $0.pid == 777 })
        #expect(batch.application == "cron")
        let error = try #require(records.first { $0.severity == .error })
        #expect(error.statement == "SELECT legacy_status FROM orders")
        #expect(error.timestamp == utc(2024, 5, 2, 10, 15, 43))
        #expect(records.allSatisfy { $0.isParsed })
    }

    @Test func sameEntriesWhateverTheChunkSize() throws {
        let whole = frameRecords(Array(rfc5424Sample.utf8), format: .syslog(serverPrefix)).records
        for size in [1, 5, 64] {
            #expect(
                frameRecords(Array(rfc5424Sample.utf8), format: .syslog(serverPrefix), chunkSize: size).records == whole
            )
        }
    }
}

@Suite struct ShippedContinuationTests {
    /// A log written by a real PostgreSQL server (Fixtures/make-fixtures.sh) with 14 TAB continuation lines.
    let serverPrefix = prefix("%m [%p] %q%u@%d/%a ")

    func read(_ bytes: [UInt8]) -> (entries: Int, unparsed: Int, joined: Int, statements: [String]) {
        let result = frameRecords(bytes, format: .stderr(serverPrefix), chunkSize: 4096, statements: true)
        let statements = result.statements.map {
            $0.text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
        }
        return (result.records.count, result.coverage.unparsedEntries, result.coverage.joinedLines, statements)
    }

    @Test func tabsReplacedBySpacesOrStrippedGiveTheSameEntriesAndStatements() throws {
        let original = try fixture("all.log")
        let untouched = read(original)
        #expect(untouched.unparsed == 0)
        #expect(untouched.joined == 0)
        // 154 lines: 14 TAB lines and 36 DETAIL/STATEMENT/… lines belong to the 104 entries.
        #expect(untouched.entries == 104)
        var spaces: [UInt8] = []
        var stripped: [UInt8] = []
        for (index, byte) in original.enumerated() {
            let startsLine = index == 0 || original[index - 1] == 10
            if byte == 9 && startsLine {
                spaces += Array("    ".utf8)
            } else {
                spaces.append(byte)
                stripped.append(byte)
            }
        }
        for shipped in [read(spaces), read(stripped)] {
            #expect(shipped.entries == untouched.entries)
            #expect(shipped.unparsed == 0)
            #expect(shipped.joined == 14)
            #expect(shipped.statements == untouched.statements)
        }
    }

    @Test func aLineBeforeAnyEntryStaysUnparsed() {
        let result = frameRecords(
            Array("FROM orders\n2024-05-02 10:15:42.123 UTC [1] a@b/c LOG:  statement: SELECT 1\n".utf8),
            format: .stderr(serverPrefix))
        #expect(result.records.map(\.isParsed) == [false, true])
        #expect(result.coverage.joinedLines == 0)
    }
}

/// The `detect` fuzz target crashed on a line `Jan  1888…8gnu, …` (a hundred eights where the day goes): the
/// RFC 3164 day was read digit by digit into an integer until it overflowed.
@Suite struct RFC3164DayTests {
    func parse(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBytes { LogTimestamp.parseRFC3164($0, at: 0, end: $0.count, year: 2026)?.0 }
    }

    @Test func aDayWrittenAsALongRunOfDigitsIsNoTime() {
        #expect(parse("Jan  " + String(repeating: "8", count: 100) + " 23:58:56 db postgres[1]: [1-1] x") == nil)
        #expect(parse("Jan  " + String(repeating: "8", count: 100) + "gnu, compiled by gcc") == nil)
        #expect(parse("Jan 100 23:58:56 db postgres[1]: [1-1] x") == nil)
        #expect(parse("Jan 32 23:58:56 db postgres[1]: [1-1] x") == nil)
    }

    @Test func oneAndTwoDigitDaysStillParse() {
        #expect(parse("Nov 24 23:58:56 db postgres[1]: [1-1] x") == 1_795_564_736_000)
        #expect(parse("Feb  3 01:02:03 db postgres[1]: [1-1] x") == 1_770_080_523_000)
    }

    @Test func theFuzzersLineAmongSyslogLinesIsDetectedAsSyslogWithoutACrash() throws {
        let sample =
            "Nov 24 23:58:56 db postgres[6364]: [1-1] LOG:  starting PostgreSQL 15.18 on x86_64-pc-linux-\n"
            + "Jan  " + String(repeating: "8", count: 100) + "gnu, compiled by gcc (Debian 12.2.0-14+deb12u1)\n"
            + "Nov 24 23:58:57 db postgres[6405]: [3-1] LOG:  statement: SELECT 1\n"
        let format = try LogFormatDetector.detect(sample: Array(sample.utf8))
        guard case .syslog = format else {
            Issue.record("detected \(format)")
            return
        }
        // The line is no header: it stays an unparsed entry of its own (at byte 93), counted, not lost.
        let records = frameRecords(sample, format: format)
        #expect(records.map(\.pid) == [nil, 6364, 6405])
        #expect(records.map(\.isParsed) == [false, true, true])
        #expect(records.first?.offset == 93)
    }
}
