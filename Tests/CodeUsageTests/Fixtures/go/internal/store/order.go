package store

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
)

// Order is a row of the orders table.
type Order struct {
	ID           int64          `db:"id"`
	LegacyStatus sql.NullString `db:"legacy_status"`
}

// Customer is a row of the customers table.
type Customer struct {
	ID           int64          `db:"id"`
	LegacyStatus sql.NullString `db:"legacy_status"`
}

const pendingOrdersQuery = `
SELECT id, legacy_status
FROM orders
WHERE legacy_status = $1`

func PendingOrders(ctx context.Context, db *sqlx.DB) ([]Order, error) {
	var orders []Order
	// legacy_status is still filtered here until the backfill ends.
	err := db.SelectContext(ctx, &orders, pendingOrdersQuery, "pending")
	return orders, err
}
