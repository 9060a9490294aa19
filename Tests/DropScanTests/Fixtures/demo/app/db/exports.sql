-- Nightly export for finance.
SELECT id, customer_id, total
  FROM orders
 WHERE status = 'closed';

UPDATE orders SET legacy_status = NULL WHERE legacy_status = 'v0';
