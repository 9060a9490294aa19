class OrdersController < ApplicationController
  def index
    @orders = Order.where(legacy_status: params[:status]).order(:created_at)
  end

  def show
    @order = Order.find(params[:id])
    @label = @order.legacy_status.to_s.humanize
  end

  def summary
    legacy_status = "n/a"
    render plain: legacy_status
  end
end
