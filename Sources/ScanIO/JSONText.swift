/// JSON string escapes, shared by the jsonlog reader and the decoder of libpg_query's JSON parse trees.
public enum JSONText {
    /// Unescapes the inside of a JSON string: `\n \t \r \b \f \" \\ \/ \uXXXX` (with surrogate pairs).
    public static func unescape(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var index = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var value: UInt32 = 0
            for k in at..<(at + 4) {
                let byte = raw[k]
                let digit: UInt8
                if byte &- 48 <= 9 {
                    digit = byte - 48
                } else if (byte | 0x20) &- 97 <= 5 {
                    digit = (byte | 0x20) - 87
                } else {
                    return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
                out.append(byte)
                index += 1
                continue
            }
            let escaped = raw[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(index) else {
                    out.append(contentsOf: [UInt8(ascii: "\\"), escaped])
                    continue
                }
                index += 4
                if scalar >= 0xD800 && scalar < 0xDC00, index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"),
                    raw[index + 1] == UInt8(ascii: "u"), let low = hex4(index + 2), low >= 0xDC00 && low < 0xE000
                {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(character)).utf8))
            default: out.append(escaped)
            }
        }
    }
}
