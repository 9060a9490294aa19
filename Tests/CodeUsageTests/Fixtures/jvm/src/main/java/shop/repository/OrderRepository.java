package shop.repository;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import shop.domain.Order;

public interface OrderRepository extends JpaRepository<Order, Long> {
    @Query("select o from Order o where o.legacyStatus = :status")
    List<Order> findPending(@Param("status") String status);

    @Query(value = "SELECT id FROM orders WHERE legacy_status = 'pending'", nativeQuery = true)
    List<Long> pendingIds();
}
