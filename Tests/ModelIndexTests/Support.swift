import Catalog
import ModelIndex

/// Indexes small source files given as (relative path, text).
func catalog(_ files: [(String, String)]) -> Catalog {
    var part = IndexPart()
    for (path, text) in files {
        Array(text.utf8).withUnsafeBytes { ModelIndex.read(path: path, bytes: $0, into: &part) }
    }
    return ModelIndex.build(part)
}

extension Catalog {
    /// The model of this class name (short), if exactly one.
    func model(_ name: String) -> ModelFact? {
        let found = models.filter { $0.className == name || $0.shortName == name }
        return found.count == 1 ? found[0] : nil
    }
}

extension ModelFact {
    /// `attribute→column` pairs, in order.
    var mapping: [String] { columns.map { $0.attribute == $0.column ? $0.column : "\($0.attribute)→\($0.column)" } }
}
