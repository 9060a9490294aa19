package shop.repository;

import java.util.Collection;
import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.transaction.annotation.Transactional;
import shop.domain.Order;

public interface OrderStatusRepository extends JpaRepository<Order, Long> {
    List<Order> findByLegacyStatus(String legacyStatus);

    long countByLegacyStatusAndCustomerId(String legacyStatus, Long customerId);

    boolean existsByLegacyStatusIn(Collection<String> legacyStatuses);

    @Transactional
    void deleteByLegacyStatus(String legacyStatus);

    List<Order> findAllByOrderByLegacyStatusDesc();

    // findByLegacyStatusCode is the property legacyStatusCode, not legacyStatus.
    List<Order> findByLegacyStatusCode(String legacyStatusCode);

    List<Order> findByLegacyStatuses(String value);
}
