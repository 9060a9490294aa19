from django.db import models


class Order(models.Model):
    legacy_status = models.CharField(max_length=20, null=True)


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)


class OrderArchive(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)

    class Meta:
        db_table = "shop_order"
