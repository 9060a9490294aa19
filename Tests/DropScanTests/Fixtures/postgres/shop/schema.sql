-- The shop's schema. Created with statement logging off, so only the workload's statements are logged.
CREATE TABLE customers (id int PRIMARY KEY, name text, status text);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers, status text, total numeric,
                     legacy_status text);
CREATE TABLE order_items (id int PRIMARY KEY, order_id int REFERENCES orders, sku text, legacy_discount_code text);
CREATE TABLE archived_orders (id int PRIMARY KEY, legacy_status text);
CREATE TABLE audit_log (id serial PRIMARY KEY, note text);
CREATE TABLE audit_notes (id serial PRIMARY KEY, body text);
-- A reporting view over the column the demo drops: `--schema` lists it as a dependent.
CREATE VIEW order_status_report AS SELECT id, legacy_status FROM orders;
INSERT INTO customers SELECT g, 'customer ' || g, 'active' FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, 1 + g % 100, 'open', g * 1.5, 'v1' FROM generate_series(1, 500) g;
INSERT INTO order_items SELECT g, 1 + g % 500, 'sku-' || g, NULL FROM generate_series(1, 1000) g;
