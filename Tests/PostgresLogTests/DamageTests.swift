import Testing

@testable import PostgresLog

/// Frames `text` in chunks of `chunkSize` bytes as the pipeline does, collecting the entries and the damage.
func frameWithDamage(
    _ text: String, format: LogFormat, chunkSize: Int = .max, maximumEntryBytes: Int = 16 << 20
) -> (records: [LogRecord], damage: [FramingDamage]) {
    let bytes = Array(text.utf8)
    var framer = LogEntryFramer(format: format, maximumEntryBytes: maximumEntryBytes)
    var records: [LogRecord] = []
    var damage: [FramingDamage] = []
    var pending: [UInt8] = []
    var offset: Int64 = 0
    var position = 0
    while position < bytes.count {
        let next = min(bytes.count, position + (chunkSize == .max ? bytes.count : chunkSize))
        pending += bytes[position..<next]
        position = next
        let used = pending.withUnsafeBytes {
            framer.frame($0, baseOffset: offset, atEnd: position == bytes.count) { records.append($0.record()) }
        }
        damage += framer.takeDamage()
        pending.removeFirst(used)
        offset += Int64(used)
    }
    return (records, damage)
}

/// The bytes each damaged entry lost, merged per entry: entry offset → covered range.
func mergedDamage(_ damage: [FramingDamage]) -> [Int64: Range<Int64>] {
    var merged: [Int64: Range<Int64>] = [:]
    for item in damage {
        if let known = merged[item.entryOffset] {
            #expect(known.upperBound == item.range.lowerBound, "the pieces of one damaged entry are contiguous")
            merged[item.entryOffset] = known.lowerBound..<item.range.upperBound
        } else {
            merged[item.entryOffset] = item.range
        }
    }
    return merged
}

@Suite struct LongEntryDamageTests {
    static let header = "2024-05-02 10:15:42.123 UTC [1] LOG:  statement: SELECT "
    static let first = header + String(repeating: "x", count: 300) + "\n"
    static let second = "\t" + String(repeating: "y", count: 300) + "\n"
    static let detail = "2024-05-02 10:15:42.123 UTC [1] DETAIL:  " + String(repeating: "z", count: 50) + "\n"
    static let next = "2024-05-02 10:15:43.000 UTC [2] LOG:  next\n"

    @Test(arguments: [1, 7, 100, 100_000])
    func theSkippedRestOfAStderrEntryIsReportedWithItsBytes(chunk: Int) {
        let text = Self.first + Self.second + Self.detail + Self.next
        let result = frameWithDamage(text, format: .stderr(debianPrefix), chunkSize: chunk, maximumEntryBytes: 200)
        #expect(result.records.count == 2)
        #expect(result.damage.allSatisfy { $0.kind == .entryTooLong && $0.line == 1 && $0.limit == 200 })
        // Everything from the cut (byte 200) to the next entry was skipped, and said so.
        let skippedEnd = Int64((Self.first + Self.second + Self.detail).utf8.count)
        #expect(mergedDamage(result.damage) == [0: 200..<skippedEnd])
        #expect(result.damage.first?.description.contains("byte 0 (line 1)") == true)
    }

    @Test(arguments: [1, 7, 100, 100_000])
    func theSkippedRestOfCsvAndJsonEntriesIsReported(chunk: Int) {
        let long = String(repeating: "a\"\"\n", count: 100)
        let csvFirst =
            "2024-05-02 10:15:42.123 UTC,\"u\",\"d\",1,,1.1,1,,2024-05-02 10:15:42 UTC,,0,LOG,00000,\"statement: \(long)\",,,,,,,,,\"\",\"client backend\",,0\n"
        let csvNext =
            "2024-05-02 10:15:43.000 UTC,\"u\",\"d\",2,,1.1,1,,2024-05-02 10:15:42 UTC,,0,LOG,00000,\"next\",,,,,,,,,\"\",\"client backend\",,0\n"
        let csv = frameWithDamage(csvFirst + csvNext, format: .csv, chunkSize: chunk, maximumEntryBytes: 200)
        #expect(csv.records.map(\.message).last == "next")
        #expect(mergedDamage(csv.damage) == [0: 200..<Int64(csvFirst.utf8.count)])

        let jsonFirst =
            "{\"timestamp\":\"2024-05-02 10:15:42.123 UTC\",\"pid\":1,\"error_severity\":\"LOG\",\"message\":\"\(String(repeating: "b", count: 500))\"}\n"
        let jsonNext =
            "{\"timestamp\":\"2024-05-02 10:15:43.000 UTC\",\"pid\":2,\"error_severity\":\"LOG\",\"message\":\"next\"}\n"
        let json = frameWithDamage(jsonFirst + jsonNext, format: .json, chunkSize: chunk, maximumEntryBytes: 200)
        #expect(json.records.map(\.message).last == "next")
        // The newline that ends the cut line is not part of the entry.
        #expect(mergedDamage(json.damage) == [0: 200..<Int64(jsonFirst.utf8.count - 1)])
    }

