import Catalog
import Foundation
import Matching
import Report

/// Resolves SQL found in source files (in `.sql` files, or in string literals of code) with PostgreSQL's
/// own parser. The scanner calls it for every finding made by a `sql.*` rule or in a `.sql` file; a `nil`
/// answer keeps the pattern's evidence.
public protocol EmbeddedSQLResolver: Sendable {
    /// The evidence that `sql` uses the target at `targetIndex` (as the scanner's `targets` are indexed),
    /// or `nil` when the statement could not be resolved (did not parse, or is only a fragment).
    func evidence(forSQL sql: String, targetIndex: Int) -> Evidence?
}

/// Why a `CodeScanner` could not be built. Each message says what to change.
public enum CodeScanError: Error, Equatable, CustomStringConvertible {
    /// No targets were given.
    case noTargets
    /// A pattern rule does not compile for one of the targets (the text names the file, line and rule).
    case ruleDoesNotCompile(String)

    public var description: String {
        switch self {
        case .noTargets:
            return "no targets to look for: name at least one column (table.column) or table (table.*)"
        case .ruleDoesNotCompile(let detail):
            return "\(detail). Fix the rule's pattern (run `dropscan patterns check`) or remove the rule file"
        }
    }
}

/// What one source file holds for each target, indexed like the scanner's `targets`.
public struct CodeScanResult: Sendable, Equatable {
    /// Uses, and discarded look-alikes (`not-a-use`), strongest evidence first.
    public var findings: [[CodeFinding]]
    /// Migrations (history) and schema dumps: declarations, not uses; they never block.
    public var declarations: [[CodeFinding]]
    /// Positive evidence that the contract step was prepared (`ignored_columns`, Django state-only removal).
    public var deprecations: [[CodeFinding]]
    /// Methods, properties, fields and SQL aliases of a target's name that the file defines (see
    /// `DefinedNames`); merge them over the tree and scan the files with findings again with the result.
    public var definitions: DefinedNames
    /// Lines where a rule gave up at a PCRE2 limit, so that what the line holds is not known: a clean result
    /// cannot stand on such a file.
    public var limitHits: [RuleLimitHit] = []

    /// An empty result for `targetCount` targets.
    public init(targetCount: Int) {
        findings = Array(repeating: [], count: targetCount)
        declarations = Array(repeating: [], count: targetCount)
        deprecations = Array(repeating: [], count: targetCount)
        definitions = DefinedNames(targetCount: targetCount)
    }

    /// Whether the file holds nothing for any target.
    public var isEmpty: Bool {
        findings.allSatisfy(\.isEmpty) && declarations.allSatisfy(\.isEmpty) && deprecations.allSatisfy(\.isEmpty)
            && limitHits.isEmpty
    }
}

/// A rule that reached a PCRE2 limit on a line that names a target (see `MatchLimits`).
public struct RuleLimitHit: Sendable, Equatable {
    /// 1-based line, and the byte offset of the line's start in the file.
    public let line: Int
    public let offset: Int
    public let rule: String
    /// The target the line names, as the scanner's `targets` index it.
    public let targetIndex: Int
    /// The notebook cell, for `.ipynb` files.
    public let cell: Int?
}

/// Finds the places in one source file that reference the targets, with an evidence tier for each.
///
/// A word prefilter finds every spelling of each target (snake_case, camelCase, PascalCase, UPPER_SNAKE, the
/// model names behind a table); on each line with a hit, the rules that apply to the file run strongest
/// first, and the first that matches gives the finding. Its evidence is an upper bound that scoping may
/// lower: to the model that encloses a declaration, to the receiver of a member access, to whether the file
/// names the table or its model at all, and to `not-a-use` for comments, another model's column of the same
/// name, or a local variable that merely shares the name. Built once, shared read-only by every worker.
public struct CodeScanner: Sendable {
    /// The targets, in the order that indexes every per-target array of a `CodeScanResult`.
    public let targets: [Target]
    private let infos: [TargetInfo]
    /// Per target, its rules in the order they are tried (compiled when the target is first named).
    private let rules: TargetRules
    private let prefilter: NamePrefilter
    /// Indexed by the prefilter's names, then by `embedded`'s spellings.
    private let nameRoles: [[NameRole]]
    /// The columns' PascalCase and camelCase spellings inside longer identifiers (`findByLegacyStatus`,
    /// `getLegacyStatus`, `$legacyStatus`), which the word prefilter cannot see.
    private let embedded: EmbeddedNames
    /// Index of `embedded`'s spellings into `nameRoles`.
    private let embeddedRoles: [Int]
    /// The ids of the rules that look for names inside longer identifiers (`{column_pascal_part}`,
    /// `{column_camel_part}`): the only rules a line gets for a target when its hits are all embedded.
    private let embeddedRuleIDs: Set<String>
    private let sqlResolver: (any EmbeddedSQLResolver)?

