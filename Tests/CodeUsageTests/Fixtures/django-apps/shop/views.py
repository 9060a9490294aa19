from django.shortcuts import render

from .models import Order


def pending(request):
    orders = Order.objects.filter(legacy_status="pending")
    return render(request, "shop/pending.html", {"orders": orders})
