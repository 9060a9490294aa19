import Foundation
import Testing

@testable import SQLResolution

@Suite struct NormalizerTests {
    @Test(arguments: [
        ("SELECT * FROM t WHERE a = 'it''s secret'", "select * from t where a = $1"),
        ("SELECT E'sec\\'ret\\\\' FROM t", "select $1 from t"),
        ("SELECT e'secret' FROM t", "select $1 from t"),
        ("SELECT $$secret$$, $tag$se$$cret$tag$", "select $1, $2"),
        ("SELECT B'1010', X'DEADBEEF', N'secret', U&'secr\\0065t'", "select $1, $2, $3, $4"),
        ("SELECT 42, 3.14, .5, 1e10, 2.5E-3, 0x1F, 1_000_000", "select $1, $2, $3, $4, $5, $6, $7"),
        ("SELECT * FROM t WHERE id = $1 AND b = $12", "select * from t where id = $1 and b = $2"),
        ("SELECT 'secret'\n   'continued' FROM t", "select $1 from t"),
        ("SELECT 1 -- secret comment\nFROM t /* secret /* nested */ still */ WHERE x", "select $1 from t where x"),
        ("  SELECT\t\ta\n\n FROM   t ;  ", "select a from t"),
        (#"SELECT "Mixed Case", "it's" FROM "T""#, #"select "Mixed Case", "it's" from "T""#),
        ("SELECT 'unterminated secret", "select $1"),
        ("SELECT $$unterminated secret", "select $1"),
        ("SELECT a::int, b->>'k' FROM t", "select a::int, b->>$1 from t"),
        ("SELECT col1, t2.x$y FROM t2", "select col1, t2.x$y from t2"),
    ])
    func replacesEveryLiteralKind(_ input: String, _ expected: String) {
        let normalized = SQLNormalizer.normalize(input)
        #expect(normalized.text == expected)
        for secret in ["secret", "continued", "DEADBEEF", "1010", "42", "3.14", "it''s"]
        where !expected.contains(secret) {
            #expect(!normalized.text.contains(secret))
        }
    }

    @Test func sameShapeWithDifferentLiteralsHasTheSameFingerprint() {
        let a = SQLNormalizer.normalize("SELECT * FROM orders WHERE id = 1 AND status = 'open'")
        let b = SQLNormalizer.normalize("select *  from orders\nwhere id = 99999 and status = 'closed' -- retry")
        let c = SQLNormalizer.normalize("SELECT * FROM orders WHERE id = $1 AND status = $2")
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint == c.fingerprint)
        #expect(a.id == b.id)
        #expect(a.id.count == 16)
        #expect(a.placeholderCount == 2)
    }

    @Test func differentShapesHaveDifferentFingerprints() {
        let shapes = [
            "SELECT * FROM orders WHERE id = 1",
            "SELECT * FROM orders WHERE id > 1",
            "SELECT * FROM order_items WHERE id = 1",
            "SELECT id FROM orders WHERE id = 1",
            #"SELECT * FROM "Orders" WHERE id = 1"#,
            "SELECT * FROM orders WHERE id = 1 AND x = 2",
        ]
        let fingerprints = Set(shapes.map { SQLNormalizer.normalize($0).fingerprint })
        #expect(fingerprints.count == shapes.count)
    }

    @Test func fingerprintIsStableAcrossRuns() {
        // FNV-1a of "select $1": a fixed value, so ids in reports stay comparable between versions.
        #expect(SQLNormalizer.normalize("SELECT 1").text == "select $1")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "select $1".utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        #expect(SQLNormalizer.normalize("SELECT 1").fingerprint == hash)
        #expect(SQLNormalizer.hexID(0xdead_beef) == "00000000deadbeef")
    }

    @Test func normalizedTextIsValidSQLForTheParser() {
        for sql in [
            "SELECT * FROM orders WHERE id = 1 AND note = 'x' LIMIT 10",
            "INSERT INTO orders (id, legacy_status) VALUES (1, E'a\\'b')",
            "UPDATE orders SET total = 1.5 WHERE created_at > '2024-01-01'::date",
        ] {
            if case .error(let message, _) = PgQuery.parse(SQLNormalizer.normalize(sql).text) {
                Issue.record("\(sql): \(message)")
            }
        }
    }

    @Test func neverLeaksALiteralFromRandomStatements() {
        var generator = SystemRandomNumberGenerator()
        let secret = "Zq9SECRET"
        let templates = [
            "SELECT * FROM t WHERE a = '%@'", "SELECT E'%@\\'' FROM t", "SELECT $$%@$$", "SELECT $x$%@$x$",
            "SELECT '%@''%@'", "SELECT X'%@'", "INSERT INTO t VALUES ('%@', 1, '%@')", "SELECT '%@",
        ]
        for _ in 0..<200 {
            let template = templates[Int.random(in: 0..<templates.count, using: &generator)]
            let sql = template.replacingOccurrences(
                of: "%@", with: secret + String(Int.random(in: 0..<1000, using: &generator)))
            #expect(!SQLNormalizer.normalize(sql).text.contains(secret), "\(sql)")
        }
    }

    /// Log lines hold anything: truncated statements, binary garbage, unbalanced quotes and comments.
    @Test func survivesArbitraryInput() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab'\"$-/*eEbBxXuU&0123456789.;: \n\t\\()_".utf8) + [0xC3, 0xA9, 0xFF]
        let resolver = SQLResolver(targets: caseTargets, cacheCapacity: 64)
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            let sql = String(decoding: bytes, as: UTF8.self)
            let (normalized, map) = SQLNormalizer.normalizeWithOffsets(sql)
            #expect(normalized == SQLNormalizer.normalize(sql))
            for offset in 0...normalized.text.utf8.count {
                let original = map.inputOffset(forOutput: offset)
                #expect(original >= 0 && original <= sql.utf8.count)
            }
            for finding in resolver.resolve(sql).outcomes.flatMap(\.findings) {
                #expect(finding.location >= 0 && finding.location <= sql.utf8.count)
            }
        }
    }

    @Test func offsetMapTranslatesBothWays() {
        let sql = "SELECT  'long literal', Legacy_Status FROM orders"
        let (normalized, map) = SQLNormalizer.normalizeWithOffsets(sql)
        #expect(normalized.text == "select $1, legacy_status from orders")
        let inShape = Array(normalized.text.utf8).firstRange(of: Array("legacy_status".utf8))!.lowerBound
        let inOriginal = Array(sql.utf8).firstRange(of: Array("Legacy_Status".utf8))!.lowerBound
        #expect(map.inputOffset(forOutput: inShape) == inOriginal)
        #expect(map.outputOffset(forInput: inOriginal) == inShape)
    }
}
