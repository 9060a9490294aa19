import Foundation
import Matching

/// Facts about a unit (a file or a cell) that limit its findings whatever rule made them. Computed once per
/// unit with a hit.
struct UnitTraits {
    /// Browser code (`.vue`, `.svelte`, `.jsx`, `.tsx`, or JavaScript/TypeScript under a front-end folder or
    /// using the DOM or a UI framework) that uses no ORM or database client: it reads an API's JSON.
    var isBrowserCode = false
    /// A Rails-style locale file (`config/locales/*.yml`): its keys are scoped by their path.
    var isLocale = false
    /// A gettext catalogue (`.po`, `.pot`): messages are prose.
    var isGettext = false
    var isPython = false
    /// JavaScript or TypeScript (and their component files).
    var isScript = false

    init(ruleName: String, bytes: [UInt8]) {
        let lower = ruleName.lowercased()
        let components = lower.split(separator: "/").map(String.init)
        let name = components.last ?? lower
        let ext = name.contains(".") ? String(name.split(separator: ".").last ?? "") : ""
        let directories = Set(components.dropLast())
        isPython = ext == "py"
        isGettext = ext == "po" || ext == "pot"
        isLocale =
            (ext == "yml" || ext == "yaml")
            && !directories.isDisjoint(with: ["locales", "locale", "i18n", "translations", "lang"])
        isScript = Self.scriptExtensions.contains(ext)
        if isScript {
            let text = String(decoding: bytes, as: UTF8.self)
            if !Self.databaseMarkers.occurs(in: text) {
                isBrowserCode =
                    Self.componentExtensions.contains(ext) || !directories.isDisjoint(with: Self.frontEndDirectories)
                    || lower.contains("app/javascript/") || lower.contains("app/assets/")
                    || Self.browserMarkers.occurs(in: text)
            }
        }
    }

    static let scriptExtensions: Set<String> = ["js", "jsx", "ts", "tsx", "mjs", "cjs", "vue", "svelte"]
    static let componentExtensions: Set<String> = ["jsx", "tsx", "vue", "svelte"]
    static let frontEndDirectories: Set<String> = [
        "frontend", "front-end", "client", "static", "public", "assets", "javascripts", "webapp", "web-ui", "ui",
        "components",
    ]
    /// An ORM, query builder or database client: server code whose reads are the database's.
    static let databaseMarkers = LiteralSet([
        "@prisma/client", "prisma.", "typeorm", "sequelize", "Sequelize", "knex", "drizzle-orm", "mikro-orm",
        "objection", "kysely", "mongoose", "'pg'", "\"pg\"", "mysql", "better-sqlite3", "getRepository",
        "createQueryBuilder", "@Entity", "@Column", "sql`", "pg-promise", "postgres(",
    ])
    /// The DOM, the browser's storage and HTTP objects, and UI frameworks.
    static let browserMarkers = LiteralSet([
        "document.getElement", "document.querySelector", "document.createElement", "document.body", "window.location",
        "window.addEventListener", "localStorage", "sessionStorage", "XMLHttpRequest", "$.ajax", "from 'react'",
        "from \"react\"",
        "from \"mobx\"", "from 'mobx'", "from 'vue'", "from \"vue\"", "useState(", "useEffect(", "defineComponent",
        "<template>", "@angular/",
        "from 'svelte", "jQuery",
    ])
}

