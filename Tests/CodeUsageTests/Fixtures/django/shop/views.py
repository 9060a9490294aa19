from django.db.models import F
from django.http import JsonResponse

from .models import Order


def pending(request):
    rows = Order.objects.filter(legacy_status__in=["pending", "hold"]).values("id", "legacy_status")
    return JsonResponse({"rows": list(rows)})


def report(request):
    qs = Order.objects.all()
    qs = qs.annotate(old=F("legacy_status"))
    legacy_status = request.GET.get("status", "")
    return JsonResponse({"status": legacy_status, "count": qs.count()})
