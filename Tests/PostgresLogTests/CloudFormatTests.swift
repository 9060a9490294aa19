import Testing

@testable import PostgresLog

/// Cloud SQL for PostgreSQL entries as a Cloud Logging sink exports them: one `LogEntry` per line, the
/// server's line in `textPayload`, the time in `timestamp` (RFC 3339), the instance in
/// `resource.labels.database_id`. Shape per https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry
/// (the log name `cloudsql.googleapis.com/postgres.log` per https://cloud.google.com/sql/docs/postgres/logging).
let googleCloudSQLSample = """
    {"insertId":"s=1a;i=1","logName":"projects/shop-prod/logs/cloudsql.googleapis.com%2Fpostgres.log","receiveTimestamp":"2024-05-02T10:15:40.500Z","resource":{"labels":{"database_id":"shop-prod:orders-db","project_id":"shop-prod","region":"europe-west1"},"type":"cloudsql_database"},"severity":"INFO","textPayload":"2024-05-02 10:15:40.000 UTC [27]: [1-1] db=,user= LOG:  checkpoint starting: time","timestamp":"2024-05-02T10:15:40.000Z"}
    {"insertId":"s=1a;i=2","logName":"projects/shop-prod/logs/cloudsql.googleapis.com%2Fpostgres.log","receiveTimestamp":"2024-05-02T10:15:43.001Z","resource":{"labels":{"database_id":"shop-prod:orders-db","project_id":"shop-prod","region":"europe-west1"},"type":"cloudsql_database"},"severity":"INFO","textPayload":"2024-05-02 10:15:42.123 UTC [4242]: [3-1] db=shop,user=app LOG:  statement: SELECT legacy_status\\n\\tFROM orders WHERE note = \\"x\\"","timestamp":"2024-05-02T10:15:42.123456Z"}
    {"insertId":"s=1a;i=3","logName":"projects/shop-prod/logs/cloudsql.googleapis.com%2Fpostgres.log","receiveTimestamp":"2024-05-02T10:15:44.001Z","resource":{"labels":{"database_id":"shop-prod:orders-db","project_id":"shop-prod","region":"europe-west1"},"type":"cloudsql_database"},"severity":"ERROR","textPayload":"2024-05-02 10:15:44.000 UTC [4243]: [2-1] db=shop,user=report ERROR:  relation \\"gone\\" does not exist at character 15","timestamp":"2024-05-02T10:15:44.000Z"}

    """

/// RDS for PostgreSQL lines from a CloudWatch Logs group, one `FilteredLogEvent` per line
/// (`aws logs filter-log-events … | jq -c '.events[]'`): the line in `message`, the time in `timestamp`
/// (epoch milliseconds). https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilteredLogEvent.html
/// and the RDS prefix `%t:%r:%u@%d:[%p]:` per
/// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.PostgreSQL.html
let cloudWatchSample = """
    {"logStreamName":"orders-db.0","timestamp":1714644940000,"message":"2024-05-02 10:15:40 UTC::@:[27]:LOG:  checkpoint starting: time","ingestionTime":1714644941000,"eventId":"37580000000000000000000000000000000000000000000000000001"}
    {"logStreamName":"orders-db.0","timestamp":1714644942000,"message":"2024-05-02 10:15:42 UTC:10.0.0.5(53210):app@shop:[4242]:LOG:  statement: SELECT legacy_status FROM orders","ingestionTime":1714644943000,"eventId":"37580000000000000000000000000000000000000000000000000002"}

    """

/// CloudNativePG pod logs: `logger` `postgres` objects whose `record` holds the csvlog columns by name,
/// and the instance manager's own messages. https://cloudnative-pg.io/documentation/current/logging/
let cloudNativePGSample = """
    {"level":"info","ts":"2024-05-02T10:15:39.000000000Z","logger":"instance-manager","msg":"Checking for free disk space for WALs","logging_pod":"shop-1"}
    {"level":"info","ts":"2024-05-02T10:15:42.124000000Z","logger":"postgres","msg":"record","logging_pod":"shop-1","record":{"log_time":"2024-05-02 10:15:42.123 UTC","user_name":"app","database_name":"shop","process_id":"4242","connection_from":"10.0.0.5:53210","session_id":"66336a1e.1092","session_line_num":"3","command_tag":"SELECT","session_start_time":"2024-05-02 10:10:06 UTC","virtual_transaction_id":"3/1822","transaction_id":"0","error_severity":"LOG","sql_state_code":"00000","message":"statement: SELECT legacy_status FROM orders WHERE note = \\"x\\"","detail":"","hint":"","internal_query":"","internal_query_pos":"","context":"","query":"","query_pos":"","location":"","application_name":"billing","backend_type":"client backend"}}
    {"level":"info","ts":"2024-05-02T10:15:43.000000000Z","logger":"postgres","msg":"record","logging_pod":"shop-1","record":{"log_time":"2024-05-02 10:15:43.000 UTC","user_name":"","database_name":"","process_id":"27","connection_from":"","session_id":"608be681.19","session_line_num":"1","command_tag":"","session_start_time":"2024-05-02 10:10:00 UTC","virtual_transaction_id":"","transaction_id":"0","error_severity":"LOG","sql_state_code":"00000","message":"checkpoint starting: time","detail":"","hint":"","internal_query":"","internal_query_pos":"","context":"","query":"","query_pos":"","location":"","application_name":"","backend_type":"checkpointer"}}

    """

