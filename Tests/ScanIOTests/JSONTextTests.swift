import Testing

@testable import ScanIO

@Suite struct JSONTextTests {
    func unescape(_ text: String) -> String {
        var out: [UInt8] = []
        Array(text.utf8).withUnsafeBytes { JSONText.unescape($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func escapesBecomeTheirCharacters() {
        #expect(unescape(#"a\nb\tc\"d\\e\/f"#) == "a\nb\tc\"d\\e/f")
        #expect(unescape(#"caf\u00e9"#) == "café")
    }

    @Test func surrogatePairsBecomeOneCharacter() {
        #expect(unescape(#"\ud83d\ude00 ok"#) == "😀 ok")
    }

    @Test func aMalformedEscapeIsKeptAsWritten() {
        #expect(unescape(#"x\u12"#) == #"x\u12"#)
    }
}
