class Checkout
  def initialize(customer_id, code)
    @customer = Customer.find(customer_id)
    @code = code
  end

  def apply_discount(order)
    items = OrderItem.where(legacy_discount_code: @code)
    items.update_all(discount_cents: 500)
    # Orders that still carry a legacy_status are skipped.
    return if order.legacy_status == "frozen"
  end
end
