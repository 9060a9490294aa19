import CodeUsage
import Foundation
import Matching
import Report
import SQLResolution
import ScanIO

/// Scans one source file: reads it (source files are size-limited), skips binaries, and hands the bytes to
/// the `CodeScanner` (ecosystem rules, classification, scoping).
struct SourceFileScanner {
    let scanner: CodeScanner
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
        let result = scanner.scan(relativePath: file.relativePath, bytes: bytes, scratch: scratch)
        if result.isEmpty { return }
        for index in result.findings.indices {
            accumulator.findings[index] += result.findings[index]
            accumulator.declarations[index] += result.declarations[index]
            accumulator.deprecations[index] += result.deprecations[index]
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
