ActiveRecord::Schema[7.0].define(version: 2023_01_05_093000) do
  create_table "customers", force: :cascade do |t|
    t.string "name", null: false
  end

  create_table "order_items", force: :cascade do |t|
    t.bigint "order_id", null: false
    t.string "legacy_discount_code"
  end

  create_table "orders", force: :cascade do |t|
    t.bigint "customer_id", null: false
    t.string "legacy_status"
  end
end
