import Catalog
import Foundation
import Matching
import Report

/// Finds the places in one source file that reference the targets, with an evidence tier for each.
///
/// A word prefilter finds every spelling of each target (snake_case, camelCase, PascalCase, UPPER_SNAKE, the
/// model names behind a table); on each line with a hit, the rules that apply to the file run strongest
/// first, and the first that matches gives the finding. Each rule is scored by the scorer of the family its
/// `ecosystem:` declares (see `RuleScorer`). Its evidence is an upper bound that scoping may lower: to the
/// model that encloses a declaration, to the receiver of a member access, to whether the file names the table
/// or its model at all, and to `not-a-use` for comments, another model's column of the same name, or a local
/// variable that merely shares the name. Built once, shared read-only by every worker.
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
    /// The ids of the rules whose findings the tree's definitions may rescore (see `RuleScorer`).
    private let definitionScopedRuleIDs: Set<String>
    private let sqlResolver: (any EmbeddedSQLResolver)?
    /// The `files:` globs of the library's source rules, each once (see `GlobResults`).
    private let ruleGlobs: RuleGlobs

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
            // Strongest first; among equals, by the family's rank (the frameworks' rules before SQL before the
            // generic code rules), then load order.
            return forTarget.enumerated().sorted { lhs, rhs in
                let left = (lhs.element.rule.evidence, lhs.element.rule.scorer.rank, lhs.offset)
                let right = (rhs.element.rule.evidence, rhs.element.rule.scorer.rank, rhs.offset)
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
        definitionScopedRuleIDs = Set(library.rules.filter { $0.scorer.isScopedByDefinitions }.map(\.id))
        ruleGlobs = RuleGlobs(library.rules.filter { $0.inputs.contains(.source) })
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

    /// Whether the tree's definitions of a name can change a finding of the rule with this id (the generic code
    /// and template families'): the files with such findings are scanned again with them.
    public func definitionsCanRescore(rule id: String) -> Bool { definitionScopedRuleIDs.contains(id) }

    /// What the scanner knows of target `index` (its spellings, models, receivers).
    func info(ofTarget index: Int) -> TargetInfo { infos[index] }

    /// Rules that did not compile for a target when its rules were first needed (the target's lines were scanned
    /// without them).
    public var ruleProblems: [RuleCompileError] { rules.problems }

    /// Whether a file names any target at all (the word prefilter and embedded names): files that do not are
    /// not scanned further. Cheap; the pipeline's first pass asks it of every file.
    public func mightReference(bytes: [UInt8], scratch: MatchScratch) -> Bool {
        // The word prefilter's hits first: a file they settle is not searched for embedded names.
        var named = false
        bytes.withUnsafeBytes { buffer in
            prefilter.scan(buffer, scratch: scratch) { name, _ in
                if !named && nameRoles[name].contains(where: \.isPrimary) { named = true }
            }
        }
        if named { return true }
        return hits(in: bytes, scratch: scratch).contains { hit in nameRoles[hit.name].contains { $0.isPrimary } }
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
        // Each family's scorer says whether its rules run in a template (templates run their own rules and the
        // frameworks' queries; other files never run template rules).
        // Once per rule and file: every target has its own copy of a rule, and matching the path's globs costs.
        var admitted: [String: Bool] = [:]
        var globs = GlobResults(globs: ruleGlobs, path: unit.ruleName)
        func admits(_ rule: CompiledRule) -> Bool {
            if let known = admitted[rule.rule.id] { return known }
            let value =
                globs.applies(rule.rule)
                && rule.rule.scorer.admits(rule.rule, inTemplate: template != nil)
            admitted[rule.rule.id] = value
            return value
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
                                template != nil && rule.rule.scorer.leadsInTemplate(rule.rule)
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
                let site = MatchSite(
                    rule: rule.rule, match: match, line: lineBytes, lineIndex: lineIndex, hits: relative, info: info,
                    document: document, context: context, scoped: scoped[targetIndex], path: unit.ruleName,
                    template: template,
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
                let scorer = rule.rule.scorer
                // A template comment makes any rule's match `not-a-use`; otherwise the rule's family scores it.
                var evidence =
                    template != nil
                        && Self.isInTemplateComment(
                            match.lowerBound, line: lineBytes, lineIndex: lineIndex, document: document)
                    ? .notAUse : scorer.evidence(of: site, scanner: self)
                if evidence.isUse, let resolver = sqlResolver, scorer.resolvesEmbeddedSQL || isSQLFile {
                    let sql = embeddedSQL(
                        around: lineIndex, position: offset, line: lineBytes, document: document, context: context,
                        isSQL: isSQLFile)
                    if let resolved = resolver.evidence(forSQL: sql, targetIndex: targetIndex) { evidence = resolved }
                }
                var rescorable: RescoreInput?
                evidence = limitedEvidence(
                    evidence, rule: rule.rule, match: match, line: lineBytes, lineIndex: lineIndex,
                    hits: relative.filter { $0 >= 0 && $0 < lineBytes.count }, info: info, document: document,
                    context: context, traits: traits, definitions: definitions?[target: targetIndex] ?? [],
                    template: template, path: unit.path, rescorable: &rescorable)
                // A model of the dropped table, declared on this line (`class Containers(db.Model):`).
                let isOwnDeclaration =
                    info.target.isWholeTable && info.facts.ownDeclarations.contains("\(unit.path):\(lineIndex + 1)")
                if isOwnDeclaration { evidence = .confirmed }
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
                let isStateOnly = unit.classification == .migration && context.isStateOnlyOperation(line: lineIndex)
                switch Self.placement(
                    of: evidence, isDeprecationRule: rule.rule.scope == .deprecation,
                    classification: unit.classification, isStateOnly: isStateOnly)
                {
                case .deprecations: result.deprecations[targetIndex].append(finding)
                case .declarations: result.declarations[targetIndex].append(finding)
                case .findings: result.findings[targetIndex].append(finding)
                }
                if let rescorable {
                    result.rescorable.append(
                        RescorableFinding(
                            targetIndex: targetIndex, cell: unit.cell, line: lineIndex + 1, rule: rule.rule.id,
                            input: rescorable, lineBytes: lineBytes,
                            regionName: context.region(atLine: lineIndex)?.name, unitPath: unit.path,
                            isOwnDeclaration: isOwnDeclaration, isDeprecationRule: rule.rule.scope == .deprecation,
                            isStateOnly: isStateOnly, classification: unit.classification))
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
}
