from django.db import models


class Customer(models.Model):
    name = models.TextField()
    status = models.TextField()

    class Meta:
        db_table = "customers"


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    status = models.TextField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    legacy_status = models.TextField(null=True)

    class Meta:
        db_table = "orders"
