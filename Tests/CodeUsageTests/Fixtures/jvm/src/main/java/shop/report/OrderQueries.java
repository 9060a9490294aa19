package shop.report;

import static shop.jooq.Tables.ORDERS;

import java.util.List;
import org.jooq.DSLContext;

public class OrderQueries {
    private final DSLContext dsl;

    public OrderQueries(DSLContext dsl) {
        this.dsl = dsl;
    }

    public List<String> legacyStatuses() {
        return dsl.selectDistinct(ORDERS.LEGACY_STATUS).from(ORDERS).fetch(ORDERS.LEGACY_STATUS);
    }
}
