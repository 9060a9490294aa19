import Matching

/// Scoping evidence that the file's place and the calls around a line give a common name: a REST route
/// folder named after the model, the application's own data-access wrappers (`createBoard({ slug })`), a
/// Django form or filterset named after its model, the model an option of a form field refers to
/// (`to_field_name=` with `queryset=`), and the calls that name attributes as strings (`load_only("x")`).
extension CodeScanner {
    /// Folders under which each file handles one resource's requests: Next.js `app/api/boards/route.ts`,
    /// `pages/api/boards/[id].ts`, Express `routes/boards.js`.
    static let routeRoots: Set<String> = ["api", "routes"]

    /// File stems that name no resource (`route.ts`, `index.js`).
    static let routeFileStems: Set<String> = ["route", "index", "page", "handler", "handlers", "controller"]

    /// The static path segments below the last `api/` or `routes/` folder, deepest first: dynamic segments
    /// (`[boardId]`, `[...slug]`, `(group)`, `:id`, `{id}`), versions (`v1`) and generic file stems left out.
    static func routeSegments(_ path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        guard let root = parts.dropLast().lastIndex(where: { routeRoots.contains($0.lowercased()) }) else { return [] }
        var segments: [String] = []
        for (offset, part) in parts[(root + 1)...].enumerated() {
            var name = part
            if root + 1 + offset == parts.count - 1 {
                name = String(part.split(separator: ".").first ?? "")
                if routeFileStems.contains(name.lowercased()) { continue }
            }
            guard let first = name.first, first.isLetter else { continue }
            let lower = name.lowercased()
            if lower.count <= 3 && lower.first == "v" && lower.dropFirst().allSatisfy(\.isNumber) { continue }
            segments.append(name)
        }
        return segments.reversed()
    }

    /// What marks a file under `api/` or `routes/` as the server's handler rather than a client of the API
    /// (`web/src/api/orders.ts` calling `fetch`): HTTP handlers and routers.
    static let serverRouteMarkers = LiteralSet([
        "export async function GET", "export async function POST", "export async function PUT",
        "export async function PATCH", "export async function DELETE", "export function GET", "export function POST",
        "router.", "Router(", "@app.route", "@router.", "APIRouter", "Blueprint(", ".route(",
    ])

    /// Whether the file is a server's REST route named after the target's model
    /// (`app/api/boards/[boardId]/route.ts` for `board`): a Next.js `route.*` or `pages/api/` file, or one that
    /// declares HTTP handlers. The deepest static segment that names a model decides, so that
    /// `api/boards/[boardId]/shares/route.ts` is `Share`'s; without an index only the deepest segment speaks.
    static func routeNamesOwnModel(_ path: String, bytes: [UInt8], info: TargetInfo) -> Bool {
        let segments = routeSegments(path)
        guard !segments.isEmpty else { return false }
        let stem = path.split(separator: "/").last?.split(separator: ".").first ?? ""
        guard
            stem == "route" || path.contains("pages/api/")
                || serverRouteMarkers.occurs(inBytes: bytes)
        else { return false }
        for segment in segments {
            let snake = segment.replacingOccurrences(of: "-", with: "_")
            let plural = NameSpellings(snake.lowercased()).pascal
            let singular = NameSpellings.modelNames(forTable: snake.lowercased()).className
            for name in [plural, singular] {
                if info.isOwnModelName(name) { return true }
                if info.facts.classTables[name] != nil { return false }
            }
            if info.facts.classTables.isEmpty { return false }
        }
        return false
    }

    /// Verbs the application's own data-access functions start with (`createBoard`, `get_user_boards`).
    static let wrapperVerbs: Set<String> = [
        "create", "update", "upsert", "delete", "remove", "destroy", "get", "find", "fetch", "load", "save",
        "insert", "add", "list", "count",
    ]

