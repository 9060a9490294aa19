import Catalog
import Foundation

/// The first pass over the source trees: which files might declare models (a byte search), one small reader
/// per ORM for those, and the resolution of what they declared (inheritance, abstract bases and mixins,
/// naming conventions, app labels) into `Catalog` facts. Plain values; the pipeline reads the files.
public enum ModelIndex {
    /// Reads one file into `part` if it is a model or schema file of a known ORM; every other file costs a
    /// few byte searches.
    public static func read(path: String, bytes: UnsafeRawBufferPointer, into part: inout IndexPart) {
        let lower = path.lowercased()
        if lower.hasSuffix(".py") {
            guard PythonModels.mightDeclare(bytes) else { return }
            PythonModels.read(path: path, bytes: bytes, into: &part)
        } else if lower.hasSuffix(".rb") {
            guard RubyModels.isSchemaFile(lower) || RubyModels.mightDeclare(bytes) else { return }
            RubyModels.read(path: path, bytes: bytes, into: &part)
        } else if lower.hasSuffix(".prisma") {
            PrismaSchema.read(path: path, bytes: bytes, into: &part)
        } else if lower.hasSuffix(".ts") || lower.hasSuffix(".js") {
            guard !lower.hasSuffix(".d.ts") else { return }
            let sequelize = SequelizeModels.mightDeclare(bytes)
            let annotated = AnnotatedModels.mightDeclare(bytes)
            guard sequelize || annotated else { return }
            if sequelize { SequelizeModels.read(path: path, bytes: bytes, into: &part) }
            if annotated { AnnotatedModels.read(path: path, bytes: bytes, ecosystem: .typeorm, into: &part) }
        } else if lower.hasSuffix(".java") || lower.hasSuffix(".kt") {
            guard AnnotatedModels.mightDeclare(bytes) else { return }
            AnnotatedModels.read(path: path, bytes: bytes, ecosystem: .jpa, into: &part)
        } else if lower.hasSuffix(".go") {
            guard GoModels.mightDeclare(bytes) else { return }
            GoModels.read(path: path, bytes: bytes, into: &part)
        } else {
            return
        }
        part.filesRead += 1
    }

    /// Whether a file is a SQL schema dump of the project (`structure.sql`), which the pipeline parses with
    /// PostgreSQL's parser and adds as tables.
    public static func isStructureFile(_ path: String) -> Bool {
        path == "structure.sql" || path.hasSuffix("/structure.sql")
    }

    /// Resolves everything read into a catalog: tables from schema files and dumps, and every concrete
    /// model with its table and columns (inherited ones included).
    public static func build(_ read: IndexPart, tables extra: [TableFact] = []) -> Catalog {
        // In the order of the files, not of the threads that read them: a base class of a name several files
        // declare resolves to the same one on every run.
        var part = read
        part.classes.sort { ($0.file, $0.line) < ($1.file, $1.line) }
        part.tables.sort { ($0.provenance.path, $0.provenance.line) < ($1.provenance.path, $1.provenance.line) }
        var resolver = Resolver(part: part)
        var catalog = Catalog()
        for table in part.tables + extra { catalog.add(table) }
        for index in part.classes.indices {
            guard let model = resolver.model(index, catalog: catalog) else { continue }
            catalog.add(model)
        }
        return catalog
    }
}

/// Inheritance and naming conventions over every declared class.
private struct Resolver {
    let part: IndexPart
    /// Family (`python`, `ruby`, …) + short name → class indices.
    var byName: [String: [Int]] = [:]
    var tableMemo: [Int: String?] = [:]
    var mappedMemo: [Int: Bool] = [:]

    init(part: IndexPart) {
        self.part = part
        for (index, declared) in part.classes.enumerated() {
            byName[Self.family(declared.ecosystem) + ":" + declared.name, default: []].append(index)
        }
    }

    static func family(_ ecosystem: Ecosystem) -> String {
        switch ecosystem {
        case .django, .sqlalchemy: return "python"
        default: return ecosystem.rawValue
        }
    }

    /// The class a base name refers to: in the module the file imports it from (none if that module is not in
    /// the tree: a library's class of the same name), else in the same file, else the same folder, else the
    /// first declared.
    func base(_ name: String, of index: Int) -> Int? {
        let declared = part.classes[index]
        guard let candidates = byName[Self.family(declared.ecosystem) + ":" + name]?.filter({ $0 != index }),
            let first = candidates.first
        else { return nil }
        if let module = declared.baseModules[name] {
            return candidates.first { PythonModels.file(part.classes[$0].file, isInModule: module) }
        }
        if let same = candidates.first(where: { part.classes[$0].file == declared.file }) { return same }
        let folder = PythonModels.folder(of: declared.file)
        return candidates.first(where: { PythonModels.folder(of: part.classes[$0].file) == folder }) ?? first
    }

