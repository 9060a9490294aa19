-- The contract step of an expand-migrate-contract change: drop what the expand step replaced.
ALTER TABLE orders DROP COLUMN legacy_status;
ALTER TABLE order_items DROP COLUMN legacy_discount_code;
DROP TABLE audit_notes;
