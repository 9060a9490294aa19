import ScanIO

extension LogFormatDetector {
    /// Recognises the JSON exports of cloud providers (``CloudExport``) from the first line of a sample,
    /// and refuses the shapes it knows but does not read, saying how to convert them.
    ///
    /// For exports that wrap the server's lines, the lines of the sample are unwrapped and their
    /// `log_line_prefix` is `explicitPrefix` or detected as for a stderr log.
    ///
    /// - Returns: `nil` when the sample is no cloud export.
    public static func detectCloudExport(sample: UnsafeRawBufferPointer, explicitPrefix: String? = nil)
        throws(LogFormatError) -> LogFormat?
    {
        guard let (export, start) = try recogniseCloudExport(sample) else { return nil }
        guard export.wrapsLine else { return .cloud(export, LinePrefix(inferred: "", elements: [])) }
        // The wrapped lines of the sample, one per line, to detect their prefix.
        var inner: [UInt8] = []
        var position = start
        var count = 0
        while position < sample.count, count < 400 {
            let end = find(10, sample, from: position, end: sample.count)
            if end == sample.count && count > 0 { break }
            if let line = export.wrappedLine(sample, position, end).0 {
                var text: [UInt8] = []
                JSONText.unescape(UnsafeRawBufferPointer(rebasing: sample[line]), into: &text)
                while let last = text.last, last == 10 || last == 13 { text.removeLast() }
                inner += text
                inner.append(10)
                count += 1
            }
            position = end + 1
        }
        switch try detect(sample: inner, explicitPrefix: explicitPrefix) {
        case .stderr(let prefix): return .cloud(export, prefix)
        default:
            throw .refusedExport(
                "the lines wrapped in this \(export.rawValue) export are not plain server lines; "
                    + "pass their log_line_prefix with --log-line-prefix")
        }
    }

    /// Recognises a cloud provider's export from its first line, without deciding the prefix of the lines it
    /// wraps: the export and where its first record starts, or `nil` for a log that is not one.
    ///
    /// - Throws: ``LogFormatError/refusedExport(_:)`` for exports that are recognised but not read.
    static func recogniseCloudExport(_ sample: UnsafeRawBufferPointer) throws(LogFormatError) -> (CloudExport, Int)? {
        var start = 0
        while start < sample.count,
            sample[start] == 32 || sample[start] == 9 || sample[start] == 10 || sample[start] == 13
        {
            start += 1
        }
        guard start < sample.count else { return nil }
        let firstEnd = find(10, sample, from: start, end: sample.count)
        /// The first byte after `index` that is not white space, or 0.
        func next(after index: Int) -> UInt8 {
            var k = index + 1
            while k < sample.count, sample[k] == 32 || sample[k] == 9 || sample[k] == 10 || sample[k] == 13 { k += 1 }
            return k < sample.count ? sample[k] : 0
        }
        if sample[start] == UInt8(ascii: "["), next(after: start) == UInt8(ascii: "{") {
            throw .refusedExport(
                "this is one JSON array (as `gcloud logging read --format=json` writes); write one object per line "
                    + "with `jq -c '.[]'` and scan that")
        }
        guard sample[start] == UInt8(ascii: "{"), next(after: start) == UInt8(ascii: "\"") else { return nil }
        var trimmedEnd = firstEnd
        while trimmedEnd > start, sample[trimmedEnd - 1] == 32 || sample[trimmedEnd - 1] == 13 { trimmedEnd -= 1 }
        if trimmedEnd == start + 1 {
            throw .refusedExport(
                "this is one pretty-printed JSON document (as `aws logs filter-log-events` writes); write one event "
                    + "per line with `jq -c '.events[]'` and scan that")
        }
        if isAzureDiagnostics(sample, start, firstEnd) {
            throw .refusedExport(
                "this is an Azure Monitor diagnostic export (category PostgreSQLLogs), which is not read yet; "
                    + "download the server logs themselves (Server logs in the portal, or `az postgres flexible-server "
                    + "server-logs download`) and scan those")
        }
        guard let export = CloudExport.recognise(sample, start, firstEnd) else { return nil }
        return (export, start)
    }

    /// Azure Monitor resource logs: `category` and `properties` (or a `records` array of such objects).
    private static func isAzureDiagnostics(_ sample: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        var category = false
        var properties = false
        var records = false
        forEachJSONMember(sample, start, end) { member in
            if member.hasKey("category", in: sample) || member.hasKey("Category", in: sample) { category = true }
            if member.hasKey("properties", in: sample) { properties = true }
            if member.hasKey("records", in: sample) { records = true }
        }
        return (category && properties) || records
    }
}
