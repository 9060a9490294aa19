package shop

import jakarta.persistence.Column
import jakarta.persistence.Entity
import jakarta.persistence.Id
import jakarta.persistence.Table

@Entity
@Table(name = "orders")
class OrderEntity(
    @Id val id: Long,
    @Column(name = "legacy_status")
    var status: String?,
)

@Entity
class Order(
    @Id val id: Long,
    var legacyStatus: String?,
)

@Entity
@Table(name = "refunds")
class Refund(
    @Id val id: Long,
    var legacyStatus: String?,
)

fun describe(order: Order): String = order.legacyStatus ?: "none"
