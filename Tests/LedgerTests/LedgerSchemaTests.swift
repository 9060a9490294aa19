import Foundation
import Testing

@testable import Ledger

@Suite struct LedgerSchemaTests {
    @Test func aNewLedgerIsCreatedAtTheCurrentVersion() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try Ledger(state: directory.appendingPathComponent("usage.sqlite").path)
        #expect(try ledger.schemaVersion() == 1)
    }
}
