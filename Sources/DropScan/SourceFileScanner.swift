import Catalog
import CodeUsage
import Dispatch
import Foundation
import Matching
import ModelIndex
import Report
import SQLResolution
import ScanIO

/// Scans source files in two passes. The first reads every file once: it is counted, handed to the model
/// index, and kept as a candidate only if it names a target; the second re-reads only the candidates and
/// scores them with the scanner built on the index (ecosystem rules, classification, scoping).
struct SourceFileScanner {
    let scanner: CodeScanner
    let scratch: MatchScratch

    /// The first pass over one file: counts it, indexes it, and says whether it names a target (`false` for
    /// a file that could not be read or is binary; those are recorded).
    func index(_ file: InputFile, into accumulator: inout ScanAccumulator, part: inout IndexPart) -> Bool {
        guard let bytes = read(file, into: &accumulator) else { return false }
        accumulator.sourceFiles += 1
        accumulator.bytesScanned += Int64(bytes.count)
        let start = DispatchTime.now().uptimeNanoseconds
        bytes.withUnsafeBytes { ModelIndex.read(path: file.relativePath, bytes: $0, into: &part) }
        if ModelIndex.isStructureFile(file.relativePath) {
            let (tables, problems) = SchemaDump.read(
                sql: String(decoding: bytes, as: UTF8.self), path: file.relativePath, kind: .schemaDump)
            part.tables += tables
            for problem in problems {
                accumulator.errors.append(
                    ReadError(
                        path: file.path, offset: Int64(problem.offset), kind: .corrupt,
                        message: "line \(problem.line): a table definition does not parse (\(problem.message))"))
            }
        }
        accumulator.indexNanoseconds += DispatchTime.now().uptimeNanoseconds - start
        return scanner.mightReference(bytes: bytes, scratch: scratch)
    }

    /// Whether a file that was not a candidate names a target after all (the index found attribute names of
    /// the columns that the first pass could not know).
    func names(_ file: InputFile) -> Bool {
        guard let bytes = try? Self.readAll(file.path), !bytes.prefix(8192).contains(0) else { return false }
        return scanner.mightReference(bytes: bytes, scratch: scratch)
    }

    /// The second pass over a candidate: its findings (the file was counted by the first pass).
    func scan(_ file: InputFile, into accumulator: inout ScanAccumulator) {
        let bytes: [UInt8]
        do {
            bytes = try Self.readAll(file.path)
        } catch {
            accumulator.errors.append(error)
            return
        }
        let result = scanner.scan(relativePath: file.relativePath, bytes: bytes, scratch: scratch)
        if result.isEmpty { return }
        for index in result.findings.indices {
            accumulator.findings[index] += result.findings[index]
            accumulator.declarations[index] += result.declarations[index]
            accumulator.deprecations[index] += result.deprecations[index]
        }
    }

    private func read(_ file: InputFile, into accumulator: inout ScanAccumulator) -> [UInt8]? {
        let bytes: [UInt8]
        do {
            bytes = try Self.readAll(file.path)
        } catch {
            accumulator.errors.append(error)
            return nil
        }
        accumulator.bytesRead += Int64(bytes.count)
        if bytes.prefix(8192).contains(0) {
            accumulator.skipped.append(
                SkippedFile(path: file.path, reason: "binary file (NUL byte in the first 8 KiB)"))
            return nil
        }
        return bytes
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
