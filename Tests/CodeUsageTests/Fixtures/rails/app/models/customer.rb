class Customer < ApplicationRecord
  has_many :orders

  validates :legacy_status, presence: true
end