extension CodeScanner {
    /// The evidence of a scoped finding once the unit's facts are applied; each limit only lowers it:
    /// - gettext messages, prose (docstrings, log and exception messages, UI labels) and browser code: at most
    ///   `possible`;
    /// - a locale key: by its key path (`activerecord.attributes.order.legacy_status` is `orders`'s; another
    ///   model's attribute is `not-a-use`; any other key or value is at most `possible`);
    /// - a quoted name whose case differs from the column's (`'Created'` for `created`), an SQL output or
    ///   import alias (`AS legacy_status`), a parameter or a method of that name being declared: `not-a-use`;
    /// - a method, property, field or SQL alias of the name defined in the tree (`definitions`): see
    ///   `DefinedNames`.
    func limitedEvidence(
        _ evidence: Evidence, rule: PatternRule, match: Range<Int>, line: [UInt8], lineIndex: Int, hits: [Int],
        info: TargetInfo, document: Document, context: SourceContext, traits: UnitTraits, definitions: [Definition],
        template: TemplateLanguage?, path: String, rescorable: inout RescoreInput?
    ) -> Evidence {
        guard evidence.isUse, !hits.isEmpty, !info.target.isWholeTable else { return evidence }
        // The occurrences of the name itself; a hit inside a longer identifier (`body` in `body_raw`) is
        // another name and decides nothing (unless there is nothing else: the embedded-name rules).
        let all = hits.map { NameOccurrence(line: line, start: $0) }
        let whole = all.filter { info.isSpelling($0.text(in: line)) }
        let words = whole.isEmpty ? all : whole
        if words.allSatisfy({ $0.isQuotedToken && !info.isCaseExactSpelling($0.text(in: line)) }) { return .notAUse }
        if words.allSatisfy({ $0.isAfterAlias(in: line) }) { return .notAUse }
        if Self.isDeclarationLine(line, words: words) { return .notAUse }
        if words.allSatisfy({ Self.isORMOptionKey($0, in: line) }) { return .notAUse }
        if traits.isGettext { return max(evidence, .possible) }
        if traits.isLocale {
            return localeEvidence(
                evidence, line: line, lineIndex: lineIndex, words: words, info: info, document: document)
        }
        var limited = evidence
        if traits.isBrowserCode { limited = max(limited, .possible) }
        if traits.isScript, words.allSatisfy({ Self.isTypeKeyword($0, in: line) }) { return .notAUse }
        // A member's type may describe an API's JSON as well as a row; inside a class the scope maps to the
        // table (a TypeORM entity's `legacy_status: string;`) it is the mapping itself.
        if traits.isScript, words.allSatisfy({ Self.isTypeMember($0, in: line) }),
            rule.scope != .model || context.region(atLine: lineIndex).flatMap(info.mapping(of:)) != true
        {
            limited = max(limited, .possible)
        }
        if words.allSatisfy({
            Self.isProse($0, line: line, lineIndex: lineIndex, document: document, context: context, traits: traits)
        }) {
            limited = max(limited, .possible)
        }
        let isScopedByDefinitions = rule.subject == .column && rule.scorer.isScopedByDefinitions
        if isScopedByDefinitions || !definitions.isEmpty {
            // The occurrences the rule matched (`obj.user.x` in `"x": obj.user.x`), else every one.
            let matched = words.filter { match.overlaps($0.start..<max($0.end, $0.start + 1)) }
            let scopedWords = matched.isEmpty ? words : matched
            // What the tree's definitions, known only once every file is scanned, may still change.
            if isScopedByDefinitions { rescorable = RescoreInput(evidence: limited, words: scopedWords) }
            if !definitions.isEmpty {
                limited = definedNameEvidence(
                    limited, rule: rule, line: line, lineIndex: lineIndex, words: scopedWords, info: info,
                    context: context, definitions: definitions, path: path)
            }
        }
        return limited
    }

    /// The value after a key (`name: value`), without leading spaces; `nil` when the word is not a key.
    static func keyValue(_ word: NameOccurrence, in line: [UInt8]) -> ArraySlice<UInt8>? {
        var index = word.end
        if index < line.count && line[index] == UInt8(ascii: "?") { index += 1 }
        guard index < line.count, line[index] == UInt8(ascii: ":"),
            !(index + 1 < line.count && line[index + 1] == UInt8(ascii: ":"))
        else { return nil }
        return line[(index + 1)...].drop(while: { $0 == 0x20 })
    }

    /// Whether a key is an ORM's own attribute option rather than a column: Sequelize's
    /// `type: DataTypes.STRING`, `type: Sequelize.INTEGER`, `type: sequelize.QueryTypes.SELECT`.
    static func isORMOptionKey(_ word: NameOccurrence, in line: [UInt8]) -> Bool {
        guard let value = keyValue(word, in: line) else { return false }
        return ["DataTypes.", "Sequelize.", "sequelize.", "QueryTypes.", "Sequelize.DataTypes."].contains {
            value.starts(with: Array($0.utf8))
        }
    }

