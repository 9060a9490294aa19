require "rails_helper"

RSpec.describe Order do
  it "shows the legacy status" do
    order = Order.new(legacy_status: "held")
    expect(order.display_status).to eq("held")
  end
end
