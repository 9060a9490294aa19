import Matching

/// Runs the rules' examples through the whole scanner (every rule of the library, scoping included) and
/// reports each one whose marked line does not get the finding it states.
public enum RuleExamples {
    /// What `check` found.
    public struct Result: Sendable {
        public var examplesChecked = 0
        /// Each problem with the rules file, the example's line and what the scanner made instead.
        public var problems: [String] = []

        public init() {}
    }

    /// Checks every example of `library`'s rules, each scanned as its `in PATH` (or a name made from the rule's
    /// first `files:` glob) for the rule's sample target, with `library` as the scanner's rules.
    public static func check(_ library: PatternLibrary) -> Result {
        var result = Result()
        var scanners: [String: CodeScanner] = [:]
        let scratch = MatchScratch()
        for rule in library.rules where !rule.examples.isEmpty {
            let place = "\(rule.file):\(rule.line): rule \(rule.id)"
            let scanner: CodeScanner
            do {
                let target = try rule.resolvedSampleTarget()
                if let known = scanners[target.normalized] {
                    scanner = known
                } else {
                    scanner = try CodeScanner(targets: [target], library: library)
                    scanners[target.normalized] = scanner
                }
            } catch {
                result.problems.append("\(place): examples cannot run: \(error)")
                continue
            }
            for example in rule.examples {
                result.examplesChecked += 1
                let at = "\(rule.file):\(example.fileLine): rule \(rule.id)"
                guard let path = example.path ?? defaultPath(for: rule) else {
                    result.problems.append("\(at): example needs 'in PATH' (the rule has no files: glob to name it)")
                    continue
                }
                let scanned = scanner.scan(relativePath: path, bytes: Array(example.text.utf8), scratch: scratch)
                let onLine = (scanned.findings[0] + scanned.declarations[0] + scanned.deprecations[0]).filter {
                    $0.line == example.line
                }
                let own = onLine.first { $0.rule == rule.id }
                if own?.evidence == example.tier { continue }
                let expected = example.tier.map { "\($0.rawValue) from this rule" } ?? "no finding from this rule"
                let got =
                    onLine.isEmpty
                    ? "nothing" : onLine.map { "\($0.rule) \($0.evidence.rawValue)" }.joined(separator: ", ")
                result.problems.append(
                    "\(at): example line \(example.line) in \(path): expected \(expected), got \(got)")
            }
        }
        return result
    }

    /// A file name from the rule's first `files:` glob (`*.py` → `example.py`, `db/migrate/*.rb` →
    /// `db/migrate/example.rb`); `nil` when the rule has none.
    static func defaultPath(for rule: PatternRule) -> String? {
        guard let glob = rule.files.first else { return nil }
        return glob.replacingOccurrences(of: "**/", with: "").replacingOccurrences(of: "*", with: "example")
    }
}