    /// Compiles every `source` rule of `library` for every target and builds the word prefilter.
    ///
    /// - Throws: `CodeScanError.noTargets` for an empty list, `.ruleDoesNotCompile` when a rule's pattern does
    ///   not compile for a target.
    /// With a `catalog` (the model index and the schema), classes the index maps to a target's table count
    /// as its model, attributes it maps to the column (`_image_url`, Django's `owner` for `owner_id`) are
    /// looked for too, and the column name's rarity decides what a match without scoping evidence is worth.
    public init(
        targets: [Target], library: PatternLibrary, sqlResolver: (any EmbeddedSQLResolver)? = nil,
        catalog: Catalog? = nil
    ) throws(CodeScanError) {
        guard !targets.isEmpty else { throw .noTargets }
        self.targets = targets
        self.sqlResolver = sqlResolver
        let facts = targets.map { target in catalog.map { IndexFacts(target: target, catalog: $0) } ?? IndexFacts() }
        infos = zip(targets, facts).map { TargetInfo($0, facts: $1) }
        var table = RoleTable()
        for (index, target) in targets.enumerated() {
            table.addNames(for: target, index: index)
            for alias in facts[index].aliases {
                table.add(alias, caseSensitive: true, role: NameRole(target: index, isPrimary: true))
            }
            for name in facts[index].ownClasses where target.column != nil {
                table.add(name, caseSensitive: true, role: NameRole(target: index, isPrimary: false))
            }
        }
        do {
            try library.validate(for: targets) { $0.inputs.contains(.source) }
        } catch {
            throw .ruleDoesNotCompile(error.description)
        }
        rules = TargetRules(count: targets.count) { (index) throws(RuleCompileError) in
            let target = targets[index]
            var forTarget: [CompiledRule] = []
            for alias in facts[index].aliases {
                // A string naming the column itself is the generic rules' (`code.string-key`).
                let string = alias == target.column?.name ? [] : [IndexFacts.aliasStringRule(alias)]
                for made in [IndexFacts.aliasRule(alias)] + string {
                    if let rule = try? made.compile(for: target, targetIndex: index) { forTarget.append(rule) }
                }
            }
            for rule in library.rules where rule.inputs.contains(.source) {
                if let value = try rule.compile(for: target, targetIndex: index) { forTarget.append(value) }
            }
            // Strongest first; among equals, ecosystem rules before `sql.*` before the generic `code.*`, then
            // load order.
            func generality(_ id: String) -> Int { id.hasPrefix("code.") ? 2 : id.hasPrefix("sql.") ? 1 : 0 }
            return forTarget.enumerated().sorted { lhs, rhs in
                let left = (lhs.element.rule.evidence, generality(lhs.element.rule.id), lhs.offset)
                let right = (rhs.element.rule.evidence, generality(rhs.element.rule.id), rhs.offset)
                if left.0 != right.0 { return left.0 < right.0 }
                return (left.1, left.2) < (right.1, right.2)
            }.map(\.element)
        }
        prefilter = NamePrefilter(names: table.names, caseSensitive: table.caseSensitive)
        var roles = table.roles
        var pascal: [String: [NameRole]] = [:]
        var camel: [String: [NameRole]] = [:]
        for (index, target) in targets.enumerated() {
            guard let column = target.column, column.isFoldable else { continue }
            let spellings = NameSpellings(column.name)
            let role = NameRole(target: index, isPrimary: true)
            if !spellings.pascal.isEmpty { pascal[spellings.pascal, default: []].append(role) }
            if !spellings.camel.isEmpty { camel[spellings.camel, default: []].append(role) }
        }
        var spellings: (pascal: [String], camel: [String]) = ([], [])
        for (spelling, spellingRoles) in pascal.sorted(by: { $0.key < $1.key }) {
            spellings.pascal.append(spelling)
            roles.append(spellingRoles + (camel[spelling] ?? []))
        }
        for (spelling, spellingRoles) in camel.sorted(by: { $0.key < $1.key }) where pascal[spelling] == nil {
            spellings.camel.append(spelling)
            roles.append(spellingRoles)
        }
        embeddedRoles = Array(table.roles.count..<roles.count)
        embeddedRuleIDs = Set(
            library.rules.filter { rule in
                ([rule.pattern] + (rule.requires.map { [$0] } ?? [])).contains {
                    $0.contains("{column_pascal_part}") || $0.contains("{column_camel_part}")
                }
            }.map(\.id))
        embedded = EmbeddedNames(pascal: spellings.pascal, camel: spellings.camel)
        nameRoles = roles
    }