    /// Whether the word is TypeScript's or Flow's `type` keyword: `type Props = {`, `export type Id<T> =`,
    /// `import type { Node }`.
    static func isTypeKeyword(_ word: NameOccurrence, in line: [UInt8]) -> Bool {
        guard word.text(in: line) == "type" else { return false }
        let before = String(decoding: line[..<word.start], as: UTF8.self).trimmingSpaces()
        let after = String(decoding: line[word.end...], as: UTF8.self).trimmingSpaces()
        if before.hasSuffix("import") || before.hasSuffix("export") && after.hasPrefix("{") { return true }
        guard let first = after.first, first.isLetter || first == "_" else { return false }
        let rest = after.drop(while: { $0.isLetter || $0.isNumber || $0 == "_" }).trimmingSpaces()
        return rest.hasPrefix("=") && !rest.hasPrefix("==") || rest.hasPrefix("<")
    }

    /// Whether a key declares a member's type in JavaScript or TypeScript (`type: string,`, `slug?: string;`,
    /// `id: number | null`): a type or interface, which may describe an API's JSON as well as a row.
    static func isTypeMember(_ word: NameOccurrence, in line: [UInt8]) -> Bool {
        guard var value = keyValue(word, in: line) else { return false }
        if value.first == UInt8(ascii: "?") { value = value.dropFirst() }
        let text = String(decoding: value, as: UTF8.self)
        let type = text.prefix(while: { $0.isLetter })
        guard ["string", "number", "boolean", "Date", "bigint"].contains(String(type)) else { return false }
        let rest = text.dropFirst(type.count).trimmingSpaces()
        return rest.isEmpty || rest == "," || rest == ";" || rest.hasPrefix("|") || rest.hasPrefix("[]")
    }

    /// A locale file's key or value: the key path (found by indentation) decides.
    func localeEvidence(
        _ evidence: Evidence, line: [UInt8], lineIndex: Int, words: [NameOccurrence], info: TargetInfo,
        document: Document
    ) -> Evidence {
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        // A value (`status: "Legacy status"`) is a UI string.
        if words.allSatisfy({ $0.start > colon }) { return max(evidence, .possible) }
        let path = Self.yamlKeyPath(at: lineIndex, in: document).map { $0.lowercased() }
        let parents = path.dropLast().map { $0.split(separator: "/").last.map(String.init) ?? $0 }
        let own: Set<String> = [info.modelSnake.lowercased(), info.table.lowercased(), info.modelClass.lowercased()]
        if let parent = parents.last, own.contains(parent) { return min(evidence, .probable) }
        let structural: Set<String> = [
            "attributes", "models", "labels", "label", "hints", "placeholders", "errors", "prompts", "include_blanks",
        ]
        if parents.contains(where: { structural.contains($0) }) { return .notAUse }
        return max(evidence, .possible)
    }

    /// The keys from the document's root to line `lineIndex`'s own key (`en`, `activerecord`, `attributes`,
    /// `order`, `legacy_status`), found by indentation; list items (`- `) are skipped.
    static func yamlKeyPath(at lineIndex: Int, in document: Document) -> [String] {
        func key(_ index: Int) -> (indent: Int, key: String)? {
            let bytes = Array(document.line(index))
            var indent = 0
            while indent < bytes.count && (bytes[indent] == 0x20 || bytes[indent] == 0x09) { indent += 1 }
            guard indent < bytes.count, bytes[indent] != UInt8(ascii: "#"), bytes[indent] != UInt8(ascii: "-"),
                let colon = bytes[indent...].firstIndex(of: UInt8(ascii: ":"))
            else { return nil }
            var name = String(decoding: bytes[indent..<colon], as: UTF8.self)
            name = name.trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
            return name.isEmpty ? nil : (indent, name)
        }
        guard let own = key(lineIndex) else { return [] }
        var path = [own.key]
        var indent = own.indent
        var index = lineIndex - 1
        while index >= 0 && indent > 0 {
            if let parent = key(index), parent.indent < indent {
                path.insert(parent.key, at: 0)
                indent = parent.indent
            }
            index -= 1
        }
        return path
    }

