import Synchronization

/// The rules of each target, compiled on first use and kept.
///
/// Compiling every rule for every target up front costs about 0.1 ms and a few KiB per pair: with 10,000
/// targets that was minutes and gigabytes before the first byte was read, while a scan runs the rules of the
/// few targets its input names. Shared by every worker thread; the first thread to ask compiles (two threads
/// asking at once may both compile; one result is kept).
public final class TargetRules: Sendable {
    /// Compiles the rules of one target, strongest first.
    public typealias Compile = @Sendable (Int) throws(RuleCompileError) -> [CompiledRule]

    private let compile: Compile
    private let slots: Mutex<[[CompiledRule]?]>
    private let failures: Mutex<[RuleCompileError]>

    /// `count` targets whose rules `compile` builds.
    public init(count: Int, compile: @escaping Compile) {
        self.compile = compile
        slots = Mutex(Array(repeating: nil, count: count))
        failures = Mutex([])
    }

    /// The rules of target `index`. A rule that does not compile for this target is left out and recorded in
    /// `problems` (validation before the scan makes that rare: see `PatternLibrary.validate`).
    public subscript(index: Int) -> [CompiledRule] {
        if let known = slots.withLock({ $0[index] }) { return known }
        let rules: [CompiledRule]
        do {
            rules = try compile(index)
        } catch {
            failures.withLock { $0.append(error) }
            rules = []
        }
        slots.withLock { $0[index] = $0[index] ?? rules }
        return rules
    }

    /// The targets whose rules did not compile, each with the rule and PCRE2's message.
    public var problems: [RuleCompileError] { failures.withLock { $0 } }
}

extension PatternLibrary {
    /// Compiles every rule accepted by `include` for one target of each kind among `targets` (with and without
    /// a column, a schema, quoting, an `_` in the table name: what placeholders expand differently), so that a
    /// rule that cannot compile is reported before the scan, as when every rule was compiled for every target.
    public func validate(
        for targets: [Target], where include: (PatternRule) -> Bool
    ) throws(RuleCompileError) {
        var seen: Set<[Bool]> = []
        for (index, target) in targets.enumerated() {
            let kind = [
                target.column == nil, target.schema == nil, target.column?.isFoldable ?? false,
                target.table.isFoldable, target.schema?.isFoldable ?? false, target.table.name.contains("_"),
            ]
            guard seen.insert(kind).inserted else { continue }
            for rule in rules where include(rule) { _ = try rule.compile(for: target, targetIndex: index) }
        }
    }
}
