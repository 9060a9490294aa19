from django.db import connection

LEGACY_REPORT = """
    SELECT o.legacy_status, count(*)
      FROM orders o
     GROUP BY 1
"""


def legacy_breakdown():
    with connection.cursor() as cursor:
        cursor.execute(LEGACY_REPORT)
        return cursor.fetchall()


def open_orders(customer_id):
    return list(Order.objects.filter(customer_id=customer_id, status="open").values("id", "total"))
