import Matching

/// What a file's name alone does not say: scripts without an extension are read by their shebang, and
/// template files (Django/Jinja, ERB) are their own ecosystem.
enum SourceDialect {
    /// The name the rules' `files:` globs and the comment style see: the path itself, or for a file without an
    /// extension that starts with a shebang, the path with the interpreter's extension (`bin/sync` with
    /// `#!/usr/bin/env python3` → `bin/sync.py`), so that it is scanned with that ecosystem's rules.
    static func ruleName(forPath relativePath: String, bytes: [UInt8]) -> String {
        let name = relativePath.split(separator: "/").last ?? Substring(relativePath)
        guard !name.contains("."), bytes.count > 2, bytes[0] == UInt8(ascii: "#"), bytes[1] == UInt8(ascii: "!"),
            let ext = shebangExtension(bytes)
        else {
            return relativePath
        }
        return relativePath + "." + ext
    }

    /// The extension of the interpreter a `#!` line names: `#!/usr/bin/env python3` → `py`,
    /// `#!/usr/bin/ruby -w` → `rb`, `#!/bin/bash` → `sh`, `#!/usr/bin/env -S node --flag` → `js`.
    static func shebangExtension(_ bytes: [UInt8]) -> String? {
        let end = bytes.prefix(256).firstIndex(of: 0x0A) ?? min(bytes.count, 256)
        let line = String(decoding: bytes[2..<end], as: UTF8.self)
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard !words.isEmpty else { return nil }
        var program = words.removeFirst().split(separator: "/").last.map(String.init) ?? ""
        if program == "env" {
            // `env -S node --flag`, `env PYTHONPATH=. python3`: the first word that is neither an option nor an
            // assignment.
            guard let next = words.first(where: { !$0.hasPrefix("-") && !$0.contains("=") }) else { return nil }
            program = next.split(separator: "/").last.map(String.init) ?? next
        }
        let interpreters: [(prefix: String, ext: String)] = [
            ("python", "py"), ("pypy", "py"), ("ruby", "rb"), ("jruby", "rb"), ("bash", "sh"), ("zsh", "sh"),
            ("dash", "sh"), ("ksh", "sh"), ("sh", "sh"), ("ts-node", "ts"), ("tsx", "ts"), ("node", "js"),
            ("nodejs", "js"), ("deno", "ts"), ("bun", "ts"), ("perl", "pl"), ("php", "php"), ("swift", "swift"),
            ("psql", "sql"),
        ]
        for (prefix, ext) in interpreters where program.hasPrefix(prefix) {
            // `python3.11`, `ruby2.7`, `node18`, but not `shellcheck` for `sh`.
            let rest = program.dropFirst(prefix.count)
            if rest.allSatisfy({ $0.isNumber || $0 == "." }) { return ext }
        }
        return nil
    }
}

/// A template language whose expressions name a model's fields through a context variable.
enum TemplateLanguage: Equatable {
    /// Django and Jinja: `{{ order.legacy_status }}`, `{% if order.legacy_status %}`.
    case django
    /// ERB: `<%= @order.legacy_status %>`, `<%= f.text_field :legacy_status %>`.
    case erb

    private static let djangoExtensions: Set<String> = ["jinja", "jinja2", "j2", "djhtml", "njk"]
    private static let markupExtensions: Set<String> = ["html", "htm", "xml", "txt", "svg"]

    /// The template language of a file: `.erb` (`show.html.erb`), Jinja's own extensions, or HTML, XML and
    /// text that use `{{`/`{%` tags (Django's `templates/…/*.html`); `nil` for anything else.
    static func of(ruleName: String, bytes: [UInt8]) -> TemplateLanguage? {
        let lower = ruleName.lowercased()
        let ext = lower.split(separator: ".").last.map(String.init) ?? ""
        if ext == "erb" { return .erb }
        if djangoExtensions.contains(ext) { return .django }
        guard markupExtensions.contains(ext) else { return nil }
        return hasDjangoTags(bytes) ? .django : nil
    }

    /// Whether the bytes hold `{{` or `{%`.
    static func hasDjangoTags(_ bytes: [UInt8]) -> Bool {
        var index = 0
        let count = bytes.count
        while index + 1 < count {
            if bytes[index] == UInt8(ascii: "{") {
                let next = bytes[index + 1]
                if next == UInt8(ascii: "{") || next == UInt8(ascii: "%") { return true }
            }
            index += 1
        }
        return false
    }
}

