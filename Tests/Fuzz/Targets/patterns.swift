import Matching

/// The pattern-file parser, then what `dropscan patterns check` does with what it read: compile each rule for
/// its sample target and run its samples.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPatterns(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let text = String(decoding: inputBytes(start, count), as: UTF8.self)
    guard let rules = try? PatternLibrary.parse(text, file: "fuzz.rules") else { return 0 }
    _ = PatternLibrary(rules: rules).check()
    return 0
}
