import Catalog
import Matching
import Report

/// `--explain TARGET`: how a target resolved to models, schema facts, name rarity, files and rules.
enum Explanation {
    static func render(target: Target, report: UsageReport, catalog: Catalog) -> String {
        var lines = ["explain \(target.normalized):"]
        let table = target.table.name
        let models = catalog.models(ofTable: table)
        if models.isEmpty {
            lines.append("  table \(table): no model of the index maps to it")
        }
        for model in models {
            lines.append(
                "  model \(model.className) (\(model.ecosystem), \(model.file):\(model.line)) maps to \(table) by \(model.tableSource) naming"
            )
        }
        if let known = catalog.tables[table] {
            let places = known.provenance.filter { $0.kind != .model }.map {
                "\($0.kind.rawValue) \($0.path):\($0.line)"
            }
            if !places.isEmpty { lines.append("  table \(table) is declared in \(places.joined(separator: ", "))") }
        } else if !catalog.isEmpty {
            lines.append("  table \(table): no model, schema file or dump names it")
        }
        if let column = target.column?.name {
            let tables = catalog.tables(havingColumn: column).sorted()
            let rarity: String
            switch catalog.nameRarity(ofColumn: column, inTable: table) {
            case .unknown:
                rarity = "unknown (naming conventions decide)"
            case .rare:
                rarity = "rare: only \(table) has it, so any identifier use counts"
            case .common where tables.isEmpty || tables == [table]:
                rarity =
                    "common: \(table) is known without it, so a use needs scoping evidence"
            case .common:
                rarity =
                    "common: \(Set(tables + [table]).count) tables have it (\(tables.joined(separator: ", "))), so a use needs scoping evidence"
            }
            lines.append("  column \(column): \(rarity)")
            let aliases = catalog.attributes(ofColumn: column, inTable: table).sorted()
            if !aliases.isEmpty { lines.append("  attributes mapped to it: \(aliases.joined(separator: ", "))") }
        }
        if let usage = report.targets.first(where: { $0.target == target.normalized }) {
            lines.append("  verdict: \(usage.verdict.rawValue)")
            var byRule: [String: [String: Int]] = [:]
            for finding in usage.code.findings {
                byRule[finding.rule, default: [:]][finding.evidence.rawValue, default: 0] += 1
            }
            for (rule, tiers) in byRule.sorted(by: { $0.key < $1.key }) {
                let counts = tiers.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                lines.append("  rule \(rule): \(counts)")
            }
            for finding in usage.code.findings.prefix(40) {
                lines.append("    \(finding.evidence.rawValue) \(finding.path):\(finding.line) \(finding.rule)")
            }
            if usage.code.findings.count > 40 { lines.append("    … \(usage.code.findings.count - 40) more") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
