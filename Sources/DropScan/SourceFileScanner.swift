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
/// index, and kept as a candidate only if it names a target; the second scores only the candidates with the
/// scanner built on the index (ecosystem rules, classification, scoping), from the bytes the first pass kept
/// (`KeptSources`) or, past their budget, read again.
struct SourceFileScanner {
    let scanner: CodeScanner
    let scratch: MatchScratch
    /// The trees' definitions of the targets' names, on the second scan of the files with findings.
    var definitions: DefinedNames? = nil
    /// Each source root's path in its git work tree (`services/api/`), for findings' `repositoryPath`.
    var repositoryPrefixes: [String: String] = [:]

    /// The first pass over one file: counts it, indexes it, and returns its bytes and whether it names a target
    /// (`nil` for a file that could not be read or is binary; those are recorded).
    func index(_ file: InputFile, into accumulator: inout ScanAccumulator, part: inout IndexPart) -> (
        bytes: [UInt8], namesTarget: Bool
    )? {
        guard let bytes = read(file, into: &accumulator) else { return nil }
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
        return (bytes, scanner.mightReference(bytes: bytes, scratch: scratch))
    }

    /// Whether a file that was not a candidate names a target after all (the index found attribute names of
    /// the columns that the first pass could not know). `bytes` are the first pass's (decoded text), if kept.
    func names(_ file: InputFile, bytes kept: [UInt8]?) -> Bool {
        if let kept { return scanner.mightReference(bytes: kept, scratch: scratch) }
        guard let loaded = try? Self.load(file.path), case .text(let bytes) = loaded.source else { return false }
        return scanner.mightReference(bytes: bytes, scratch: scratch)
    }

