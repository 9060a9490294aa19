import Testing

@testable import PostgresLog

@Suite struct StatementExtractorTests {
    func statements(_ lines: String, includeParameters: Bool = false) -> [LoggedStatement] {
        var framer = LogEntryFramer(format: .stderr(debianPrefix))
        var result: [LoggedStatement] = []
        Array(lines.utf8).withUnsafeBytes { buffer in
            _ = framer.frame(buffer, baseOffset: 0, atEnd: true) { entry in
                result += StatementExtractor.statements(in: entry, includeParameters: includeParameters)
            }
        }
        return result
    }

    let p = "2024-05-02 10:15:42.126 UTC [12345] app@shop "

    @Test func simpleStatementCounts() throws {
        let found = statements(p + "LOG:  statement: SELECT legacy_col FROM orders\n")
        #expect(found.count == 1)
        #expect(found[0].kind == .statement)
        #expect(found[0].text == "SELECT legacy_col FROM orders")
        #expect(found[0].countsAsExecution)
        #expect(found[0].durationMilliseconds == nil)
        #expect(found[0].pid == 12345)
    }

    @Test func durationStatementCountsWithItsDuration() {
        let found = statements(p + "LOG:  duration: 1.234 ms  statement: SELECT 1\n")
        #expect(found.map(\.kind) == [.statement])
        #expect(found[0].durationMilliseconds == 1.234)
        #expect(found[0].countsAsExecution)
    }

    @Test func bareDurationHasNoStatement() {
        #expect(statements(p + "LOG:  duration: 0.075 ms\n").isEmpty)
    }

    @Test func parseAndBindNeverCountExecuteDoes() {
        let found = statements(
            p + "LOG:  duration: 0.041 ms  parse <unnamed>: SELECT id FROM orders WHERE customer_id = $1\n"
                + p + "LOG:  duration: 0.060 ms  bind S_1/C_2: SELECT id FROM orders WHERE customer_id = $1\n"
                + p + "DETAIL:  Parameters: $1 = '42'\n"
                + p + "LOG:  duration: 0.512 ms  execute S_1/C_2: SELECT id FROM orders WHERE customer_id = $1\n"
                + p + "DETAIL:  parameters: $1 = '42'\n"
                + p + "LOG:  execute <unnamed>: SELECT 2\n"
                + p + "LOG:  execute fetch from S_3/C_4: SELECT 3\n")
        #expect(found.map(\.kind) == [.parse, .bind, .execute, .execute, .executeFetch])
        #expect(found.map(\.countsAsExecution) == [false, false, true, true, false])
        #expect(found.map(\.preparedName) == ["<unnamed>", "S_1/C_2", "S_1/C_2", "<unnamed>", "S_3/C_4"])
        #expect(found.map(\.hasParameters) == [false, true, true, false, false])
        #expect(found[2].durationMilliseconds == 0.512)
        #expect(found[2].text == "SELECT id FROM orders WHERE customer_id = $1")
        #expect(found.allSatisfy { $0.parameters == nil })
    }

    @Test func parameterValuesOnlyWhenAsked() {
        let text = p + "LOG:  execute S_1: SELECT $1\n" + p + "DETAIL:  parameters: $1 = 'secret'\n"
        #expect(statements(text)[0].parameters == nil)
        #expect(statements(text, includeParameters: true)[0].parameters == "$1 = 'secret'")
    }

    @Test func errorStatementIsAFailedUseWithItsSqlState() {
        let found = statements(
            p + "ERROR:  42703: column \"legacy_col\" does not exist at character 8\n"
                + p + "HINT:  Perhaps you meant to reference the column \"orders.legacy_code\".\n"
                + p + "LOCATION:  errorMissingColumn, parse_relation.c:3720\n"
                + p + "STATEMENT:  SELECT legacy_col FROM orders WHERE id = 7;\n")
        #expect(found.count == 1)
        #expect(found[0].kind == .failed)
        #expect(!found[0].countsAsExecution)
        #expect(found[0].sqlState == "42703")
        #expect(found[0].errorMessage == "column \"legacy_col\" does not exist")
        #expect(found[0].isUndefinedObjectError)
        #expect(found[0].text == "SELECT legacy_col FROM orders WHERE id = 7;")
    }

