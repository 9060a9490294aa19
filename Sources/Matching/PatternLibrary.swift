import Foundation
import ScanIO

/// What a rule's matches refer to.
public enum RuleSubject: String, Sendable, Codable {
    case column, table
}

/// Where a rule applies: server logs, source files (filtered by `files` globs), or both.
public enum RuleInput: String, Sendable, Codable {
    case logs, source
}

/// One named PCRE2 rule from a `Patterns/*.rules` file.
public struct PatternRule: Sendable, Equatable {
    public var id: String
    public var description: String
    public var subject: RuleSubject
    public var inputs: Set<RuleInput>
    /// Globs on the file name (or on the relative path when the glob holds a `/`); empty means every file.
    public var files: [String]
    public var evidence: Evidence
    /// The pattern, with placeholders such as `{column}` (see `Patterns/README.md`).
    public var pattern: String
    /// A second pattern that must also match the same unit (for example the table's name).
    public var requires: String?
    /// Samples that must match, and must not match, for the sample target.
    public var positives: [String]
    public var negatives: [String]
    /// The target the samples are written for (default `orders.legacy_status`, or `orders.*` for table rules).
    public var sampleTarget: String?
    /// Where the rule is defined.
    public var file: String
    public var line: Int

    public init(
        id: String, description: String, subject: RuleSubject, inputs: Set<RuleInput>, files: [String],
        evidence: Evidence, pattern: String, requires: String?, positives: [String], negatives: [String],
        sampleTarget: String?, file: String, line: Int
    ) {
        self.id = id
        self.description = description
        self.subject = subject
        self.inputs = inputs
        self.files = files
        self.evidence = evidence
        self.pattern = pattern
        self.requires = requires
        self.positives = positives
        self.negatives = negatives
        self.sampleTarget = sampleTarget
        self.file = file
        self.line = line
    }

    /// The target samples are checked against.
    public func resolvedSampleTarget() throws(TargetError) -> Target {
        try Target(parsing: sampleTarget ?? (subject == .column ? "orders.legacy_status" : "orders.*"))
    }

    /// Whether the rule applies to a source file with this path relative to its root.
    public func applies(toSourcePath relativePath: String) -> Bool {
        guard inputs.contains(.source) else { return false }
        if files.isEmpty { return true }
        let name = relativePath.split(separator: "/").last.map(String.init) ?? relativePath
        return files.contains { glob in
            glob.contains("/") ? GlobMatcher.matches(glob, relativePath) : GlobMatcher.matches(glob, name)
        }
    }
}

/// A problem in a pattern file, with the file, the line and (for PCRE2 errors) the offset in the pattern.
public struct PatternFileError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String

    public var description: String { "\(file):\(line): \(message)" }
}

/// The rules from the bundled `Patterns/` directory and any user directories, in load order.
public struct PatternLibrary: Sendable {
    public private(set) var rules: [PatternRule] = []

    public init(rules: [PatternRule] = []) { self.rules = rules }

    /// Loads every `*.rules` file of each directory, in name order. A user directory's rule with an id
    /// already loaded replaces it, so users can tune a bundled rule.
    public static func load(directories: [String]) throws(PatternFileError) -> PatternLibrary {
        var library = PatternLibrary()
        for directory in directories {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".rules") }
                    .sorted()
            } catch {
                throw PatternFileError(
                    file: directory, line: 0, message: "cannot list pattern directory: \(error.localizedDescription)")
            }
            for name in names {
                let path = (directory as NSString).appendingPathComponent(name)
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw PatternFileError(file: path, line: 0, message: "cannot read the file")
                }
                for rule in try parse(String(decoding: data, as: UTF8.self), file: path) {
                    if let index = library.rules.firstIndex(where: { $0.id == rule.id }) {
                        library.rules[index] = rule
                    } else {
                        library.rules.append(rule)
                    }
                }
            }
        }
        return library
    }

    /// Parses one rules file: blocks of `key: value` lines, each block starting with `rule: <id>`.
    public static func parse(_ text: String, file: String) throws(PatternFileError) -> [PatternRule] {
        var rules: [PatternRule] = []
        var current: PatternRule?
        var seenKeys: Set<String> = []
        func finish() throws(PatternFileError) {
            guard let rule = current else { return }
            for required in ["description", "pattern", "evidence"] where !seenKeys.contains(required) {
                throw PatternFileError(
                    file: file, line: rule.line, message: "rule \(rule.id) has no '\(required):' line")
            }
            if rules.contains(where: { $0.id == rule.id }) {
                throw PatternFileError(file: file, line: rule.line, message: "rule id \(rule.id) is defined twice")
            }
            rules.append(rule)
            current = nil
        }
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy(\.isWhitespace) || line.first == "#" { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw PatternFileError(
                    file: file, line: lineNumber, message: "expected 'key: value', found \"\(line)\"")
            }
            let key = String(line[..<colon]).trimmedASCII
            var value = String(line[line.index(after: colon)...])
            if value.first == " " { value.removeFirst() }
            if key == "rule" {
                try finish()
                let id = value.trimmedASCII
                guard !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                    throw PatternFileError(
                        file: file, line: lineNumber,
                        message: "rule id '\(id)' must be letters, digits, '-', '_' or '.'")
                }
                current = PatternRule(
                    id: id, description: "", subject: .column, inputs: [.logs, .source], files: [], evidence: .possible,
                    pattern: "", requires: nil, positives: [], negatives: [], sampleTarget: nil, file: file,
                    line: lineNumber)
                seenKeys = []
                continue
            }
            guard current != nil else {
                throw PatternFileError(file: file, line: lineNumber, message: "'\(key):' comes before any 'rule:' line")
            }
            let trimmed = value.trimmedASCII
            seenKeys.insert(key)
            switch key {
            case "description": current!.description = trimmed
            case "pattern": current!.pattern = value.trimmedASCII
            case "requires": current!.requires = value.trimmedASCII
            case "positive": current!.positives.append(value)
            case "negative": current!.negatives.append(value)
            case "sample-target": current!.sampleTarget = trimmed
            case "files":
                current!.files = trimmed.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            case "applies-to":
                guard let subject = RuleSubject(rawValue: trimmed) else {
                    throw PatternFileError(
                        file: file, line: lineNumber,
                        message: "applies-to must be 'column' or 'table', not '\(trimmed)'")
                }
                current!.subject = subject
            case "inputs":
                var inputs: Set<RuleInput> = []
                for word in trimmed.split(whereSeparator: { $0 == " " || $0 == "," }) {
                    guard let input = RuleInput(rawValue: String(word)) else {
                        throw PatternFileError(
                            file: file, line: lineNumber, message: "inputs are 'logs' and 'source', not '\(word)'")
                    }
                    inputs.insert(input)
                }
                current!.inputs = inputs
            case "evidence":
                guard let evidence = Evidence(rawValue: trimmed) else {
                    let known = Evidence.allCases.map(\.rawValue).joined(separator: ", ")
                    throw PatternFileError(
                        file: file, line: lineNumber, message: "evidence must be one of \(known), not '\(trimmed)'")
                }
                current!.evidence = evidence
            default:
                throw PatternFileError(
                    file: file, line: lineNumber,
                    message:
                        "unknown key '\(key)' (known: rule, description, applies-to, inputs, files, evidence, pattern, requires, positive, negative, sample-target)"
                )
            }
        }
        try finish()
        return rules
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks (Foundation's
    /// `trimmingCharacters` costs thousands of instructions a call, and pattern files have thousands of lines).
    var trimmedASCII: String {
        let bytes = Array(utf8)
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
