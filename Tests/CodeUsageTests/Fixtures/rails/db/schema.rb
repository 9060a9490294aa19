ActiveRecord::Schema[7.0].define(version: 2023_01_05_093000) do
  create_table "customers", force: :cascade do |t|
    t.string "name", null: false
    t.string "legacy_status"
  end

  create_table "orders", force: :cascade do |t|
    t.bigint "customer_id", null: false
    t.string "legacy_status"
    t.index ["legacy_status"], name: "index_orders_on_legacy_status"
  end
end