    @Test func entriesUnderTheLimitReportNoDamage() {
        let result = frameWithDamage(stderrSample, format: .stderr(debianPrefix))
        #expect(result.damage.isEmpty)
        #expect(frameWithDamage(csvSample, format: .csv).damage.isEmpty)
    }
}

@Suite struct UnterminatedQuoteTests {
    static let first =
        "2024-05-02 10:15:42.123 UTC,\"app\",\"shop\",12345,\"10.0.0.5:53210\",66336a1e.3039,7,\"SELECT\",2024-05-02 10:10:06 UTC,3/1822,0,LOG,00000,\"statement: SELECT 1\",,,,,,,,\"myapp\",\"client backend\",,0\n"
    /// A record a log shipper cut inside its quoted message (the rest of the line is gone).
    static let cut =
        "2024-05-02 10:15:42.200 UTC,\"app\",\"shop\",12345,\"10.0.0.5:53210\",66336a1e.3039,8,\"SELECT\",2024-05-02 10:10:06 UTC,3/1823,0,LOG,00000,\"statement: SELECT legacy_status FROM orders WHERE note = 'a\n"
    static let last =
        "2024-05-02 10:15:43.000 UTC,\"app\",\"shop\",12345,\"10.0.0.5:53210\",66336a1e.3039,9,\"SELECT\",2024-05-02 10:10:06 UTC,3/1824,0,LOG,00000,\"statement: SELECT 2\",,,,,,,,\"myapp\",\"client backend\",,0\n"

    @Test(arguments: [1, 7, 64, 100_000])
    func framingResumesAtTheNextRecordAndTheDamagedRangeIsReported(chunk: Int) {
        let result = frameWithDamage(Self.first + Self.cut + Self.last, format: .csv, chunkSize: chunk)
        #expect(result.records.count == 3)
        #expect(result.records[0].message == "statement: SELECT 1")
        #expect(!result.records[1].isParsed)
        #expect(result.records[1].line == 2)
        #expect(result.records[2].isParsed)
        #expect(result.records[2].message == "statement: SELECT 2")
        #expect(result.records[2].line == 3)
        let start = Int64(Self.first.utf8.count)
        #expect(result.damage.count == 1)
        #expect(result.damage.first?.kind == .unterminatedQuote)
        #expect(result.damage.first?.entryOffset == start)
        #expect(result.damage.first?.range == start..<(start + Int64(Self.cut.utf8.count - 1)))
        #expect(result.damage.first?.description.contains("never closes") == true)
    }

    @Test func aLastRecordWhoseQuoteNeverClosesIsReported() {
        let result = frameWithDamage(Self.first + Self.cut, format: .csv)
        #expect(result.records.count == 2)
        #expect(!result.records[1].isParsed)
        let start = Int64(Self.first.utf8.count)
        #expect(result.damage.map(\.range) == [start..<(start + Int64(Self.cut.utf8.count))])
    }

    @Test func quotedNewlinesThatDoNotStartARecordStayInTheirField() {
        // The csv sample's UPDATE spans three lines inside quotes: no damage.
        let result = frameWithDamage(csvSample, format: .csv, chunkSize: 5)
        #expect(result.damage.isEmpty)
        #expect(result.records[1].statement == "UPDATE orders\n   SET legacy_col = 1, note = 'a,b'\n WHERE id = 7")
    }
}

@Suite struct PrefixChangeTests {
    /// A reload that changes the prefix: the announcement already carries the new prefix (the server applies
    /// it before logging it), and one session still writes the old one until it next goes idle.
    static let log = """
        2024-05-02 10:15:40.000 UTC [10] LOG:  received SIGHUP, reloading configuration files
        2024-05-02 10:15:40.001 UTC [10] @ app= LOG:  parameter "log_line_prefix" changed to "%m [%p] %u@%d app=%a "
        2024-05-02 10:15:41.000 UTC [20] alice@shop app=billing LOG:  statement: SELECT legacy_status
        \tFROM orders
        2024-05-02 10:15:41.500 UTC [21] LOG:  statement: SELECT 1
        2024-05-02 10:15:42.000 UTC [20] alice@shop app=billing LOG:  statement: SELECT 2

        """

