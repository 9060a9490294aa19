import Dispatch
import Foundation
import PostgresLog
import ScanIO
import Synchronization

/// What the scan knows of a log file before reading it through: its format, and for stderr and syslog the
/// prefix and how it was decided.
struct PlannedLog: Sendable {
    var format: LogFormat
    var decision: PrefixDecision?
}

/// Decides the format and prefix of every log before the scan, from lines sampled across each file and
/// across the files of its folder (one server's logs, usually).
///
/// A plain file is sampled with `pread` at 32 places spread over it. A gzip file cannot seek: its beginning
/// is inflated, 1 MiB at first and on until 200 statement or connection lines are seen (at most 8 MiB), so a
/// large file is never inflated twice. Folders are decided one after another, so at most one folder's
/// samples are held at once.
struct LogPrefixPlanner {
    let rules: [ScopedPrefix]
    let configuredPrefix: String?
    let threads: Int
    /// Whether log text quoted in error messages keeps its literal values (`--show-values`).
    var showValues = false
    /// Stops the sampling between files when set (the scan then stops too).
    var cancellation: Cancellation?

    static let windows = 32
    static let windowSize = 32 * 1024
    static let gzipFirst = 1 << 20
    static let gzipMost = 8 << 20
    static let sessionLinesWanted = 200
    static let perFileLines = 3000
    static let poolLines = 4000

    /// One file's sample, before the folder is decided.
    struct Sampled: Sendable {
        var layout: LogFormatDetector.Layout
        var lines: PrefixSample
        var head: [UInt8]
    }

    /// Plans every log in `files`: the result has an entry for each log whose beginning could be read
    /// (failures are left to the scan, which reports them with their offset), and `failures` the files
    /// whose format cannot be recognised.
    func plan(_ files: [InputFile]) -> (plans: [String: PlannedLog], failures: [ReadError]) {
        let logs = files.filter { $0.kind == .log }
        var byFolder: [String: [InputFile]] = [:]
        for file in logs { byFolder[(file.path as NSString).deletingLastPathComponent, default: []].append(file) }
        var plans: [String: PlannedLog] = [:]
        var failures: [ReadError] = []
        for folder in byFolder.keys.sorted() {
            let members = byFolder[folder]!
            let sampled = Mutex([String: Sampled]())
            DispatchQueue.concurrentPerform(iterations: min(threads, members.count)) { worker in
                var index = worker
                while index < members.count, cancellation?.isCancelled != true {
                    if let sample = try? Self.sample(members[index]) {
                        sampled.withLock { $0[members[index].path] = sample }
                    }
                    index += min(threads, members.count)
                }
            }
            let samples = sampled.withLock { $0 }
            let (folderPlans, folderFailures) = decide(members, samples)
            plans.merge(folderPlans) { a, _ in a }
            failures += folderFailures
        }
        return (plans, failures)
    }