    /// Every prefilter hit in `bytes`, then every embedded occurrence that is not already a whole word.
    private func hits(in bytes: [UInt8], scratch: MatchScratch) -> [(name: Int, position: Int)] {
        var found: [(name: Int, position: Int)] = []
        bytes.withUnsafeBytes { buffer in
            prefilter.scan(buffer, scratch: scratch) { name, range in found.append((name, range.lowerBound)) }
            embedded.scan(buffer, scratch: scratch) { spelling, range in
                let before = range.lowerBound > 0 ? bytes[range.lowerBound - 1] : 0x20
                let after = range.upperBound < bytes.count ? bytes[range.upperBound] : 0x20
                // A whole word (`legacyStatus`) is the word prefilter's; `$` continues a word there.
                if !Self.isIdentifierByte(before) && before != 0x24 && !Self.isIdentifierByte(after) && after != 0x24 {
                    return
                }
                found.append((embeddedRoles[spelling], range.lowerBound))
            }
        }
        return found
    }

    /// Rules that did not compile for a target when its rules were first needed (the target's lines were scanned
    /// without them).
    public var ruleProblems: [RuleCompileError] { rules.problems }

    /// Whether a file names any target at all (the word prefilter and embedded names): files that do not are
    /// not scanned further. Cheap; the pipeline's first pass asks it of every file.
    public func mightReference(bytes: [UInt8], scratch: MatchScratch) -> Bool {
        hits(in: bytes, scratch: scratch).contains { hit in nameRoles[hit.name].contains { $0.isPrimary } }
    }

    /// Where `bytes` first name a target (the target's index and the byte position), as ``mightReference``
    /// decides it; for files that are not scanned (too large, binary), whose names must still be said.
    public func firstReference(in bytes: [UInt8], scratch: MatchScratch) -> (target: Int, position: Int)? {
        var first: (target: Int, position: Int)?
        for hit in hits(in: bytes, scratch: scratch) where first.map({ hit.position < $0.position }) ?? true {
            if let role = nameRoles[hit.name].first(where: \.isPrimary) { first = (role.target, hit.position) }
        }
        return first
    }

