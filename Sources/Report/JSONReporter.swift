import Foundation

/// The versioned JSON contract (`Reports/schema/report.schema.json`).
public struct JSONReporter: Reporter {
    public static let format = "json"
    public init() {}

    public func render(_ report: UsageReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(report)
        data.append(0x0A)
        return data
    }

    /// Reads a report back (for `dropscan report`, `gate` and merging shards).
    public static func decode(_ data: Data) throws -> UsageReport {
        try JSONDecoder().decode(UsageReport.self, from: data)
    }
}