    /// Whether the line declares a function or method whose name or parameters are every occurrence:
    /// `def legacy_status`, `def update(legacy_status:)`, `function f(legacyStatus)`, `func f(legacyStatus
    /// string)`. A declaration names something of the code's own, not the column.
    static func isDeclarationLine(_ line: [UInt8], words: [NameOccurrence]) -> Bool {
        let text = String(decoding: line, as: UTF8.self)
        guard let declaration = FunctionDeclaration(text) else { return false }
        return words.allSatisfy { declaration.names(offset: $0.start) }
    }

    /// Whether an occurrence is prose: in a Python docstring, or in a string literal (not the name alone) that
    /// is a log, print, exception or translation call's argument or a label's value, or that reads as a
    /// sentence rather than SQL.
    static func isProse(
        _ word: NameOccurrence, line: [UInt8], lineIndex: Int, document: Document, context: SourceContext,
        traits: UnitTraits
    ) -> Bool {
        if traits.isPython, context.isDocstring(line: lineIndex, in: document) { return true }
        let mask = Document.quotedMask(of: line)
        guard word.start < mask.count, mask[word.start] else { return false }
        var open = word.start
        while open > 0 && mask[open - 1] { open -= 1 }
        var close = word.start
        while close + 1 < line.count && mask[close + 1] { close += 1 }
        let body = String(decoding: line[min(open + 1, close)..<close], as: UTF8.self)
        let prefix = String(decoding: line[..<open], as: UTF8.self)
        if let call = callName(before: prefix),
            proseCalls.contains(call) || call.hasSuffix("Error")
                || call.hasSuffix("Exception")
        {
            return true
        }
        if let label = labelName(before: prefix) {
            if proseLabels.contains(label.lowercased()) { return true }
            // Data written under another name (`body_raw=b"this is body"`, `"note": "the body"`), not SQL.
            if !word.isQuotedToken, !CodeScanner.isSpellingOfName(label, word: word, in: line),
                !sqlLabels.contains(label.lowercased()), !looksLikeSQL(body)
            {
                return true
            }
        }
        return looksLikeSentence(body)
    }

    /// Keys and keyword arguments whose string values are SQL or a column list.
    static let sqlLabels: Set<String> = [
        "sql", "query", "where", "select", "order", "order_by", "orderby", "sort", "group", "group_by", "having",
        "tables", "columns", "fields", "raw", "statement", "condition", "conditions", "filter", "expression",
        "returning", "on", "join", "joins", "include", "attributes", "pluck",
    ]

