import SQLResolution

/// The migration readers: the first line is the file's path (which picks the reader with the content), the
/// rest its text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMigrations(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = inputBytes(start, count)
    let newline = bytes.firstIndex(of: 10) ?? bytes.count
    let path = String(decoding: bytes[..<newline], as: UTF8.self)
    let text = String(decoding: bytes[min(newline + 1, bytes.count)...], as: UTF8.self)
    if let operations = try? MigrationReader.operations(in: text, path: path) {
        for operation in operations { _ = operation.description }
    }
    return 0
}
