class Order < ApplicationRecord
  belongs_to :customer
  has_many :order_items, dependent: :destroy

  scope :legacy, -> { where.not(legacy_status: nil) }

  def display_status
    legacy_status.presence || status
  end
end