extension CodeScanner {
    /// The evidence of a template rule's match in a template: a member of a variable named after the model
    /// (`order.x`, `@order.x`, `orders.x`) or a form builder over such a variable (`form_with model: @order` …
    /// `f.text_field :x`) keeps the rule's evidence; any other variable, and text, is at most `possible`. (A
    /// template comment, `{# … #}`, `{% comment %}`, `<%# … %>`, makes any rule's match `not-a-use`: see
    /// `isInTemplateComment`.)
    func templateEvidence(
        rule: PatternRule, match: Range<Int>, line: [UInt8], lineIndex: Int, info: TargetInfo, document: Document,
        path: String = ""
    ) -> Evidence {
        let ceiling = rule.evidence
        if rule.scope == .templateName {
            // The table's rows in the template rendered for them (`containers.html`, `order_list.html`).
            return Self.isTemplate(path, renderedFor: info) ? ceiling : max(ceiling, .possible)
        }
        let variable: String?
        switch rule.scope {
        case .templateVariable:
            variable = Self.receiver(before: match.lowerBound, in: line)
        case .templateForm:
            variable = Self.formModelVariable(before: lineIndex, in: document)
        default:
            variable = nil
        }
        guard let variable else { return max(ceiling, .possible) }
        if info.receivers.contains(variable) { return ceiling }
        // A generic view's `object` in the template rendered for the model (`dcim/platform.html`,
        // `shop/order_detail.html`).
        if Self.genericObjectNames.contains(variable) && Self.isTemplate(path, renderedFor: info) { return ceiling }
        return max(ceiling, .possible)
    }

    /// The names generic views and admin templates give the object they render.
    static let genericObjectNames: Set<String> = ["object", "instance", "original"]

    /// Whether a template is named after the target's model as Django's generic views name theirs:
    /// `<model>.html`, `<model>_detail.html`, `<model>_list.html`, `<model>_form.html`, … (case and `_` ignored).
    static func isTemplate(_ path: String, renderedFor info: TargetInfo) -> Bool {
        guard let file = path.split(separator: "/").last, let stem = file.split(separator: ".").first else {
            return false
        }
        var name = String(stem).lowercased()
        for suffix in ["_detail", "_list", "_form", "_edit", "_confirm_delete", "_delete", "_table", "_view"]
        where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
            break
        }
        name = name.replacingOccurrences(of: "_", with: "")
        guard !name.isEmpty else { return false }
        var models =
            info.facts.ownClasses.map { $0.lowercased() } + [
                info.modelClass.lowercased(), info.table.lowercased().replacingOccurrences(of: "_", with: ""),
            ]
        // Without the index: Django's `<app>_<model>` table names the model (`shop_order` → `order`).
        if info.facts.ownClasses.isEmpty {
            models += Placeholders.djangoModelTails(forTable: info.table).map {
                $0.replacingOccurrences(of: "_", with: "")
            }
        }
        return models.contains(name)
    }

    /// The variable an ERB form is built for, from the nearest `form_with(model: @order`, `form_for @order`,
    /// `simple_form_for(@order`, `fields_for :order` at or above the line (lower-cased, without `@` or `:`).
    static func formModelVariable(before lineIndex: Int, in document: Document) -> String? {
        let openers = ["form_with", "form_for", "simple_form_for", "fields_for", "semantic_form_for"]
        var index = lineIndex
        while index >= 0 && lineIndex - index < 200 {
            let text = document.lineString(index)
            for opener in openers {
                guard let range = text.range(of: opener) else { continue }
                var rest = text[range.upperBound...]
                if let model = rest.range(of: "model:") { rest = rest[model.upperBound...] }
                let trimmed = rest.drop(while: { $0 == " " || $0 == "(" || $0 == "@" || $0 == ":" || $0 == "[" })
                let name = trimmed.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
                return name.isEmpty ? nil : name.lowercased()
            }
            index -= 1
        }
        return nil
    }

    /// Whether `position` sits in a template comment: `{# … #}` or `<%# … %>` on the line, or a
    /// `{% comment %}` block opened above and not closed before the line.
    static func isInTemplateComment(_ position: Int, line: [UInt8], lineIndex: Int, document: Document) -> Bool {
        let text = String(decoding: line[..<min(position, line.count)], as: UTF8.self)
        if let open = text.range(of: "{#", options: .backwards), !text[open.upperBound...].contains("#}") {
            return true
        }
        if let open = text.range(of: "<%#", options: .backwards), !text[open.upperBound...].contains("%>") {
            return true
        }
        var index = lineIndex - 1
        while index >= 0 && lineIndex - index < 100 {
            let previous = document.lineString(index)
            if previous.contains("endcomment") { return false }
            if previous.contains("{% comment") { return true }
            index -= 1
        }
        return false
    }
}