    /// The second pass over a candidate: its findings (the file was counted by the first pass). `bytes` are the
    /// first pass's, if kept; else the file is read again.
    func scan(_ file: InputFile, bytes kept: [UInt8]?, into accumulator: inout ScanAccumulator) {
        let bytes: [UInt8]
        if let kept {
            bytes = kept
        } else {
            do {
                // A file binary at the first pass was not a candidate: only text comes here.
                guard case .text(let text) = try Self.load(file.path).source else { return }
                bytes = text
            } catch {
                accumulator.errors.append(error)
                return
            }
        }
        let result = scanner.scan(
            relativePath: file.relativePath, bytes: bytes, scratch: scratch, definitions: definitions)
        accumulator.definitions.merge(result.definitions)
        if result.isEmpty { return }
        for hit in result.limitHits { accumulator.errors.append(Self.limitError(hit, file: file, scanner: scanner)) }
        if result.findings.contains(where: { !$0.isEmpty }) { accumulator.sourceFilesWithFindings.append(file) }
        if !result.rescorable.isEmpty { accumulator.rescorable[file.path, default: []] += result.rescorable }
        let prefix = file.root.flatMap { repositoryPrefixes[$0] } ?? ""
        func placed(_ findings: [CodeFinding]) -> [CodeFinding] {
            guard !prefix.isEmpty else { return findings }
            return findings.map { finding in
                var finding = finding
                finding.repositoryPath = prefix + finding.path
                return finding
            }
        }
        for index in result.findings.indices {
            accumulator.findings[index] += placed(result.findings[index])
            accumulator.declarations[index] += placed(result.declarations[index])
            accumulator.deprecations[index] += placed(result.deprecations[index])
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
        let loaded: (source: LoadedSource, fileBytes: Int)
        do {
            loaded = try Self.load(file.path)
        } catch {
            accumulator.errors.append(error)
            return nil
        }
        accumulator.bytesRead += Int64(loaded.fileBytes)
        switch loaded.source {
        case .text(let text):
            return text
        case .binary(let bytes):
            accumulator.skipped.append(binary(file, bytes))
            return nil
        }
    }

    /// The skipped entry of a binary file: one that reads as text apart from its NUL bytes and names a target
    /// may hold a use (the verdict cannot be a pass); any other is listed only.
    private func binary(_ file: InputFile, _ bytes: [UInt8]) -> SkippedFile {
        var skipped = SkippedFile(path: file.path, reason: "binary file (NUL byte in the first 8 KiB)", kind: .binary)
        guard BinaryText.looksLikeText(bytes, limit: 8192),
            let reference = scanner.firstReference(in: bytes, scratch: scratch)
        else { return skipped }
        let line = bytes[..<reference.position].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        skipped.mayHoldUse = true
        skipped.line = line
        skipped.offset = Int64(reference.position)
        skipped.reason =
            "binary file (NUL byte in the first 8 KiB) that reads as text and names \(scanner.targets[reference.target].normalized) on line \(line): remove its NUL bytes to scan it"
        return skipped
    }

    /// A source file as the scanners see it: UTF-8 text (decoded from UTF-16 or UTF-32 when the file is saved
    /// so), or binary bytes.
    enum LoadedSource {
        case text([UInt8])
        case binary([UInt8])
    }

    /// Reads a whole source file (at most `--max-filesize`) and decides whether it is text: a byte order mark
    /// or the NUL pattern of UTF-16 or UTF-32 text is decoded; another NUL byte in the first 8 KiB is binary.
    /// Returns the file's size in bytes too.
    static func load(_ path: String) throws(ReadError) -> (source: LoadedSource, fileBytes: Int) {
        let bytes = try readAll(path)
        let head = bytes.prefix(8192)
        if let unicode = head.withUnsafeBytes({ TextEncoding.detect($0) }) {
            return (.text(unicode.encoding.decode(bytes, skipping: unicode.bomLength)), bytes.count)
        }
        return (head.contains(0) ? .binary(bytes) : .text(bytes), bytes.count)
    }

    /// Scores the findings of the files with findings again with the trees' definitions (a name defined as a
    /// method, property, field or SQL alias somewhere changes how its reads are scored), from what the scan
    /// recorded of them (`ScanAccumulator.rescorable`): the same findings as scanning those files again.
    static func rescoreWithDefinitions(
        _ result: inout ScanAccumulator, scanner: CodeScanner, cancellation: Cancellation? = nil
    ) {
        // Needed only here: freed before the report is built.
        defer { result.rescorable = [:] }
        guard !result.definitions.isEmpty, !result.sourceFilesWithFindings.isEmpty else { return }
        // Only findings of rules whose scorer is scoped by definitions (the generic code and template rules), for a
        // target whose name the trees define, can change.
        var affected: Set<String> = []
        for index in result.findings.indices where !result.definitions[target: index].isEmpty {
            for finding in result.findings[index]
            where scanner.definitionsCanRescore(rule: finding.rule) {
                affected.insert(finding.path)
            }
        }
        let files = result.sourceFilesWithFindings.filter { affected.contains($0.relativePath) }
        guard !files.isEmpty, cancellation?.isCancelled != true else { return }
        var sites: [RescoreKey: RescorableFinding] = [:]
        for file in files {
            for site in result.rescorable[file.path] ?? [] {
                let key = RescoreKey(
                    path: file.relativePath, cell: site.cell, line: site.line, target: site.targetIndex, rule: site.rule
                )
                sites[key] = site
            }
        }
        guard !sites.isEmpty else { return }
        let definitions = RescoreDefinitions(result.definitions)
        for index in result.findings.indices {
            var moved: [(FindingPlacement, CodeFinding)] = []
            func rescore(_ list: inout [CodeFinding], _ placement: FindingPlacement) {
                list.removeAll { finding in
                    let key = RescoreKey(
                        path: finding.path, cell: finding.cell, line: finding.line, target: index, rule: finding.rule)
                    guard let site = sites[key] else { return false }
                    let (evidence, place) = scanner.rescored(site, definitions: definitions)
                    var changed = finding
                    changed.evidence = evidence
                    moved.append((place, changed))
                    return true
                }
            }
            rescore(&result.findings[index], .findings)
            rescore(&result.declarations[index], .declarations)
            rescore(&result.deprecations[index], .deprecations)
            for (place, finding) in moved {
                switch place {
                case .findings: result.findings[index].append(finding)
                case .declarations: result.declarations[index].append(finding)
                case .deprecations: result.deprecations[index].append(finding)
                }
            }
        }
    }

    /// A finding's place: its file (relative to its root), notebook cell, line, target and rule.
    private struct RescoreKey: Hashable {
        var path: String
        var cell: Int?
        var line: Int
        var target: Int
        var rule: String
    }

    /// Reads a whole file, straight into a buffer that doubles as it fills (no zeroed chunk per file: most
    /// source files are a few KiB).
    static func readAll(_ path: String) throws(ReadError) -> [UInt8] {
        let source = try PlainFileSource(path: path)
        var capacity = 64 * 1024
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            if filled == capacity {
                let larger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                larger.copyMemory(from: buffer, byteCount: filled)
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
            let free = UnsafeMutableRawBufferPointer(start: buffer + filled, count: min(capacity - filled, 256 * 1024))
            let count = try source.read(into: free)
            if count == 0 { return Array(UnsafeRawBufferPointer(start: buffer, count: filled)) }
            filled += count
        }
    }
}

/// Where a source root lies in the git work tree that holds it: found by walking up to the nearest `.git`
/// (a directory, or the file a worktree or submodule has), once per root, without running git.
enum RepositoryPrefix {
    /// Each root's path below its work tree's top, with a trailing `/`; `""` at the top or outside git.
    static func prefixes(roots: Set<String>) -> [String: String] {
        var result: [String: String] = [:]
        for root in roots { result[root] = prefix(of: root) }
        return result
    }

