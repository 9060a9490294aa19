package shop.repository;

import java.util.List;
import org.springframework.data.repository.CrudRepository;
import shop.domain.Customer;

public interface CustomerRepository extends CrudRepository<Customer, Long> {
    List<Customer> findByLegacyStatus(String legacyStatus);

    long countByLegacyStatusIsNull();
}
