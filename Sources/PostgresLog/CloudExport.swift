/// Logs exported by a cloud provider or an operator as one JSON object per line, each wrapping one
/// PostgreSQL entry. Recognised from the keys of the objects, never from file names.
///
/// - `googleCloudLogging`: Cloud Logging `LogEntry` objects (Cloud SQL for PostgreSQL, exported by a
///   log sink or `gcloud logging read --format=json | jq -c '.[]'`): the server's line is `textPayload`
///   (or `jsonPayload.message`), the time `timestamp` (RFC 3339).
///   https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry
/// - `cloudWatch`: CloudWatch Logs events of an RDS or Aurora log group (`aws logs filter-log-events`
///   with `jq -c '.events[]'`): the server's line is `message`, the time `timestamp` (epoch milliseconds).
///   https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilteredLogEvent.html
/// - `cloudNativePG`: CloudNativePG's pod logs: `logger` `postgres` objects whose `record` holds the csvlog
///   columns by name (`user_name`, `database_name`, `message`, …); other loggers are the operator's own.
///   https://cloudnative-pg.io/documentation/current/logging/
public enum CloudExport: String, Sendable, Hashable, CaseIterable {
    case googleCloudLogging = "google-cloud-logging"
    case cloudWatch = "cloudwatch"
    case cloudNativePG = "cloudnative-pg"

    /// Whether the export wraps the server's text line (read with a `log_line_prefix`), rather than fields.
    public var wrapsLine: Bool { self != .cloudNativePG }

    /// The export a JSON object line belongs to, from its top-level keys.
    static func recognise(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> CloudExport? {
        var keys: Set<String> = []
        var numericTimestamp = false
        forEachJSONMember(bytes, start, end) { member in
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[member.key]), as: UTF8.self)
            keys.insert(key)
            if key == "timestamp", !member.isString { numericTimestamp = true }
        }
        if keys.contains("logger") && keys.contains("msg") && (keys.contains("record") || keys.contains("logging_pod"))
        {
            return .cloudNativePG
        }
        if (keys.contains("textPayload") || keys.contains("jsonPayload"))
            && (keys.contains("logName") || keys.contains("resource"))
        {
            return .googleCloudLogging
        }
        if keys.contains("message") && numericTimestamp && !keys.contains("error_severity") { return .cloudWatch }
        return nil
    }

    /// The wrapped line (inside its JSON quotes) and the wrapper's time of the object at `start..<end`.
    func wrappedLine(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> (Range<Int>?, Int64?) {
        var line: Range<Int>?
        var time: Int64?
        forEachJSONMember(bytes, start, end) { member in
            switch self {
            case .googleCloudLogging:
                if member.hasKey("textPayload", in: bytes), member.isString {
                    line = member.value
                } else if member.hasKey("jsonPayload", in: bytes), !member.isString {
                    forEachJSONMember(bytes, member.value.lowerBound, member.value.upperBound) { inner in
                        if inner.hasKey("message", in: bytes), inner.isString { line = inner.value }
                    }
                } else if member.hasKey("timestamp", in: bytes), member.isString {
                    time = LogTimestamp.parseISO(bytes, at: member.value.lowerBound, end: member.value.upperBound)?.0
                }
            case .cloudWatch:
                if member.hasKey("message", in: bytes), member.isString {
                    line = member.value
                } else if member.hasKey("timestamp", in: bytes), !member.isString {
                    time = integer(bytes, member.value)
                }
            case .cloudNativePG: break
            }
        }
        return (line, time)
    }
}

/// The non-negative integer in `bytes[range]`, or `nil`.
func integer(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
    guard !range.isEmpty, range.count <= 18 else { return nil }
    var value: Int64 = 0
    for index in range {
        let digit = bytes[index] &- 48
        guard digit <= 9 else { return nil }
        value = value * 10 + Int64(digit)
    }
    return value
}
