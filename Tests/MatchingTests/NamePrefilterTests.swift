import Testing

@testable import Matching

@Suite struct NamePrefilterTests {
    func hits(_ names: [String], _ text: String, caseSensitive: [Bool]? = nil) -> [(String, String)] {
        let filter = NamePrefilter(names: names, caseSensitive: caseSensitive)
        let bytes = Array(text.utf8)
        var found: [(String, String)] = []
        bytes.withUnsafeBytes { buffer in
            filter.scan(buffer) { index, range in
                found.append((names[index], String(decoding: bytes[range], as: UTF8.self)))
            }
        }
        return found
    }

    @Test func findsWholeWordsCaseInsensitively() {
        let found = hits(
            ["legacy_status"], "SELECT LEGACY_STATUS, legacy_status_v2, my_legacy_status, \"legacy_status\" FROM t")
        #expect(found.map(\.1) == ["LEGACY_STATUS", "legacy_status"])
    }

    @Test func triesDoubleUnderscoreSegmentsForDjangoLookups() {
        let found = hits(["legacy_status"], "Order.objects.filter(legacy_status__in=[1]).exclude(x__legacy_status=2)")
        #expect(found.map(\.1) == ["legacy_status", "legacy_status"])
    }

    @Test func manyNamesCostOnePass() {
        let names = (0..<500).map { "column_\($0)" }
        let found = hits(names, "select column_7, column_499, column_500 from t")
        #expect(found.map(\.0) == ["column_7", "column_499"])
    }

    @Test func caseSensitiveNamesMatchExactly() {
        let found = hits(["LegacyCode"], "\"LegacyCode\" legacycode LEGACYCODE", caseSensitive: [true])
        #expect(found.map(\.1) == ["LegacyCode"])
    }

    @Test func namesThatAreNotWordsAreFoundAsSubstrings() {
        let found = hits(["legacy status"], "select \"legacy status\" from t", caseSensitive: [true])
        #expect(found.map(\.1) == ["legacy status"])
    }

    @Test func namesWithDifferentFirstLettersAreFoundInPositionOrderAsByHashing() {
        // Two first letters: searched one letter at a time (NamePrefilter.splitLimit), then merged.
        let text = """
            UPDATE Orders SET legacy_status = 1 WHERE id IN (SELECT order_id FROM orders_archive);
            Order.objects.filter(legacy_status__in=[1]); orders__legacy_status; xorders LEGACY_STATUS
            """
        let names = ["legacy_status", "orders", "order_id"]
        let found = hits(names, text)
        #expect(
            found.map(\.1) == [
                "Orders", "legacy_status", "order_id", "legacy_status", "orders", "legacy_status", "LEGACY_STATUS",
            ])
        // Past NamePrefilter.regexLimit names every word is hashed: the reference for any alternation.
        let padded = names + (0..<NamePrefilter.regexLimit).map { "zz_unused_\($0)" }
        #expect(hits(padded, text).map(\.1) == found.map(\.1))
        #expect(hits(padded, text).map(\.0) == found.map(\.0))
        // JSON escapes: a word right after `\n` is still found, in order.
        let filter = NamePrefilter(names: names)
        let json = Array(#"{"m":"SELECT o.id,\nlegacy_status\tFROM orders"}"#.utf8)
        var inJSON: [String] = []
        json.withUnsafeBytes { buffer in
            filter.scan(buffer, jsonEscapes: true) { index, _ in inJSON.append(names[index]) }
        }
        #expect(inJSON == ["legacy_status", "orders"])
    }

    @Test func emptyBufferAndNoNamesFindNothing() {
        #expect(hits(["x"], "").isEmpty)
        #expect(hits([], "x y z").isEmpty)
    }
}

@Suite struct NameSpellingsTests {
    @Test func spellingsForCode() {
        let spellings = NameSpellings("legacy_status")
        #expect(spellings.camel == "legacyStatus")
        #expect(spellings.pascal == "LegacyStatus")
        #expect(spellings.upper == "LEGACY_STATUS")
        #expect(spellings.foldedForms == ["legacy_status", "legacystatus"])
    }

    @Test(arguments: [
        ("orders", "order", "Order"), ("order_items", "order_item", "OrderItem"),
        ("categories", "category", "Category"),
        ("addresses", "address", "Address"), ("people", "person", "Person"), ("status", "status", "Status"),
        ("boxes", "box", "Box"),
    ])
    func modelNamesFromTables(table: String, snake: String, className: String) {
        let names = NameSpellings.modelNames(forTable: table)
        #expect(names.snakeSingular == snake)
        #expect(names.className == className)
    }
}

