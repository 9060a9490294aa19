import PostgresLog
import ScanIO

// Shared by every fuzz target (compiled into each; see fuzz.sh). FUZZ_VERBOSE=1 prints what the framer targets
// framed, to see why an input fails.
#if canImport(Glibc)
    import Glibc
#endif

/// The fuzzer's input as bytes.
func inputBytes(_ start: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
    guard let start, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: start, count: count))
}

/// A chunk size that varies with the input, so that chunk boundaries fall everywhere over a run.
func chunkSize(for bytes: [UInt8]) -> Int {
    var hash: UInt32 = 2_166_136_261
    for byte in bytes.prefix(64) { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    return 1 + Int(hash % 257)
}

/// Bytes in memory, read as a file would be, in reads of at most `step` bytes.
final class MemorySource: ByteSource {
    let path = "fuzz-input"
    private(set) var fileOffset: Int64 = 0
    private let bytes: [UInt8]
    private let step: Int

    init(_ bytes: [UInt8], step: Int) {
        self.bytes = bytes
        self.step = step
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadError) -> Int {
        let start = Int(fileOffset)
        let count = min(buffer.count, step, bytes.count - start)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<start + count]))
        }
        fileOffset += Int64(count)
        return count
    }
}

/// What one framing of a log gives: the entries (with the statements read from them) and the damage.
struct Framing: Equatable {
    var entries: [LogRecord] = []
    var statements: [[String]] = []
    var damage: [FramingDamage] = []
}

/// Frames `bytes` as `format`, fed in chunks of `chunk` bytes as the scanner feeds a file, and checks the
/// framer's contract on the way: a call consumes at most what it was given, and everything at the end.
func frame(_ bytes: [UInt8], as format: LogFormat, chunk: Int) -> Framing {
    // A small limit, so that long entries are cut and skipped often.
    var framer = LogEntryFramer(format: format, maximumEntryBytes: 512, syslogYear: 2024)
    var result = Framing()
    var pending: [UInt8] = []
    var offset: Int64 = 0
    var position = 0
    func take(_ entry: LogEntry) {
        result.entries.append(entry.record())
        result.statements.append(StatementExtractor.statements(in: entry, includeParameters: true).map(\.text))
    }
    repeat {
        let end = min(bytes.count, position + chunk)
        pending.append(contentsOf: bytes[position..<end])
        position = end
        let atEnd = position == bytes.count
        let used = pending.withUnsafeBytes { framer.frame($0, baseOffset: offset, atEnd: atEnd, take) }
        precondition(used >= 0 && used <= pending.count, "a framer consumed \(used) of \(pending.count) bytes")
        precondition(!atEnd || used == pending.count, "at the end a framer left \(pending.count - used) bytes")
        result.damage.append(contentsOf: framer.takeDamage())
        pending.removeFirst(used)
        offset += Int64(used)
    } while position < bytes.count
    return result
}

/// Frames `bytes` whole and in chunks: the framer promises the same entries whatever the chunk boundaries.
func checkFraming(_ bytes: [UInt8], as format: LogFormat) {
    let whole = frame(bytes, as: format, chunk: max(bytes.count, 1))
    let chunked = frame(bytes, as: format, chunk: chunkSize(for: bytes))
    if getenv("FUZZ_VERBOSE") != nil {
        for (name, framing) in [("whole", whole), ("chunks of \(chunkSize(for: bytes))", chunked)] {
            var text = "\(format): \(name):\n"
            for entry in framing.entries { text += "  \(entry)\n" }
            _ = text.withCString { write(2, $0, strlen($0)) }
        }
    }
    guard whole.entries == chunked.entries, whole.statements == chunked.statements else {
        let common = min(whole.entries.count, chunked.entries.count)
        let index =
            (0..<common).first { (i: Int) -> Bool in
                whole.entries[i] != chunked.entries[i] || whole.statements[i] != chunked.statements[i]
            } ?? common
        func describe(_ framing: Framing) -> String {
            guard index < framing.entries.count else { return "(no entry)" }
            return "\(framing.entries[index]) \(framing.statements[index])"
        }
        fatalError(
            "\(format): the entries depend on where the chunks end (chunks of \(chunkSize(for: bytes)) bytes): "
                + "\(whole.entries.count) entries whole, \(chunked.entries.count) in chunks; entry \(index) whole: "
                + "\(describe(whole)); in chunks: \(describe(chunked))")
    }
}

/// The format a framer target reads: the one detected when it is of `name`, else `fallback`.
func format(of bytes: [UInt8], named name: String, fallback: LogFormat) -> LogFormat {
    if let detected = try? LogFormatDetector.detect(sample: Array(bytes.prefix(LogFormatDetector.sampleSize))),
        detected.name == name
    {
        return detected
    }
    return fallback
}

/// A prefix from the list of those teams configure, chosen by the input's length.
func knownPrefix(for bytes: [UInt8]) -> LinePrefix {
    let known = PrefixInference.knownPrefixes
    return (try? LinePrefix(parsing: known[bytes.count % known.count])) ?? (try! LinePrefix(parsing: "%m [%p] "))
}