    /// The model names a data-access wrapper called on the line may stand for, longest first: `createBoard(`
    /// → `Board`; `getUserBoards(` → `UserBoards`, `UserBoard`, `Boards`, `Board`; `create_board(` → `Board`.
    static func wrapperModels(on line: [UInt8]) -> [String] {
        var names: [String] = []
        var index = 0
        while index < line.count {
            guard isIdentifierByte(line[index]), index == 0 || !isIdentifierByte(line[index - 1]) else {
                index += 1
                continue
            }
            var end = index
            while end < line.count && isIdentifierByte(line[end]) { end += 1 }
            defer { index = end }
            guard end < line.count, line[end] == UInt8(ascii: "("), line[index] >= 0x61, line[index] <= 0x7A else {
                continue
            }
            let word = String(decoding: line[index..<end], as: UTF8.self)
            var tails: [String] = []
            if word.contains("_") {
                let parts = word.split(separator: "_").map(String.init)
                guard let verb = parts.first, wrapperVerbs.contains(verb), parts.count > 1 else { continue }
                for start in 1..<parts.count { tails.append(parts[start...].joined(separator: "_")) }
            } else {
                let verb = word.prefix(while: { $0.isLowercase })
                guard wrapperVerbs.contains(String(verb)), verb.count < word.count else { continue }
                let rest = Array(word.dropFirst(verb.count))
                for (offset, character) in rest.enumerated() where character.isUppercase {
                    tails.append(TargetInfo.snakeCase(String(rest[offset...])))
                }
            }
            for tail in tails where !tail.isEmpty {
                let plural = NameSpellings(tail).pascal
                let singular = NameSpellings.modelNames(forTable: tail).className
                names.append(plural)
                if singular != plural { names.append(singular) }
            }
        }
        return names
    }

    /// Suffixes of the classes a Django app names after a model (`SiteBulkEditForm`, `SiteFilterSet`,
    /// `SiteTable`, `SiteSerializer`, `SiteAdmin`).
    static let helperClassSuffixes = ["Form", "FilterSet", "Table", "Serializer", "Admin"]

    /// The model a Django helper class without `model =` is named after: the longest indexed model class its
    /// name begins with (`SiteGroupBulkEditForm` → `SiteGroup`, not `Site`), provided the class ends in a
    /// helper suffix and sits in the app that defines the model (`netbox/dcim/forms/bulk_edit.py` for
    /// `netbox/dcim/models/sites.py`).
    static func helperClassModel(named name: String, path: String, info: TargetInfo) -> String? {
        guard info.facts.classTables[name] == nil, helperClassSuffixes.contains(where: { name.hasSuffix($0) }) else {
            return nil
        }
        var best: String?
        for (model, apps) in info.facts.djangoApps where name.count > model.count && name.hasPrefix(model) {
            let next = name[name.index(name.startIndex, offsetBy: model.count)]
            guard next.isUppercase, apps.contains(where: { path.hasPrefix($0 + "/") }) else { continue }
            if model.count > (best?.count ?? 0) { best = model }
        }
        return best
    }