    @Test func relationErrorWithoutSqlStateIsRecognisedFromTheMessage() {
        let found = statements(
            p + "ERROR:  relation \"orders_old\" does not exist at character 15\n" + p
                + "STATEMENT:  SELECT * FROM orders_old\n")
        #expect(found[0].isUndefinedObjectError)
        #expect(found[0].sqlState == nil)
    }

    @Test func statementOfANonErrorMessageIsAttached() {
        let found = statements(
            p + "LOG:  temporary file: path \"base/pgsql_tmp/pgsql_tmp731.0\", size 24576\n" + p
                + "STATEMENT:  SELECT * FROM big ORDER BY 1\n")
        #expect(found.map(\.kind) == [.attached])
        #expect(!found[0].countsAsExecution)
    }

    @Test func plpgsqlQueryAndContextStatements() {
        let found = statements(
            p + "ERROR:  column \"legacy_col\" does not exist at character 8\n"
                + p + "QUERY:  SELECT legacy_col FROM orders WHERE id = p_id\n"
                + p + "CONTEXT:  SQL statement \"UPDATE orders SET x = \"y\" WHERE id = 1\"\n"
                + "\tPL/pgSQL function get_legacy(integer) line 3 at SQL statement\n"
                + p + "STATEMENT:  SELECT get_legacy(7);\n")
        #expect(found.map(\.kind) == [.internalQuery, .contextStatement, .failed])
        #expect(found[0].text == "SELECT legacy_col FROM orders WHERE id = p_id")
        #expect(found[0].errorMessage == "column \"legacy_col\" does not exist")
        #expect(found[1].text == "UPDATE orders SET x = \"y\" WHERE id = 1")
        #expect(found.allSatisfy { !$0.countsAsExecution })
    }

    @Test func sqlLevelExecuteWithPrepareDetail() {
        let found = statements(
            p + "LOG:  statement: EXECUTE get_order(1);\n"
                + p + "DETAIL:  prepare: PREPARE get_order (int) AS SELECT id, legacy_col FROM orders WHERE id = $1;\n")
        #expect(found.map(\.kind) == [.statement, .preparedDefinition])
        #expect(found[1].text == "PREPARE get_order (int) AS SELECT id, legacy_col FROM orders WHERE id = $1;")
        #expect(!found[1].countsAsExecution)
    }

    @Test func autoExplainTextFormat() {
        let found = statements(
            p + "LOG:  duration: 3.651 ms  plan:\n"
                + "\tQuery Text: SELECT count(*)\n\t  FROM orders WHERE legacy_col IS NOT NULL;\n"
                + "\tAggregate  (cost=16.79..16.80 rows=1 width=8)\n"
                + "\t  ->  Seq Scan on orders  (cost=0.00..16.55 rows=92 width=0)\n"
                + "\t        Filter: (legacy_col IS NOT NULL)\n")
        #expect(found.count == 1)
        #expect(found[0].kind == .autoExplain)
        #expect(found[0].text == "SELECT count(*)\n  FROM orders WHERE legacy_col IS NOT NULL;")
        #expect(found[0].durationMilliseconds == 3.651)
    }

