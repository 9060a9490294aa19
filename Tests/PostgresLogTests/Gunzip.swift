import CZlib

/// Inflates a gzip file (the committed fixtures are made by `gzip -9n`), with zlib's `inflate`
/// (`inflateInit2_` with `16 + MAX_WBITS` selects the gzip wrapper; all memory is owned here).
func gunzip(_ compressed: [UInt8]) throws -> [UInt8] {
    struct InflateError: Error { let code: Int32 }
    var stream = z_stream()
    var status = inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else { throw InflateError(code: status) }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    var input = compressed
    try input.withUnsafeMutableBufferPointer { source in
        stream.next_in = source.baseAddress
        stream.avail_in = uInt(source.count)
        repeat {
            let produced = buffer.withUnsafeMutableBufferPointer { target -> Int in
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return target.count - Int(stream.avail_out)
            }
            guard status == Z_OK || status == Z_STREAM_END else { throw InflateError(code: status) }
            output += buffer[0..<produced]
        } while status != Z_STREAM_END
    }
    return output
}
