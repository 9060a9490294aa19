import PostgresLog

/// The format detector, with the prefix inference it runs on the sample's lines.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDetect(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = inputBytes(start, count)
    bytes.withUnsafeBytes { sample in
        _ = try? LogFormatDetector.layout(of: sample)
        _ = try? LogFormatDetector.detectCloudExport(sample: sample)
        _ = LogFormatDetector.undetectable(sample).description
    }
    if let format = try? LogFormatDetector.detect(sample: bytes) { _ = format.description }
    return 0
}
