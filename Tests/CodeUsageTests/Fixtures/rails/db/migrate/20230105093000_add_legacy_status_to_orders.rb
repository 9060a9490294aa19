class AddLegacyStatusToOrders < ActiveRecord::Migration[7.0]
  def change
    add_column :orders, :legacy_status, :string
    add_index :orders, :legacy_status
  end
end
