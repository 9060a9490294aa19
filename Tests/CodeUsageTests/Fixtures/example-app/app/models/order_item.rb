class OrderItem < ApplicationRecord
  belongs_to :order

  validates :legacy_discount_code, length: { maximum: 12 }

  def discounted?
    legacy_discount_code.present?
  end
end
