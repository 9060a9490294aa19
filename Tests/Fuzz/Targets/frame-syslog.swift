import PostgresLog

/// The syslog framer (RFC 3164, ISO times, RFC 5424, logplex), with the prefix detected from the input (or
/// a known one), fed whole and in chunks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameSyslog(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = inputBytes(start, count)
    checkFraming(bytes, as: format(of: bytes, named: "syslog", fallback: .syslog(knownPrefix(for: bytes))))
    return 0
}
