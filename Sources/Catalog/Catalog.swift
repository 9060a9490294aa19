/// Where a fact about a table or column came from.
public struct Provenance: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The live database's catalog.
        case database
        /// A `pg_dump --schema-only` file given with `--schema`, or a `structure.sql`.
        case schemaDump = "schema-dump"
        /// A schema file of the project: `db/schema.rb`, `schema.prisma`.
        case schemaFile = "schema-file"
        /// An ORM model class found in the sources.
        case model
    }

    public var kind: Kind
    /// The file (relative to its source root), empty for the database.
    public var path: String
    /// 1-based; 0 when not known.
    public var line: Int

    public init(kind: Kind, path: String, line: Int) {
        self.kind = kind
        self.path = path
        self.line = line
    }
}

/// A column of a table, with the attribute code reads it by when that differs (`_image_url` for
/// `image_url`, Django's `owner` for `owner_id`).
public struct ColumnFact: Sendable, Hashable, Codable {
    /// As stored: lower-case for unquoted names.
    public var name: String
    /// The attribute name in code, when it differs from `name`.
    public var attribute: String?
    public var provenance: Provenance

    public init(name: String, attribute: String? = nil, provenance: Provenance) {
        self.name = name
        self.attribute = attribute == name ? nil : attribute
        self.provenance = provenance
    }
}

/// A table and the columns something says it has.
public struct TableFact: Sendable, Hashable {
    public var schema: String?
    public var name: String
    public var columns: [ColumnFact]
    public var provenance: Provenance

    public init(schema: String? = nil, name: String, columns: [ColumnFact], provenance: Provenance) {
        self.schema = schema
        self.name = name
        self.columns = columns
        self.provenance = provenance
    }
}

/// A relation of a model to another: `belongs_to :user`, `ForeignKey(User)`, `@ManyToOne`.
public struct Association: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The foreign key is on this model's table (`belongs_to`, `ForeignKey`, `@ManyToOne`).
        case belongsTo = "belongs-to"
        /// The foreign key is on the other table (`has_many`, `has_one`, `@OneToMany`).
        case hasMany = "has-many"
        case hasOne = "has-one"
        case manyToMany = "many-to-many"
    }

    public var kind: Kind
    /// The attribute (`user`).
    public var name: String
    /// The foreign key column: on this table for `belongsTo`, on the other table for `hasMany`/`hasOne`.
    public var foreignKey: String?
    /// The other model's class, when written.
    public var targetClass: String?

    public init(kind: Kind, name: String, foreignKey: String?, targetClass: String?) {
        self.kind = kind
        self.name = name
        self.foreignKey = foreignKey
        self.targetClass = targetClass
    }
}

/// A column as a model maps it: the attribute code uses and the column it stands for.
public struct ModelColumn: Sendable, Hashable, Codable {
    public var attribute: String
    public var column: String

    public init(attribute: String, column: String) {
        self.attribute = attribute
        self.column = column
    }
}

/// An ORM model class and the table it maps to.
public struct ModelFact: Sendable, Hashable, Codable {
    /// `Ping`, `Admin::User`, `OrderEntity`.
    public var className: String
    /// Relative to the source root.
    public var file: String
    /// 1-based line of the declaration.
    public var line: Int
    /// As stored (lower-case unless the ORM quotes it, as Prisma's default `User` is).
    public var table: String
    /// Its columns, inherited ones included.
    public var columns: [ModelColumn]
    public var associations: [Association]
    /// `django`, `rails`, `sqlalchemy`, `prisma`, `typeorm`, `jpa`, `gorm`.
    public var ecosystem: String
    /// How the table was decided: `explicit` (`db_table`, `__tablename__`, `@@map`, …), `convention`,
    /// `inherited` (single-table inheritance).
    public var tableSource: String

    public init(
        className: String, file: String, line: Int, table: String, columns: [ModelColumn],
        associations: [Association] = [], ecosystem: String, tableSource: String
    ) {
        self.className = className
        self.file = file
        self.line = line
        self.table = table
        self.columns = columns
        self.associations = associations
        self.ecosystem = ecosystem
        self.tableSource = tableSource
    }

