import PostgresLog

/// The `log_line_prefix` parser and matcher: the first line is a prefix, the other lines are log lines it is
/// matched against, and the lines the inference samples.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrefix(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = inputBytes(start, count)
    let newline = bytes.firstIndex(of: 10) ?? bytes.count
    let pattern = String(decoding: bytes[..<newline], as: UTF8.self)
    var lines = PrefixSample()
    let rest = Array(bytes[min(newline + 1, bytes.count)...])
    rest.withUnsafeBytes { lines.appendLines(of: $0, skipPartialFirst: false, includeTail: true) }
    if let prefix = try? LinePrefix(parsing: pattern) {
        _ = prefix.hasTimestamp
        _ = prefix.hasPid
        _ = PrefixInference.explained(by: prefix, in: lines)
        _ = PrefixInference.decide(sample: lines, pool: lines)
    } else {
        _ = PrefixInference.decide(sample: lines)
    }
    return 0
}
