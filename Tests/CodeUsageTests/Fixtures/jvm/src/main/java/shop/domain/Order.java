package shop.domain;

import jakarta.persistence.*;

@Entity
@Table(name = "orders")
public class Order {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "legacy_status", length = 20)
    private String legacyStatus;

    public String getLegacyStatus() {
        return legacyStatus;
    }
}
