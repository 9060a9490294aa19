import Matching
import ScanIO

/// The `files:` globs of a library's rules, each distinct glob once: a file is matched against each glob at
/// most once, however many rules (and targets' copies of them) list it.
struct RuleGlobs: Sendable {
    /// The distinct globs.
    let globs: [String]
    /// By rule id: the rule's globs as indexes into `globs`, in its order, and the globs themselves.
    let byRule: [String: (indexes: [Int], files: [String])]
    /// Whether each glob names folders (it is matched against the whole relative path, else the file name).
    let hasSlash: [Bool]

    init(_ rules: [PatternRule]) {
        var globs: [String] = []
        var indexes: [String: Int] = [:]
        var byRule: [String: (indexes: [Int], files: [String])] = [:]
        for rule in rules where byRule[rule.id] == nil {
            let ruleIndexes = rule.files.map { glob in
                if let known = indexes[glob] { return known }
                globs.append(glob)
                indexes[glob] = globs.count - 1
                return globs.count - 1
            }
            byRule[rule.id] = (ruleIndexes, rule.files)
        }
        self.globs = globs
        self.byRule = byRule
        hasSlash = globs.map(PatternRule.namesFolders)
    }
}

/// One file's matches against `RuleGlobs`, computed as rules ask for them.
struct GlobResults {
    private let globs: RuleGlobs
    private let path: String
    private let name: String
    private var matched: [Int8]

    init(globs: RuleGlobs, path: String) {
        self.globs = globs
        self.path = path
        name = path.split(separator: "/").last.map(String.init) ?? path
        matched = Array(repeating: -1, count: globs.globs.count)
    }

    /// `rule.applies(toSourcePath: path)`.
    mutating func applies(_ rule: PatternRule) -> Bool {
        // A rule the library did not list (an index alias rule), or another rule of that id: matched itself.
        guard let known = globs.byRule[rule.id], known.files == rule.files else {
            return rule.applies(toSourcePath: path)
        }
        let indexes = known.indexes
        guard rule.inputs.contains(.source) else { return false }
        if indexes.isEmpty { return true }
        for index in indexes {
            if matched[index] < 0 {
                let glob = globs.globs[index]
                let value = globs.hasSlash[index] ? GlobMatcher.matches(glob, path) : GlobMatcher.matches(glob, name)
                matched[index] = value ? 1 : 0
            }
            if matched[index] == 1 { return true }
        }
        return false
    }
}