    /// Scans the bytes of one text file. `relativePath` (relative to the source root) is reported as given
    /// and selects the rules (`files:` globs; a file without an extension by its shebang) and the file's
    /// classification. `definitions` are the tree's (merged from a first scan of every file): reads of a name
    /// defined as a method, property, field or SQL alias are scoped by them.
    public func scan(
        relativePath: String, bytes: [UInt8], scratch: MatchScratch, definitions: DefinedNames? = nil
    ) -> CodeScanResult {
        var result = CodeScanResult(targetCount: targets.count)
        let fileHits = hits(in: bytes, scratch: scratch)
        guard fileHits.contains(where: { hit in nameRoles[hit.name].contains { $0.isPrimary } }) else {
            return result
        }
        var scoped = Array(repeating: false, count: targets.count)
        for hit in fileHits {
            for role in nameRoles[hit.name] where !role.isPrimary || targets[role.target].isWholeTable {
                scoped[role.target] = true
            }
        }
        let classification = FileClassification.classify(relativePath: relativePath, head: bytes.prefix(4096))
        let ruleName = SourceDialect.ruleName(forPath: relativePath, bytes: bytes)
        if relativePath.lowercased().hasSuffix(".ipynb"), let cells = Notebook.cells(bytes) {
            for cell in cells {
                let cellHits = hits(in: cell.bytes, scratch: scratch)
                let unit = ScanUnit(
                    path: relativePath, ruleName: cell.ruleName, cell: cell.index,
                    classification: cell.isMarkdown ? .docs : classification)
                scanUnit(
                    unit, bytes: cell.bytes, hits: cellHits, scoped: scoped, definitions: definitions, scratch: scratch,
                    into: &result)
            }
        } else {
            let unit = ScanUnit(path: relativePath, ruleName: ruleName, cell: nil, classification: classification)
            scanUnit(
                unit, bytes: bytes, hits: fileHits, scoped: scoped, definitions: definitions, scratch: scratch,
                into: &result)
        }
        for index in targets.indices {
            result.findings[index].sort(by: CodeScanner.order)
            result.declarations[index].sort(by: CodeScanner.order)
            result.deprecations[index].sort(by: CodeScanner.order)
        }
        return result
    }

    /// Strongest evidence first, then by place.
    static func order(_ lhs: CodeFinding, _ rhs: CodeFinding) -> Bool {
        if lhs.evidence != rhs.evidence { return lhs.evidence < rhs.evidence }
        if lhs.path != rhs.path { return lhs.path < rhs.path }
        if (lhs.cell ?? -1) != (rhs.cell ?? -1) { return (lhs.cell ?? -1) < (rhs.cell ?? -1) }
        if lhs.line != rhs.line { return lhs.line < rhs.line }
        return lhs.column < rhs.column
    }

    // MARK: - One unit (a file or a notebook cell)

    private struct ScanUnit {
        var path: String
        /// The name the rules' `files:` globs are matched against.
        var ruleName: String
        var cell: Int?
        var classification: FileClassification
    }