    /// The class name without a namespace (`Admin::User` → `User`, `app.models.Ping` → `Ping`).
    public var shortName: String {
        let last = className.split(separator: ":").last ?? Substring(className)
        return String(last.split(separator: ".").last ?? last)
    }
}

/// What the project and the database say about tables and columns: facts from a schema dump, schema files
/// and the model index, each with where it came from. Plain values, no I/O; built once per scan and shared.
public struct Catalog: Sendable {
    /// One table and everything said about it.
    public struct Table: Sendable {
        public var schema: String?
        public var name: String
        /// Column name → where it was declared (first fact first).
        public var columns: [String: [ColumnFact]]
        public var provenance: [Provenance]
    }

    public private(set) var tables: [String: Table] = [:]
    public private(set) var models: [ModelFact] = []

    public init() {}

    /// Adds a table fact; facts about the same table (compared as stored) are merged.
    public mutating func add(_ fact: TableFact) {
        var table =
            tables[fact.name] ?? Table(schema: fact.schema, name: fact.name, columns: [:], provenance: [])
        if table.schema == nil { table.schema = fact.schema }
        table.provenance.append(fact.provenance)
        for column in fact.columns { table.columns[column.name, default: []].append(column) }
        tables[fact.name] = table
    }

    /// Adds a model, and its table with its columns.
    public mutating func add(_ model: ModelFact) {
        models.append(model)
        let provenance = Provenance(kind: .model, path: model.file, line: model.line)
        add(
            TableFact(
                name: model.table,
                columns: model.columns.map {
                    ColumnFact(name: $0.column, attribute: $0.attribute, provenance: provenance)
                },
                provenance: provenance))
    }

    /// Whether nothing is known: no table, no model.
    public var isEmpty: Bool { tables.isEmpty && models.isEmpty }

    /// Whether any fact names the table (as stored).
    public func mentions(table: String) -> Bool { tables[table] != nil }

    /// The tables (as stored) that have a column of this name.
    public func tables(havingColumn column: String) -> Set<String> {
        Set(tables.values.filter { $0.columns[column] != nil }.map(\.name))
    }

    /// Whether the table is known to have the column.
    public func table(_ table: String, hasColumn column: String) -> Bool { tables[table]?.columns[column] != nil }

    /// The models that map to the table, in the order they were added.
    public func models(ofTable table: String) -> [ModelFact] { models.filter { $0.table == table } }

    /// The attribute names that code uses for a column of a table, the column's own name excluded
    /// (`_image_url` for `image_url`; Django's `owner` for `owner_id`).
    public func attributes(ofColumn column: String, inTable table: String) -> Set<String> {
        var names: Set<String> = []
        for fact in tables[table]?.columns[column] ?? [] {
            if let attribute = fact.attribute, attribute != column { names.insert(attribute) }
        }
        for model in models where model.table == table {
            for mapped in model.columns where mapped.column == column && mapped.attribute != column {
                names.insert(mapped.attribute)
            }
            for association in model.associations
            where association.kind == .belongsTo && association.foreignKey == column {
                names.insert(association.name)
            }
        }
        return names
    }

    /// How many known tables have a column of this name: 0 unknown, 1 rare (unique to one table), more is
    /// a common name that needs scoping evidence.
    public func rarity(ofColumn column: String) -> Int { tables(havingColumn: column).count }

    /// How rare a target column's name is, as the code scorer uses it and `--explain` says it: `rare` only when
    /// the column is known on its table and on no other; `common` when another table has it, or when the table
    /// is known without it (the tree after a removal); `unknown` when nothing is known about either.
    public func nameRarity(ofColumn column: String, inTable table: String) -> NameRarity {
        guard !isEmpty else { return .unknown }
        let tables = tables(havingColumn: column)
        if tables == [table] { return .rare }
        if !tables.isEmpty || mentions(table: table) { return .common }
        return .unknown
    }
}

/// How many known tables have a column of a target's name (see `Catalog.nameRarity(ofColumn:inTable:)`).
public enum NameRarity: String, Sendable, Equatable {
    /// Nothing known (no index, no schema, or no table with the name): naming conventions decide.
    case unknown
    /// Only the target's table: a use wherever it is an identifier.
    case rare
    /// Several tables, or the table known without it: a use only with scoping evidence on the line or around it.
    case common
}
