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

/// How the code scorer scopes a rule's match in source files (the rule's `scope:` key; see
/// `Patterns/README.md`): the match's evidence is an upper bound that the scope may lower.
public enum RuleScope: String, Sendable, CaseIterable {
    /// Decided by the file and the line: a `confirmed` pattern stands, others need the table or model in sight.
    case plain
    /// By the model declaration that encloses the line (or a query chain on a model class on the line).
    case model
    /// By the receiver of a member access (`order.x`, `self.x`, a declared type).
    case member
    /// Like `model`, reported as a deprecation (the contract step was prepared), not as a use.
    case deprecation
    /// By the entity type of the Spring Data repository declared before the line.
    case repository
    /// By a Swift key path's root type, or the model starting the query chain.
    case keypath
    /// By the Django app of the model class (whole-table targets `<app>_<model>`).
    case djangoApp = "django-app"
    /// An attribute named as a string: a use in a call that names attributes (`load_only("x")`).
    case attributeName = "attribute-name"
    /// By a template variable named after the model (`{{ order.x }}`).
    case templateVariable = "template-variable"
    /// By the model of the ERB form around the line (`form_with model: @order` … `f.text_field :x`).
    case templateForm = "template-form"
    /// By the template's name: the template rendered for the table (`orders.html`).
    case templateName = "template-name"
}

/// One example of a rule, run through the whole scanner (every rule, scoping included): the finding this rule
/// must make on the marked line, at the stated tier (as SwiftLint's rule examples do).
public struct RuleExample: Sendable, Equatable {
    /// The tier the rule's finding on the marked line must have; `nil` (written `none`) when the rule must make
    /// no finding there.
    public var tier: Evidence?
    /// The file name the example is scanned as (it selects rules, comments and classification); `nil` for one
    /// made from the rule's first `files:` glob.
    public var path: String?
    /// The example's text, without the marker.
    public var text: String
    /// The 1-based line of `text` the expectation is about: the one marked with `↓`, else the last.
    public var line: Int
    /// Where the example is written in its rules file.
    public var fileLine: Int

    public init(tier: Evidence?, path: String?, text: String, line: Int, fileLine: Int) {
        self.tier = tier
        self.path = path
        self.text = text
        self.line = line
        self.fileLine = fileLine
    }

    /// The marker that points at the expected finding's line (SwiftLint's `↓`).
    public static let marker = "\u{2193}"

    /// Parses `TIER[ in PATH][: TEXT]`; the text may instead follow on indented lines (`block`).
    static func parse(_ value: String, block: [String], fileLine: Int) -> Result<RuleExample, ExampleError> {
        var head = value
        var text: String?
        if let colon = value.range(of: ": ") {
            head = String(value[..<colon.lowerBound])
            text = String(value[colon.upperBound...])
        } else if value.hasSuffix(":") {
            head = String(value.dropLast())
        }
        let words = head.split(separator: " ").map(String.init)
        guard let first = words.first else { return .failure(ExampleError("example needs a tier: \(Self.tiers)")) }
        let tier: Evidence?
        if first == "none" {
            tier = nil
        } else if let known = Evidence(rawValue: first) {
            tier = known
        } else {
            return .failure(ExampleError("example tier must be one of \(Self.tiers), not '\(first)'"))
        }
        var path: String?
        if words.count == 3 && words[1] == "in" {
            path = words[2]
        } else if words.count != 1 {
            return .failure(ExampleError("expected 'example: TIER [in PATH][: TEXT]', found \"\(value)\""))
        }
        let lines = text.map { [$0] } ?? block
        guard !lines.isEmpty else {
            return .failure(ExampleError("example has no text: give it after ': ' or on indented lines"))
        }
        var marked: Int?
        var cleaned: [String] = []
        for (index, line) in lines.enumerated() {
            if line.contains(marker) {
                if marked != nil { return .failure(ExampleError("example marks more than one line with \(marker)")) }
                marked = index + 1
            }
            cleaned.append(line.replacingOccurrences(of: marker, with: ""))
        }
        return .success(
            RuleExample(
                tier: tier, path: path, text: cleaned.joined(separator: "\n") + "\n", line: marked ?? lines.count,
                fileLine: fileLine))
    }

    /// Why an example line does not parse.
    struct ExampleError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    static let tiers = (Evidence.allCases.map(\.rawValue) + ["none"]).joined(separator: ", ")
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
    /// How the code scorer scopes a match (`scope:`; default `plain`).
    public var scope: RuleScope = .plain
    /// The ecosystem whose scorer scores the rule's matches (`ecosystem:`, else the file's, else `other`).
    public var ecosystem: RuleEcosystem = .other
    /// Examples run through the whole scanner, each with the tier this rule must give the marked line.
    public var examples: [RuleExample] = []
    /// Where the rule is defined.
    public var file: String
    public var line: Int

