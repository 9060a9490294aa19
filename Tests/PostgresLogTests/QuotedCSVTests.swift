import Testing

@testable import PostgresLog

/// csvlog that another tool re-exported with every timestamp quoted (`"2026-05-16 05:11:50.269 UTC","user",…`,
/// as pgBadger's test corpus has it): the server's own csvlog never quotes its timestamps.
@Suite struct QuotedCSVTests {
    /// The real server's csvlog with the first field of each record quoted.
    func quotingTimestamps(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var atRecordStart = true
        var inQuotes = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if atRecordStart, byte &- 48 <= 9, let comma = bytes[index...].firstIndex(of: UInt8(ascii: ",")) {
                out.append(UInt8(ascii: "\""))
                out += bytes[index..<comma]
                out.append(UInt8(ascii: "\""))
                index = comma
                atRecordStart = false
                continue
            }
            if byte == UInt8(ascii: "\"") { inQuotes.toggle() }
            atRecordStart = byte == 10 && !inQuotes
            out.append(byte)
            index += 1
        }
        return out
    }

    @Test func quotedTimestampsAreDetectedAsCsvlog() throws {
        let quoted = quotingTimestamps(try fixture("all.csv"))
        #expect(quoted.prefix(1) == [UInt8(ascii: "\"")])
        #expect(try LogFormatDetector.detect(sample: Array(quoted.prefix(LogFormatDetector.sampleSize))) == .csv)
    }

    @Test(arguments: [Int.max, 4096, 7])
    func quotedTimestampsGiveTheSameEntriesAsTheServersCsvlog(chunk: Int) throws {
        let plain = try fixture("all.csv")
        let quoted = quotingTimestamps(plain)
        let expected = frameRecords(plain, format: .csv).records
        let read = frameRecords(quoted, format: .csv, chunkSize: chunk).records
        #expect(expected.count > 100)
        #expect(read.count == expected.count)
        #expect(read.map(\.message) == expected.map(\.message))
        #expect(read.map(\.timestamp) == expected.map(\.timestamp))
        #expect(read.map(\.user) == expected.map(\.user))
        #expect(read.allSatisfy { $0.isParsed })
    }
}