    @Test(arguments: [1, 9, 100_000])
    func theFramerSwitchesAtTheAnnouncement(chunk: Int) {
        let result = frameWithDamage(Self.log, format: .stderr(prefix("%m [%p] ")), chunkSize: chunk)
        #expect(result.records.count == 5)
        #expect(result.records.map(\.isParsed) == Array(repeating: true, count: result.records.count))
        #expect(result.records[1].message == "parameter \"log_line_prefix\" changed to \"%m [%p] %u@%d app=%a \"")
        #expect(result.records[2].user == "alice")
        #expect(result.records[2].database == "shop")
        #expect(result.records[2].application == "billing")
        #expect(result.records[2].message == "statement: SELECT legacy_status\nFROM orders")
        #expect(result.records[3].pid == 21)
        #expect(result.records[3].message == "statement: SELECT 1")
        #expect(result.records[4].application == "billing")
        #expect(result.damage.isEmpty)
    }

    @Test func anUnusablePrefixIsReportedAndTheOldOneKept() {
        let log = """
            2024-05-02 10:15:40.001 UTC [10] LOG:  parameter "log_line_prefix" changed to "%m %u%d "
            2024-05-02 10:15:41.000 UTC [20] LOG:  statement: SELECT 2

            """
        let result = frameWithDamage(log, format: .stderr(prefix("%m [%p] ")))
        #expect(result.records.count == 2)
        #expect(result.records[1].isParsed)
        #expect(result.damage.map(\.kind) == [.unusablePrefixChange])
        #expect(result.damage.first?.line == 1)
    }

    @Test func syslogMessagesSwitchToo() {
        let log = """
            2024-05-02T10:15:40.001+00:00 db1 postgres[10]: [5-1] LOG:  parameter "log_line_prefix" changed to "user=%u,db=%d "
            2024-05-02T10:15:41.000+00:00 db1 postgres[20]: [6-1] user=alice,db=shop LOG:  statement: SELECT 1

            """
        let result = frameWithDamage(log, format: .syslog(prefix("")))
        #expect(result.records.count == 2)
        #expect(result.records.map(\.isParsed) == Array(repeating: true, count: result.records.count))
        #expect(result.records[1].user == "alice")
        #expect(result.records[1].database == "shop")
    }
}

@Suite struct SyslogYearTests {
    static let log = """
        Dec 31 23:59:58 db1 postgres[10]: [1-1] LOG:  statement: SELECT 1
        Jan  1 00:00:02 db1 postgres[10]: [2-1] LOG:  statement: SELECT 2

        """

    @Test func aLogSpanningNewYearTakesItsYearsFromTheModificationTime() {
        var framer = LogEntryFramer(
            format: .syslog(prefix("")), syslogYears: .writtenBy(utc(2025, 1, 1, 0, 5, 0)))
        var times: [Int64?] = []
        Array(Self.log.utf8).withUnsafeBytes {
            _ = framer.frame($0, baseOffset: 0, atEnd: true) { times.append($0.timestamp) }
        }
        #expect(times == [utc(2024, 12, 31, 23, 59, 58), utc(2025, 1, 1, 0, 0, 2)])
    }

    @Test func aGivenYearIsUsedAsIs() {
        var framer = LogEntryFramer(format: .syslog(prefix("")), syslogYear: 2019)
        var times: [Int64?] = []
        Array(Self.log.utf8).withUnsafeBytes {
            _ = framer.frame($0, baseOffset: 0, atEnd: true) { times.append($0.timestamp) }
        }
        #expect(times == [utc(2019, 12, 31, 23, 59, 58), utc(2019, 1, 1, 0, 0, 2)])
    }

    @Test func theDefaultIsNeverNineteenSeventy() {
        var framer = LogEntryFramer(format: .syslog(prefix("")))
        var times: [Int64?] = []
        Array(Self.log.utf8).withUnsafeBytes {
            _ = framer.frame($0, baseOffset: 0, atEnd: true) { times.append($0.timestamp) }
        }
        #expect(times.allSatisfy { ($0 ?? 0) > utc(2020, 1, 1, 0, 0, 0) })
    }
}
