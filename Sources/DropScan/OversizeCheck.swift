import CodeUsage
import Dispatch
import Matching
import ScanIO
import Synchronization

/// Looks for the targets' names in the source files skipped for their size (`--max-filesize`), in one
/// streaming pass with the scan's name prefilter: 1 MiB at a time, cut after the last byte that ends a word so
/// that no name is split. A file that names a target may hold a use, so it keeps the verdict from a pass; its
/// entry says where (line, and byte offset unless the file was decoded from UTF-16 or UTF-32).
struct OversizeCheck {
    let scanner: CodeScanner
    let cancellation: Cancellation
    var chunkSize = 1 << 20

    /// Where a file first names a target.
    struct Reference: Equatable {
        var target: Int
        var line: Int
        var offset: Int64?
    }

    /// Checks every `too-large` entry of `skipped` on up to `threads` threads, marking those that name a
    /// target; files that cannot be read are returned as errors.
    func mark(_ skipped: inout [SkippedFile], threads: Int) -> [ReadError] {
        let indices = skipped.indices.filter { skipped[$0].kind == .tooLarge }
        guard !indices.isEmpty else { return [] }
        let entries = skipped
        let results = Mutex([Int: Result<Reference?, ReadError>]())
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, indices.count))) { _ in
            let scratch = MatchScratch()
            while true {
                let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard position < indices.count, !cancellation.isCancelled else { break }
                let index = indices[position]
                let result = Result { () throws(ReadError) -> Reference? in
                    try firstReference(entries[index].path, scratch: scratch)
                }
                results.withLock { $0[index] = result }
            }
        }
        var errors: [ReadError] = []
        for (index, result) in results.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            switch result {
            case .failure(let error):
                errors.append(error)
            case .success(let reference?):
                var entry = skipped[index]
                let name = scanner.targets[reference.target].normalized
                entry.reason += " and names \(name) on line \(reference.line): raise --max-filesize to scan it"
                entry.mayHoldUse = true
                entry.line = reference.line
                entry.offset = reference.offset
                skipped[index] = entry
            case .success(nil):
                break
            }
        }
        return errors
    }

    /// The first place `path` names a target, or `nil` (also when the scan was cancelled).
    func firstReference(_ path: String, scratch: MatchScratch) throws(ReadError) -> Reference? {
        let source = try PlainFileSource(path: path)
        var raw = [UInt8](repeating: 0, count: chunkSize)
        var encoding: (encoding: TextEncoding, bomLength: Int)?
        var first = true
        var undecoded: [UInt8] = []
        // Text read but not searched yet (from the last word boundary on), its offset and the lines before it.
        var pending: [UInt8] = []
        var pendingOffset: Int64 = 0
        var linesBefore = 0
        while !cancellation.isCancelled {
            let read: Result<Int, ReadError> = raw.withUnsafeMutableBytes { buffer in
                Result { () throws(ReadError) -> Int in try source.read(into: buffer) }
            }
            let count = try read.get()
            let atEnd = count == 0
            if first {
                first = false
                encoding = raw.withUnsafeBytes {
                    TextEncoding.detect(UnsafeRawBufferPointer(rebasing: $0[..<min(count, 8192)]))
                }
            }
            if let decoding = encoding {
                let unicode = decoding.encoding
                undecoded += raw[0..<count]
                let skip = min(decoding.bomLength, undecoded.count)
                let used = undecoded.withUnsafeBytes { buffer in
                    unicode.decode(UnsafeRawBufferPointer(rebasing: buffer[skip...]), atEnd: atEnd, into: &pending)
                }
                undecoded.removeFirst(skip + used)
                encoding = (unicode, 0)
            } else {
                pending += raw[0..<count]
            }
            var cut = atEnd ? pending.count : (pending.lastIndex(where: Self.endsWord).map { $0 + 1 } ?? 0)
            if cut == 0 && pending.count >= 2 * chunkSize { cut = pending.count }  // one enormous word
            if cut > 0 {
                let part = Array(pending[0..<cut])
                if let found = scanner.firstReference(in: part, scratch: scratch) {
                    let line = linesBefore + Self.lineBreaks(in: part[..<found.position]) + 1
                    return Reference(
                        target: found.target, line: line,
                        offset: encoding == nil ? pendingOffset + Int64(found.position) : nil)
                }
                linesBefore += Self.lineBreaks(in: part[...])
                pendingOffset += Int64(cut)
                pending.removeFirst(cut)
            }
            if atEnd { return nil }
        }
        return nil
    }

    /// Whether `byte` cannot be part of a word (`[A-Za-z0-9_$]` and bytes from 0x80 are).
    static func endsWord(_ byte: UInt8) -> Bool {
        !(byte >= 0x80 || byte == 0x5F || byte == 0x24 || (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte)
            || (0x61...0x7A).contains(byte))
    }

    static func lineBreaks(in bytes: ArraySlice<UInt8>) -> Int {
        var count = 0
        for byte in bytes where byte == 0x0A { count += 1 }
        return count
    }
}
