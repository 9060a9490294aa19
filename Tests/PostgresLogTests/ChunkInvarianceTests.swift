import Foundation
import Testing

@testable import PostgresLog

/// The framers promise the same entries wherever the chunks of a file end. The fuzz targets `frame-stderr` and
/// `frame-syslog` (Tests/Fuzz) check that on every input, and found where it did not hold: entries longer than
/// the limit, lines no prefix fits, and a prefix change. Their inputs are kept in Fixtures/fuzz; the cases below
/// are the same bugs written small.
@Suite struct ChunkInvarianceTests {
    /// Chunk sizes from one byte to more than the whole input.
    static let chunkSizes = [1, 2, 3, 5, 8, 9, 13, 16, 21, 27, 57, 64, 99, 138, 144, 218, 249, 300, 4096]

    /// Frames `bytes` whole and in every chunk size, expects the same records each time, and returns them.
    func sameWhateverTheChunks(_ bytes: [UInt8], format: LogFormat, limit: Int) -> [LogRecord] {
        let whole = frameRecords(bytes, format: format, maximumEntryBytes: limit).records
        for size in Self.chunkSizes {
            let chunked = frameRecords(bytes, format: format, chunkSize: size, maximumEntryBytes: limit).records
            #expect(chunked == whole, "chunks of \(size) bytes")
        }
        return whole
    }

    @Test(arguments: [
        "frame-stderr-long-unparsed-line", "frame-stderr-undecided-next-line", "frame-stderr-old-prefix-header",
        "frame-stderr-cut-at-line-start", "frame-stderr-cut-read-unparsed", "frame-stderr-cut-entry-fields",
        "frame-syslog-long-line", "frame-syslog-ends-in-skipped-line", "frame-jsonlog-line-of-the-limit",
    ])
    func inputsTheFuzzerFoundFrameAlikeInEveryChunkSize(name: String) throws {
        let url = try #require(
            Bundle.module.url(forResource: name + ".log", withExtension: nil, subdirectory: "Fixtures/fuzz"))
        let bytes = Array(try Data(contentsOf: url))
        // The format as the fuzz target chose it: the detected one when it is of the target's kind, else one
        // of the prefixes teams configure, picked by the input's length (Tests/Fuzz/Support.swift).
        let kind = String(name.dropFirst("frame-".count).prefix { $0 != "-" })
        let known = PrefixInference.knownPrefixes
        let fallback = prefix(known[bytes.count % known.count])
        var format: LogFormat = kind == "stderr" ? .stderr(fallback) : kind == "syslog" ? .syslog(fallback) : .json
        if kind != "jsonlog", let detected = try? LogFormatDetector.detect(sample: bytes), detected.name == kind {
            format = detected
        }
        let records = sameWhateverTheChunks(bytes, format: format, limit: 512)
        #expect(!records.isEmpty)
    }

    @Test func aLongUnparsedLineIsCutAndTheLineAfterItStays() {
        let log =
            String(repeating: "x", count: 100) + "\nnot a log line either\n"
            + "2024-05-02 10:15:42.123 UTC [42] LOG:  statement: SELECT 1\n"
        let records = sameWhateverTheChunks(Array(log.utf8), format: .stderr(prefix("%m [%p] ")), limit: 64)
        #expect(records.map(\.offset) == [0, 101, 123])
        #expect(records.map(\.truncated) == [true, false, false])
        #expect(records.map(\.isParsed) == [false, false, true])
        #expect(records.dropFirst().first?.message == "not a log line either")
    }

    @Test func aShortEntryIsNotCutBecauseTheLineAfterItIsLong() {
        // The first entry is 58 bytes; the second, 140, is cut. While the second line is incomplete it may
        // start a new entry, so it does not count towards the first one's length.
        let log =
            "2024-05-02 10:15:42.123 UTC [42] LOG:  statement: SELECT 1\n"
            + "2024-05-02 10:15:43.123 UTC [42] LOG:  statement: SELECT '" + String(repeating: "b", count: 80)
            + "'\n"
        let records = sameWhateverTheChunks(Array(log.utf8), format: .stderr(prefix("%m [%p] ")), limit: 64)
        #expect(records.map(\.offset) == [0, 59])
        #expect(records.map(\.truncated) == [false, true])
        #expect(records.first?.message == "statement: SELECT 1")
    }

    @Test func aSyslogLineLongerThanTheLimitIsCutWhereverItsEndIs() {
        // 146 bytes, then 68: only the first is longer than the limit, whether its end is in a chunk or not.
        let log =
            "May  2 10:15:42 db1 postgres[42]: [1-1] LOG:  statement: SELECT '" + String(repeating: "c", count: 80)
            + "'\nMay  2 10:15:43 db1 postgres[43]: [1-1] LOG:  statement: SELECT 2\n"
        let records = sameWhateverTheChunks(Array(log.utf8), format: .syslog(prefix("")), limit: 80)
        #expect(records.map(\.pid) == [42, 43])
        #expect(records.map(\.truncated) == [true, false])
        #expect(records.last?.message == "statement: SELECT 2")
    }

    @Test func aJSONLineOfExactlyTheLimitIsCutWhereverItsEndIs() {
        let line =
            #"{"timestamp":"2024-05-02 10:15:42.123 UTC","pid":42,"error_severity":"LOG","message":"statement: SELECT '"#
            + String(repeating: "e", count: 20) + #"'"}"#
        let records = sameWhateverTheChunks(Array((line + "\n{}\n").utf8), format: .json, limit: line.utf8.count)
        #expect(records.map(\.truncated) == [true, false])
        #expect(records.first?.message == "statement: SELECT '" + String(repeating: "e", count: 20) + "'")
    }

    @Test func aSyslogFileEndingInsideASkippedLineStillDeliversItsMessage() {
        // No newline at the end: the file ends inside the part of the line past the limit.
        let log =
            "May  2 10:15:42 db1 postgres[42]: [1-1] LOG:  statement: SELECT '" + String(repeating: "d", count: 80)
        let records = sameWhateverTheChunks(Array(log.utf8), format: .syslog(prefix("")), limit: 64)
        #expect(records.count == 1)
        #expect(records.first?.pid == 42)
        #expect(records.first?.truncated == true)
    }
}
