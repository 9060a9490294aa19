package shop.archive

import org.springframework.data.repository.CrudRepository
import shop.Order
import shop.Refund

interface OrderArchiveRepository : CrudRepository<Order, Long> {
    fun findByCustomerIdAndLegacyStatusIsNull(customerId: Long): List<Order>
    fun existsByLegacyStatus(legacyStatus: String): Boolean
}

class ArchiveJob(private val repository: OrderArchiveRepository) {
    fun run(refund: Refund) {
        val orders = repository.findByCustomerIdAndLegacyStatusIsNull(42)
        refund.setLegacyStatus(null)
        orders.forEach { println(it.getLegacyStatus()) }
    }
}
