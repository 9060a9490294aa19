import Fluent
import Vapor

final class Order: Model, Content, @unchecked Sendable {
    static let schema = "orders"

    @ID(key: .id)
    var id: UUID?

    @OptionalField(key: "legacy_status")
    var legacyStatus: String?

    init() {}
}
