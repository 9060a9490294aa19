import GRDB

struct OrderRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "orders"

    var id: Int64
    var legacyStatus: String?

    enum Columns {
        static let legacyStatus = Column("legacy_status")
    }
}

struct ShipmentRecord: Codable, FetchableRecord {
    static let databaseTableName = "shipments"
    static let state = Column("legacy_status")
}

func pendingOrders(_ db: Database) throws -> [OrderRecord] {
    try OrderRecord.filter(Column("legacy_status") == "pending").fetchAll(db)
}
