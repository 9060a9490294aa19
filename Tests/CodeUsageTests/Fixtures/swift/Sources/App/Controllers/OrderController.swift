import Fluent
import Vapor

struct OrderController: RouteCollection {
    func boot(routes: RoutesBuilder) throws {
        routes.get("orders", "pending", use: pending)
    }

    func pending(req: Request) async throws -> [Order] {
        try await Order.query(on: req.db)
            .filter(\.$legacyStatus == "pending")
            .sort(\Order.$legacyStatus, .descending)
            .all()
    }

    func customers(req: Request) async throws -> [Customer] {
        try await Customer.query(on: req.db)
            .filter(\.$legacyStatus == "vip")
            .all()
    }

    func labels(orders: [Order]) -> [String?] {
        // \.$legacyStatus is kept for the old export.
        let codes = orders.map { $0.$legacyStatusCode.value }
        return orders.map { $0.$legacyStatus.value }
    }
}
