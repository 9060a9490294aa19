class Customer < ApplicationRecord
  has_many :orders

  def vip?
    orders.count > 10
  end
end
