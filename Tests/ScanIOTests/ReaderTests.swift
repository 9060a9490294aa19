import Foundation
import TestSupport
import Testing

@testable import ScanIO

@Suite struct ReaderTests {
    static let sample = (1...2000).map { "2024-05-02 10:15:42.123 UTC [\($0)] LOG:  statement: SELECT \($0)\n" }
        .joined()

    func readAll(_ path: String, chunk: Int = 4096) throws -> Data {
        let source = try openByteSource(path: path)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    @Test func plainFileIsReadAsIs() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("a.log", Self.sample)
        #expect(try readAll(path) == Data(Self.sample.utf8))
    }

    @Test func gzipIsDetectedByMagicBytesNotByName() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("rotated.log.1", try gzip(Self.sample))
        #expect(try readAll(path, chunk: 777) == Data(Self.sample.utf8))
    }

    @Test func multiMemberGzipYieldsEveryMember() throws {
        let dir = try TemporaryDirectory()
        let first = "first member\n", second = "second member\n"
        var data = try gzip(first)
        data.append(try gzip(second))
        let path = try dir.write("multi.gz", data)
        #expect(try readAll(path) == Data((first + second).utf8))
    }

    @Test func truncatedGzipReportsTheCompressedOffsetAndWhatWasRecovered() throws {
        let dir = try TemporaryDirectory()
        let full = try gzip(Self.sample)
        let cut = full.prefix(full.count / 2)
        let path = try dir.write("cut.gz", Data(cut))
        do {
            _ = try readAll(path)
            Issue.record("a truncated gzip must not read cleanly")
        } catch let error as ReadError {
            #expect(error.kind == .truncated)
            #expect(error.offset == Int64(cut.count))
            #expect((error.decompressedOffset ?? 0) > 0)
            #expect(error.description.contains("cut.gz"))
        }
    }

    @Test func corruptGzipIsAnErrorWithAnOffset() throws {
        let dir = try TemporaryDirectory()
        var data = try gzip(Self.sample)
        for index in 40..<60 { data[index] ^= 0xFF }
        let path = try dir.write("bad.gz", data)
        do {
            _ = try readAll(path)
            Issue.record("corrupt gzip must fail")
        } catch let error as ReadError {
            #expect(error.kind == .corrupt)
            #expect(error.offset > 0)
        }
    }

    @Test func otherCompressionsAreRefusedWithAHint() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("x.bz2", Data([0x42, 0x5a, 0x68, 0x39, 0x31]))
        #expect {
            _ = try openByteSource(path: path)
        } throws: { error in
            (error as? ReadError)?.kind == .unsupported && "\(error)".contains("decompress")
        }
    }

    @Test func missingFileIsReportedAsVanished() {
        #expect {
            _ = try openByteSource(path: "/nonexistent/dropscan/file.log")
        } throws: { ($0 as? ReadError)?.kind == .vanished }
    }

    @Test func pipelinedSourceYieldsTheSameBytes() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("big.gz", try gzip(String(repeating: Self.sample, count: 5)))
        let pipelined = PipelinedSource(wrapping: try openByteSource(path: path), blockSize: 10_000, depth: 2)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 3001)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try pipelined.read(into: $0) }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        #expect(data == Data(String(repeating: Self.sample, count: 5).utf8))
    }

    @Test func pipelinedSourcePassesOnTheReadError() throws {
        let dir = try TemporaryDirectory()
        let full = try gzip(String(repeating: Self.sample, count: 3))
        let path = try dir.write("cut.gz", Data(full.prefix(full.count - 100)))
        let pipelined = PipelinedSource(wrapping: try openByteSource(path: path), blockSize: 8192, depth: 2)
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(throws: ReadError.self) {
            while try buffer.withUnsafeMutableBytes({ try pipelined.read(into: $0) }) > 0 {}
        }
    }

    @Test func chunkedStreamCarriesTheUnconsumedTail() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("a.log", Self.sample)
        let stream = ChunkedStream(chunkSize: 1000, maxUnit: 4000)
        var lines: [String] = []
        try stream.run(try openByteSource(path: path)) { bytes, _, atEnd, _ in
            var consumed = 0
            for (index, byte) in bytes.enumerated() where byte == 0x0A {
                lines.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[consumed..<index]), as: UTF8.self))
                consumed = index + 1
            }
            return atEnd ? bytes.count : consumed
        }
        #expect(lines.joined(separator: "\n") + "\n" == Self.sample)
    }

    @Test func chunkedStreamBoundsMemoryForAnEndlessLine() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("long.log", String(repeating: "x", count: 100_000))
        let stream = ChunkedStream(chunkSize: 1000, maxUnit: 8000)
        var forced = 0
        var maximum = 0
        try stream.run(try openByteSource(path: path)) { bytes, _, atEnd, mustConsume in
            maximum = max(maximum, stream.capacity)
            if mustConsume { forced += 1 }
            return (atEnd || mustConsume) ? bytes.count : 0
        }
        #expect(forced > 0)
        #expect(maximum <= 9000)
    }
}
