import Foundation
import Matching
import Testing

@testable import CodeUsage

@Test func dumpEverything() throws {
    let scanner = try makeScanner(["orders.legacy_status"])
    let root = fixturesDirectory.path
    let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }.sorted()
    for file in files where !file.hasPrefix("example-app") {
        var isDir: ObjCBool = false
        FileManager.default.fileExists(atPath: root + "/" + file, isDirectory: &isDir)
        if isDir.boolValue { continue }
        let parts = file.split(separator: "/", maxSplits: 1).map(String.init)
        let result = try scanFixture(scanner, root: parts[0], parts[1])
        for (kind, list) in [("F", result.findings[0]), ("D", result.declarations[0]), ("X", result.deprecations[0])] {
            for f in list {
                print("DUMP \(kind) \(parts[0])/\(f.path):\(f.cell.map { "c\($0):" } ?? "")\(f.line):\(f.column) \(f.rule) \(f.evidence.rawValue) [\(f.classification)] \(f.snippet)")
            }
        }
    }
}
