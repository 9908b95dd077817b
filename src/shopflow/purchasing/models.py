"""Purchase orders 采购订单 and purchase receipts 采购入库单."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY, Document, DocumentLine
from shopflow.core.validators import validate_not_negative


class PurchaseOrder(Document):
    supplier = models.ForeignKey("partners.Supplier", models.PROTECT, related_name="+", verbose_name=_("supplier"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                  verbose_name=_("receiving warehouse"))
    expected_date = models.DateField(_("expected arrival"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")


class PurchaseOrderLine(DocumentLine):
    document = models.ForeignKey(PurchaseOrder, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    unit_price = models.DecimalField(_("unit price"), default=0, validators=[validate_not_negative], **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = _("purchase order line")

    @property
    def amount(self):
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"), ROUND_HALF_UP)


class PurchaseReceipt(Document):
    supplier = models.ForeignKey("partners.Supplier", models.PROTECT, related_name="+", verbose_name=_("supplier"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+", verbose_name=_("warehouse"))

    class Meta(Document.Meta):
        verbose_name = _("purchase receipt")
        verbose_name_plural = _("purchase receipts")


class PurchaseReceiptLine(DocumentLine):
    document = models.ForeignKey(PurchaseReceipt, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    unit_cost = models.DecimalField(_("unit cost"), default=0, validators=[validate_not_negative], **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = _("purchase receipt line")
