import CodeUsage
import Dispatch
import Foundation
import Matching
import Report
import SQLResolution
import ScanIO
import Synchronization

/// Scans one source file: reads it (source files are size-limited), skips binaries, and hands the bytes to
/// the `CodeScanner` (ecosystem rules, classification, scoping).
struct SourceFileScanner {
    let scanner: CodeScanner
    let scratch: MatchScratch
    /// The trees' definitions of the targets' names, on the second scan of the files with findings.
    var definitions: DefinedNames? = nil

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
        let result = scanner.scan(
            relativePath: file.relativePath, bytes: bytes, scratch: scratch, definitions: definitions)
        accumulator.definitions.merge(result.definitions)
        if result.isEmpty { return }
        if result.findings.contains(where: { !$0.isEmpty }) { accumulator.sourceFilesWithFindings.append(file) }
        for index in result.findings.indices {
            accumulator.findings[index] += result.findings[index]
            accumulator.declarations[index] += result.declarations[index]
            accumulator.deprecations[index] += result.deprecations[index]
        }
    }

    /// Scans the files with findings again with the trees' definitions (a name defined as a method, property,
    /// field or SQL alias somewhere changes how its reads are scored) and replaces their findings.
    static func rescoreWithDefinitions(_ result: inout ScanAccumulator, scanner: CodeScanner, threads: Int) {
        guard !result.definitions.isEmpty, !result.sourceFilesWithFindings.isEmpty else { return }
        // Only findings of the generic code and template rules, for a target whose name the trees define, can
        // change.
        var affected: Set<String> = []
        for index in result.findings.indices where !result.definitions[target: index].isEmpty {
            for finding in result.findings[index]
            where finding.rule.hasPrefix("code.") || finding.rule.hasPrefix("template.") {
                affected.insert(finding.path)
            }
        }
        let files = result.sourceFilesWithFindings.filter { affected.contains($0.relativePath) }
        guard !files.isEmpty else { return }
        let paths = Set(files.map(\.relativePath))
        for index in result.findings.indices {
            result.findings[index].removeAll { paths.contains($0.path) }
            result.declarations[index].removeAll { paths.contains($0.path) }
            result.deprecations[index].removeAll { paths.contains($0.path) }
        }
        let definitions = result.definitions
        let targetCount = result.findings.count
        let merged = Mutex(ScanAccumulator(targetCount: targetCount, gapSeconds: 0))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, files.count))) { _ in
            var local = ScanAccumulator(targetCount: targetCount, gapSeconds: 0)
            let scanner = SourceFileScanner(scanner: scanner, scratch: MatchScratch(), definitions: definitions)
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < files.count else { break }
                scanner.scan(files[index], into: &local)
            }
            merged.withLock { $0.merge(local) }
        }
        let again = merged.withLock { $0 }
        for index in result.findings.indices {
            result.findings[index] += again.findings[index]
            result.declarations[index] += again.declarations[index]
            result.deprecations[index] += again.deprecations[index]
        }
        result.errors += again.errors
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

/// Resolves SQL found in source files with the same libpg_query resolver as the logs; SQL that does not
/// parse (a template, another dialect) keeps the evidence of the rule that found it.
struct ParserSQLResolver: EmbeddedSQLResolver {
    let resolver: SQLResolver

    func evidence(forSQL sql: String, targetIndex: Int) -> Evidence? {
        let resolution = resolver.resolve(sql)
        guard resolution.parsed else { return nil }
        return resolution.outcome(forTarget: targetIndex)?.evidence
    }
}