    /// Whether a literal's text has SQL's shape: an operator, a placeholder, parentheses, or a clause keyword.
    static func looksLikeSQL(_ body: String) -> Bool {
        if body.contains(where: { "=<>?$%{}();*".contains($0) }) { return true }
        let clauses: Set<String> = [
            "select", "from", "where", "join", "order", "group", "having", "returning", "values", "insert",
            "update", "delete", "into", "set", "asc", "desc", "null", "distinct", "limit",
        ]
        return body.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" }).contains {
            clauses.contains($0.lowercased())
        }
    }

    /// Whether `label` is the occurrence's own name (`body: "body text"`): then the key decides, not the value.
    static func isSpellingOfName(_ label: String, word: NameOccurrence, in line: [UInt8]) -> Bool {
        label.lowercased() == word.text(in: line).lowercased()
    }

    static let proseCalls: Set<String> = [
        "info", "debug", "warn", "warning", "error", "critical", "exception", "fatal", "log", "print", "puts",
        "println", "printf", "Printf", "Println", "Infof", "Errorf", "Warnf", "Debugf", "Fatalf", "logf", "_",
        "gettext", "gettext_lazy", "ugettext", "ugettext_lazy", "pgettext", "ngettext", "gettext_noop", "alert",
        "confirm", "toast", "notice", "flash", "raise", "abort", "fail", "NSLocalizedString", "String(localized",
        "assert", "trace", "notify", "message",
    ]
    static let proseLabels: Set<String> = [
        "verbose_name", "verbose_name_plural", "help_text", "label", "placeholder", "title", "description",
        "message", "msg", "hint", "summary", "error_message", "notice", "alert", "tooltip", "caption",
    ]

    /// The name of the call whose open parenthesis encloses the end of `prefix` (`logger.info("…` → `info`,
    /// `raise ValueError(f"…` → `ValueError`), if the literal is one of its arguments (not a subscript).
    static func callName(before prefix: String) -> String? {
        let bytes = Array(prefix.utf8)
        var depth = 0
        var index = bytes.count - 1
        // The literal's own prefix (`f"`, `r'`, `_(`): skip string prefixes.
        while index >= 0 && (bytes[index] == UInt8(ascii: "f") || bytes[index] == UInt8(ascii: "r")) { index -= 1 }
        var sawSeparator = true
        while index >= 0 {
            let byte = bytes[index]
            if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") {
                depth += 1
            } else if byte == UInt8(ascii: "[") {
                if depth == 0 { return nil }
                depth -= 1
            } else if byte == UInt8(ascii: "(") {
                if depth == 0 {
                    guard sawSeparator else { return nil }
                    var end = index
                    while end > 0 && bytes[end - 1] == 0x20 { end -= 1 }
                    var start = end
                    while start > 0 && isIdentifierByte(bytes[start - 1]) { start -= 1 }
                    return start < end ? String(decoding: bytes[start..<end], as: UTF8.self) : nil
                }
                depth -= 1
            } else if byte == UInt8(ascii: " ") && depth == 0 && index > 0 && isIdentifierByte(bytes[index - 1]) {
                // Ruby and Python 2 calls without parentheses: `puts "…"`, `raise "…"`.
                var start = index
                while start > 0 && isIdentifierByte(bytes[start - 1]) { start -= 1 }
                let word = String(decoding: bytes[start..<index], as: UTF8.self)
                if proseCalls.contains(word) { return word }
            }
            index -= 1
        }
        return nil
    }

    /// The keyword or key the literal is the value of: `help_text="…` → `help_text`, `label: '…` → `label`.
    static func labelName(before prefix: String) -> String? {
        var bytes = Array(prefix.utf8)
        // A string prefix (`b"`, `rb"`, `u'`) right before the quote: one or two such letters after a non-word.
        var letters = 0
        while letters < 2 && letters < bytes.count && "bBrRuU".utf8.contains(bytes[bytes.count - 1 - letters]) {
            letters += 1
        }
        if letters > 0 && (letters == bytes.count || !isIdentifierByte(bytes[bytes.count - 1 - letters])) {
            bytes.removeLast(letters)
        }
        while let last = bytes.last,
            last == 0x20 || last == UInt8(ascii: "f") || last == UInt8(ascii: "_")
                || last == UInt8(ascii: "(")
        {
            bytes.removeLast()
        }
        guard let last = bytes.last, last == UInt8(ascii: "=") || last == UInt8(ascii: ":") else { return nil }
        bytes.removeLast()
        // `help_text="…"` is a keyword argument; `label = "…"` assigns a variable.
        if last == UInt8(ascii: "="), bytes.last == 0x20 { return nil }
        while let byte = bytes.last, byte == 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            bytes.removeLast()
        }
        var start = bytes.count
        while start > 0 && isIdentifierByte(bytes[start - 1]) { start -= 1 }
        return start < bytes.count ? String(decoding: bytes[start...], as: UTF8.self) : nil
    }

    /// A literal of at least three words with no SQL keyword, operator or placeholder: a message, not a query.
    static func looksLikeSentence(_ body: String) -> Bool {
        let words = body.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
        guard words.count >= 3 else { return false }
        if body.contains(where: { "=<>?$%{}();*".contains($0) }) { return false }
        let sqlWords: Set<String> = [
            "select", "from", "where", "update", "insert", "into", "delete", "set", "join", "order", "group", "by",
            "asc", "desc", "is", "null", "and", "or", "not", "in", "like", "between", "as", "on", "values",
            "returning", "having", "limit", "distinct", "case", "when", "then", "coalesce", "alter", "table", "add",
            "column", "drop", "index",
        ]
        return !words.contains { sqlWords.contains($0.lowercased()) }
    }
}

