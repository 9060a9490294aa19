import PostgresLog

/// The cloud export framer (Cloud Logging, CloudWatch, CloudNativePG), with the export and prefix detected
/// from the input (or chosen by its length), fed whole and in chunks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameCloud(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = inputBytes(start, count)
    var format = LogFormat.cloud(
        CloudExport.allCases[bytes.count % CloudExport.allCases.count], knownPrefix(for: bytes))
    if let detected = try? LogFormatDetector.detect(sample: Array(bytes.prefix(LogFormatDetector.sampleSize))),
        case .cloud = detected
    {
        format = detected
    }
    checkFraming(bytes, as: format)
    return 0
}
