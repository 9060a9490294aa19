import Foundation

/// Byte searches for hot paths: `memchr` forwards, a plain loop backwards (used only around matches).
public enum ByteSearch {
    /// The first `byte` at or after `start`.
    @inline(__always)
    public static func firstIndex(of byte: UInt8, in buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The last `byte` strictly before `end`.
    @inline(__always)
    public static func lastIndex(of byte: UInt8, in buffer: UnsafeRawBufferPointer, before end: Int) -> Int? {
        var index = end - 1
        while index >= 0 {
            if buffer[index] == byte { return index }
            index -= 1
        }
        return nil
    }

    /// The number of `\n` in `start..<end`.
    public static func countNewlines(_ buffer: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var count = 0
        var index = start
        while index < end, let newline = firstIndex(of: 0x0A, in: buffer, from: index), newline < end {
            count += 1
            index = newline + 1
        }
        return count
    }
}
