import Foundation
import TestSupport
import Testing

@testable import ScanIO

/// igzip (ISA-L) is the fast path for gzip; zlib takes over on any problem and says it in its own words.
@Suite struct IgzipTests {
    static let fixtures = repositoryRoot + "/Tests/PostgresLogTests/Fixtures"

    /// Everything a source gives, and the error it ends with.
    func drain(_ source: ByteSource) -> (bytes: [UInt8], error: ReadError?) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 70_000)
        while true {
            do {
                let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if count == 0 { return (bytes, nil) }
                bytes += buffer[0..<count]
            } catch {
                return (bytes, error as? ReadError)
            }
        }
    }

    func both(_ path: String) throws -> (
        igzip: (bytes: [UInt8], error: ReadError?), zlib: (bytes: [UInt8], error: ReadError?)
    ) {
        let reopen = { () throws(ReadError) -> ByteSource in try PlainFileSource(path: path) }
        let fast = try GzipSource(wrapping: try PlainFileSource(path: path), reopen: reopen)
        let slow = try GzipSource(wrapping: try PlainFileSource(path: path))
        return (drain(fast), drain(slow))
    }

    @Test(arguments: ["all.log.gz", "all.csv.gz", "all.json.gz", "duration.log.gz"])
    func realServerLogsInflateToTheSameBytesAsWithZlib(_ name: String) throws {
        let (igzip, zlib) = try both(Self.fixtures + "/" + name)
        #expect(igzip.error == nil)
        #expect(!igzip.bytes.isEmpty)
        #expect(igzip.bytes == zlib.bytes)
    }

    @Test func membersOneAfterAnotherAreReadLikeZlib() throws {
        let dir = try TemporaryDirectory()
        let first = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/all.log.gz"))
        let second = try gzip("2026-11-25 00:00:00.000 UTC [1] LOG:  statement: SELECT 1\n")
        let path = try dir.write("two.log.gz", first + second)
        let (igzip, zlib) = try both(path)
        #expect(igzip.error == nil)
        #expect(igzip.bytes == zlib.bytes)
        #expect(igzip.bytes.suffix(9) == Array("SELECT 1\n".utf8))
    }

    @Test func damageIsReportedInZlibsWordsAfterTheSameBytes() throws {
        let dir = try TemporaryDirectory()
        var whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/all.log.gz")))
        let truncated = try dir.write("truncated.log.gz", Data(whole.prefix(whole.count - 30)))
        whole[whole.count - 6] ^= 0xFF  // the trailer's CRC-32
        let badCRC = try dir.write("crc.log.gz", Data(whole))
        let empty = try dir.write("empty.log.gz", Data())
        for path in [truncated, badCRC, empty] {
            let (igzip, zlib) = try both(path)
            #expect(igzip.bytes == zlib.bytes, "\(path)")
            #expect(igzip.error != nil, "\(path)")
            #expect(igzip.error == zlib.error, "\(path)")
        }
    }
}
