/// A rule specialised for one target: its placeholders expanded and compiled.
public struct CompiledRule: Sendable {
    public let rule: PatternRule
    public let targetIndex: Int
    public let pattern: CompiledPattern
    public let requires: CompiledPattern?
}

/// A placeholder-expansion or compile error, located in the rule's own pattern text.
public struct RuleCompileError: Error, Equatable, CustomStringConvertible {
    public let ruleID: String
    public let file: String
    public let line: Int
    public let field: String
    public let message: String
    /// Byte offset in the rule's `pattern:` (or `requires:`) value, as written in the file.
    public let offset: Int

    public var description: String {
        "\(file):\(line): rule \(ruleID): \(field): \(message) at offset \(offset)"
    }
}

/// Expands placeholders such as `{column}` into PCRE2 fragments for one target.
///
/// Identifier placeholders carry their own boundaries: `{column}` matches `legacy_status`,
/// `LEGACY_STATUS` or `"legacy_status"` but never `legacy_status_old` nor `"Legacy_Status"`.
public enum Placeholders {
    /// Characters that continue an identifier (bytes ≥ 0x80 are UTF-8 letters).
    static let wordClass = "[\\w$\\x80-\\xff]"
    /// Any SQL identifier, bare or quoted. It starts only where an identifier can start (not inside a word, nor
    /// right after a quote) and never gives back what it consumed, so that a long run of word characters (a
    /// bytea literal, minified code) or of quotes costs one pass, not one pass per byte.
    static let anyIdentifier =
        "(?:(?<![\\w$\\x80-\\xff])[A-Za-z_\\x80-\\xff][\\w$\\x80-\\xff]*+|(?<![\\w$\"\\x80-\\xff])\"(?:[^\"]++|\"\")++\")"

    /// The names every placeholder may use, for documentation and errors.
    public static let known = [
        "column", "table", "schema", "qualifier", "ident", "column_word", "table_word", "column_camel",
        "column_pascal", "column_upper", "table_upper", "table_camel", "table_pascal", "model", "model_snake",
        "column_pascal_part", "column_camel_part", "django_model",
    ]

    /// A SQL reference to `identifier`: bare (case-insensitive) when the name folds, or quoted exactly.
    static func sqlReference(_ identifier: Identifier) -> String {
        let quoted = "\"" + escape(identifier.name.replacingOccurrences(of: "\"", with: "\"\"")) + "\""
        guard identifier.isFoldable else { return quoted }
        return "(?:(?<![\\w$\"\\x80-\\xff])(?i:\(escape(identifier.name)))(?![\\w$\\x80-\\xff])|\(quoted))"
    }

    static func word(_ literal: String, caseless: Bool) -> String {
        let body = caseless ? "(?i:\(escape(literal)))" : escape(literal)
        return "(?<!\(wordClass))\(body)(?!\(wordClass))"
    }

    /// `LegacyStatus` as part of a longer identifier (`findByLegacyStatus`, `getLegacyStatus`): not after an
    /// upper-case letter, and ending where the identifier ends or a new capitalised word starts
    /// (`LegacyStatusCode` matches up to `Code`; rules say what may follow). Case-sensitive.
    public static func pascalPart(_ pascal: String) -> String {
        "(?<![A-Z\\x80-\\xff])\(escape(pascal))(?![a-z0-9\\x80-\\xff])"
    }

    /// `legacyStatus` starting an identifier or after a non-letter (`$legacyStatus`, `_legacyStatus`), ending like
    /// `pascalPart`. Case-sensitive.
    public static func camelPart(_ camel: String) -> String {
        "(?<![A-Za-z0-9_\\x80-\\xff])\(escape(camel))(?![a-z0-9\\x80-\\xff])"
    }

    /// The model classes Django names a table `<app>_<model>` after: for each `_` in the table, the rest as a
    /// class name (`shop_order` → `Order`, `shop_orderitem` → `OrderItem`: Django lower-cases the class name),
    /// compared case-insensitively but starting with an upper-case letter. `nil` for a table without `_`.
    public static func djangoModelTails(forTable table: String) -> [String] {
        var tails: [String] = []
        var rest = Substring(table)
        while let underscore = rest.firstIndex(of: "_") {
            rest = rest[rest.index(after: underscore)...]
            if let first = rest.first, first.isLetter { tails.append(String(rest).lowercased()) }
        }
        return tails
    }

