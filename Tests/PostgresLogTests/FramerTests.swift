import Testing

@testable import PostgresLog

let debianPrefix = try! LinePrefix(parsing: "%m [%p] %q%u@%d ")

/// A stderr log exercising continuation lines, joined DETAIL/STATEMENT lines, interleaved processes and
/// a line that fits no prefix.
let stderrSample = """
    2024-05-02 10:15:42.123 UTC [12345] app@shop LOG:  statement: SELECT id,
    \t       legacy_col
    \t  FROM orders;
    2024-05-02 10:15:42.200 UTC [12345] app@shop ERROR:  column "legacy_col" does not exist at character 8
    2024-05-02 10:15:42.200 UTC [12345] app@shop HINT:  Perhaps you meant to reference the column "orders.legacy_code".
    2024-05-02 10:15:42.200 UTC [12345] app@shop STATEMENT:  SELECT legacy_col
    \tFROM orders;
    2024-05-02 10:15:43.000 UTC [4242] LOG:  checkpoint starting: time
    garbage that is not a log line
    2024-05-02 10:15:44.000 UTC [12345] app@shop LOG:  duration: 0.512 ms  execute <unnamed>: SELECT 1 WHERE $1 = 1
    2024-05-02 10:15:44.000 UTC [12345] app@shop DETAIL:  Parameters: $1 = '42'
    2024-05-02 10:15:44.100 UTC [999] app@shop LOG:  statement: SELECT 2
    2024-05-02 10:15:44.100 UTC [12345] app@shop STATEMENT:  orphan statement of another process

    """

let csvSample = """
    2024-05-02 10:15:42.123 UTC,"app","shop",12345,"10.0.0.5:53210",66336a1e.3039,7,"SELECT",2024-05-02 10:10:06 UTC,3/1822,0,LOG,00000,"duration: 12.345 ms  execute <unnamed>: SELECT id, legacy_col FROM orders WHERE customer_id = $1","Parameters: $1 = '42'",,,,,,,,"myapp","client backend",,-3213424234234567
    2024-05-02 10:15:43.001 UTC,"app","shop",12345,"10.0.0.5:53210",66336a1e.3039,8,"UPDATE",2024-05-02 10:10:06 UTC,3/1823,0,ERROR,42703,"column ""legacy_col"" of relation ""orders"" does not exist",,,,,,"UPDATE orders
       SET legacy_col = 1, note = 'a,b'
     WHERE id = 7",11,,"myapp","client backend",,0
    2021-01-21 16:12:57.186 CET,"aaaa","aaaa",77553,"127.0.0.1:45908",60099770.12ef1,1729,"UPDATE",2021-01-21 16:02:08 CET,10/5692,136185,LOG,00000,"duration: 21.083 ms  execute S_29: update public.dokumentdata set data=$1 where id=$2","parameters: $1 = '\\x2550', $2 = '157'",,,,,,,,"PostgreSQL JDBC Driver"
    2023-01-21 16:12:57.186 UTC,,,77,,60099770.4d,1,,2023-01-21 16:02:08 UTC,,0,LOG,00000,"checkpoint starting: time",,,,,,,,,"","checkpointer"
    not,a,csvlog,line

    """

let jsonSample = """
    {"timestamp":"2024-06-27 00:00:07.369 CEST","pid":58151,"session_id":"667c8f67.e327","line_num":1,"session_start":"2024-06-27 00:00:07 CEST","vxid":"21/52610848","txid":3949960645,"error_severity":"LOG","message":"automatic analyze of table \\"testdb.sales.tab\\"\\nI/O timings: read: 0.000 ms","backend_type":"autovacuum worker","query_id":0}
    {"timestamp":"2024-05-02 10:15:42.123 UTC","user":"app","dbname":"shop","pid":12345,"remote_host":"10.0.0.5","remote_port":53210,"session_id":"66336a1e.3039","line_num":7,"ps":"SELECT","session_start":"2024-05-02 10:10:06 UTC","vxid":"3/1822","txid":0,"error_severity":"LOG","message":"duration: 12.345 ms  execute <unnamed>: SELECT id, \\"legacy_col\\"\\n\\tFROM orders WHERE note = '\\u00e9\\\\'","detail":"Parameters: $1 = '42'","application_name":"myapp","backend_type":"client backend","query_id":-3213424234234567}
    {"timestamp":"2024-05-02 10:15:43.000 UTC","user":"app","dbname":"shop","pid":12345,"session_id":"66336a1e.3039","line_num":8,"error_severity":"ERROR","state_code":"42P01","message":"relation \\"gone\\" does not exist","statement":"SELECT * FROM gone","backend_type":"client backend","query_id":0}
    {not json at all

    """

