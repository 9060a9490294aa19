import Foundation
import Matching
import Report
import ScanIO

/// What the log scan saw beyond uses: entry counts (later: the coverage of the logs).
struct LogObservations: Sendable {
    var entries = 0

    mutating func merge(_ other: LogObservations) { entries += other.entries }
}

/// Scans one log file: streams it in chunks, frames entries (a line and its TAB-started continuation
/// lines), runs the name prefilter over each chunk and the target's log rules over the few entries it hits.
struct LogFileScanner {
    let matchers: TargetMatchers
    let scratch: MatchScratch
    let chunkSize: Int

    func scan(_ file: InputFile, into accumulator: inout ScanAccumulator) {
        accumulator.logFiles += 1
        var source: ByteSource
        do {
            source = try openByteSource(path: file.path)
        } catch {
            accumulator.errors.append(error)
            return
        }
        if source is GzipSource && file.size > 4 << 20 {
            source = PipelinedSource(wrapping: source, blockSize: chunkSize)
        }
        let stream = ChunkedStream(chunkSize: chunkSize)
        var scanned: Int64 = 0
        do {
            try stream.run(source) { bytes, _, atEnd, mustConsume in
                let end = (atEnd || mustConsume) ? bytes.count : Self.completeEntriesEnd(bytes)
                let complete = UnsafeRawBufferPointer(rebasing: bytes[0..<end])
                accumulator.log.entries += Self.countEntries(complete)
                scanCandidates(complete, into: &accumulator)
                scanned += Int64(end)
                return end
            }
        } catch let error as ReadError {
            accumulator.errors.append(error)
        } catch {
            accumulator.errors.append(
                ReadError(path: file.path, offset: source.fileOffset, kind: .read, message: "\(error)"))
        }
        accumulator.bytesRead += source.fileOffset
        accumulator.bytesScanned += scanned
    }

    /// Finds prefilter hits, frames the entry around each, and counts each (entry, target) once.
    private func scanCandidates(_ buffer: UnsafeRawBufferPointer, into accumulator: inout ScanAccumulator) {
        var hits: [(name: Int, position: Int)] = []
        matchers.logPrefilter.scan(buffer) { name, range in hits.append((name, range.lowerBound)) }
        if hits.isEmpty { return }
        hits.sort { $0.position < $1.position }
        var entry = 0..<0
        var seen: Set<Int> = []
        for hit in hits {
            if hit.position >= entry.upperBound {
                entry = Self.entryRange(around: hit.position, in: buffer)
                seen.removeAll(keepingCapacity: true)
            }
            for target in matchers.logNameTargets[hit.name] where seen.insert(target).inserted {
                record(entry: UnsafeRawBufferPointer(rebasing: buffer[entry]), target: target, into: &accumulator)
            }
        }
    }

    private func record(entry: UnsafeRawBufferPointer, target: Int, into accumulator: inout ScanAccumulator) {
        for rule in matchers.logRules[target] {
            let hit: Range<Int>?
            do {
                hit = try rule.firstMatch(in: entry, scratch: scratch)
            } catch {
                continue  // a rule that hits its limits gives no evidence here; weaker rules still may
            }
            guard hit != nil else { continue }
            accumulator.runtime[target].byEvidence[rule.rule.evidence, default: 0] += 1
            if rule.rule.evidence.isUse { accumulator.runtime[target].statements += 1 }
            accumulator.runtime[target].byApplication["(unknown)", default: 0] += rule.rule.evidence.isUse ? 1 : 0
            return
        }
    }

    /// The end of the last complete entry: the start of the entry that holds the buffer's last line,
    /// which may still continue in the next chunk.
    static func completeEntriesEnd(_ buffer: UnsafeRawBufferPointer) -> Int {
        guard let lastNewline = lastIndex(of: 0x0A, in: buffer, before: buffer.count) else { return 0 }
        var lineStart = (lastIndex(of: 0x0A, in: buffer, before: lastNewline).map { $0 + 1 }) ?? 0
        while lineStart > 0 && buffer[lineStart] == 0x09 {
            lineStart = (lastIndex(of: 0x0A, in: buffer, before: lineStart - 1).map { $0 + 1 }) ?? 0
        }
        return lineStart
    }

    /// The entry (a line plus TAB-started continuation lines) that holds `position`.
    static func entryRange(around position: Int, in buffer: UnsafeRawBufferPointer) -> Range<Int> {
        var start = (lastIndex(of: 0x0A, in: buffer, before: position).map { $0 + 1 }) ?? 0
        while start > 0 && start < buffer.count && buffer[start] == 0x09 {
            start = (lastIndex(of: 0x0A, in: buffer, before: start - 1).map { $0 + 1 }) ?? 0
        }
        var end = position
        while true {
            guard let newline = firstIndex(of: 0x0A, in: buffer, from: end) else { return start..<buffer.count }
            end = newline + 1
            if end >= buffer.count || buffer[end] != 0x09 { return start..<end }
        }
    }

    static func countEntries(_ buffer: UnsafeRawBufferPointer) -> Int {
        var count = 0
        var index = 0
        while let newline = firstIndex(of: 0x0A, in: buffer, from: index) {
            if newline + 1 >= buffer.count || buffer[newline + 1] != 0x09 { count += 1 }
            index = newline + 1
        }
        if index < buffer.count { count += 1 }
        return count
    }

    static func firstIndex(of byte: UInt8, in buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The last `byte` strictly before `end`.
    static func lastIndex(of byte: UInt8, in buffer: UnsafeRawBufferPointer, before end: Int) -> Int? {
        var index = end - 1
        while index >= 0 {
            if buffer[index] == byte { return index }
            index -= 1
        }
        return nil
    }
}