    private func scanUnit(
        _ unit: ScanUnit, bytes: [UInt8], hits: [(name: Int, position: Int)], scoped: [Bool],
        definitions: DefinedNames?, scratch: MatchScratch, into result: inout CodeScanResult
    ) {
        let template = TemplateLanguage.of(ruleName: unit.ruleName, bytes: bytes)
        // Templates run their own rules (and the ecosystems' queries); other files never run `template.*`.
        func admits(_ rule: CompiledRule) -> Bool {
            guard rule.rule.applies(toSourcePath: unit.ruleName) else { return false }
            return template != nil ? TemplateLanguage.admits(rule.rule) : !rule.rule.id.hasPrefix("template.")
        }
        // Primary hits, grouped by line, then target.
        let document = Document(
            bytes: bytes, comments: template != nil ? CommentStyle() : CommentStyle.forFile(named: unit.ruleName))
        var byLine: [Int: [Int: [Int]]] = [:]
        // Per line, the targets named there by a whole word (not only inside a longer identifier).
        var wordTargets: [Int: Set<Int>] = [:]
        // Per target, the rules for embedded names that apply to this file (most files have none).
        var embeddedApplicable: [Int: [CompiledRule]] = [:]
        func embeddedRules(_ target: Int) -> [CompiledRule] {
            if let known = embeddedApplicable[target] { return known }
            let value = rules[target].filter { embeddedRuleIDs.contains($0.rule.id) && admits($0) }
            embeddedApplicable[target] = value
            return value
        }
        for hit in hits {
            let isEmbedded = hit.name >= prefilter.names.count
            for role in nameRoles[hit.name] where role.isPrimary {
                if isEmbedded && embeddedRules(role.target).isEmpty { continue }
                let lineIndex = document.lineIndex(containing: hit.position)
                byLine[lineIndex, default: [:]][role.target, default: []].append(hit.position)
                if !isEmbedded { wordTargets[lineIndex, default: []].insert(role.target) }
            }
        }
        if byLine.isEmpty { return }
        let context = SourceContext(document: document)
        let traits = UnitTraits(ruleName: unit.ruleName, bytes: bytes)
        let isPython = unit.ruleName.lowercased().hasSuffix(".py")
        let isSQLFile = unit.ruleName.lowercased().hasSuffix(".sql")
        var applicable: [Int: [CompiledRule]] = [:]
        var otherReceivers: [Int: Set<String>] = [:]
        // The type each receiver is declared with, found once per file.
        var declaredTypes: [String: String?] = [:]
        for lineIndex in byLine.keys.sorted() {
            let lineRange = document.lineRange(lineIndex)
            var lineBytes = Array(document.bytes[lineRange])
            if isPython { Self.splitDjangoLookups(&lineBytes) }
            // Masked once per line, only for lines that give a finding.
            var lineSnippet: String?
            for (targetIndex, positions) in byLine[lineIndex]!.sorted(by: { $0.key < $1.key }) {
                let wordNamed = wordTargets[lineIndex]?.contains(targetIndex) ?? false
                let relative = positions.map { $0 - lineRange.lowerBound }
                if wordNamed, unit.cell == nil,
                    let definition = definition(
                        onLine: lineBytes, lineIndex: lineIndex, hits: relative, info: infos[targetIndex],
                        document: document, context: context, path: unit.path)
                {
                    result.definitions.byTarget[targetIndex].append(definition)
                }
                let candidates =
                    !wordNamed
                    ? embeddedRules(targetIndex)
                    : applicable[targetIndex]
                        ?? {
                            // In a template its variable and form rules come first (`f.select :x` is a form
                            // field, not a query).
                            func first(_ rule: CompiledRule) -> Bool {
                                template != nil && rule.rule.id.hasPrefix("template.")
                                    && rule.rule.evidence <= .probable
                            }
                            let value = rules[targetIndex].filter(admits).sorted { first($0) && !first($1) }
                            applicable[targetIndex] = value
                            return value
                        }()
                var limited: String?
                let matched = firstMatch(
                    candidates, line: lineBytes, lineIndex: lineIndex, document: document, context: context,
                    isSQL: isSQLFile, scratch: scratch, limited: &limited)
                if let limited {
                    result.limitHits.append(
                        RuleLimitHit(
                            line: lineIndex + 1, offset: lineRange.lowerBound, rule: limited, targetIndex: targetIndex,
                            cell: unit.cell))
                }
                guard let (rule, match) = matched else { continue }
                let info = infos[targetIndex]
                let offset = relative.first { match.contains($0) } ?? match.lowerBound
                // 1-based, in characters (Unicode scalars), not bytes.
                let column = lineBytes[..<min(offset, lineBytes.count)].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
                func codeEvidence() -> Evidence {
                    scopedEvidence(
                        rule: rule.rule, match: match, line: lineBytes, lineIndex: lineIndex, hits: relative,
                        info: info, context: context, document: document, scoped: scoped[targetIndex],
                        path: unit.ruleName,
                        otherReceivers: {
                            if let known = otherReceivers[targetIndex] { return known }
                            let value = info.otherModelReceivers(in: context)
                            otherReceivers[targetIndex] = value
                            return value
                        },
                        declaredType: { receiver in
                            if let known = declaredTypes[receiver] { return known }
                            let value = Self.declaredType(of: receiver, in: document)
                            declaredTypes[receiver] = value
                            return value
                        })
                }
                var evidence =
                    template == nil
                    ? codeEvidence()
                    : templateEvidence(
                        rule: rule.rule, match: match, line: lineBytes, lineIndex: lineIndex, info: info,
                        document: document, path: unit.ruleName, otherwise: codeEvidence)
                if evidence.isUse, let resolver = sqlResolver, rule.rule.id.hasPrefix("sql.") || isSQLFile {
                    let sql = embeddedSQL(
                        around: lineIndex, position: offset, line: lineBytes, document: document, context: context,
                        isSQL: isSQLFile)
                    if let resolved = resolver.evidence(forSQL: sql, targetIndex: targetIndex) { evidence = resolved }
                }
                evidence = limitedEvidence(
                    evidence, rule: rule.rule, match: match, line: lineBytes, lineIndex: lineIndex,
                    hits: relative.filter { $0 >= 0 && $0 < lineBytes.count }, info: info, document: document,
                    context: context, traits: traits, definitions: definitions?[target: targetIndex] ?? [],
                    template: template, path: unit.path)
                // A model of the dropped table, declared on this line (`class Containers(db.Model):`).
                if info.target.isWholeTable, info.facts.ownDeclarations.contains("\(unit.path):\(lineIndex + 1)") {
                    evidence = .confirmed
                }
                // A `String` only for a line that makes a finding (most lines with a hit match no rule).
                let lineText = document.lineString(lineIndex)
                let snippet = lineSnippet ?? Snippet.make(fromLine: document.bytes[lineRange])
                lineSnippet = snippet
                let finding = CodeFinding(
                    path: unit.path, line: lineIndex + 1, column: column, rule: rule.rule.id, evidence: evidence,
                    classification: unit.classification.rawValue, snippet: snippet,
                    fingerprint: Fingerprint.finding(
                        rule: rule.rule.id, target: info.normalized, path: unit.path, lineText: lineText),
                    cell: unit.cell)
                if evidence.isUse && rule.rule.scope == .deprecation {
                    result.deprecations[targetIndex].append(finding)
                } else if unit.classification == .migration && evidence.isUse
                    && context.isStateOnlyOperation(line: lineIndex)
                {
                    result.deprecations[targetIndex].append(finding)
                } else if unit.classification.isDeclaration {
                    result.declarations[targetIndex].append(finding)
                } else {
                    result.findings[targetIndex].append(finding)
                }
            }
        }
    }

