import PostgresLog

/// The stderr framer, with the prefix detected from the input (or a known one), fed whole and in chunks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameStderr(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = inputBytes(start, count)
    checkFraming(bytes, as: format(of: bytes, named: "stderr", fallback: .stderr(knownPrefix(for: bytes))))
    return 0
}
