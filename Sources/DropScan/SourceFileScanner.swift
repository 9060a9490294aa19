import Catalog
import CodeUsage
import Dispatch
import Foundation
import Matching
import ModelIndex
import Report
import SQLResolution
import ScanIO
import Synchronization

/// Scans source files in two passes. The first reads every file once: it is counted, handed to the model
/// index, and kept as a candidate only if it names a target; the second re-reads only the candidates and
/// scores them with the scanner built on the index (ecosystem rules, classification, scoping).
struct SourceFileScanner {
    let scanner: CodeScanner
    let scratch: MatchScratch
    /// The trees' definitions of the targets' names, on the second scan of the files with findings.
    var definitions: DefinedNames? = nil

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
        let result = scanner.scan(
            relativePath: file.relativePath, bytes: bytes, scratch: scratch, definitions: definitions)
        accumulator.definitions.merge(result.definitions)
        if result.isEmpty { return }
        for hit in result.limitHits { accumulator.errors.append(Self.limitError(hit, file: file, scanner: scanner)) }
        if result.findings.contains(where: { !$0.isEmpty }) { accumulator.sourceFilesWithFindings.append(file) }
        for index in result.findings.indices {
            accumulator.findings[index] += result.findings[index]
            accumulator.declarations[index] += result.declarations[index]
            accumulator.deprecations[index] += result.deprecations[index]
        }
    }

    /// A line no rule could finish matching: named with its place, so that the result cannot pass on it.
    static func limitError(_ hit: RuleLimitHit, file: InputFile, scanner: CodeScanner) -> ReadError {
        let place = hit.cell.map { "cell \($0), line \(hit.line)" } ?? "line \(hit.line)"
        return ReadError(
            path: file.path, offset: Int64(hit.offset), kind: .unsupported,
            message:
                "\(place) names \(scanner.targets[hit.targetIndex]), but rule \(hit.rule) reached PCRE2's match limit "
                + "on it (the line is too long or too repetitive for the pattern), so whether it uses the target is "
                + "not known: review the line, or simplify the rule if it is yours")
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
        // The files scanned again report their limit hits again.
        let rescanned = Set(files.map(\.path))
        result.errors.removeAll { $0.kind == .unsupported && rescanned.contains($0.path) }
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