    /// The first rule that matches the line (its `requires:` may match anywhere in the statement around it).
    /// A rule that gives up at a PCRE2 limit is passed over and named in `limited`.
    private func firstMatch(
        _ candidates: [CompiledRule], line: [UInt8], lineIndex: Int, document: Document, context: SourceContext,
        isSQL: Bool, scratch: MatchScratch, limited: inout String?
    ) -> (CompiledRule, Range<Int>)? {
        func search(_ pattern: CompiledPattern, _ buffer: UnsafeRawBufferPointer, _ rule: CompiledRule) -> Range<Int>? {
            do {
                return try pattern.firstMatch(in: buffer, scratch: scratch)
            } catch {
                limited = limited ?? rule.rule.id
                return nil
            }
        }
        return line.withUnsafeBytes { lineBuffer in
            for rule in candidates {
                guard let match = search(rule.pattern, lineBuffer, rule) else { continue }
                if let requires = rule.requires {
                    if search(requires, lineBuffer, rule) == nil {
                        guard
                            let window = statementWindow(
                                around: lineIndex, in: document, context: context, isSQL: isSQL)
                        else {
                            continue
                        }
                        let found = document.bytes[window].withUnsafeBytes { windowBuffer in
                            search(requires, windowBuffer, rule) != nil
                        }
                        if !found { continue }
                    }
                }
                return (rule, match)
            }
            return nil
        }
    }