    /// Whether the class is an ORM class (mapped itself, or through a base).
    mutating func isMapped(_ index: Int, depth: Int = 0) -> Bool {
        if let known = mappedMemo[index] { return known }
        let declared = part.classes[index]
        var value = declared.isMapped || declared.explicitTable != nil
        if !value && depth < 12 {
            for name in declared.bases {
                if let base = base(name, of: index), isMapped(base, depth: depth + 1) {
                    value = true
                    break
                }
                // A library's base model (`TimeStampedModel`, `BaseModel`) with Django fields.
                if declared.ecosystem == .django && name.hasSuffix("Model") && name != "Model"
                    && base(name, of: index) == nil && !declared.fields.isEmpty
                {
                    value = true
                }
            }
        }
        mappedMemo[index] = value
        return value
    }

    /// Columns from bases: abstract models, mixins, and the parent in single-table inheritance.
    mutating func inheritedFields(_ index: Int, depth: Int = 0) -> ([ModelColumn], [Association]) {
        var fields: [ModelColumn] = []
        var associations: [Association] = []
        guard depth < 12 else { return (fields, associations) }
        for name in part.classes[index].bases {
            guard let base = base(name, of: index) else { continue }
            let parent = part.classes[base]
            let sharesTable = ownTable(base) != nil && ownTable(base) == ownTable(index)
            guard parent.isAbstract || !isMapped(base) || sharesTable else { continue }
            let (inherited, inheritedAssociations) = inheritedFields(base, depth: depth + 1)
            fields += inherited + parent.fields
            associations += inheritedAssociations + parent.associations
        }
        return (fields, associations)
    }

    /// The table a concrete class maps to, or `nil` for an abstract class, a mixin or a plain class.
    mutating func ownTable(_ index: Int, depth: Int = 0) -> String? {
        if let known = tableMemo[index] { return known }
        let declared = part.classes[index]
        var table: String?
        if !declared.isAbstract && isMapped(index) {
            if let explicit = declared.explicitTable {
                table = PythonModels.foldedTable(explicit)
            } else {
                table = conventionalTable(index, depth: depth)
            }
        }
        tableMemo[index] = table
        return table
    }

    /// The parent's table in single-table inheritance (Rails, SQLAlchemy without `__tablename__`, JPA's
    /// default strategy), else the ORM's naming convention.
    private mutating func conventionalTable(_ index: Int, depth: Int) -> String? {
        let declared = part.classes[index]
        if depth < 12, [.rails, .sqlalchemy, .jpa].contains(declared.ecosystem) {
            for name in declared.bases {
                if let base = base(name, of: index), let table = ownTable(base, depth: depth + 1) { return table }
            }
        }
        let snake = Text.snakeCase(declared.name)
        switch declared.ecosystem {
        case .django:
            let app = declared.appLabel ?? djangoAppLabel(file: declared.file)
            return app.lowercased() + "_" + declared.name.lowercased()
        case .rails, .gorm, .sequelize: return Text.plural(snake)
        case .sqlalchemy:
            // Flask-SQLAlchemy names a `db.Model` without `__tablename__` after the class.
            return declared.bases.contains("Model") ? snake : nil
        case .prisma: return declared.name
        case .typeorm, .jpa: return snake
        }
    }

    /// The app label of a Django models file: `AppConfig.label` of its app folder, else the folder's name
    /// (`shop/models.py` and `shop/models/order.py` → `shop`).
    func djangoAppLabel(file: String) -> String {
        var folder = PythonModels.folder(of: file)
        var components = folder.split(separator: "/").map(String.init)
        if let models = components.lastIndex(of: "models") {
            components.removeSubrange(models...)
            folder = components.joined(separator: "/")
        }
        return part.appLabels[folder] ?? components.last ?? folder
    }

    mutating func model(_ index: Int, catalog: Catalog) -> ModelFact? {
        guard let table = ownTable(index) else { return nil }
        let declared = part.classes[index]
        let (inherited, inheritedAssociations) = inheritedFields(index)
        var columns: [ModelColumn] = []
        for field in inherited + declared.fields where !columns.contains(field) { columns.append(field) }
        if let known = catalog.tables[table] {
            for name in known.columns.keys.sorted() where !columns.contains(where: { $0.column == name }) {
                columns.append(ModelColumn(attribute: name, column: name))
            }
        }
        let source: String
        if declared.explicitTable != nil {
            source = "explicit"
        } else if declared.bases.contains(where: { base($0, of: index).flatMap { ownTable($0) } == table }) {
            source = "inherited"
        } else {
            source = "convention"
        }
        return ModelFact(
            className: declared.qualifiedName, file: declared.file, line: declared.line, table: table,
            columns: columns, associations: inheritedAssociations + declared.associations,
            ecosystem: declared.ecosystem.rawValue, tableSource: source)
    }
}