/// One occurrence of a target's name on a line.
struct NameOccurrence: Equatable {
    let start: Int
    let end: Int

    init(line: [UInt8], start: Int) {
        self.start = start
        var end = start
        while end < line.count && CodeScanner.isIdentifierByte(line[end]) { end += 1 }
        self.end = end
        let before: UInt8 = start > 0 ? line[start - 1] : 0
        let after: UInt8 = end < line.count ? line[end] : 0
        isQuotedToken =
            (before == UInt8(ascii: "\"") || before == UInt8(ascii: "'") || before == UInt8(ascii: "`"))
            && after == before
    }

    /// Whether the name is alone between quotes (`"created"`, `'Created'`).
    let isQuotedToken: Bool

    func text(in line: [UInt8]) -> String { String(decoding: line[start..<end], as: UTF8.self) }

    /// Whether the word directly follows `AS` (SQL output alias, Python `import … as`).
    func isAfterAlias(in line: [UInt8]) -> Bool {
        var index = start
        if index > 0 && (line[index - 1] == UInt8(ascii: "\"") || line[index - 1] == UInt8(ascii: "`")) { index -= 1 }
        guard index > 0, line[index - 1] == 0x20 || line[index - 1] == 0x09 else { return false }
        while index > 0 && (line[index - 1] == 0x20 || line[index - 1] == 0x09) { index -= 1 }
        guard index >= 3 else { return false }
        let word = line[(index - 2)..<index].map { $0 | 0x20 }
        return word == [UInt8(ascii: "a"), UInt8(ascii: "s")] && !CodeScanner.isIdentifierByte(line[index - 3])
    }
}

extension TargetInfo {
    /// Whether an identifier is the column's name in one of its spellings (case folded for foldable names).
    func isSpelling(_ text: String) -> Bool {
        guard let column = target.column else { return false }
        if facts.aliases.contains(text) { return true }
        if !column.isFoldable { return text == column.name }
        let lower = text.lowercased()
        return columnSpellings.contains { $0.lowercased() == lower }
    }

    /// Whether a quoted name is spelled as code or SQL names the column (`legacy_status`, `legacyStatus`), as
    /// opposed to another case (`'Created'` for `created`, `"LEGACY_STATUS"`).
    func isCaseExactSpelling(_ text: String) -> Bool {
        guard let column = target.column else { return true }
        if facts.aliases.contains(text) { return true }
        if !column.isFoldable { return text == column.name }
        let spellings = NameSpellings(column.name)
        return text == spellings.snake || text == spellings.camel
    }
}

extension SourceContext {
    /// Whether `line` is in a Python docstring: a string that opens a line as the first statement after a
    /// `def` or `class` line (or the `):` closing its signature), or at the top of the module.
    func isDocstring(line: Int, in document: Document) -> Bool {
        let opening = multilineString(containing: line)?.lowerBound ?? line
        let text = document.lineString(opening).trimmingSpaces()
        let body = text.drop(while: { "rRuUbB".contains($0) })
        guard body.hasPrefix("\"\"\"") || body.hasPrefix("'''") || (opening == line && body.first == "\"") else {
            return false
        }
        var index = opening - 1
        while index >= 0 {
            let previous = document.lineString(index).trimmingSpaces()
            if previous.isEmpty || previous.hasPrefix("#") {
                index -= 1
                continue
            }
            guard previous.hasSuffix(":") else { return false }
            return previous.hasPrefix("def ") || previous.hasPrefix("async def ") || previous.hasPrefix("class ")
                || previous.hasPrefix(")")
        }
        return true
    }
}