let syslogSample = """
    Feb 10 23:15:40 test-pc postgres[10819]: [7-1] db=postgres,user=postgres,app=psql,client=[local] LOG:  duration: 13.997 ms  statement: SELECT d.datname as "Name",
    Feb 10 23:15:40 test-pc postgres[10820]: [3-1] db=,user=,app=,client= LOG:  checkpoint starting: time
    Feb 10 23:15:40 test-pc postgres[10819]: [7-2] #011       pg_catalog.pg_get_userbyid(d.datdba) as "Owner"
    Feb 10 23:15:40 test-pc postgres[10819]: [7-3] #011FROM pg_database d WHERE
    Feb 10 23:15:40 test-pc postgres[10819]: [7-4]  d.legacy_col = 1;
    Feb 10 23:15:41 test-pc postgres[10819]: [8-1] db=postgres,user=postgres,app=psql,client=[local] ERROR:  relation "x" does not exist at character 15
    Feb 10 23:15:41 test-pc postgres[10819]: [8-2] db=postgres,user=postgres,app=psql,client=[local] STATEMENT:  SELECT * FROM x;
    2024-05-02T10:15:42.123456+02:00 db1 postgres[12345]: [9-1] db=shop,user=app,app=x,client=10.0.0.1 LOG:  statement: SELECT 1
    Feb 10 23:15:42 test-pc kernel: something else

    """

@Suite struct StderrFramingTests {
    @Test func joinsContinuationAndDetailLinesIntoOneEntry() throws {
        let records = frameRecords(stderrSample, format: .stderr(debianPrefix))
        #expect(records.count == 6)
        #expect(records[0].message == "statement: SELECT id,\n       legacy_col\n  FROM orders;")
        #expect(records[0].line == 1)
        #expect(records[1].severity == .error)
        #expect(records[1].line == 4)
        #expect(records[1].hint == "Perhaps you meant to reference the column \"orders.legacy_code\".")
        #expect(records[1].statement == "SELECT legacy_col\nFROM orders;")
        #expect(records[2].user == nil)
        #expect(records[2].pid == 4242)
        // A line that fits no prefix after an entry is a continuation line that lost its TAB.
        #expect(records[2].message == "checkpoint starting: time\ngarbage that is not a log line")
        #expect(records[3].detail == "Parameters: $1 = '42'")
        #expect(records[3].line == 10)
        #expect(records[4].pid == 999)
        // A STATEMENT line of another process is not glued to pid 999's entry.
        #expect(records[4].statement == nil)
        #expect(records[5].statement == "orphan statement of another process")
        #expect(records[5].severity == .unknown)
    }

    @Test func offsetsPointAtTheFirstByteOfEachEntry() {
        let bytes = Array(stderrSample.utf8)
        let records = frameRecords(bytes, format: .stderr(debianPrefix)).records
        for record in records {
            let start = Int(record.offset)
            #expect(start == 0 || bytes[start - 1] == 10)
            #expect(bytes[start] != 9)
        }
        #expect(
            records[2].offset
                == Int64(String(stderrSample.split(separator: "\n")[0..<7].joined(separator: "\n")).utf8.count + 1))
    }

    @Test func lastEntryWithoutNewlineIsCompleteAtEnd() {
        let records = frameRecords(
            "2024-05-02 10:15:42.123 UTC [1] LOG:  statement: SELECT 1", format: .stderr(debianPrefix))
        #expect(records.map(\.message) == ["statement: SELECT 1"])
    }

    @Test func incompleteEntryIsNotConsumedBeforeTheEnd() {
        var framer = LogEntryFramer(format: .stderr(debianPrefix))
        let text = Array(
            "2024-05-02 10:15:42.123 UTC [1] LOG:  statement: SELECT 1\n2024-05-02 10:15:42.124 UTC [1] LOG:  x\n".utf8)
        var seen = 0
        let used = text.withUnsafeBytes { framer.frame($0, baseOffset: 0, atEnd: false) { _ in seen += 1 } }
        // The second entry could still get continuation lines.
        #expect(seen == 1)
        #expect(used == 58)
    }
}