@Suite struct NamePrefilterJSONTests {
    @Test func wordsAfterJSONEscapesAreFoundWhenAsked() {
        let filter = NamePrefilter(names: ["legacy_status"])
        let text = #"{"message":"SELECT o.id,\nlegacy_status\tFROM orders","x":"\u0022legacy_status"}"#
        var plain = 0
        var aware = 0
        Array(text.utf8).withUnsafeBytes { buffer in
            filter.scan(buffer) { _, _ in plain += 1 }
            filter.scan(buffer, jsonEscapes: true) { _, _ in aware += 1 }
        }
        #expect(plain == 0)
        #expect(aware == 2)
    }
}

@Suite struct NamePrefilterSeveralNamesTests {
    @Test func everyNameIsFoundWhenSeveralShareTheTable() {
        let filter = NamePrefilter(names: ["legacy_status", "orders"])
        let text = "app@shop/psql LOG:  execute <unnamed>: SELECT id, status, total FROM orders WHERE customer_id = $1"
        var found: [String] = []
        Array(text.utf8).withUnsafeBytes { buffer in
            filter.scan(buffer) { index, _ in found.append(filter.names[index]) }
        }
        #expect(found == ["orders"])
    }
}

/// The three engines must find the same words: each is checked against hits written down by hand.
@Suite struct NamePrefilterEngineTests {
    static let engines: [NamePrefilter.Engine] = [.literals, .alternation, .hashing]

    func hits(
        _ names: [String], _ text: String, engine: NamePrefilter.Engine, caseSensitive: [Bool]? = nil,
        jsonEscapes: Bool = false
    ) -> [String] {
        let filter = NamePrefilter(names: names, caseSensitive: caseSensitive, engine: engine)
        let bytes = Array(text.utf8)
        var found: [String] = []
        bytes.withUnsafeBytes { buffer in
            filter.scan(buffer, jsonEscapes: jsonEscapes, scratch: MatchScratch()) { index, range in
                found.append(names[index] + "=" + String(decoding: bytes[range], as: UTF8.self))
            }
        }
        return found
    }

    @Test(arguments: engines)
    func wordsAreFoundAtWordBoundariesAndAfterDoubleUnderscores(engine: NamePrefilter.Engine) {
        // Four first letters: the automatic choice is Vectorscan.
        let names = ["legacy_status", "orders", "order_id", "customers", "status"]
        let text = """
            UPDATE Orders SET legacy_status = 1, status = 2 WHERE id IN (SELECT order_id FROM orders_archive);
            Order.objects.filter(legacy_status__in=[1]); orders__legacy_status; xorders LEGACY_STATUS
            customers.status status_code my_status $status status$ é_status
            """
        #expect(
            hits(names, text, engine: engine) == [
                "orders=Orders", "legacy_status=legacy_status", "status=status", "order_id=order_id",
                "legacy_status=legacy_status", "orders=orders", "legacy_status=legacy_status",
                "legacy_status=LEGACY_STATUS", "customers=customers", "status=status",
            ])
    }

    @Test(arguments: engines)
    func aCaselessAndAnExactNameOfOneSpellingAreBothReported(engine: NamePrefilter.Engine) {
        let names = ["LegacyCode", "legacycode", "alpha", "beta", "gamma"]
        let found = hits(
            names, "\"LegacyCode\" legacycode LEGACYCODE", engine: engine,
            caseSensitive: [true, false, false, false, false])
        #expect(
            found == [
                "LegacyCode=LegacyCode", "legacycode=LegacyCode", "legacycode=legacycode", "legacycode=LEGACYCODE",
            ])
    }

    /// Hashing also tries every `__` segment of a word, so it reports `orders` and `sku` inside `orders__sku`
    /// too (more hits, never fewer): only the two engines that take one name per place are compared here.
    @Test(arguments: [NamePrefilter.Engine.literals, .alternation])
    func aLongerNameAtOnePlaceHidesTheShorterItHolds(engine: NamePrefilter.Engine) {
        // `orders__sku` is one name and a Django-style lookup path; the alternation takes the longer name.
        let names = ["orders", "orders__sku", "sku", "alpha", "beta"]
        #expect(
            hits(names, "filter(orders__sku=1) orders sku__in", engine: engine) == [
                "orders__sku=orders__sku", "orders=orders", "sku=sku",
            ])
    }

    @Test(arguments: engines)
    func wordsAfterJSONEscapesAreFoundOnlyInJSON(engine: NamePrefilter.Engine) {
        let names = ["legacy_status", "orders", "customers", "sku"]
        let text = #"{"message":"SELECT o.id,\nlegacy_status\tFROM orders","x":"\u0022sku\qcustomers"}"#
        #expect(hits(names, text, engine: engine) == ["orders=orders"])
        #expect(
            hits(names, text, engine: engine, jsonEscapes: true) == [
                "legacy_status=legacy_status", "orders=orders", "sku=sku",
            ])
    }
}
