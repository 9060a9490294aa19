import Testing

@testable import SQLResolution

/// Statements the parser rejects are shown by their normalized text: no piece of a literal may survive in it,
/// whatever quoting the statement uses and whether the server ran with `standard_conforming_strings` on or off.
@Suite struct NormalizerLeakTests {
    @Test(arguments: [
        // E'' strings: a backslash escapes the quote.
        ("SELECT E'hunter2\\'s pass\\'word' FROM t", "select $1 from t"),
        ("SELECT e'unterminated hunter2\\' FROM t", "select $1"),
        // Dollar quotes, with and without a tag, holding quotes and other tags.
        ("SELECT $$it's hunter2$$, 1", "select $1, $2"),
        ("SELECT $body$ hunter2 $x$ still $body$ FROM t", "select $1 from t"),
        ("SELECT $body$ hunter2 never closed", "select $1"),
        // U&'', B'', X'', N''.
        ("SELECT U&'\\0068unter2' UESCAPE '!', u&'hunter2'", "select $1 uescape $2, $3"),
        ("SELECT B'1011', b'0110', X'FEED', x'beef', N'hunter2'", "select $1, $2, $3, $4, $5"),
        // Numbers of every form.
        ("SELECT -12.5e+3, 0x1F, 0o17, 0b101, 1_000, .75", "select -$1, $2, $3, $4, $5, $6"),
        // Unterminated plain strings hide everything after them.
        ("UPDATE t SET pass = 'hunter2 WHERE id = 7", "update t set pass = $1"),
        // A backslash before a quote: the string ends there with standard_conforming_strings on, later with it
        // off. Either reading hides hunter2 only if everything after the quote is redacted.
        ("SELECT * FROM t WHERE a = 'it\\'s hunter2' AND b = 'x'", "select * from t where a = $1"),
        ("SELECT * FROM t WHERE a = N'it\\'s hunter2'", "select * from t where a = $1"),
        ("ALTER ROLE bob PASSWORD 'C:\\' hunter2", "alter role bob password $1"),
    ])
    func noPieceOfALiteralSurvives(_ sql: String, _ expected: String) {
        let normalized = SQLNormalizer.normalize(sql)
        #expect(normalized.text == expected)
        for piece in ["hunter2", "s pass", "1011", "0110", "FEED", "feed", "beef", "12.5", "1F", "17", "75"] {
            #expect(!normalized.text.contains(piece), "\(sql) → \(normalized.text)")
        }
    }

    @Test func evenBackslashRunsDoNotMakeAStringAmbiguous() {
        let normalized = SQLNormalizer.normalize("SELECT 'a\\\\', 'b' FROM t WHERE c = 'd\\\\\\\\'")
        #expect(normalized.text == "select $1, $2 from t where c = $3")
        #expect(!normalized.redactedToEnd)
    }

    @Test func aStringWhoseEndDependsOnTheServerSettingIsMarkedRedactedToTheEnd() {
        #expect(SQLNormalizer.normalize("SELECT 'C:\\' AS p FROM t").redactedToEnd)
        #expect(!SQLNormalizer.normalize("SELECT 'C:' AS p FROM t").redactedToEnd)
        #expect(!SQLNormalizer.normalize("SELECT 'never closed").redactedToEnd)
    }

    /// Two statements that share such a shape but differ after it must not share a parse.
    @Test func statementsSharingARedactedShapeAreResolvedEachForItself() {
        let resolver = SQLResolver(targets: caseTargets)
        let other = "SELECT id FROM orders WHERE note = 'C:\\' AND total = 1"
        let use = "SELECT id FROM orders WHERE note = 'C:\\' AND legacy_status = 1"
        #expect(SQLNormalizer.normalize(other).text == SQLNormalizer.normalize(use).text)
        #expect(resolver.resolve(other).outcome(forTarget: orders) == nil)
        #expect(resolver.resolve(use).outcome(forTarget: orders)?.evidence == .confirmed)
        #expect(resolver.resolve(other).outcome(forTarget: orders) == nil)
    }

    @Test(arguments: [
        (
            "connection wrapper said: ALTER ROLE app PASSWORD 'hunter2' at 10:15",
            "connection wrapper said: alter role app password $1 at $2:$3"
        ),
        (
            "ERROR:  invalid input syntax for type integer: \"hunter2\"",
            "error: invalid input syntax for type integer: $1"
        ),
        ("a \"quoted \"\"hunter2\"\" value\" and more", "a $1 and more"),
        ("cut in the middle of 'hunter2", "cut in the middle of $1"),
    ])
    func aLogLineIsRedactedLikeAStatementAndDoubleQuotesHoldValues(_ line: String, _ expected: String) {
        let redacted = SQLNormalizer.redactLogLine(line)
        #expect(redacted == expected)
        #expect(!redacted.contains("hunter2"))
    }
}
