class Order < ApplicationRecord
  self.ignored_columns += %w[legacy_status]

  belongs_to :customer
  has_many :order_items, dependent: :destroy

  scope :pending, -> { where(legacy_status: "pending") }
  validates :legacy_status, inclusion: { in: %w[pending shipped] }, allow_nil: true

  # legacy_status was replaced by status in 2023.
  def shipped?
    legacy_status == "shipped"
  end
end
