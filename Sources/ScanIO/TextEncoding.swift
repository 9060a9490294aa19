/// The Unicode encodings a source file may be saved in besides UTF-8, found from a byte order mark or from
/// the pattern NUL bytes make in ASCII text (`S\0E\0L\0` is UTF-16LE), and decoded to UTF-8 so that the
/// scanners see text. Line breaks are kept one for one, so line numbers stay those of the file.
public enum TextEncoding: String, Sendable, Equatable {
    case utf16LE = "UTF-16LE"
    case utf16BE = "UTF-16BE"
    case utf32LE = "UTF-32LE"
    case utf32BE = "UTF-32BE"

    /// The bytes of one code unit.
    public var unitSize: Int {
        switch self {
        case .utf16LE, .utf16BE: return 2
        case .utf32LE, .utf32BE: return 4
        }
    }

    /// What the head of a file shows: an encoding and the length of its byte order mark, or `nil` for UTF-8
    /// (or anything else, such as binary data). Without a mark, at least 90% of the code units must be ASCII
    /// characters other than NUL in the unit's pattern (`x\0` for UTF-16LE, `x\0\0\0` for UTF-32LE).
    public static func detect(_ head: UnsafeRawBufferPointer) -> (encoding: TextEncoding, bomLength: Int)? {
        func starts(_ bytes: [UInt8]) -> Bool {
            head.count >= bytes.count && bytes.indices.allSatisfy { head[$0] == bytes[$0] }
        }
        if starts([0xFF, 0xFE, 0x00, 0x00]) { return (.utf32LE, 4) }
        if starts([0x00, 0x00, 0xFE, 0xFF]) { return (.utf32BE, 4) }
        if starts([0xFF, 0xFE]) { return (.utf16LE, 2) }
        if starts([0xFE, 0xFF]) { return (.utf16BE, 2) }
        guard ByteSearch.firstIndex(of: 0, in: head, from: 0) != nil else { return nil }
        for encoding in [TextEncoding.utf32LE, .utf32BE, .utf16LE, .utf16BE] {
            let units = head.count / encoding.unitSize
            guard units >= 4 else { continue }
            var ascii = 0
            for unit in 0..<units {
                let value = encoding.unit(in: head, at: unit * encoding.unitSize)
                if value == 0 { break }  // U+0000 is no text's character: not this encoding
                if value < 0x80 { ascii += 1 }
            }
            if ascii * 10 >= units * 9 { return (encoding, 0) }
        }
        return nil
    }

    /// The code unit at `offset`.
    @inline(__always)
    func unit(in bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        switch self {
        case .utf16LE: return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
        case .utf16BE: return UInt32(bytes[offset]) << 8 | UInt32(bytes[offset + 1])
        case .utf32LE:
            return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
        case .utf32BE:
            return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
                | UInt32(bytes[offset + 3])
        }
    }

    /// Decodes `bytes` to UTF-8 and appends it to `output`; returns how many bytes were decoded. A unit or
    /// surrogate pair cut at the end is left for the next call unless `atEnd`; an invalid unit (a lone
    /// surrogate, a value past U+10FFFF) becomes U+FFFD.
    @discardableResult
    public func decode(_ bytes: UnsafeRawBufferPointer, atEnd: Bool, into output: inout [UInt8]) -> Int {
        let size = unitSize
        var offset = 0
        output.reserveCapacity(output.count + bytes.count / size + 16)
        while offset + size <= bytes.count {
            var scalar = unit(in: bytes, at: offset)
            var used = size
            if size == 2, scalar >= 0xD800, scalar < 0xDC00 {
                if offset + 4 > bytes.count {
                    if !atEnd { break }
                    scalar = 0xFFFD
                } else {
                    let low = unit(in: bytes, at: offset + 2)
                    if low >= 0xDC00, low < 0xE000 {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        used = 4
                    } else {
                        scalar = 0xFFFD
                    }
                }
            } else if (scalar >= 0xD800 && scalar < 0xE000) || scalar > 0x10FFFF {
                scalar = 0xFFFD
            }
            Self.appendUTF8(scalar, to: &output)
            offset += used
        }
        if atEnd && offset < bytes.count {
            Self.appendUTF8(0xFFFD, to: &output)  // a unit cut short at the end of the file
            offset = bytes.count
        }
        return offset
    }

    /// The whole of `bytes` (a file, its byte order mark skipped) as UTF-8.
    public func decode(_ bytes: [UInt8], skipping bomLength: Int) -> [UInt8] {
        var output: [UInt8] = []
        bytes.withUnsafeBytes { buffer in
            _ = decode(
                UnsafeRawBufferPointer(rebasing: buffer[min(bomLength, buffer.count)...]), atEnd: true, into: &output)
        }
        return output
    }

    @inline(__always)
    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}

/// How a binary file (a NUL byte in its head, no Unicode encoding) looks: text with a few stray NUL bytes
/// (a damaged copy, a mixed encoding), which may hold a use, or data.
public enum BinaryText {
    /// Whether the non-NUL bytes of `head` read as text: at least 64 of them, and at most 1 in 32 a control
    /// character other than tab, line feed, vertical tab, form feed, carriage return and escape.
    public static func looksLikeText(_ head: UnsafeRawBufferPointer) -> Bool {
        var text = 0
        var control = 0
        for byte in head where byte != 0 {
            text += 1
            if byte < 0x20 && !(0x09...0x0D).contains(byte) && byte != 0x1B || byte == 0x7F { control += 1 }
        }
        return text >= 64 && control * 32 <= text
    }

    /// ``looksLikeText(_:)`` of the first `limit` bytes of `bytes`.
    public static func looksLikeText(_ bytes: [UInt8], limit: Int = 8192) -> Bool {
        bytes.withUnsafeBytes { looksLikeText(UnsafeRawBufferPointer(rebasing: $0.prefix(limit))) }
    }
}
