#!/bin/sh
# Clears discount codes that were never redeemed.
psql "$DATABASE_URL" -c "UPDATE order_items SET legacy_discount_code = NULL WHERE redeemed_at IS NULL"
