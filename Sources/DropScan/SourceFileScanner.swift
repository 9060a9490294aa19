import Foundation
import Matching
import Report
import ScanIO

/// Scans one source file: reads it (source files are size-limited), skips binaries, runs the name
/// prefilter over the whole file and the rules that apply to its path over the lines it hits.
struct SourceFileScanner {
    let matchers: TargetMatchers
    let scratch: MatchScratch

    func scan(_ file: InputFile, into accumulator: inout ScanAccumulator) {
        let bytes: [UInt8]
        do {
            bytes = try Self.readAll(file.path)
        } catch {
            accumulator.errors.append(error)
            return
        }
        accumulator.bytesRead += Int64(bytes.count)
        if bytes.prefix(8192).contains(0) {
            accumulator.skipped.append(
                SkippedFile(path: file.path, reason: "binary file (NUL byte in the first 8 KiB)"))
            return
        }
        accumulator.sourceFiles += 1
        accumulator.bytesScanned += Int64(bytes.count)
        var rulesByTarget: [Int: [CompiledRule]] = [:]
        bytes.withUnsafeBytes { buffer in
            var hits: [(name: Int, position: Int)] = []
            matchers.sourcePrefilter.scan(buffer) { name, range in hits.append((name, range.lowerBound)) }
            if hits.isEmpty { return }
            hits.sort { $0.position < $1.position }
            var lineNumber = 1
            var counted = 0
            var line = 0..<0
            var seen: Set<Int> = []
            for hit in hits {
                if hit.position >= line.upperBound {
                    let start =
                        (ByteSearch.lastIndex(of: 0x0A, in: buffer, before: hit.position).map { $0 + 1 }) ?? 0
                    let end = ByteSearch.firstIndex(of: 0x0A, in: buffer, from: hit.position) ?? buffer.count
                    lineNumber += ByteSearch.countNewlines(buffer, from: counted, to: start)
                    counted = start
                    line = start..<end
                    seen.removeAll(keepingCapacity: true)
                }
                for target in matchers.sourceNameTargets[hit.name] where seen.insert(target).inserted {
                    let rules =
                        rulesByTarget[target]
                        ?? {
                            let applicable = matchers.sourceRules[target].filter {
                                $0.rule.applies(toSourcePath: file.relativePath)
                            }
                            rulesByTarget[target] = applicable
                            return applicable
                        }()
                    let lineBuffer = UnsafeRawBufferPointer(rebasing: buffer[line])
                    for rule in rules {
                        guard let match = try? rule.firstMatch(in: lineBuffer, scratch: scratch) else { continue }
                        let text = String(decoding: lineBuffer, as: UTF8.self)
                        let snippet = String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
                        let targetName = matchers.targets[target].normalized
                        accumulator.findings[target].append(
                            CodeFinding(
                                path: file.relativePath, line: lineNumber, column: match.lowerBound + 1,
                                rule: rule.rule.id,
                                evidence: rule.rule.evidence, classification: "app", snippet: snippet,
                                fingerprint: Fingerprint.finding(
                                    rule: rule.rule.id, target: targetName, path: file.relativePath, lineText: text)))
                        break
                    }
                }
            }
        }
    }

    static func readAll(_ path: String) throws(ReadError) -> [UInt8] {
        let source = try PlainFileSource(path: path)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let result: Result<Int, ReadError> = chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(ReadError) -> Int in try source.read(into: buffer) }
            }
            let count = try result.get()
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}