    static func djangoModel(forTable table: String) -> String? {
        let tails = djangoModelTails(forTable: table)
        guard !tails.isEmpty else { return nil }
        let body = tails.map(escape).joined(separator: "|")
        return "(?<!\(wordClass))(?=[A-Z])(?i:\(body))(?!\(wordClass))"
    }

    /// The fragment for `name`, or `nil` when this target has nothing for it (a column placeholder on a
    /// whole-table target): the rule then does not apply.
    static func fragment(_ name: String, for target: Target) -> String?? {
        let column = target.column
        switch name {
        case "column": return .some(column.map(sqlReference))
        case "table": return .some(sqlReference(target.table))
        case "schema": return .some(target.schema.map(sqlReference) ?? anyIdentifier)
        case "qualifier":
            let schema = target.schema.map(sqlReference) ?? anyIdentifier
            return .some("(?:\(schema)\\s*\\.\\s*)?\(sqlReference(target.table))\\s*\\.\\s*")
        case "ident": return .some(anyIdentifier)
        case "column_word": return .some(column.map { word($0.name, caseless: true) })
        case "table_word": return .some(word(target.table.name, caseless: true))
        case "column_camel": return .some(column.map { word(NameSpellings($0.name).camel, caseless: false) })
        case "column_pascal": return .some(column.map { word(NameSpellings($0.name).pascal, caseless: false) })
        case "column_upper": return .some(column.map { word(NameSpellings($0.name).upper, caseless: false) })
        case "table_upper": return .some(word(NameSpellings(target.table.name).upper, caseless: false))
        case "table_camel": return .some(word(NameSpellings(target.table.name).camel, caseless: false))
        case "table_pascal": return .some(word(NameSpellings(target.table.name).pascal, caseless: false))
        case "column_pascal_part": return .some(column.map { pascalPart(NameSpellings($0.name).pascal) })
        case "column_camel_part": return .some(column.map { camelPart(NameSpellings($0.name).camel) })
        case "django_model": return .some(djangoModel(forTable: target.table.name))
        case "model":
            return .some(word(NameSpellings.modelNames(forTable: target.table.name).className, caseless: false))
        case "model_snake":
            return .some(word(NameSpellings.modelNames(forTable: target.table.name).snakeSingular, caseless: false))
        default: return nil
        }
    }

