-- Monthly revenue per customer, split by the old status codes.
SELECT c.id,
       o.legacy_status,
       sum(oi.price_cents) AS revenue
FROM customers c
JOIN orders o ON o.customer_id = c.id
JOIN order_items oi ON oi.order_id = o.id
GROUP BY c.id, o.legacy_status;