    /// The unclosed `(` or `[` that encloses `position` on the line, or on a line above (within 20): the
    /// line's 0-based index, its bytes and the bracket's offset.
    static func enclosingBracket(at position: Int, line: [UInt8], lineIndex: Int, document: Document) -> (
        index: Int, text: [UInt8], open: Int
    )? {
        func brackets(_ text: [UInt8], upTo end: Int) -> (opens: [Int], closes: Int) {
            let mask = Document.quotedMask(of: text)
            var opens: [Int] = []
            var closes = 0
            for position in 0..<min(end, text.count) where !mask[position] {
                let byte = text[position]
                if byte == UInt8(ascii: "#") { break }
                if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                    opens.append(position)
                } else if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                    if opens.isEmpty { closes += 1 } else { opens.removeLast() }
                }
            }
            return (opens, closes)
        }
        let own = brackets(line, upTo: position)
        if let open = own.opens.last { return line[open] == UInt8(ascii: "{") ? nil : (lineIndex, line, open) }
        var closers = own.closes
        var index = lineIndex - 1
        while index >= 0 && lineIndex - index <= 20 {
            let text = Array(document.line(index))
            let found = brackets(text, upTo: text.count)
            if found.opens.count > closers {
                let open = found.opens[found.opens.count - closers - 1]
                return text[open] == UInt8(ascii: "{") ? nil : (index, text, open)
            }
            closers += found.closes - found.opens.count
            index -= 1
        }
        return nil
    }

    /// The name that owns a bracket: the function called (`load_only(`), or the keyword a list is given to
    /// (`update_fields=[`); a list passed to a call (`only([`) is the call's.
    static func bracketOwner(_ text: [UInt8], open: Int) -> String? {
        var end = open
        while end > 0 && (text[end - 1] == 0x20 || text[end - 1] == 0x09) { end -= 1 }
        if text[open] == UInt8(ascii: "["), end > 0 {
            if text[end - 1] == UInt8(ascii: "(") { return bracketOwner(text, open: end - 1) }
            guard text[end - 1] == UInt8(ascii: "=") else { return nil }
            end -= 1
            while end > 0 && text[end - 1] == 0x20 { end -= 1 }
        }
        var start = end
        while start > 0 && isIdentifierByte(text[start - 1]) { start -= 1 }
        return start < end ? String(decoding: text[start..<end], as: UTF8.self) : nil
    }

    /// Calls and keywords whose string arguments name model attributes: SQLAlchemy's `load_only`, `defer`,
    /// `undefer`; Python's `getattr`/`setattr`/`hasattr`; Django's `values`, `values_list`, `only`, `defer`,
    /// `update_fields=[…]`.
    static let attributeNamingCalls: Set<String> = [
        "load_only", "defer", "undefer", "getattr", "setattr", "hasattr", "values", "values_list", "only",
        "update_fields",
    ]

    /// Whether the quoted name at `position` is an argument of a call that names model attributes.
    static func isAttributeNamingArgument(at position: Int, line: [UInt8], lineIndex: Int, document: Document)
        -> Bool
    {
        guard let bracket = enclosingBracket(at: position, line: line, lineIndex: lineIndex, document: document),
            let owner = bracketOwner(bracket.text, open: bracket.open)
        else { return false }
        return attributeNamingCalls.contains(owner)
    }

    /// The model of a form field's `to_field_name='x'` (Django's `ModelChoiceField`, django-filter's
    /// `ModelMultipleChoiceFilter`): the field names a column of the `queryset=` model of the same call, not of
    /// the form's model.
    static func toFieldNameModel(words: [NameOccurrence], line: [UInt8], lineIndex: Int, document: Document)
        -> String?
    {
        let key = Array("to_field_name".utf8)
        guard
            let word = words.first(where: { word in
                guard word.isQuotedToken, word.start > 1 else { return false }
                var end = word.start - 1
                while end > 0 && line[end - 1] == 0x20 { end -= 1 }
                guard end > 0, line[end - 1] == UInt8(ascii: "=") else { return false }
                end -= 1
                while end > 0 && line[end - 1] == 0x20 { end -= 1 }
                return end >= key.count && Array(line[(end - key.count)..<end]) == key
            }),
            let bracket = enclosingBracket(at: word.start, line: line, lineIndex: lineIndex, document: document)
        else { return nil }
        let needle = Array("queryset".utf8)
        for index in bracket.index...min(lineIndex + 8, document.lineCount - 1) {
            let text = index == lineIndex ? line : Array(document.line(index))
            guard let found = text.firstRange(of: needle) else { continue }
            var after = found.upperBound
            while after < text.count && text[after] == 0x20 { after += 1 }
            guard after < text.count, text[after] == UInt8(ascii: "=") else { continue }
            if let model = modelsCalled(on: Array(text[(after + 1)...])).first { return model }
        }
        return nil
    }
}