    /// The statement around a line. In SQL files: back to a blank line or a line ending in `;`, forward to a
    /// `;` or a blank line, at most 15 lines either way. In other files only a multi-line string or heredoc
    /// holds a statement across lines: its lines (at most 15 either way), or `nil` outside one, so that a line
    /// of code next to a query does not borrow the query's table.
    func statementWindow(around lineIndex: Int, in document: Document, context: SourceContext, isSQL: Bool)
        -> Range<Int>?
    {
        if !isSQL {
            guard let string = context.multilineString(containing: lineIndex) else { return nil }
            let first = max(string.lowerBound, lineIndex - 15)
            let last = min(string.upperBound, lineIndex + 15)
            return document.lineRange(first).lowerBound..<document.lineRange(last).upperBound
        }
        func isBlank(_ index: Int) -> Bool { document.line(index).allSatisfy { $0 == 0x20 || $0 == 0x09 } }
        func endsStatement(_ index: Int) -> Bool {
            document.line(index).reversed().first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: ";")
        }
        var first = lineIndex
        while first > 0 && lineIndex - first < 15 {
            let previous = first - 1
            if isBlank(previous) || endsStatement(previous) { break }
            first = previous
        }
        var last = lineIndex
        while last + 1 < document.lineCount && last - lineIndex < 15 && !endsStatement(last) {
            let next = last + 1
            if isBlank(next) { break }
            last = next
        }
        return document.lineRange(first).lowerBound..<document.lineRange(last).upperBound
    }

    /// The SQL to hand to the resolver: in SQL files the statement around the line; in other files the
    /// multi-line string or heredoc that holds the line (without its delimiter lines' code), or else the
    /// string literal that holds the match (`cur.execute("…")` → `…`), or else the line.
    func embeddedSQL(
        around lineIndex: Int, position: Int, line: [UInt8], document: Document, context: SourceContext, isSQL: Bool
    ) -> String {
        if isSQL {
            let window = statementWindow(around: lineIndex, in: document, context: context, isSQL: true)
            return window.map { String(decoding: document.bytes[$0], as: UTF8.self) } ?? document.lineString(lineIndex)
        }
        if let string = context.multilineString(containing: lineIndex), string.lowerBound < string.upperBound {
            var lines: [String] = []
            for index in string {
                let text = document.lineString(index)
                if index == string.lowerBound {
                    // Keep what follows the opening delimiter (`sql = """SELECT …` → `SELECT …`).
                    if let range = Self.delimiterRange(in: text) { lines.append(String(text[range.upperBound...])) }
                } else if index == string.upperBound {
                    if let range = Self.delimiterRange(in: text) {
                        lines.append(String(text[..<range.lowerBound]))
                    } else if context.heredocTag(closing: text) == nil {
                        lines.append(text)
                    }
                } else {
                    lines.append(text)
                }
            }
            return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return Document.literal(in: line, containing: position) ?? document.lineString(lineIndex)
    }

    static func delimiterRange(in text: String) -> Range<String.Index>? {
        for delimiter in ["\"\"\"", "'''", "`"] {
            if let range = text.range(of: delimiter) { return range }
        }
        return nil
    }

    /// Django's lookups and transforms: what may follow a field after `__` without naming a related field.
    static let djangoLookups: Set<String> = [
        "exact", "iexact", "contains", "icontains", "in", "gt", "gte", "lt", "lte", "startswith", "istartswith",
        "endswith", "iendswith", "range", "date", "year", "iso_year", "month", "day", "week", "week_day",
        "iso_week_day", "quarter", "time", "hour", "minute", "second", "isnull", "regex", "iregex", "search",
        "contained_by", "overlap", "has_key", "has_keys", "has_any_keys", "len", "unaccent", "trigram_similar",
        "lower", "upper", "keys", "values",
    ]

    /// Rewrites Django's lookup separators in place so that the column's word boundaries hold; same length,
    /// so columns stay right. Before a lookup (`legacy_status__in`) the separator becomes `, `; before a
    /// related field (`customer__legacy_status`) it becomes `. `, so that the related model is the receiver.
    static func splitDjangoLookups(_ line: inout [UInt8]) {
        guard line.count > 3 else { return }
        func isWord(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte >= 0x80
        }
        var index = 1
        while index + 2 < line.count {
            if line[index] == 0x5F && line[index + 1] == 0x5F && isWord(line[index - 1]) && isWord(line[index + 2]) {
                var end = index + 2
                while end < line.count
                    && (isWord(line[end])
                        || (line[end] == 0x5F && end + 1 < line.count
                            && line[end + 1] != 0x5F))
                {
                    end += 1
                }
                let next = String(decoding: line[(index + 2)..<end], as: UTF8.self).lowercased()
                line[index] = djangoLookups.contains(next) ? UInt8(ascii: ",") : UInt8(ascii: ".")
                line[index + 1] = 0x20
                index += 2
            } else {
                index += 1
            }
        }
    }
}
