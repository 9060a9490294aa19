from billing.models import Order
from shop.models import Refund


def totals(request):
    billed = Order.objects.count()
    refunds = Refund.objects.count()
    return {"billed": billed, "refunds": refunds}