    public init(
        id: String, description: String, subject: RuleSubject, inputs: Set<RuleInput>, files: [String],
        evidence: Evidence, pattern: String, requires: String?, positives: [String], negatives: [String],
        sampleTarget: String?, file: String, line: Int, scope: RuleScope = .plain, examples: [RuleExample] = [],
        ecosystem: RuleEcosystem = .other
    ) {
        self.scope = scope
        self.ecosystem = ecosystem
        self.examples = examples
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
    /// Whether a `files:` glob names folders (it is then matched against the whole relative path, else against
    /// the file name): by its bytes when it is ASCII, else as Foundation searches text.
    public static func namesFolders(_ glob: String) -> Bool {
        glob.utf8.allSatisfy({ $0 < 0x80 }) ? glob.utf8.contains(UInt8(ascii: "/")) : glob.contains("/")
    }

    public func applies(toSourcePath relativePath: String) -> Bool {
        guard inputs.contains(.source) else { return false }
        if files.isEmpty { return true }
        let name = relativePath.split(separator: "/").last.map(String.init) ?? relativePath
        return files.contains { glob in
            Self.namesFolders(glob) ? GlobMatcher.matches(glob, relativePath) : GlobMatcher.matches(glob, name)
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
    /// already loaded replaces it, so users can tune a bundled rule; without an `ecosystem:` of its own (or its
    /// file's) it keeps the replaced rule's.
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
                let parsed = try parseDeclaringEcosystems(String(decoding: data, as: UTF8.self), file: path)
                for var rule in parsed.rules {
                    if let index = library.rules.firstIndex(where: { $0.id == rule.id }) {
                        if !parsed.declared.contains(rule.id) { rule.ecosystem = library.rules[index].ecosystem }
                        library.rules[index] = rule
                    } else {
                        library.rules.append(rule)
                    }
                }
            }
        }
        return library
    }

    /// Parses one rules file: blocks of `key: value` lines, each block starting with `rule: <id>`; an
    /// `ecosystem:` line before the first block is the default of the file's rules.
    public static func parse(_ text: String, file: String) throws(PatternFileError) -> [PatternRule] {
        try parseDeclaringEcosystems(text, file: file).rules
    }

    /// The rules of a file, and the ids of those whose ecosystem the file declares (their own or the file's).
    static func parseDeclaringEcosystems(_ text: String, file: String) throws(PatternFileError) -> (
        rules: [PatternRule], declared: Set<String>
    ) {
        var rules: [PatternRule] = []
        var fileEcosystem: RuleEcosystem?
        var declared: Set<String> = []
        func ecosystem(_ value: String, line: Int) throws(PatternFileError) -> RuleEcosystem {
            guard let ecosystem = RuleEcosystem(rawValue: value) else {
                throw PatternFileError(
                    file: file, line: line,
                    message:
                        "ecosystem must be one of \(RuleEcosystem.known), not '\(value)' (`other` is any other framework or tool)"
                )
            }
            return ecosystem
        }
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
            if seenKeys.contains("ecosystem") || fileEcosystem != nil { declared.insert(rule.id) }
            rules.append(rule)
            current = nil
        }
        var lineNumber = 0
        // An `example:` whose text follows on indented lines: its value, line and the lines so far.
        var pendingExample: (value: String, line: Int, block: [String], indent: Int?)?
        func finishExample() throws(PatternFileError) {
            guard var pending = pendingExample else { return }
            pendingExample = nil
            while pending.block.last == "" { pending.block.removeLast() }
            switch RuleExample.parse(pending.value, block: pending.block, fileLine: pending.line) {
            case .success(let example): current!.examples.append(example)
            case .failure(let error): throw PatternFileError(file: file, line: pending.line, message: error.message)
            }
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if var pending = pendingExample, !pending.block.isEmpty, line.allSatisfy(\.isWhitespace) {
                // A blank line inside a block; trailing ones are dropped when the block ends.
                pending.block.append("")
                pendingExample = pending
                continue
            }
            if var pending = pendingExample, let first = line.first, first == " " || first == "\t" {
                // The block's indentation is its first line's; deeper lines keep the rest.
                let indent = pending.indent ?? line.prefix(while: { $0 == " " || $0 == "\t" }).count
                pending.indent = indent
                let leading = line.prefix(while: { $0 == " " || $0 == "\t" }).count
                pending.block.append(String(line.dropFirst(min(indent, leading))))
                pendingExample = pending
                continue
            }
            try finishExample()
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
                    line: lineNumber, ecosystem: fileEcosystem ?? .other)
                seenKeys = []
                continue
            }
            if key == "ecosystem" && current == nil {
                guard fileEcosystem == nil else {
                    throw PatternFileError(file: file, line: lineNumber, message: "the file's ecosystem is given twice")
                }
                fileEcosystem = try ecosystem(value.trimmedASCII, line: lineNumber)
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
            case "example": pendingExample = (trimmed, lineNumber, [], nil)
            case "ecosystem": current!.ecosystem = try ecosystem(trimmed, line: lineNumber)
            case "scope":
                guard let scope = RuleScope(rawValue: trimmed) else {
                    let known = RuleScope.allCases.map(\.rawValue).joined(separator: ", ")
                    throw PatternFileError(
                        file: file, line: lineNumber, message: "scope must be one of \(known), not '\(trimmed)'")
                }
                current!.scope = scope
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
                        "unknown key '\(key)' (known: rule, description, applies-to, inputs, files, evidence, scope, ecosystem, pattern, requires, positive, negative, example, sample-target)"
                )
            }
        }
        try finishExample()
        try finish()
        return (rules, declared)
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
