import Foundation

/// Feeds a byte source to a consumer in large chunks, carrying the consumer's unconsumed tail (an
/// incomplete line or log entry) to the front of the next chunk.
///
/// Memory is bounded: the buffer starts at `chunkSize` and grows only while a single unit is larger than
/// it, up to `maxUnit + chunkSize`; past that the consumer is told to cut (`mustConsume`).
public final class ChunkedStream {
    public let chunkSize: Int
    public let maxUnit: Int
    private var buffer: UnsafeMutableRawBufferPointer

    public init(chunkSize: Int = 1 << 20, maxUnit: Int = 16 << 20) {
        self.chunkSize = chunkSize
        self.maxUnit = maxUnit
        buffer = .allocate(byteCount: chunkSize, alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// The current buffer capacity (for memory accounting and tests).
    public var capacity: Int { buffer.count }

    /// Reads `source` to its end. `consume(bytes, streamOffset, atEnd, mustConsume)` returns how many bytes
    /// it consumed from the front; it must consume everything when `atEnd` or `mustConsume` is true.
    /// `streamOffset` is the offset of `bytes` in the (decompressed) stream.
    public func run(
        _ source: ByteSource,
        consume: (_ bytes: UnsafeRawBufferPointer, _ streamOffset: Int64, _ atEnd: Bool, _ mustConsume: Bool) throws ->
            Int
    ) throws {
        var carried = 0
        var streamOffset: Int64 = 0
        var atEnd = false
        while !atEnd {
            if carried == buffer.count {
                let grown = min(buffer.count * 2, maxUnit + chunkSize)
                if grown > buffer.count {
                    let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: grown, alignment: 64)
                    bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<carried]))
                    buffer.deallocate()
                    buffer = bigger
                }
            }
            var filled = carried
            if filled < buffer.count {
                let count: Int
                do {
                    count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                } catch {
                    // Whatever came before the problem is still scanned, then the problem is reported.
                    if carried > 0 {
                        _ = try consume(UnsafeRawBufferPointer(rebasing: buffer[0..<carried]), streamOffset, true, true)
                    }
                    throw error
                }
                if count == 0 { atEnd = true }
                filled += count
            }
            let mustConsume = !atEnd && filled == buffer.count && buffer.count >= maxUnit + chunkSize
            let used = try consume(
                UnsafeRawBufferPointer(rebasing: buffer[0..<filled]), streamOffset, atEnd, mustConsume)
            precondition(used >= 0 && used <= filled, "consumer returned an impossible count")
            if used < filled {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + used, byteCount: filled - used)
            }
            carried = filled - used
            streamOffset += Int64(used)
            // Shrink back after an oversized unit so one huge entry does not pin memory for the whole file.
            if carried <= chunkSize / 2 && buffer.count > chunkSize {
                let smaller = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
                smaller.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<carried]))
                buffer.deallocate()
                buffer = smaller
            }
        }
    }
}

/// Runs a byte source on its own thread, a few blocks ahead of the consumer, so that inflating a large
/// gzip file overlaps with matching. Memory: `depth` blocks of `blockSize` bytes.
public final class PipelinedSource: ByteSource, @unchecked Sendable {
    // @unchecked Sendable: the producer thread touches only `inner` and the slots it owns between
    // `empty.wait()` and `full.signal()`; the consumer touches a slot only between `full.wait()` and
    // `empty.signal()`. The semaphores order every hand-over.
    public let path: String
    public var fileOffset: Int64 { lock.withLock { producedOffset } }
    private let inner: ByteSource
    private let blocks: [UnsafeMutableRawBufferPointer]
    private var counts: [Int]
    private var failure: ReadError?
    private var producedOffset: Int64 = 0
    private let empty: DispatchSemaphore
    private let full = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var readIndex = 0
    private var readPosition = 0
    private var done = false
    private var cancelled = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    public init(wrapping inner: ByteSource, blockSize: Int = 1 << 20, depth: Int = 3) {
        self.inner = inner
        path = inner.path
        blocks = (0..<depth).map { _ in .allocate(byteCount: blockSize, alignment: 64) }
        counts = Array(repeating: 0, count: depth)
        empty = DispatchSemaphore(value: depth)
        let thread = Thread { [unowned self] in self.produce() }
        thread.name = "dropscan.inflate"
        self.thread = thread
        thread.start()
    }

    deinit {
        lock.withLock { cancelled = true }
        empty.signal()
        finished.wait()
        for block in blocks { block.deallocate() }
    }

    private func produce() {
        var index = 0
        defer { finished.signal() }
        while true {
            empty.wait()
            if lock.withLock({ cancelled }) { return }
            do {
                let count = try inner.read(into: blocks[index])
                lock.withLock {
                    counts[index] = count
                    producedOffset = inner.fileOffset
                }
                full.signal()
                if count == 0 { return }
            } catch {
                lock.withLock {
                    failure = error
                    counts[index] = 0
                }
                full.signal()
                return
            }
            index = (index + 1) % blocks.count
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadError) -> Int {
        if done { return 0 }
        full.wait()
        let (count, failure) = lock.withLock { (counts[readIndex], self.failure) }
        if count == 0 {
            done = true
            full.signal()  // keep the end visible to a later call
            if let failure { throw failure }
            return 0
        }
        let available = count - readPosition
        let take = min(available, buffer.count)
        buffer.baseAddress!.copyMemory(from: blocks[readIndex].baseAddress! + readPosition, byteCount: take)
        readPosition += take
        if readPosition == count {
            readPosition = 0
            readIndex = (readIndex + 1) % blocks.count
            empty.signal()
        } else {
            full.signal()  // the block still holds bytes: leave it marked as ready
        }
        return take
    }
}