    /// PCRE2-escapes a literal.
    public static func escape(_ literal: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(literal.utf8.count * 2)
        for byte in literal.utf8 {
            if specialBytes.contains(byte) { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let specialBytes = Set("\\^$.|?*+()[]{}/-#".utf8)

    /// Expands `source` for `target`. Returns `nil` when a placeholder has no value for this target.
    /// The segment map lets a compile error's offset be reported in the rule's own text.
    static func expand(_ source: String, for target: Target) throws(PlaceholderError) -> (String, [(Int, Int, Bool)])? {
        var output = ""
        var segments: [(expandedStart: Int, sourceStart: Int, isPlaceholder: Bool)] = []
        let bytes = Array(source.utf8)
        var index = 0
        var literalStart = 0
        func flushLiteral(upTo end: Int) {
            guard end > literalStart else { return }
            segments.append((output.utf8.count, literalStart, false))
            output += String(decoding: bytes[literalStart..<end], as: UTF8.self)
        }
        while index < bytes.count {
            // `\{` stays a literal brace; `{3}`-style quantifiers are not placeholders.
            if bytes[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if bytes[index] == UInt8(ascii: "{"), let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) {
                let name = String(decoding: bytes[(index + 1)..<close], as: UTF8.self)
                if let first = name.first, first.isLetter {
                    guard let fragment = fragment(name, for: target) else {
                        throw PlaceholderError(name: name, offset: index)
                    }
                    guard let fragment else { return nil }
                    flushLiteral(upTo: index)
                    segments.append((output.utf8.count, index, true))
                    output += fragment
                    index = close + 1
                    literalStart = index
                    continue
                }
            }
            index += 1
        }
        flushLiteral(upTo: bytes.count)
        return (output, segments.map { ($0.expandedStart, $0.sourceStart, $0.isPlaceholder) })
    }

    static func sourceOffset(ofExpanded offset: Int, segments: [(Int, Int, Bool)]) -> Int {
        guard let segment = segments.last(where: { $0.0 <= offset }) else { return offset }
        return segment.2 ? segment.1 : segment.1 + (offset - segment.0)
    }
}

/// An unknown placeholder name in a rule.
struct PlaceholderError: Error {
    let name: String
    let offset: Int
}

extension PatternRule {
    /// Compiles this rule for `target` (the target's index is carried into findings). Returns `nil` when the
    /// rule does not apply to this kind of target.
    public func compile(for target: Target, targetIndex: Int) throws(RuleCompileError) -> CompiledRule? {
        if subject == .column && target.isWholeTable { return nil }
        if subject == .table && !target.isWholeTable { return nil }
        guard let pattern = try compileField("pattern", pattern, target: target) else { return nil }
        var requiresPattern: CompiledPattern?
        if let requires {
            guard let compiled = try compileField("requires", requires, target: target) else { return nil }
            requiresPattern = compiled
        }
        return CompiledRule(rule: self, targetIndex: targetIndex, pattern: pattern, requires: requiresPattern)
    }

    private func compileField(_ field: String, _ source: String, target: Target) throws(RuleCompileError)
        -> CompiledPattern?
    {
        let expansion: (String, [(Int, Int, Bool)])?
        do {
            expansion = try Placeholders.expand(source, for: target)
        } catch {
            throw RuleCompileError(
                ruleID: id, file: file, line: line, field: field,
                message:
                    "unknown placeholder {\(error.name)} (known: \(Placeholders.known.map { "{\($0)}" }.joined(separator: " ")))",
                offset: error.offset)
        }
        guard let (expanded, segments) = expansion else { return nil }
        do {
            return try CompiledPattern(expanded)
        } catch {
            throw RuleCompileError(
                ruleID: id, file: file, line: line, field: field, message: "PCRE2: \(error.message)",
                offset: Placeholders.sourceOffset(ofExpanded: error.offset, segments: segments))
        }
    }
}

/// The result of `dropscan patterns check`: every problem found, with its place.
public struct PatternCheckResult: Sendable {
    public var rulesChecked = 0
    public var samplesChecked = 0
    public var problems: [String] = []
}

extension PatternLibrary {
    /// Compiles every rule for its sample target and runs its positive and negative samples.
    public func check() -> PatternCheckResult {
        var result = PatternCheckResult()
        let scratch = MatchScratch()
        for rule in rules {
            result.rulesChecked += 1
            let target: Target
            do {
                target = try rule.resolvedSampleTarget()
            } catch {
                result.problems.append("\(rule.file):\(rule.line): rule \(rule.id): sample-target: \(error)")
                continue
            }
            let compiled: CompiledRule
            do {
                guard let value = try rule.compile(for: target, targetIndex: 0) else {
                    result.problems.append(
                        "\(rule.file):\(rule.line): rule \(rule.id): does not apply to its sample target \(target) (applies-to: \(rule.subject.rawValue))"
                    )
                    continue
                }
                compiled = value
            } catch {
                result.problems.append(error.description)
                continue
            }
            if rule.positives.isEmpty {
                result.problems.append("\(rule.file):\(rule.line): rule \(rule.id): has no 'positive:' sample")
            }
            for (sample, expected) in rule.positives.map({ ($0, true) }) + rule.negatives.map({ ($0, false) }) {
                result.samplesChecked += 1
                do {
                    let hit = try compiled.matches(sample, scratch: scratch)
                    if hit != expected {
                        let word = expected ? "positive sample does not match" : "negative sample matches"
                        result.problems.append("\(rule.file):\(rule.line): rule \(rule.id): \(word): \(sample)")
                    }
                } catch {
                    result.problems.append("\(rule.file):\(rule.line): rule \(rule.id): \(error): \(sample)")
                }
            }
        }
        return result
    }
}

extension CompiledRule {
    /// Whether the rule (and its `requires:` pattern) matches the whole of `text`.
    public func matches(_ text: String, scratch: MatchScratch) throws(MatchFailure) -> Bool {
        try anyMatch(in: text) { (buffer) throws(MatchFailure) in try firstMatch(in: buffer, scratch: scratch) }
    }

    /// The first match of the rule in `unit`, provided its `requires:` pattern also matches somewhere in it.
    public func firstMatch(in unit: UnsafeRawBufferPointer, scratch: MatchScratch) throws(MatchFailure) -> Range<Int>? {
        guard let range = try pattern.firstMatch(in: unit, scratch: scratch) else { return nil }
        if let requires, try requires.firstMatch(in: unit, scratch: scratch) == nil { return nil }
        return range
    }
}