@Suite struct CloudFormatTests {
    @Test func googleCloudSQLExportsAreDetectedAndTheirLinesRead() throws {
        let bytes = Array(googleCloudSQLSample.utf8)
        let format = try LogFormatDetector.detect(sample: bytes, explicitPrefix: "%m [%p]: [%l-1] db=%d,user=%u ")
        #expect(format.name == "google-cloud-logging")
        let result = frameRecords(bytes, format: format, chunkSize: 97)
        let records = result.records
        #expect(records.count == 3)
        #expect(records.map(\.isParsed) == [true, true, true])
        #expect(records[1].message == "statement: SELECT legacy_status\nFROM orders WHERE note = \"x\"")
        #expect(records[1].user == "app")
        #expect(records[1].database == "shop")
        #expect(records[1].pid == 4242)
        #expect(records[1].timestamp == utc(2024, 5, 2, 10, 15, 42, 123))
        #expect(records[1].line == 2)
        #expect(records[2].severity == .error)
        #expect(records[2].user == "report")
        #expect(result.statements.map(\.text) == ["SELECT legacy_status\nFROM orders WHERE note = \"x\""])
        #expect(result.coverage.statementLogging == "all")
    }

    @Test func googleCloudSQLExportsAreRecognisedWithoutAPrefix() throws {
        let format = try LogFormatDetector.detect(sample: Array(googleCloudSQLSample.utf8))
        #expect(format.name == "google-cloud-logging")
        #expect(frameRecords(Array(googleCloudSQLSample.utf8), format: format).records.count == 3)
    }

    @Test func cloudWatchEventsOfRDSAreDetectedWithTheRDSPrefix() throws {
        let bytes = Array(cloudWatchSample.utf8)
        let format = try LogFormatDetector.detect(sample: bytes)
        #expect(format.name == "cloudwatch")
        guard case .cloud(_, let prefix) = format else {
            Issue.record("not a cloud export: \(format)")
            return
        }
        #expect(prefix.pattern == "%t:%r:%u@%d:[%p]:")
        let records = frameRecords(bytes, format: format, chunkSize: 13).records
        #expect(records.count == 2)
        #expect(records[1].message == "statement: SELECT legacy_status FROM orders")
        #expect(records[1].user == "app")
        #expect(records[1].database == "shop")
        #expect(records[1].clientHost == "10.0.0.5")
        #expect(records[1].timestamp == utc(2024, 5, 2, 10, 15, 42))
        #expect(records[0].user == nil)
    }

    @Test func cloudNativePGRecordsAreReadFieldByField() throws {
        let bytes = Array(cloudNativePGSample.utf8)
        let format = try LogFormatDetector.detect(sample: bytes)
        #expect(format.name == "cloudnative-pg")
        let result = frameRecords(bytes, format: format, chunkSize: 50)
        let records = result.records
        #expect(records.count == 3)
        #expect(records.map(\.isParsed) == [true, true, true])
        #expect(records[0].statement == nil)
        #expect(records[1].message == "statement: SELECT legacy_status FROM orders WHERE note = \"x\"")
        #expect(records[1].user == "app")
        #expect(records[1].database == "shop")
        #expect(records[1].application == "billing")
        #expect(records[1].clientHost == "10.0.0.5")
        #expect(records[1].pid == 4242)
        #expect(records[1].sessionID == "66336a1e.1092")
        #expect(records[1].timestamp == utc(2024, 5, 2, 10, 15, 42, 123))
        #expect(records[2].user == nil)
        #expect(records[2].application == nil)
        #expect(result.statements.map(\.text) == ["SELECT legacy_status FROM orders WHERE note = \"x\""])
    }

