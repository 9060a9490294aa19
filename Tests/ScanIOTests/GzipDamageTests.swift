import Foundation
import TestSupport
import Testing

@testable import ScanIO

/// Damaged gzip made by the real `gzip -n` (so the same text gives the same bytes): a flipped byte in the
/// deflate data stops inflate near it; one that only changes what inflate produces, or one in the CRC-32 or
/// length trailer, shows only at the member's end, so the error names the member and the decompressed bytes
/// that cannot be trusted.
@Suite struct GzipDamageTests {
    /// Lines `first...last`: 56 bytes each plus twice the digits of the number. Lines 1...2000 are
    /// 125,786 bytes (10,364 bytes as gzip -n), lines 1...500 are 30,784 (2,593 as gzip -n).
    static func sample(_ lines: ClosedRange<Int>) -> String {
        lines.map { "2024-05-02 10:15:42.123 UTC [\($0)] LOG:  statement: SELECT \($0)\n" }.joined()
    }

    /// `gzip -n` of the sample, after checking its size (another gzip would move the damage below).
    func compressed(_ lines: ClosedRange<Int>, size: Int) throws -> Data {
        let data = try gzip(Self.sample(lines))
        try #require(data.count == size, "gzip -n gave \(data.count) bytes; the offsets below assume \(size)")
        return data
    }

    /// Reads the file to its end; returns the bytes read before the error, and the error.
    func readUntilError(_ path: String) throws -> (Data, ReadError?) {
        let source = try openByteSource(path: path)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        do {
            while true {
                let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                if count == 0 { return (data, nil) }
                data.append(contentsOf: buffer[0..<count])
            }
        } catch let error as ReadError {
            return (data, error)
        }
    }

    @Test func aFlippedByteThatBreaksTheDeflateDataIsReportedWithinAFewBytesOfIt() throws {
        var data = try compressed(1...2000, size: 10_364)
        data[100] ^= 0xFF  // zlib fails on byte 102 (fed one byte at a time): "invalid distance too far back"
        let dir = try TemporaryDirectory()
        let (read, error) = try readUntilError(try dir.write("damaged.log.gz", data))
        let failure = try #require(error)
        #expect(failure.kind == .corrupt)
        #expect(failure.offset == 103)
        #expect(failure.decompressedOffset == 41)
        #expect(read.count == 41)
        #expect(
            failure.message
                == "corrupt gzip data (invalid distance too far back) in member 1, which starts at byte 0: its "
                + "decompressed bytes 0–41 before this were read unchecked, nothing after; restore the file from a "
                + "good copy (`gzip -t` tests one)")
        #expect(failure.description.hasPrefix(dir.path + "/damaged.log.gz: at byte 103: "))
    }

    @Test func aFlippedByteInTheDeflateDataThatInflatesToGarbageFailsTheMembersCRC() throws {
        var data = try compressed(1...2000, size: 10_364)
        data[1000] ^= 0xFF  // inflates to 125,786 bytes of the wrong text; only the CRC-32 tells
        let dir = try TemporaryDirectory()
        let (read, error) = try readUntilError(try dir.write("damaged.log.gz", data))
        let failure = try #require(error)
        #expect(failure.kind == .corrupt)
        #expect(failure.offset == 0)
        #expect(failure.decompressedOffset == 0)
        #expect(read.count == 125_786)
        #expect(
            failure.message
                == "gzip member 1 starts here and fails its CRC-32 check: its decompressed bytes 0–125786 were read "
                + "but are damaged somewhere (gzip checks a member only at its end); restore the file from a good "
                + "copy (`gzip -t` tests one)")
    }

    @Test func aFlippedByteOfTheCRCTrailerNamesTheWholeMember() throws {
        var data = try compressed(1...2000, size: 10_364)
        data[10_357] ^= 0xFF  // the second of the CRC-32's four bytes (the trailer is the last eight)
        let dir = try TemporaryDirectory()
        let (read, error) = try readUntilError(try dir.write("crc.log.gz", data))
        let failure = try #require(error)
        #expect(failure.offset == 0)
        #expect(read == Data(Self.sample(1...2000).utf8))
        #expect(failure.message.hasPrefix("gzip member 1 starts here and fails its CRC-32 check: its decompressed "))
        #expect(failure.message.contains("bytes 0–125786 were read but are damaged somewhere"))
    }

    @Test func aFlippedByteOfTheLengthTrailerFailsTheLengthCheck() throws {
        var data = try compressed(1...2000, size: 10_364)
        data[10_361] ^= 0xFF  // the second byte of ISIZE
        let dir = try TemporaryDirectory()
        let (_, error) = try readUntilError(try dir.write("length.log.gz", data))
        let failure = try #require(error)
        #expect(failure.offset == 0)
        #expect(failure.message.hasPrefix("gzip member 1 starts here and fails its length check: its decompressed "))
    }

    @Test func aDamagedSecondMemberIsNamedWithItsStartAndItsOwnBytes() throws {
        var second = try compressed(1...2000, size: 10_364)
        second[1000] ^= 0xFF
        let data = try compressed(1...500, size: 2593) + second
        let dir = try TemporaryDirectory()
        let (read, error) = try readUntilError(try dir.write("two.log.gz", data))
        let failure = try #require(error)
        #expect(failure.kind == .corrupt)
        #expect(failure.offset == 2593)
        #expect(failure.decompressedOffset == 30_784)
        // The first member is intact and read as it was written; the second's 125,786 bytes follow it.
        #expect(read.prefix(30_784) == Data(Self.sample(1...500).utf8))
        #expect(read.count == 156_570)
        #expect(
            failure.message.hasPrefix(
                "gzip member 2 starts here and fails its CRC-32 check: its decompressed bytes 30784–156570 were read"))
    }

    @Test func brokenDeflateDataInASecondMemberNamesThatMembersStart() throws {
        var second = try compressed(1...2000, size: 10_364)
        second[100] ^= 0xFF
        let data = try compressed(1...500, size: 2593) + second
        let dir = try TemporaryDirectory()
        let (read, error) = try readUntilError(try dir.write("two.log.gz", data))
        let failure = try #require(error)
        #expect(failure.offset == 2696)  // the damage 103 bytes into the member, as in the first test
        #expect(failure.decompressedOffset == 30_825)
        #expect(read.count == 30_825)
        #expect(
            failure.message.hasPrefix(
                "corrupt gzip data (invalid distance too far back) in member 2, which starts at byte 2593: its "
                    + "decompressed bytes 30784–30825 before this were read unchecked, nothing after;"))
    }

    @Test func garbageAfterTheLastMemberIsReportedWhereItStarts() throws {
        let data = try compressed(1...500, size: 2593) + Data("not gzip\n".utf8)
        let dir = try TemporaryDirectory()
        let (read, error) = try readUntilError(try dir.write("tail.log.gz", data))
        let failure = try #require(error)
        #expect(read == Data(Self.sample(1...500).utf8))
        #expect(failure.kind == .corrupt)
        #expect(failure.offset == 2595)  // after the two bytes that should be gzip's magic number
        #expect(failure.message.contains("in member 2, which starts at byte 2593: nothing of it or after it was read"))
    }
}
