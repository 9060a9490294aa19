import PostgresLog

/// The jsonlog framer, fed whole and in chunks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameJSON(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    checkFraming(inputBytes(start, count), as: .json)
    return 0
}
