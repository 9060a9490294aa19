-- The contract step: nothing reads order_items.legacy_discount_code any more.
ALTER TABLE order_items DROP COLUMN legacy_discount_code;
