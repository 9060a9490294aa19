import ScanIO

/// The gzip reader: any bytes, read in small and odd-sized pieces, end in data or a `ReadError`; through
/// igzip (which hands over to zlib on a problem) when the input's length is even, zlib alone when odd.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = inputBytes(start, count)
    _ = Compression.detect(Array(bytes.prefix(16)))
    let step = chunkSize(for: bytes)
    let reopen = { () throws(ReadError) -> ByteSource in MemorySource(bytes, step: step) }
    guard let source = try? GzipSource(wrapping: MemorySource(bytes, step: step), reopen: count % 2 == 0 ? reopen : nil)
    else { return 0 }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 + bytes.count % 4096, alignment: 16)
    defer { buffer.deallocate() }
    var total: Int64 = 0
    while true {
        guard let read = try? source.read(into: buffer), read > 0 else { break }
        total += Int64(read)
        precondition(source.decompressedOffset == total, "the decompressed offset lost count")
    }
    return 0
}
