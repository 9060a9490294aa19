import Catalog
import Testing

@testable import ModelIndex

@Suite struct DjangoModelTests {
    @Test func modelsInAPackageTakeTheAppFolderAndTheAbstractBaseFields() {
        let found = catalog([
            (
                "core/models.py",
                """
                from django.db import models

                class TimestampMixin(models.Model):
                    created = models.DateTimeField(auto_now_add=True)

                    class Meta:
                        abstract = True
                """
            ),
            (
                "pings/models/ping.py",
                """
                from django.db import models
                from core.models import TimestampMixin

                class Ping(TimestampMixin, models.Model):
                    body = models.TextField()
                    owner = models.ForeignKey(
                        "auth.User",
                        on_delete=models.CASCADE,
                    )
                    legacy = models.CharField(max_length=10, db_column="old_code")

                    def body_preview(self):
                        preview = self.body[:10]
                        return preview
                """
            ),
        ])
        #expect(found.model("TimestampMixin") == nil)
        let ping = found.model("Ping")
        #expect(ping?.table == "pings_ping")
        #expect(ping?.file == "pings/models/ping.py")
        #expect(ping?.line == 4)
        #expect(ping?.mapping == ["created", "body", "owner→owner_id", "legacy→old_code"])
        #expect(ping?.associations.first?.foreignKey == "owner_id")
        #expect(found.attributes(ofColumn: "owner_id", inTable: "pings_ping") == ["owner"])
    }

    @Test func aModelsFileWithWindowsLineEndingsIsReadLikeOneWithout() {
        let text = [
            "from django.db import models", "", "class Ping(models.Model):", "    body = models.TextField()",
            "    owner = models.ForeignKey(", "        \"auth.User\",", "        on_delete=models.CASCADE,", "    )",
            "",
            "    class Meta:", "        db_table = \"pings\"", "",
        ].joined(separator: "\r\n")
        let ping = catalog([("pings/models.py", text)]).model("Ping")
        #expect(ping?.table == "pings")
        #expect(ping?.line == 3)
        #expect(ping?.mapping == ["body", "owner→owner_id"])
    }

    @Test func appConfigLabelAndMetaDbTableNameTheTable() {
        let found = catalog([
            (
                "apps/shop/apps.py",
                """
                class ShopConfig(AppConfig):
                    name = "apps.shop"
                    label = "store"
                """
            ),
            (
                "apps/shop/models.py",
                """
                class Order(models.Model):
                    status = models.CharField(max_length=10)

                class Refund(models.Model):
                    status = models.CharField(max_length=10)

                    class Meta:
                        db_table = "refunds"
                """
            ),
        ])
        #expect(found.model("Order")?.table == "store_order")
        #expect(found.model("Refund")?.table == "refunds")
        #expect(found.model("Refund")?.tableSource == "explicit")
        #expect(found.rarity(ofColumn: "status") == 2)
    }

    @Test func formsAndSerializersAreNotModels() {
        let found = catalog([
            (
                "shop/forms.py",
                """
                class OrderForm(forms.Form):
                    status = forms.CharField()

                class OrderSerializer(serializers.ModelSerializer):
                    status = serializers.CharField()
                """
            )
        ])
        #expect(found.models.isEmpty)
    }

    @Test func aBaseResolvesToTheModuleTheFileImportsItFrom() {
        let found = catalog([
            (
                "src/core/models/features.py",
                """
                class TaggedMixin(models.Model):
                    tags = models.CharField(max_length=10)

                    class Meta:
                        abstract = True
                """
            ),
            (
                "src/extras/forms/mixins.py",
                """
                class TaggedMixin:
                    def clean(self):
                        return super().clean()
                """
            ),
            (
                "src/core/forms/base.py",
                """
                from extras.forms.mixins import (
                    TaggedMixin,
                )

                class CoreBulkEditForm(TaggedMixin, forms.Form):
                    comment = SlugField(max_length=10)
                """
            ),
            (
                "src/shop/models.py",
                """
                from ..core.models import TaggedMixin

                class Order(TaggedMixin):
                    status = models.CharField(max_length=10)
                """
            ),
            (
                "src/shop/forms.py",
                """
                from core.forms.base import CoreBulkEditForm

                class OrderBulkEditForm(CoreBulkEditForm):
                    status = forms.CharField(max_length=10)
                """
            ),
        ])
        // The form's mixin is the one in `extras/forms/mixins.py`, not the abstract model of the same name.
        #expect(found.model("OrderBulkEditForm") == nil)
        #expect(found.model("CoreBulkEditForm") == nil)
        #expect(found.model("Order")?.table == "shop_order")
        #expect(found.model("Order")?.mapping == ["tags", "status"])
        #expect(found.models.count == 1)
    }
}

@Suite struct SQLAlchemyModelTests {
    @Test func aColumnNamedOnAnAttributeOfAnotherNameMapsTheAttribute() {
        let found = catalog([
            (
                "app/models.py",
                """
                class Base(DeclarativeBase):
                    pass

                class Product(Base):
                    __tablename__ = "products"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    _image_url = Column("image_url", String)
                    title: Mapped[str]
                    sku = mapped_column("stock_unit", String)
                    orders = relationship("Order")

                class Special(Product):
                    flag = Column(Boolean)
                """
            )
        ])
        let product = found.model("Product")
        #expect(product?.table == "products")
        #expect(product?.mapping == ["id", "_image_url→image_url", "title", "sku→stock_unit"])
        #expect(found.attributes(ofColumn: "image_url", inTable: "products") == ["_image_url"])
        // Single-table inheritance: no `__tablename__`, the parent's table.
        #expect(found.model("Special")?.table == "products")
        #expect(found.model("Special")?.tableSource == "inherited")
        #expect(found.model("Base") == nil)
    }

    @Test func coreTablesAndFlaskModelsAreTables() {
        let found = catalog([
            (
                "app/tables.py",
                """
                pings = sa.Table(
                    "pings",
                    metadata,
                    Column("id", Integer),
                    Column("body", Text),
                )

                class AuditEntry(db.Model):
                    note = db.Column(db.Text)
                """
            )
        ])
        #expect(found.table("pings", hasColumn: "body"))
        #expect(found.model("AuditEntry")?.table == "audit_entry")
        #expect(found.table("audit_entry", hasColumn: "note"))
    }
}
