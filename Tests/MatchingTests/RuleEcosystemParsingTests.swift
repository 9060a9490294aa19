import Foundation
import Testing

@testable import Matching

@Suite struct RuleEcosystemParsingTests {
    static let rule = "rule: acme.x\ndescription: d\nevidence: possible\npattern: {column}\npositive: legacy_status\n"

    @Test func aRuleDeclaresItsEcosystemOrTakesItsFilesOrElseOther() throws {
        #expect(try PatternLibrary.parse(Self.rule, file: "acme.rules").map(\.ecosystem) == [.other])
        let own = try PatternLibrary.parse(Self.rule + "ecosystem: template\n", file: "acme.rules")
        #expect(own.map(\.ecosystem) == [.template])
        let filed = try PatternLibrary.parse(
            "# ours\necosystem: sql\n\n" + Self.rule + "\n"
                + Self.rule.replacingOccurrences(of: "acme.x", with: "acme.y")
                + "ecosystem: rails\n", file: "acme.rules")
        #expect(filed.map(\.ecosystem) == [.sql, .rails])
        #expect(RuleEcosystem.django.family == .framework && RuleEcosystem.generic.family == .generic)
    }

    @Test(arguments: [
        (
            "rule: a\ndescription: d\necosystem: laravel\n",
            "acme.rules:3: ecosystem must be one of generic, sql, template"
        ),
        ("ecosystem: Sql\nrule: a\n", "acme.rules:1: ecosystem must be one of"),
        ("ecosystem: sql\necosystem: rails\n", "acme.rules:2: the file's ecosystem is given twice"),
    ])
    func anUnknownEcosystemIsAnErrorNamingFileAndLine(text: String, expected: String) {
        #expect {
            _ = try PatternLibrary.parse(text, file: "acme.rules")
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }

    @Test func aUserRuleReplacingABundledOneKeepsItsEcosystemUnlessItDeclaresOne() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ecosystems-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for name in ["bundled", "user", "declared"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try ("ecosystem: sql\n" + Self.rule).write(
            to: root.appendingPathComponent("bundled/sql.rules"), atomically: true, encoding: .utf8)
        try Self.rule.write(to: root.appendingPathComponent("user/mine.rules"), atomically: true, encoding: .utf8)
        try (Self.rule + "ecosystem: generic\n").write(
            to: root.appendingPathComponent("declared/mine.rules"), atomically: true, encoding: .utf8)
        let tuned = try PatternLibrary.load(directories: [root.path + "/bundled", root.path + "/user"])
        #expect(tuned.rules.map(\.ecosystem) == [.sql])
        #expect(tuned.rules.first?.file.hasSuffix("user/mine.rules") == true)
        let declared = try PatternLibrary.load(directories: [root.path + "/bundled", root.path + "/declared"])
        #expect(declared.rules.map(\.ecosystem) == [.generic])
    }
}
