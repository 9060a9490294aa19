import Matching

/// The compiled form of "targets × log rules": a word prefilter over log text and, per target, its log
/// rules strongest first (source files have their own in `CodeScanner`). Built once, shared read-only.
struct TargetMatchers: Sendable {
    let targets: [Target]
    /// Log prefilter: the names as SQL spells them; each name maps to the targets it may stand for.
    let logPrefilter: NamePrefilter
    let logNameTargets: [[Int]]
    /// For each log prefilter name, the column targets whose table it names (for implicit uses).
    let logTableNameTargets: [[Int]]
    /// Per target, the rules that apply to logs, strongest evidence first (compiled when first needed).
    let logRules: TargetRules

    init(targets: [Target], library: PatternLibrary) throws(ConfigurationError) {
        self.targets = targets
        var logNames = NameTable()
        for (index, target) in targets.enumerated() {
            let primary = target.column ?? target.table
            logNames.add(primary.name, caseSensitive: !primary.isFoldable, target: index)
            if !target.isWholeTable {
                logNames.add(target.table.name, caseSensitive: !target.table.isFoldable, target: index, implicit: true)
            }
        }
        do {
            try library.validate(for: targets) { $0.inputs.contains(.logs) }
        } catch {
            throw .patterns(error.description)
        }
        logRules = TargetRules(count: targets.count) { (index) throws(RuleCompileError) in
            var forLogs: [CompiledRule] = []
            for rule in library.rules where rule.inputs.contains(.logs) {
                if let compiled = try rule.compile(for: targets[index], targetIndex: index) { forLogs.append(compiled) }
            }
            return forLogs.sorted { $0.rule.evidence < $1.rule.evidence }
        }
        logPrefilter = NamePrefilter(names: logNames.names, caseSensitive: logNames.caseSensitive)
        logNameTargets = logNames.targets
        logTableNameTargets = logNames.implicitTargets
    }
}

extension TargetMatchers {
    /// Records what a log prefilter hit names: a target itself, or only a column target's table.
    func note(name: Int, in result: inout (target: Bool, table: Bool)) {
        if logNameTargets[name].isEmpty { result.table = true } else { result.target = true }
    }
}

/// Distinct prefilter names and the targets each stands for.
private struct NameTable {
    var names: [String] = []
    var caseSensitive: [Bool] = []
    var targets: [[Int]] = []
    var implicitTargets: [[Int]] = []
    private var indexByName: [NameKey: Int] = [:]

    private struct NameKey: Hashable {
        let name: String
        let caseSensitive: Bool
    }

    /// Adds `name` for `target`: as a name of the target itself, or (`implicit`) of its table only.
    mutating func add(_ name: String, caseSensitive sensitive: Bool, target: Int, implicit: Bool = false) {
        let key = NameKey(name: sensitive ? name : name.lowercased(), caseSensitive: sensitive)
        let index: Int
        if let existing = indexByName[key] {
            index = existing
        } else {
            names.append(key.name)
            caseSensitive.append(sensitive)
            targets.append([])
            implicitTargets.append([])
            index = names.count - 1
            indexByName[key] = index
        }
        // Targets are added in increasing order: only the last one can be a repeat.
        if implicit {
            if implicitTargets[index].last != target { implicitTargets[index].append(target) }
        } else if targets[index].last != target {
            targets[index].append(target)
        }
    }
}
