/// The spellings under which code refers to a target's names: snake_case as stored, camelCase,
/// PascalCase, UPPER_SNAKE (jOOQ), and the model names behind a table (`order_items` → `OrderItem`).
public struct NameSpellings: Sendable, Equatable {
    public let snake: String
    public let camel: String
    public let pascal: String
    public let upper: String

    public init(_ name: String) {
        snake = name
        let words = name.split(separator: "_", omittingEmptySubsequences: true).map(String.init)
        pascal = words.map(Self.capitalized).joined()
        camel = words.isEmpty ? name : words[0].lowercased() + words.dropFirst().map(Self.capitalized).joined()
        upper = name.uppercased()
    }

    /// The distinct spellings, case-folded, that a word prefilter must look for.
    public var foldedForms: [String] {
        var seen: [String] = []
        for form in [snake, camel, pascal, upper].map({ $0.lowercased() }) where !seen.contains(form) {
            seen.append(form)
        }
        return seen
    }

    static func capitalized(_ word: String) -> String {
        guard let first = word.first else { return word }
        return first.uppercased() + word.dropFirst().lowercased()
    }

    /// English singular of a table word, the way Rails and Django name models (`orders` → `order`,
    /// `categories` → `category`, `addresses` → `address`, `people` → `person`).
    public static func singular(_ word: String) -> String {
        let lower = word.lowercased()
        let irregular = ["people": "person", "men": "man", "women": "woman", "children": "child", "data": "datum"]
        if let value = irregular[lower] { return value }
        if lower.hasSuffix("ies") && lower.count > 3 { return String(lower.dropLast(3)) + "y" }
        for suffix in ["sses", "shes", "ches", "xes", "zes", "uses"] where lower.hasSuffix(suffix) {
            return String(lower.dropLast(2))
        }
        if lower.hasSuffix("ss") || lower.hasSuffix("us") || lower.hasSuffix("is") { return lower }
        if lower.hasSuffix("s") && lower.count > 1 { return String(lower.dropLast()) }
        return lower
    }

    /// Model names for a table: `order_items` → snake singular `order_item`, class `OrderItem`.
    public static func modelNames(forTable table: String) -> (snakeSingular: String, className: String) {
        var words = table.split(separator: "_", omittingEmptySubsequences: true).map(String.init)
        if let last = words.popLast() { words.append(singular(last)) }
        return (words.joined(separator: "_"), words.map(capitalized).joined())
    }
}
