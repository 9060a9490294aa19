import Foundation

/// The `.gitignore` and `.ignore` rules in force in one directory: its own and its parents'.
struct IgnoreStack {
    struct Rule {
        let pattern: String
        let negated: Bool
        let directoryOnly: Bool
        let anchored: Bool
        /// The directory (relative to the root) that holds the ignore file.
        let base: String
    }
    private(set) var rules: [Rule] = []

    mutating func push(directory: String, relative: String) {
        for file in [".gitignore", ".ignore"] {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
            rules += Self.parse(String(decoding: data, as: UTF8.self), base: relative)
        }
    }

    static func parse(_ text: String, base: String) -> [Rule] {
        var rules: [Rule] = []
        for rawLine in text.split(separator: "\n") {
            var line = String(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            while line.hasSuffix(" ") && !line.hasSuffix("\\ ") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            var negated = false
            if line.hasPrefix("!") {
                negated = true
                line.removeFirst()
            } else if line.hasPrefix("\\") {
                line.removeFirst()
            }
            var directoryOnly = false
            if line.hasSuffix("/") {
                directoryOnly = true
                line.removeLast()
            }
            var anchored = line.dropLast().contains("/")
            if line.hasPrefix("/") {
                anchored = true
                line.removeFirst()
            }
            if line.isEmpty { continue }
            rules.append(
                Rule(pattern: line, negated: negated, directoryOnly: directoryOnly, anchored: anchored, base: base))
        }
        return rules
    }

    /// The last rule that matches decides, as in git.
    func isIgnored(relativePath: String, isDirectory: Bool) -> Bool {
        var ignored = false
        let name = relativePath.split(separator: "/").last.map(String.init) ?? relativePath
        for rule in rules {
            if rule.directoryOnly && !isDirectory { continue }
            let local: String
            if rule.base.isEmpty {
                local = relativePath
            } else if relativePath.hasPrefix(rule.base + "/") {
                local = String(relativePath.dropFirst(rule.base.count + 1))
            } else {
                continue
            }
            let matched =
                rule.anchored ? GlobMatcher.matches(rule.pattern, local) : GlobMatcher.matches(rule.pattern, name)
            if matched { ignored = !rule.negated }
        }
        return ignored
    }
}
