import Matching

/// The compiled form of "targets × rules": a word prefilter per input kind and, per target, its rules
/// strongest first. Built once, shared read-only by every worker.
struct TargetMatchers: Sendable {
    let targets: [Target]
    /// Log prefilter: the names as SQL spells them; each name maps to the targets it may stand for.
    let logPrefilter: NamePrefilter
    let logNameTargets: [[Int]]
    /// For each log prefilter name, the column targets whose table it names (for implicit uses).
    let logTableNameTargets: [[Int]]
    /// Source prefilter: every spelling code uses (camelCase, PascalCase, UPPER, model names).
    let sourcePrefilter: NamePrefilter
    let sourceNameTargets: [[Int]]
    /// Per target, rules that apply to logs / to sources, strongest evidence first.
    let logRules: [[CompiledRule]]
    let sourceRules: [[CompiledRule]]

    init(targets: [Target], library: PatternLibrary) throws(ConfigurationError) {
        self.targets = targets
        var logNames = NameTable()
        var sourceNames = NameTable()
        var logRules: [[CompiledRule]] = []
        var sourceRules: [[CompiledRule]] = []
        for (index, target) in targets.enumerated() {
            let primary = target.column ?? target.table
            logNames.add(primary.name, caseSensitive: !primary.isFoldable, target: index)
            if !target.isWholeTable {
                logNames.add(target.table.name, caseSensitive: !target.table.isFoldable, target: index, implicit: true)
            }
            sourceNames.add(primary.name, caseSensitive: !primary.isFoldable, target: index)
            if primary.isFoldable {
                for form in NameSpellings(primary.name).foldedForms {
                    sourceNames.add(form, caseSensitive: false, target: index)
                }
            }
            if target.isWholeTable && target.table.isFoldable {
                let model = NameSpellings.modelNames(forTable: target.table.name)
                sourceNames.add(model.snakeSingular, caseSensitive: false, target: index)
                sourceNames.add(model.className.lowercased(), caseSensitive: false, target: index)
            }
            var forLogs: [CompiledRule] = []
            var forSources: [CompiledRule] = []
            for rule in library.rules {
                let compiled: CompiledRule?
                do {
                    compiled = try rule.compile(for: target, targetIndex: index)
                } catch {
                    throw .patterns(error.description)
                }
                guard let compiled else { continue }
                if rule.inputs.contains(.logs) { forLogs.append(compiled) }
                if rule.inputs.contains(.source) { forSources.append(compiled) }
            }
            logRules.append(forLogs.sorted { $0.rule.evidence < $1.rule.evidence })
            sourceRules.append(forSources.sorted { $0.rule.evidence < $1.rule.evidence })
        }
        logPrefilter = NamePrefilter(names: logNames.names, caseSensitive: logNames.caseSensitive)
        logNameTargets = logNames.targets
        logTableNameTargets = logNames.implicitTargets
        sourcePrefilter = NamePrefilter(names: sourceNames.names, caseSensitive: sourceNames.caseSensitive)
        sourceNameTargets = sourceNames.targets
        self.logRules = logRules
        self.sourceRules = sourceRules
    }
}

/// Distinct prefilter names and the targets each stands for.
private struct NameTable {
    var names: [String] = []
    var caseSensitive: [Bool] = []
    var targets: [[Int]] = []
    var implicitTargets: [[Int]] = []

    /// Adds `name` for `target`: as a name of the target itself, or (`implicit`) of its table only.
    mutating func add(_ name: String, caseSensitive sensitive: Bool, target: Int, implicit: Bool = false) {
        let key = sensitive ? name : name.lowercased()
        let index: Int
        if let existing = names.indices.first(where: { names[$0] == key && caseSensitive[$0] == sensitive }) {
            index = existing
        } else {
            names.append(key)
            caseSensitive.append(sensitive)
            targets.append([])
            implicitTargets.append([])
            index = names.count - 1
        }
        if implicit {
            if !implicitTargets[index].contains(target) { implicitTargets[index].append(target) }
        } else if !targets[index].contains(target) {
            targets[index].append(target)
        }
    }
}