    static func prefix(of root: String) -> String {
        let start = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
        var components = start.split(separator: "/").map(String.init)
        var below: [String] = []
        while true {
            let directory = "/" + components.joined(separator: "/")
            if FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(".git")) {
                return below.isEmpty ? "" : below.reversed().joined(separator: "/") + "/"
            }
            guard let last = components.popLast() else { return "" }
            below.append(last)
        }
    }
}

/// The bytes of source files the first pass read, kept for the second pass and the rescoring so that a file is
/// read from disk once. Bounded: past `budget` bytes a file is not kept and is read again when it is scanned;
/// files that name no target are kept only within half the budget (they are scanned again only when the
/// index maps a column to an attribute of another name).
struct KeptSources: Sendable {
    private(set) var byPath: [String: [UInt8]] = [:]

    subscript(file: InputFile) -> [UInt8]? { byPath[file.path] }

    mutating func keep(_ bytes: [UInt8], of file: InputFile) { byPath[file.path] = bytes }

    mutating func merge(_ other: KeptSources) { byPath.merge(other.byPath) { first, _ in first } }

    /// Keeps only the files `keep` accepts.
    mutating func retain(_ keep: Set<String>) { byPath = byPath.filter { keep.contains($0.key) } }

    /// Whether a file of `count` bytes fits (and then reserves it): `used` is shared by the threads.
    static func reserve(_ count: Int, namesTarget: Bool, budget: Int, used: borrowing Atomic<Int>) -> Bool {
        let limit = namesTarget ? budget : budget / 2
        let total = used.wrappingAdd(count, ordering: .relaxed).newValue
        if total <= limit { return true }
        used.wrappingSubtract(count, ordering: .relaxed)
        return false
    }
}

/// The kept bytes of the second pass's files, by their place in its work list: each is taken once, by the
/// worker that scans the file, so that the bytes are freed as the pass goes rather than at its end.
final class KeptSlots: Sendable {
    private let slots: Mutex<[[UInt8]?]>

    init(_ slots: [[UInt8]?]) { self.slots = Mutex(slots) }

    /// The bytes kept for work item `index` (`nil` when none were kept), handed over once.
    func take(_ index: Int) -> [UInt8]? {
        slots.withLock { slots in
            guard index < slots.count else { return nil }
            let bytes = slots[index]
            slots[index] = nil
            return bytes
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
