from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=200)
    legacy_status = models.CharField(max_length=20, blank=True)

    class Meta:
        db_table = "customers"


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    legacy_status = models.CharField(max_length=20, null=True)
    status = models.CharField(max_length=20, default="new")

    class Meta:
        db_table = "orders"

    def is_legacy(self):
        # legacy_status is read by the nightly export only.
        return self.legacy_status in {"old", "archived"}
