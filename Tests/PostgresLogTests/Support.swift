import Foundation
import Testing

@testable import PostgresLog

/// Frames `bytes` the way the pipeline does: chunks of `chunkSize` bytes, carrying the unconsumed tail.
func frameRecords(
    _ bytes: [UInt8], format: LogFormat, chunkSize: Int = .max, maximumEntryBytes: Int = 16 << 20,
    statements: Bool = false
) -> (records: [LogRecord], statements: [LoggedStatement], coverage: LogCoverage) {
    var framer = LogEntryFramer(format: format, maximumEntryBytes: maximumEntryBytes)
    var records: [LogRecord] = []
    var found: [LoggedStatement] = []
    var coverage = LogCoverage()
    coverage.beginFile("test.log")
    var pending: [UInt8] = []
    var offset: Int64 = 0
    var position = 0
    func handle(_ entry: LogEntry) {
        records.append(entry.record())
        found += StatementExtractor.statements(in: entry)
        coverage.observe(entry)
    }
    while position < bytes.count {
        let next = min(bytes.count, position + (chunkSize == .max ? bytes.count : chunkSize))
        pending += bytes[position..<next]
        position = next
        let atEnd = position == bytes.count
        let used = pending.withUnsafeBytes { framer.frame($0, baseOffset: offset, atEnd: atEnd, handle) }
        if atEnd { #expect(used == pending.count) }
        pending.removeFirst(used)
        offset += Int64(used)
    }
    if bytes.isEmpty { _ = pending.withUnsafeBytes { framer.frame($0, baseOffset: 0, atEnd: true, handle) } }
    return (records, found, coverage)
}

func frameRecords(_ text: String, format: LogFormat, chunkSize: Int = .max) -> [LogRecord] {
    frameRecords(Array(text.utf8), format: format, chunkSize: chunkSize).records
}

/// The decompressed bytes of a fixture made by Fixtures/make-fixtures.sh (stored as `<name>.gz`).
func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: name + ".gz", withExtension: nil, subdirectory: "Fixtures"))
    return try gunzip(Array(try Data(contentsOf: url)))
}

func prefix(_ pattern: String) -> LinePrefix { try! LinePrefix(parsing: pattern) }

/// Milliseconds since the epoch of a UTC date and time.
func utc(_ year: Int64, _ month: Int64, _ day: Int64, _ hour: Int64, _ minute: Int64, _ second: Int64, _ ms: Int64 = 0)
    -> Int64
{
    ((LogTimestamp.daysFromCivil(year: year, month: month, day: day) * 24 + hour) * 60 + minute) * 60_000 + second
        * 1000 + ms
}