@Suite struct CsvFramingTests {
    @Test func readsQuotedFieldsWithNewlinesCommasAndDoubledQuotes() throws {
        let result = frameRecords(Array(csvSample.utf8), format: .csv)
        let records = result.records
        #expect(records.count == 5)
        #expect(records[0].timestamp == utc(2024, 5, 2, 10, 15, 42, 123))
        #expect(records[0].clientHost == "10.0.0.5")
        #expect(records[0].sessionID == "66336a1e.3039")
        #expect(records[0].application == "myapp")
        #expect(records[0].detail == "Parameters: $1 = '42'")
        #expect(records[1].message == "column \"legacy_col\" of relation \"orders\" does not exist")
        #expect(records[1].statement == "UPDATE orders\n   SET legacy_col = 1, note = 'a,b'\n WHERE id = 7")
        #expect(records[1].sqlState == "42703")
        #expect(records[1].severity == .error)
        #expect(records[2].line == 5)
    }

    @Test func acceptsTwentyThreeAndTwentyFourColumnRecords() {
        let records = frameRecords(Array(csvSample.utf8), format: .csv).records
        #expect(records[2].isParsed)  // 23 columns (PG <= 12)
        #expect(records[2].timestamp == utc(2021, 1, 21, 15, 12, 57, 186))
        #expect(records[2].application == "PostgreSQL JDBC Driver")
        #expect(records[3].isParsed)  // 24 columns (PG 13)
        #expect(records[3].user == nil)
        #expect(records[3].application == nil)
    }

    @Test func keepsLinesThatAreNotCsvlogAsUnparsed() {
        let result = frameRecords(Array(csvSample.utf8), format: .csv)
        #expect(!result.records[4].isParsed)
        #expect(result.records[4].message == "not,a,csvlog,line")
        #expect(result.coverage.unparsedEntries == 1)
        #expect(result.coverage.unparsedSamples.first?.line == 7)
    }
}

@Suite struct JsonFramingTests {
    @Test func readsEntriesWithAndWithoutOptionalKeys() {
        let records = frameRecords(Array(jsonSample.utf8), format: .json).records
        #expect(records.count == 4)
        #expect(records[0].user == nil)
        #expect(records[0].database == nil)
        #expect(records[0].sqlState == "00000")
        #expect(records[0].timestamp == utc(2024, 6, 26, 22, 0, 7, 369))
        #expect(records[0].message == "automatic analyze of table \"testdb.sales.tab\"\nI/O timings: read: 0.000 ms")
        #expect(
            records[1].message
                == "duration: 12.345 ms  execute <unnamed>: SELECT id, \"legacy_col\"\n\tFROM orders WHERE note = 'é\\'"
        )
        #expect(records[1].clientHost == "10.0.0.5")
        #expect(records[1].application == "myapp")
        #expect(records[1].pid == 12345)
        #expect(records[2].sqlState == "42P01")
        #expect(records[2].statement == "SELECT * FROM gone")
        #expect(!records[3].isParsed)
    }
}

@Suite struct SyslogFramingTests {
    @Test func joinsPiecesPerProcessAndTurnsHash011IntoTab() throws {
        let prefix = try LinePrefix(parsing: "db=%d,user=%u,app=%a,client=%h ")
        var framer = LogEntryFramer(format: .syslog(prefix), syslogYear: 2024)
        var records: [LogRecord] = []
        let bytes = Array(syslogSample.utf8)
        bytes.withUnsafeBytes { _ = framer.frame($0, baseOffset: 0, atEnd: true) { records.append($0.record()) } }
        #expect(records.count == 5)
        let select = try #require(records.first { $0.message.hasPrefix("duration: 13.997 ms") })
        #expect(
            select.message
                == "duration: 13.997 ms  statement: SELECT d.datname as \"Name\",\n       pg_catalog.pg_get_userbyid(d.datdba) as \"Owner\"\nFROM pg_database d WHERE d.legacy_col = 1;"
        )
        #expect(select.pid == 10819)
        #expect(select.line == 1)
        #expect(select.offset == 0)
        #expect(select.timestamp == utc(2024, 2, 10, 23, 15, 40))
        #expect(select.database == "postgres")
        let error = try #require(records.first { $0.severity == .error })
        #expect(error.statement == "SELECT * FROM x;")
        let iso = try #require(records.first { $0.pid == 12345 })
        #expect(iso.timestamp == utc(2024, 5, 2, 8, 15, 42, 123))
        #expect(records.contains { !$0.isParsed && $0.message.contains("kernel") })
    }

    @Test func sameEntriesWhateverTheChunkSize() throws {
        let prefix = try LinePrefix(parsing: "db=%d,user=%u,app=%a,client=%h ")
        let whole = frameRecords(Array(syslogSample.utf8), format: .syslog(prefix)).records
        for size in [1, 7, 64] {
            #expect(frameRecords(Array(syslogSample.utf8), format: .syslog(prefix), chunkSize: size).records == whole)
        }
    }
}