    private func decide(_ members: [InputFile], _ samples: [String: Sampled]) -> ([String: PlannedLog], [ReadError]) {
        // The pool: lines of every stderr (or every syslog) file of the folder, evenly taken.
        var pools: [LogFormatDetector.Layout: PrefixSample] = [:]
        for layout in [LogFormatDetector.Layout.stderr, .syslog] {
            let group = samples.values.filter { $0.layout == layout }
            guard group.count > 1 else { continue }
            var pool = PrefixSample()
            for member in group { pool.append(spreadOf: member.lines, limit: max(50, Self.poolLines / group.count)) }
            pools[layout] = pool
        }
        let paths = members.map(\.path).filter { samples[$0] != nil }
        let poolsByLayout = pools
        let results = Mutex([String: Result<PlannedLog, ReadError>]())
        let workers = max(1, min(threads, paths.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < paths.count {
                let path = paths[index]
                let result = decide(path, samples[path]!, pool: poolsByLayout[samples[path]!.layout])
                results.withLock { $0[path] = result }
                index += workers
            }
        }
        var plans: [String: PlannedLog] = [:]
        var failures: [ReadError] = []
        for (path, result) in results.withLock({ $0 }) {
            switch result {
            case .success(let plan): plans[path] = plan
            case .failure(let error): failures.append(error)
            }
        }
        return (plans, failures)
    }

    private func decide(_ path: String, _ sampled: Sampled, pool: PrefixSample?) -> Result<PlannedLog, ReadError> {
        let layout = sampled.layout
        if layout == .csv || layout == .json {
            return .success(PlannedLog(format: LogFormatDetector.format(layout, prefix: Self.empty), decision: nil))
        }
        func failure(_ error: LogFormatError) -> Result<PlannedLog, ReadError> {
            let message = LogFileScanner.describe(error, showValues: showValues)
            return .failure(
                ReadError(
                    path: path, offset: 0, kind: .read, message: "not a PostgreSQL log this scan can read: \(message)"))
        }
        let given = rules.first { $0.glob != nil && $0.applies(to: path) } ?? rules.first { $0.glob == nil }
        if case .cloud = layout {
            // The server lines a cloud export wraps are decided from the unwrapped lines of its head.
            let detected = sampled.head.withUnsafeBytes { head in
                Result { () throws(LogFormatError) -> LogFormat in
                    try LogFormatDetector.detect(sample: head, explicitPrefix: given?.prefix ?? configuredPrefix)
                }
            }
            switch detected {
            case .success(let format): return .success(PlannedLog(format: format, decision: nil))
            case .failure(let error): return failure(error)
            }
        }
        if let text = given?.prefix ?? configuredPrefix {
            let prefix: LinePrefix
            do {
                prefix = try LinePrefix(parsing: text)
            } catch {
                return failure(error)
            }
            let decision = PrefixDecision(
                prefix: prefix, origin: given != nil ? .given : .configuration, sampledLines: sampled.lines.count,
                explainedLines: PrefixInference.explained(by: prefix, in: sampled.lines))
            return .success(PlannedLog(format: LogFormatDetector.format(layout, prefix: prefix), decision: decision))
        }
        guard let decision = PrefixInference.decide(sample: sampled.lines, pool: pool) else {
            return failure(sampled.head.withUnsafeBytes { LogFormatDetector.undetectable($0) })
        }
        return .success(
            PlannedLog(format: LogFormatDetector.format(layout, prefix: decision.prefix), decision: decision))
    }

    static let empty = try! LinePrefix(parsing: "")

    // MARK: Sampling

    /// Samples one file: its layout from the first 64 KiB, and its header lines.
    static func sample(_ file: InputFile) throws -> Sampled {
        let source = try openByteSource(path: file.path)
        if source is GzipSource { return try sampleStream(source) }
        return try sampleWindows(file.path)
    }

    private static func sampleWindows(_ path: String) throws -> Sampled {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        var lines = PrefixSample()
        var head: [UInt8] = []
        let whole = size <= windows * windowSize
        let count = whole ? 1 : windows
        for window in 0..<count {
            let offset = whole || count == 1 ? 0 : (size - windowSize) / (count - 1) * window
            try handle.seek(toOffset: UInt64(offset))
            let bytes = [UInt8](try handle.read(upToCount: whole ? size : windowSize) ?? Data())
            if window == 0 { head = Array(bytes.prefix(LogFormatDetector.sampleSize)) }
            bytes.withUnsafeBytes { buffer in
                lines.appendLines(
                    of: buffer, skipPartialFirst: window > 0, includeTail: offset + bytes.count >= size)
            }
        }
        return try finish(head, lines)
    }

    private static func sampleStream(_ source: ByteSource) throws -> Sampled {
        var lines = PrefixSample()
        var head: [UInt8] = []
        var pending: [UInt8] = []
        var inflated = 0
        var sessionLines = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        var atEnd = false
        while !atEnd {
            let count = try source.read(into: buffer)
            atEnd = count == 0
            inflated += count
            pending += UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if head.count < LogFormatDetector.sampleSize {
                head += pending.prefix(LogFormatDetector.sampleSize - head.count)
            }
            let lastNewline = pending.lastIndex(of: 10).map { $0 + 1 } ?? (atEnd ? pending.count : 0)
            pending.withUnsafeBytes { bytes in
                let complete = UnsafeRawBufferPointer(rebasing: bytes[0..<lastNewline])
                sessionLines += countSessionLines(complete)
                lines.appendLines(of: complete, skipPartialFirst: false, includeTail: atEnd)
            }
            pending.removeFirst(lastNewline)
            while lines.count > perFileLines { lines.halve() }
            if inflated >= gzipMost || (inflated >= gzipFirst && sessionLines >= sessionLinesWanted) { break }
        }
        return try finish(head, lines)
    }

    private static func finish(_ head: [UInt8], _ lines: PrefixSample) throws -> Sampled {
        var lines = lines
        while lines.count > perFileLines { lines.halve() }
        let layout = try head.withUnsafeBytes { buffer throws(LogFormatError) in
            try LogFormatDetector.layout(of: buffer)
        }
        return Sampled(layout: layout, lines: layout == .syslog ? lines.syslogBodies() : lines, head: head)
    }

    static let sessionMarkers = ["statement: ", "connection authorized: ", "duration: "].map { Array($0.utf8) }

    /// Lines that only sessions write (what the prefix's user, database and application are read from).
    private static func countSessionLines(_ bytes: UnsafeRawBufferPointer) -> Int {
        var count = 0
        var position = 0
        // Markers all contain ": "; look only there.
        while let colon = ByteSearch.firstIndex(of: UInt8(ascii: ":"), in: bytes, from: position) {
            for marker in sessionMarkers {
                let start = colon - (marker.count - 2)
                if start >= 0, start + marker.count <= bytes.count,
                    marker.indices.allSatisfy({ bytes[start + $0] == marker[$0] })
                {
                    count += 1
                    break
                }
            }
            position = colon + 1
        }
        return count
    }
}
