import Testing

@testable import Matching

@Suite struct EmbeddedNamesTests {
    static let text =
        "findByLegacyStatus(x); $legacyStatus; getLegacyStatusCode(); XLegacyStatus; legacyStatuses; "
        + "_legacyStatus; aLegacyStatus"

    /// Each hit as `spelling@offset`.
    static func hits(_ names: EmbeddedNames) -> [String] {
        var found: [String] = []
        Array(text.utf8).withUnsafeBytes { buffer in
            names.scan(buffer, scratch: MatchScratch()) { index, range in
                found.append("\(names.spellings[index])@\(range.lowerBound)")
            }
        }
        return found
    }

    /// `findByLegacyStatus` at 6, `$legacyStatus` at 24, `getLegacyStatusCode` at 41 (ends where `Code` starts),
    /// `aLegacyStatus` at 108; not after a capital (`XLegacyStatus`), not followed by lower case
    /// (`legacyStatuses`), not camelCase after `_`.
    static let expected = ["LegacyStatus@6", "legacyStatus@24", "LegacyStatus@41", "LegacyStatus@108"]

    @Test func fewNamesAreFoundWithOneAlternation() {
        #expect(Self.hits(EmbeddedNames(pascal: ["LegacyStatus"], camel: ["legacyStatus"])) == Self.expected)
    }

    @Test func manyNamesAreFoundByHashingWithTheSameBounds() {
        let others = (1...300).map { "Column\($0)Name" }
        let names = EmbeddedNames(
            pascal: others + ["LegacyStatus"], camel: others.map { "c" + $0.dropFirst() } + ["legacyStatus"])
        #expect(names.spellings.count > NamePrefilter.regexLimit)
        #expect(Self.hits(names) == Self.expected)
    }

    @Test func theLongestSpellingAtAPlaceWins() {
        let few = EmbeddedNames(pascal: ["Legacy", "LegacyStatus"], camel: [])
        let many = EmbeddedNames(pascal: ["Legacy", "LegacyStatus"] + (1...200).map { "Filler\($0)X" }, camel: [])
        for names in [few, many] {
            var found: [String] = []
            Array("getLegacyStatus getLegacy".utf8).withUnsafeBytes { buffer in
                names.scan(buffer, scratch: MatchScratch()) { index, range in
                    found.append("\(names.spellings[index])@\(range.lowerBound)")
                }
            }
            #expect(found == ["LegacyStatus@3", "Legacy@19"])
        }
    }
}