@Suite struct ChunkBoundaryTests {
    @Test(arguments: [1, 2, 7, 64, 4096])
    func sameEntriesWhateverTheChunkSize(size: Int) throws {
        let samples: [(String, [UInt8], LogFormat)] = [
            ("stderr", Array(stderrSample.utf8), .stderr(debianPrefix)),
            ("csv", Array(csvSample.utf8), .csv),
            ("json", Array(jsonSample.utf8), .json),
            ("fixture stderr", try fixture("all.log"), .stderr(try LinePrefix(parsing: "%m [%p] %q%u@%d/%a "))),
            ("fixture csv", try fixture("all.csv"), .csv),
            ("fixture json", try fixture("duration.json"), .json),
        ]
        for (name, bytes, format) in samples {
            if size == 1 && bytes.count > 20000 { continue }  // quadratic re-scan of the carried tail
            let whole = frameRecords(bytes, format: format)
            let chunked = frameRecords(bytes, format: format, chunkSize: size)
            #expect(chunked.records == whole.records, "\(name) in chunks of \(size)")
            #expect(chunked.statements == whole.statements, "\(name) in chunks of \(size)")
        }
    }

    @Test func fixturesInOneByteChunks() throws {
        for name in ["all.log", "all.csv"] {
            let bytes = try fixture(name)
            let format = try LogFormatDetector.detect(sample: bytes)
            #expect(
                frameRecords(bytes, format: format, chunkSize: 1).records == frameRecords(bytes, format: format).records
            )
        }
    }
}

@Suite struct TruncationTests {
    @Test(arguments: [1, 7, 100, 100_000])
    func longStderrEntriesAreCutAndTheRestSkipped(chunk: Int) throws {
        var text = "2024-05-02 10:15:42.123 UTC [1] LOG:  statement: SELECT "
        text += String(repeating: "x", count: 300) + "\n\t" + String(repeating: "y", count: 300) + "\n"
        text += "2024-05-02 10:15:42.123 UTC [1] DETAIL:  " + String(repeating: "z", count: 50) + "\n"
        text += "2024-05-02 10:15:43.000 UTC [2] LOG:  next\n"
        let result = frameRecords(
            Array(text.utf8), format: .stderr(debianPrefix), chunkSize: chunk, maximumEntryBytes: 200)
        #expect(result.records.count == 2)
        #expect(result.records[0].truncated)
        #expect(result.records[0].message.utf8.count < 200)
        #expect(result.records[1].message == "next")
        #expect(result.records[1].line == 4)
        #expect(!result.records[1].truncated)
        #expect(result.coverage.truncatedEntries == 1)
    }

    @Test(arguments: [1, 7, 100, 100_000])
    func longCsvAndJsonEntriesAreCut(chunk: Int) throws {
        let long = String(repeating: "a\"\"\n", count: 100)
        let csv =
            "2024-05-02 10:15:42.123 UTC,\"u\",\"d\",1,,1.1,1,,2024-05-02 10:15:42 UTC,,0,LOG,00000,\"statement: \(long)\",,,,,,,,,\"\",\"client backend\",,0\n"
            + "2024-05-02 10:15:43.000 UTC,\"u\",\"d\",2,,1.1,1,,2024-05-02 10:15:42 UTC,,0,LOG,00000,\"next\",,,,,,,,,\"\",\"client backend\",,0\n"
        let csvResult = frameRecords(Array(csv.utf8), format: .csv, chunkSize: chunk, maximumEntryBytes: 200).records
        #expect(csvResult.count == 2)
        #expect(csvResult[0].truncated)
        #expect(csvResult[1].message == "next")
        #expect(csvResult[1].line == 102)
        let json =
            "{\"timestamp\":\"2024-05-02 10:15:42.123 UTC\",\"pid\":1,\"error_severity\":\"LOG\",\"message\":\"\(String(repeating: "b", count: 500))\"}\n"
            + "{\"timestamp\":\"2024-05-02 10:15:43.000 UTC\",\"pid\":2,\"error_severity\":\"LOG\",\"message\":\"next\"}\n"
        let jsonResult = frameRecords(Array(json.utf8), format: .json, chunkSize: chunk, maximumEntryBytes: 200).records
        #expect(jsonResult.count == 2)
        #expect(jsonResult[0].truncated)
        #expect(jsonResult[1].message == "next")
        #expect(jsonResult[1].line == 2)
    }
}