    @Test func autoExplainJsonYamlAndXmlFormats() {
        let json = statements(
            p
                + "LOG:  duration: 0.1 ms  plan:\n\t{\n\t  \"Query Text\": \"SELECT \\\"legacy_col\\\" FROM t\",\n\t  \"Plan\": {}\n\t}\n"
        )
        #expect(json.first?.text == "SELECT \"legacy_col\" FROM t")
        let yaml = statements(
            p + "LOG:  duration: 0.1 ms  plan:\n\tQuery Text: \"SELECT legacy_col FROM t\"\n\tPlan: \n")
        #expect(yaml.first?.text == "SELECT legacy_col FROM t")
        let xml = statements(
            p
                + "LOG:  duration: 0.1 ms  plan:\n\t<explain xmlns=\"http://www.postgresql.org/2009/explain\">\n\t  <Query-Text>SELECT a FROM t WHERE b &lt; 3</Query-Text>\n"
        )
        #expect(xml.first?.text == "SELECT a FROM t WHERE b < 3")
    }

    @Test func pgauditSessionAndObjectLines() {
        let found = statements(
            p
                + "LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,\"SELECT legacy_col, \"\"Quoted\"\" FROM orders\",<not logged>\n"
                + p
                + "LOG:  AUDIT: OBJECT,1,1,READ,SELECT,TABLE,public.orders,\"SELECT legacy_col FROM orders\",<not logged>\n"
                + p + "LOG:  AUDIT: SESSION,2,1,READ,SELECT,,,<previously logged>,<previously logged>\n")
        #expect(found.map(\.kind) == [.audit, .audit])
        #expect(found[0].text == "SELECT legacy_col, \"Quoted\" FROM orders")
        #expect(found.map(\.countsAsExecution) == [true, false])
    }

    @Test func unparsedEntriesHaveNoStatements() {
        #expect(statements("statement: SELECT 1\n").isEmpty)
    }

    @Test func csvAndJsonMessagesGiveTheSameStatements() {
        let csv = frameRecords(Array(csvSample.utf8), format: .csv).statements
        #expect(csv.map(\.kind) == [.execute, .failed, .execute])
        #expect(csv[0].hasParameters)
        #expect(csv[0].durationMilliseconds == 12.345)
        #expect(csv[1].sqlState == "42703")
        #expect(csv[2].preparedName == "S_29")
        let json = frameRecords(Array(jsonSample.utf8), format: .json).statements
        #expect(json.map(\.kind) == [.execute, .failed])
        #expect(json[0].text == "SELECT id, \"legacy_col\"\n\tFROM orders WHERE note = 'é\\'")
        #expect(json[1].isUndefinedObjectError)
    }
}

@Suite struct ExecutionDeduplicatorTests {
    func statement(_ kind: LoggedStatement.Kind, _ text: String, pid: Int32 = 1, counts: Bool? = nil) -> LoggedStatement
    {
        LoggedStatement(
            kind: kind, text: text, durationMilliseconds: nil,
            countsAsExecution: counts ?? (kind == .statement || kind == .execute), preparedName: nil,
            hasParameters: false, parameters: nil, sqlState: nil, errorMessage: nil, pid: pid, timestamp: nil)
    }

    /// Feeds the statements in order and returns which ones were new executions.
    func run(_ statements: [LoggedStatement]) -> [Bool] {
        var dedup = ExecutionDeduplicator()
        return statements.map { dedup.isNewExecution($0) }
    }

    @Test func failedStatementAlreadyLoggedByLogStatementIsNotCountedAgain() {
        #expect(run([statement(.statement, "SELECT x"), statement(.failed, "SELECT x")]) == [true, false])
    }

    @Test func failedStatementIsTheOnlyTraceWithoutLogStatement() {
        let sequence = [
            statement(.statement, "SELECT y"), statement(.failed, "SELECT x"), statement(.failed, "SELECT x", pid: 2),
        ]
        #expect(run(sequence) == [true, true, true])
    }

    @Test func autoExplainBeforeItsDurationLineCountsOnce() {
        let sequence = [
            statement(.autoExplain, "SELECT z"), statement(.statement, "SELECT z"), statement(.statement, "SELECT z"),
        ]
        #expect(run(sequence) == [true, false, true])
    }

    @Test func nonCountingKindsNeverCount() {
        #expect(run([statement(.parse, "SELECT 1"), statement(.internalQuery, "SELECT 1")]) == [false, false])
    }
}
