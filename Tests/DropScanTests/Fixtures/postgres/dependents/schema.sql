-- Every kind of object that can depend on a column, each on orders.legacy_status (the target of the
-- database tests), and a decoy: customers.legacy_status, another table's column of the same name, which
-- the view customer_statuses and the index customers_legacy_status_idx use.
CREATE ROLE auditor;
CREATE TABLE status_codes (code text PRIMARY KEY);
CREATE TABLE customers (id int PRIMARY KEY, legacy_status text);
CREATE TABLE orders (
    id int PRIMARY KEY,
    customer_id int REFERENCES customers,
    legacy_status text REFERENCES status_codes (code),
    amount numeric,
    status_label text GENERATED ALWAYS AS (upper(legacy_status)) STORED,
    CONSTRAINT orders_legacy_status_known CHECK (legacy_status <> '')
);

-- A view, a materialized view.
CREATE VIEW open_orders AS SELECT id, legacy_status FROM orders WHERE amount > 0;
CREATE MATERIALIZED VIEW status_counts AS SELECT legacy_status, count(*) AS n FROM orders GROUP BY 1;

-- SQL functions: a BEGIN ATOMIC body (the server records what it reads), a string body (it does not).
CREATE FUNCTION order_status(order_id int) RETURNS text LANGUAGE sql
BEGIN ATOMIC
    SELECT legacy_status FROM orders WHERE id = order_id;
END;
CREATE FUNCTION orders_with_status(wanted text) RETURNS bigint LANGUAGE sql
AS $$ SELECT count(*) FROM orders o WHERE o.legacy_status = wanted $$;

-- A PL/pgSQL function.
CREATE FUNCTION archive_status(order_id int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    current text;
BEGIN
    SELECT legacy_status INTO current FROM orders WHERE id = order_id;
    RAISE NOTICE 'archived %', current;
END
$$;

-- A trigger with UPDATE OF, and a trigger function that reads the column through NEW and OLD.
CREATE FUNCTION note_status_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.legacy_status IS DISTINCT FROM OLD.legacy_status THEN
        NEW.amount := NEW.amount;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_status_changed BEFORE UPDATE OF legacy_status ON orders
    FOR EACH ROW EXECUTE FUNCTION note_status_change();

-- An index on an expression, a partial index.
CREATE INDEX orders_status_lower_idx ON orders (lower(legacy_status));
CREATE INDEX orders_open_idx ON orders (id) WHERE legacy_status IS NOT NULL;

-- Row-level security, a publication with a column list, a column grant.
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_visible ON orders FOR SELECT USING (legacy_status <> 'hidden');
CREATE PUBLICATION order_feed FOR TABLE orders (id, legacy_status);
GRANT SELECT (legacy_status) ON orders TO auditor;

-- The decoy: the same column name on another table, used by a view and an index, and functions and
-- objects that use orders but not the target column.
CREATE VIEW customer_statuses AS SELECT id, legacy_status FROM customers;
CREATE INDEX customers_legacy_status_idx ON customers (legacy_status);
CREATE INDEX orders_amount_idx ON orders (amount);
CREATE VIEW order_amounts AS SELECT id, amount FROM orders;
CREATE FUNCTION customer_status(customer int) RETURNS text LANGUAGE sql
AS $$ SELECT legacy_status FROM customers WHERE id = customer $$;

-- A rule, extended statistics, a unique constraint and a foreign key from another table that references it.
CREATE TABLE order_log (order_id int, old_status text);
CREATE RULE orders_log_delete AS ON DELETE TO orders DO ALSO INSERT INTO order_log VALUES (OLD.id, OLD.legacy_status);
CREATE STATISTICS orders_status_amount (dependencies) ON legacy_status, amount FROM orders;
ALTER TABLE orders ADD CONSTRAINT orders_id_status_key UNIQUE (id, legacy_status);
CREATE TABLE shipments (
    order_id int,
    order_status text,
    FOREIGN KEY (order_id, order_status) REFERENCES orders (id, legacy_status)
);

-- ledger.entry_key: an exclusion constraint, and the unique index that is the table's replica identity.
CREATE TABLE ledger (
    id int NOT NULL,
    entry_key text NOT NULL,
    CONSTRAINT ledger_no_duplicate_keys EXCLUDE USING btree (entry_key WITH =)
);
CREATE UNIQUE INDEX ledger_key_idx ON ledger (entry_key, id);
ALTER TABLE ledger REPLICA IDENTITY USING INDEX ledger_key_idx;

-- events.kind: the partition key; events.* has a partition.
CREATE TABLE events (id int, kind text, at date) PARTITION BY LIST (kind);
CREATE TABLE events_login PARTITION OF events FOR VALUES IN ('login');
