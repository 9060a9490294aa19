import Foundation
import Matching
import SQLResolution
import Testing

@testable import CodeUsage

/// PostgreSQL's parser (libpg_query) as the scanner's embedded-SQL resolver, as the pipeline wires it.
private struct ParserResolver: EmbeddedSQLResolver {
    let resolver: SQLResolver

    func evidence(forSQL sql: String, targetIndex: Int) -> Evidence? {
        let resolution = resolver.resolve(sql)
        guard resolution.parsed else { return nil }
        return resolution.outcome(forTarget: targetIndex)?.evidence
    }
}

/// A rule is scored by the family its `ecosystem:` declares, whatever its id: a user's `acme.*` rule of a
/// family gets what a bundled rule of that family gets.
@Suite struct RuleFamilyTests {
    static func scanner(_ rules: String, file: String = "acme.rules", resolve: Bool = false) throws -> CodeScanner {
        let targets = [try Target(parsing: "orders.legacy_status")]
        return try CodeScanner(
            targets: targets, library: PatternLibrary(rules: try PatternLibrary.parse(rules, file: file)),
            sqlResolver: resolve ? ParserResolver(resolver: SQLResolver(targets: targets)) : nil)
    }

    static func statusWordRule(ecosystem: String?) -> String {
        """
        rule: acme.status-word
        description: the column's name in a report query
        \(ecosystem.map { "ecosystem: \($0)" } ?? "")
        inputs: source
        files: *.py
        evidence: possible
        pattern: {column}
        positive: legacy_status
        """
    }

    @Test func aUserRuleOfTheSQLFamilyHasItsUsesResolvedAsSQL() throws {
        let line = "rows = db.execute(\"SELECT legacy_status FROM orders\")\n"
        let sql = try Self.scanner(Self.statusWordRule(ecosystem: "sql"), resolve: true)
        #expect(brief(scanText(sql, path: "app/report.py", line).findings[0]) == ["1:acme.status-word:confirmed"])
        // The same rule of no declared ecosystem (`other`, a framework's) keeps the pattern's evidence.
        let other = try Self.scanner(Self.statusWordRule(ecosystem: nil), resolve: true)
        #expect(brief(scanText(other, path: "app/report.py", line).findings[0]) == ["1:acme.status-word:possible"])
    }

    @Test func aFileLevelEcosystemGivesItsRulesTheFamily() throws {
        let rules = "ecosystem: sql\n\n" + Self.statusWordRule(ecosystem: nil)
        let scanner = try Self.scanner(rules, resolve: true)
        let line = "rows = db.execute(\"SELECT legacy_status FROM orders\")\n"
        #expect(brief(scanText(scanner, path: "app/report.py", line).findings[0]) == ["1:acme.status-word:confirmed"])
    }

    static func memberRule(ecosystem: String) -> String {
        """
        rule: acme.member-status
        description: the column as a member in markup
        ecosystem: \(ecosystem)
        inputs: source
        files: *.html
        evidence: probable
        scope: template-variable
        pattern: \\.{column}\\b
        positive: {{ order.legacy_status }}
        """
    }

    @Test func aUserRuleOfTheTemplateFamilyRunsInTemplatesScopedByTheVariable() throws {
        let scanner = try Self.scanner(Self.memberRule(ecosystem: "template"))
        let template = "<td>{{ order.legacy_status }}</td>\n<td>{{ row.legacy_status }}</td>\n"
        #expect(
            brief(scanText(scanner, path: "templates/report.html", template).findings[0]) == [
                "1:acme.member-status:probable", "2:acme.member-status:possible",
            ])
        // HTML without template tags is not a template: template rules do not run there.
        #expect(brief(scanText(scanner, path: "public/report.html", "<p>row.legacy_status</p>\n").findings[0]) == [])
    }

    @Test func aUserRuleOfTheGenericFamilyDoesNotReadTemplatesAsCode() throws {
        let scanner = try Self.scanner(Self.memberRule(ecosystem: "generic"))
        let template = "<td>{{ order.legacy_status }}</td>\n"
        #expect(brief(scanText(scanner, path: "templates/report.html", template).findings[0]) == [])
        #expect(
            brief(scanText(scanner, path: "public/report.html", "<p>row.legacy_status</p>\n").findings[0]) == [
                "1:acme.member-status:possible"
            ])
    }

    @Test func amongEqualEvidenceFrameworksComeBeforeSQLAndSQLBeforeGenericCode() throws {
        // Three rules that match the same place with the same evidence, loaded generic first: the finding is
        // the framework's, then (without it) the SQL rule's.
        func rule(_ id: String, _ ecosystem: String) -> String {
            "rule: \(id)\ndescription: d\necosystem: \(ecosystem)\ninputs: source\nevidence: probable\n"
                + "pattern: {column}\npositive: legacy_status\n\n"
        }
        let all = try Self.scanner(rule("acme.a", "generic") + rule("acme.b", "sql") + rule("acme.c", "django"))
        #expect(
            brief(scanText(all, path: "app/orders.py", "total = count(orders, legacy_status)\n").findings[0]) == [
                "1:acme.c:probable"
            ])
        let noFramework = try Self.scanner(rule("acme.a", "generic") + rule("acme.b", "sql"))
        #expect(
            brief(scanText(noFramework, path: "app/orders.py", "total = count(orders, legacy_status)\n").findings[0])
                == [
                    "1:acme.b:probable"
                ])
    }

    @Test func everyBundledFileDeclaresItsFamily() throws {
        var families: [String: Set<RuleFamily>] = [:]
        for rule in try bundledLibrary().rules {
            families[URL(fileURLWithPath: rule.file).lastPathComponent, default: []].insert(rule.ecosystem.family)
        }
        #expect(families["code.rules"] == [.generic])
        #expect(families["sql.rules"] == [.sql])
        #expect(families["templates.rules"] == [.template])
        for (file, declared) in families where !["code.rules", "sql.rules", "templates.rules"].contains(file) {
            #expect(declared == [.framework], "\(file)")
        }
        #expect(families.count == 15)
    }
}
