"""Sales orders 销售订单 — for now the B2B order a subcontract order can be made from (seed 000,
委外订单 "根据销售订单建立"). Review, credit control, deliveries and online orders come with the
sales and OMS work; the document will grow, its lines stay item × quantity × price."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY, Document, DocumentLine
from shopflow.core.validators import validate_not_negative


class SalesOrder(Document):
    customer = models.ForeignKey("partners.Customer", models.PROTECT, related_name="+", verbose_name=_("customer"))
    contract_number = models.CharField(_("contract number"), max_length=64, blank=True, default="")
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")


class SalesOrderLine(DocumentLine):
    document = models.ForeignKey(SalesOrder, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    unit_price = models.DecimalField(_("unit price"), default=0, validators=[validate_not_negative], **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = _("sales order line")

    @property
    def amount(self):
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"), ROUND_HALF_UP)
