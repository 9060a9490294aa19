import Foundation
import Matching
import Report

@testable import CodeUsage

/// The repository's `Patterns/` directory, found from this file.
let patternsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Patterns").path

/// The fixtures, found from this file (the copied bundle resources hold the same files).
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Fixtures")

func bundledLibrary() throws -> PatternLibrary {
    try PatternLibrary.load(directories: [patternsDirectory])
}

func makeScanner(_ targets: [String], resolver: (any EmbeddedSQLResolver)? = nil) throws -> CodeScanner {
    try CodeScanner(
        targets: targets.map { try Target(parsing: $0) }, library: try bundledLibrary(), sqlResolver: resolver)
}

func fixtureBytes(_ relativePath: String) throws -> [UInt8] {
    Array(try Data(contentsOf: fixturesDirectory.appendingPathComponent(relativePath)))
}

/// Scans a fixture (path relative to `Fixtures/<root>`), reporting the path relative to that root.
func scanFixture(_ scanner: CodeScanner, root: String, _ path: String) throws -> CodeScanResult {
    scanner.scan(relativePath: path, bytes: try fixtureBytes(root + "/" + path), scratch: MatchScratch())
}

/// Scans text given inline.
func scanText(_ scanner: CodeScanner, path: String, _ text: String) -> CodeScanResult {
    scanner.scan(relativePath: path, bytes: Array(text.utf8), scratch: MatchScratch())
}

/// A compact, comparable summary of a finding: `line:rule:evidence`.
func brief(_ findings: [CodeFinding]) -> [String] {
    findings.map { "\($0.line):\($0.rule):\($0.evidence.rawValue)" }.sorted()
}

/// `path:line:evidence` for a whole-app scan.
func located(_ findings: [CodeFinding]) -> [String] {
    findings.map { "\($0.path):\($0.line):\($0.evidence.rawValue)" }.sorted()
}
