import Catalog
import Foundation

/// The ORMs and schema files the index reads.
public enum Ecosystem: String, Sendable, Hashable, CaseIterable {
    case django, sqlalchemy, rails, prisma, typeorm, jpa, gorm
}

/// A class (or struct, or Prisma model) as one file declares it, before inheritance and naming
/// conventions are applied: what a reader sees, nothing more.
public struct DeclaredClass: Sendable, Hashable {
    public var ecosystem: Ecosystem
    /// As written, without a namespace (`User`; Ruby's `Admin::User` keeps its namespace in `namespace`).
    public var name: String
    public var namespace: String = ""
    /// Relative to the source root.
    public var file: String
    /// 1-based.
    public var line: Int
    /// The base classes as written, short names (`Model`, `ApplicationRecord`, `TimestampMixin`).
    public var bases: [String] = []
    /// Whether a base is the ORM's own root (`models.Model`, `ApplicationRecord`, `DeclarativeBase`'s
    /// subclass `Base`, `db.Model`), or an annotation/tag marks it mapped (`@Entity`, `gorm:"…"`).
    public var isMapped = false
    /// `db_table`, `__tablename__`, `self.table_name`, `@@map`, `@Entity("…")`, `@Table(name=…)`,
    /// `TableName()`: as written (the builder folds it).
    public var explicitTable: String?
    /// Django `Meta.abstract = True`, Rails `self.abstract_class = true`, SQLAlchemy `__abstract__ = True`.
    public var isAbstract = false
    /// Django `Meta.app_label`.
    public var appLabel: String?
    /// The columns it declares itself.
    public var fields: [ModelColumn] = []
    public var associations: [Association] = []
    /// Rails `ignored_columns`: columns the model no longer reads.
    public var ignoredColumns: [String] = []

    public init(ecosystem: Ecosystem, name: String, file: String, line: Int) {
        self.ecosystem = ecosystem
        self.name = name
        self.file = file
        self.line = line
    }

    var qualifiedName: String { namespace.isEmpty ? name : namespace + "::" + name }
}

/// What one or more files hold for the index; parts from several threads merge.
public struct IndexPart: Sendable {
    public var classes: [DeclaredClass] = []
    /// Tables from schema files and `Table(…)` declarations.
    public var tables: [TableFact] = []
    /// Django: an app's folder (relative path) → its `AppConfig.label`.
    public var appLabels: [String: String] = [:]
    /// Files read for the index (those that might declare models).
    public var filesRead = 0

    public init() {}

    public mutating func merge(_ other: IndexPart) {
        classes += other.classes
        tables += other.tables
        appLabels.merge(other.appLabels) { first, _ in first }
        filesRead += other.filesRead
    }
}