    @Test(arguments: [
        ("[\n  {\"textPayload\": \"x\"}\n]\n", "jq -c '.[]'"),
        ("{\n    \"events\": [\n", "jq -c '.events[]'"),
        (
            "{\"time\":\"2024-05-02T10:15:42Z\",\"resourceId\":\"/SUBSCRIPTIONS/X\",\"category\":\"PostgreSQLLogs\",\"operationName\":\"LogEvent\",\"properties\":{\"message\":\"statement: SELECT 1\",\"errorLevel\":\"LOG\"}}\n",
            "Azure"
        ),
    ])
    func exportsThatAreNotReadAreRefusedWithWhatToDo(sample: String, hint: String) {
        do {
            let format = try LogFormatDetector.detect(sample: Array(sample.utf8))
            Issue.record("read as \(format)")
        } catch {
            #expect(error.description.contains(hint))
        }
    }

    @Test func jsonlogIsStillJsonlog() throws {
        #expect(try LogFormatDetector.detect(sample: Array(jsonSample.utf8)) == .json)
    }
}

@Suite struct WindowTests {
    @Test func entriesWithoutTimestampsCoverNoWindowAndSaySo() {
        let log = """
            [12] app@shop LOG:  statement: SELECT 1
            [12] app@shop LOG:  statement: SELECT 2

            """
        let coverage = frameRecords(Array(log.utf8), format: .stderr(prefix("[%p] %q%u@%d "))).coverage
        #expect(coverage.parsedEntries == 2)
        #expect(coverage.from == nil)
        #expect(coverage.windowCaveat?.contains("None of the 2 log entries carries a timestamp") == true)
    }

    @Test func entriesWithTimestampsHaveNoWindowCaveat() {
        #expect(frameRecords(Array(stderrSample.utf8), format: .stderr(debianPrefix)).coverage.windowCaveat == nil)
    }
}

/// Cloud SQL writes each line of a message as its own `LogEntry` record (see
/// https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry), the server's line in
/// `textPayload` with no time of its own: written here in that shape.
@Suite struct CloudSQLRecordJoiningTests {
    static func record(_ text: String, _ time: String) -> String {
        #"{"logName":"projects/p/logs/cloudsql.googleapis.com%2Fpostgres.log","resource":{"type":"cloudsql_database"},"textPayload":""#
            + text + #"","timestamp":""# + time + "\"}\n"
    }

    static let export =
        record(
            #"[301]: [3-1] db=shop,user=app ERROR:  column \"legacy_status\" does not exist at character 8"#,
            "2024-05-02T10:15:42.100Z")
        + record("[301]: [4-1] db=shop,user=app STATEMENT:  SELECT legacy_status", "2024-05-02T10:15:42.100Z")
        + record(#"\tFROM orders"#, "2024-05-02T10:15:42.100Z")
        + record("[302]: [1-1] db=shop,user=batch LOG:  statement: SELECT 1", "2024-05-02T10:15:43.000Z")
        + record("[301]: [5-1] db=shop,user=app LOG:  statement: SELECT 2", "2024-05-02T10:15:44.000Z")
        + record("[302]: [2-1] db=shop,user=batch STATEMENT:  SELECT 3", "2024-05-02T10:15:44.000Z")

    @Test(arguments: [1, 50, 100_000])
    func separateRecordsOfOneMessageAreJoinedPerProcess(chunk: Int) throws {
        let format = try LogFormatDetector.detect(sample: Array(Self.export.utf8))
        guard case .cloud(.googleCloudLogging, let prefix) = format else {
            Issue.record("detected \(format)")
            return
        }
        #expect(prefix.pattern == "[%p]: [%l-1] db=%d,user=%u ")
        let result = frameRecords(Array(Self.export.utf8), format: format, chunkSize: chunk)
        let records = result.records
        #expect(records.count == 4)
        #expect(records[0].severity == .error)
        #expect(records[0].statement == "SELECT legacy_status\nFROM orders")
        #expect(records[0].user == "app")
        #expect(records[0].database == "shop")
        #expect(records[0].pid == 301)
        #expect(records[0].timestamp == utc(2024, 5, 2, 10, 15, 42, 100))
        #expect(records[1].user == "batch")
        #expect(records[1].message == "statement: SELECT 1")
        #expect(records[2].message == "statement: SELECT 2")
        // A STATEMENT record of another process is not joined to the message before it.
        #expect(records[2].statement == nil)
        #expect(records[3].pid == 302)
        #expect(records[3].statement == "SELECT 3")
        #expect(result.coverage.unparsedEntries == 0)
    }
}
