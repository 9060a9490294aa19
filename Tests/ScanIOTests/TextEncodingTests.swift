import Foundation
import Testing

@testable import ScanIO

/// UTF-16 and UTF-32 files found by their byte order mark or NUL pattern and decoded to UTF-8, with the
/// bytes written by hand (as Windows tools save `.sql` files).
@Suite struct TextEncodingTests {
    /// `UTF-16LE, mark 2`: the encoding found and the length of its byte order mark.
    func detect(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { TextEncoding.detect($0) }.map { "\($0.encoding.rawValue), mark \($0.bomLength)" }
    }

    @Test func byteOrderMarksNameTheEncoding() {
        #expect(detect([0xFF, 0xFE, 0x53, 0x00]) == "UTF-16LE, mark 2")
        #expect(detect([0xFE, 0xFF, 0x00, 0x53]) == "UTF-16BE, mark 2")
        #expect(detect([0xFF, 0xFE, 0x00, 0x00, 0x53, 0x00, 0x00, 0x00]) == "UTF-32LE, mark 4")
        #expect(detect([0x00, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x00, 0x53]) == "UTF-32BE, mark 4")
    }

    @Test func theNulPatternOfAsciiTextNamesTheEncodingWithoutAMark() {
        // "SELECT" in each encoding.
        #expect(detect([0x53, 0, 0x45, 0, 0x4C, 0, 0x45, 0, 0x43, 0, 0x54, 0]) == "UTF-16LE, mark 0")
        #expect(detect([0, 0x53, 0, 0x45, 0, 0x4C, 0, 0x45, 0, 0x43, 0, 0x54]) == "UTF-16BE, mark 0")
        #expect(detect([0x53, 0, 0, 0, 0x45, 0, 0, 0, 0x4C, 0, 0, 0, 0x45, 0, 0, 0]) == "UTF-32LE, mark 0")
        #expect(detect([0, 0, 0, 0x53, 0, 0, 0, 0x45, 0, 0, 0, 0x4C, 0, 0, 0, 0x45]) == "UTF-32BE, mark 0")
    }

    @Test func utf8TextAndBinaryDataAreNotDecoded() {
        #expect(detect(Array("SELECT legacy_status FROM orders;\n".utf8)) == nil)
        // A PNG header: NUL bytes, but not in a text pattern.
        #expect(detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]) == nil)
    }

    @Test func decodingKeepsLineBreaksAndTurnsSurrogatePairsIntoOneCharacter() {
        // "a\r\n€𝄞\n" in UTF-16LE with a mark: U+20AC, then U+1D11E as the pair D834 DD1E.
        let bytes: [UInt8] = [0xFF, 0xFE, 0x61, 0, 0x0D, 0, 0x0A, 0, 0xAC, 0x20, 0x34, 0xD8, 0x1E, 0xDD, 0x0A, 0]
        let text = TextEncoding.utf16LE.decode(bytes, skipping: 2)
        #expect(String(decoding: text, as: UTF8.self) == "a\r\n€𝄞\n")
    }

    @Test func aPairCutBetweenTwoChunksIsDecodedWhenTheRestArrives() {
        let first: [UInt8] = [0x61, 0, 0x34, 0xD8]  // "a", then the high half of U+1D11E
        var output: [UInt8] = []
        let used = first.withUnsafeBytes { TextEncoding.utf16LE.decode($0, atEnd: false, into: &output) }
        #expect(used == 2)
        let second: [UInt8] = [0x34, 0xD8, 0x1E, 0xDD]
        second.withUnsafeBytes { _ = TextEncoding.utf16LE.decode($0, atEnd: true, into: &output) }
        #expect(String(decoding: output, as: UTF8.self) == "a𝄞")
    }

    @Test func aLoneSurrogateAndAValueBeyondUnicodeBecomeTheReplacementCharacter() {
        let lone: [UInt8] = [0x00, 0xDC, 0x62, 0x00]
        #expect(String(decoding: TextEncoding.utf16LE.decode(lone, skipping: 0), as: UTF8.self) == "\u{FFFD}b")
        let beyond: [UInt8] = [0x00, 0x00, 0x11, 0x00]
        #expect(String(decoding: TextEncoding.utf32LE.decode(beyond, skipping: 0), as: UTF8.self) == "\u{FFFD}")
    }

    @Test func textWithAStrayNulReadsAsTextAndImageDataDoesNot() {
        let sql =
            Array("-- report\u{0}\n".utf8)
            + Array(repeating: Array("SELECT id FROM orders;\n".utf8), count: 4).flatMap { $0 }
        #expect(BinaryText.looksLikeText(sql))
        var image: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for index in 0..<256 { image.append(UInt8(index)) }
        #expect(!BinaryText.looksLikeText(image))
    }
}
