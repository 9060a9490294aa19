import PostgresLog

/// The csvlog framer, fed whole and in chunks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameCSV(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    checkFraming(inputBytes(start, count), as: .csv)
    return 0
}
