import Foundation

/// One cell of a Jupyter notebook, decoded from the `.ipynb` JSON.
struct NotebookCell {
    /// The cell's index in `cells` (0-based, as Jupyter counts them).
    var index: Int
    /// The cell's text (`source` joined when it is an array of lines).
    var bytes: [UInt8]
    /// A file name that selects the rules for the cell's language (`cell.py`, `cell.sql`, `cell.md`).
    var ruleName: String
    var isMarkdown: Bool
}

enum Notebook {
    /// The cells of an `.ipynb` file, or `nil` when the bytes are not a notebook (the caller then scans the
    /// file as plain text so that nothing is silently skipped).
    static func cells(_ bytes: [UInt8]) -> [NotebookCell]? {
        guard
            let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: []) as? [String: Any],
            let cells = object["cells"] as? [[String: Any]]
        else { return nil }
        let metadata = object["metadata"] as? [String: Any]
        let language =
            ((metadata?["kernelspec"] as? [String: Any])?["language"] as? String)
            ?? ((metadata?["language_info"] as? [String: Any])?["name"] as? String) ?? "python"
        let codeExtension = extensionFor(language: language.lowercased())
        var result: [NotebookCell] = []
        for (index, cell) in cells.enumerated() {
            let text: String
            if let string = cell["source"] as? String {
                text = string
            } else if let lines = cell["source"] as? [String] {
                text = lines.joined()
            } else {
                continue
            }
            let type = cell["cell_type"] as? String ?? "code"
            let isMarkdown = type == "markdown"
            var ruleName = isMarkdown ? "cell.md" : "cell.\(codeExtension)"
            let trimmed = text.drop(while: { $0 == " " || $0 == "\n" })
            if !isMarkdown && (trimmed.hasPrefix("%%sql") || trimmed.hasPrefix("%sql")) { ruleName = "cell.sql" }
            result.append(
                NotebookCell(index: index, bytes: Array(text.utf8), ruleName: ruleName, isMarkdown: isMarkdown))
        }
        return result
    }

    private static func extensionFor(language: String) -> String {
        switch language {
        case "r": "r"
        case "sql": "sql"
        case "scala": "scala"
        case "julia": "jl"
        default: "py"
        }
    }
}
