package shop.service;

import java.util.List;
import org.springframework.stereotype.Service;
import shop.domain.Customer;
import shop.domain.Order;
import shop.repository.OrderStatusRepository;

@Service
public class OrderService {
    private final OrderStatusRepository orders;

    public OrderService(OrderStatusRepository orders) {
        this.orders = orders;
    }

    public String describe(Order order, Customer customer) {
        String orderStatus = order.getLegacyStatus();
        String customerStatus = customer.getLegacyStatus();
        return orderStatus + "/" + customerStatus;
    }

    public void archive(Order order) {
        order.setLegacyStatus("archived");
        if (order.isLegacyStatus()) {
            return;
        }
        // order.getLegacyStatus() used to be logged here.
        String code = order.getLegacyStatusCode();
    }

    public List<Order> pending() {
        return orders.findByLegacyStatus("pending");
    }

    public String of(Object row) {
        return ((Order) row).getLegacyStatus();
    }
}
