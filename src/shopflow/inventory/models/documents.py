"""Stock documents: other receipt 其他入库单, other issue 其他出库单, transfer order 调拨单 and
stock-take 盘点单. Their effects on the ledger are in inventory.services."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY, QTY, Document, DocumentLine
from shopflow.core.validators import validate_not_negative, validate_positive


class OtherReceipt(Document):
    """Goods in without a purchase: gifts, samples back, found stock, opening balances."""

    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+", verbose_name=_("warehouse"))

    class Meta(Document.Meta):
        verbose_name = _("other receipt")
        verbose_name_plural = _("other receipts")


class OtherReceiptLine(DocumentLine):
    document = models.ForeignKey(OtherReceipt, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    # Empty: the goods come in at the SKU's current moving-average cost.
    unit_cost = models.DecimalField(_("unit cost"), null=True, blank=True, validators=[validate_not_negative],
                                    help_text=_("Leave empty to receive at the current average cost."), **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = _("other receipt line")

    @property
    def amount(self):
        return (self.quantity * (self.unit_cost or 0)).quantize(Decimal("0.01"), ROUND_HALF_UP)


class OtherIssue(Document):
    """Goods out without a sale: samples sent, internal use, scrapped, given away."""

    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+", verbose_name=_("warehouse"))

    class Meta(Document.Meta):
        verbose_name = _("other issue")
        verbose_name_plural = _("other issues")


class OtherIssueLine(DocumentLine):
    document = models.ForeignKey(OtherIssue, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("other issue line")


class TransferOrder(Document):
    """调拨单: goods from one warehouse to another (including to and from subcontractors)."""

    from_warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                       verbose_name=_("from warehouse"))
    to_warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                     verbose_name=_("to warehouse"))

    class Meta(Document.Meta):
        verbose_name = _("transfer order")
        verbose_name_plural = _("transfer orders")


class TransferOrderLine(DocumentLine):
    document = models.ForeignKey(TransferOrder, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("transfer order line")


class StockTake(Document):
    """盘点单: a count of one warehouse, or of part of it: the SKUs whose code starts with
    `sku_prefix`, of a category (and its sub-categories) and/or whose default bin in the
    warehouse is one of `bins` — every given criterion applies.

    The book quantities are frozen into StockTakeBook rows when counting starts; the lines are
    what the counters found. An SKU in scope without a line was counted as zero. Approval
    posts counted − frozen book for every SKU (see services.stocktake_post)."""

    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    sku_prefix = models.CharField(_("SKU code prefix"), max_length=64, blank=True, default="",
                                  help_text=_("Count only SKUs whose code starts with this; empty: all."))
    category = models.ForeignKey("catalog.Category", models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("category"),
                                 help_text=_("Count only SKUs of this category and its sub-categories."))
    # Not a header field of the generic pages: set when the count sheet is made (stocktake_create).
    bins = models.ManyToManyField("inventory.Bin", blank=True, related_name="+", verbose_name=_("bins"),
                                  help_text=_("Count only SKUs whose default bin is one of these."))
    blind = models.BooleanField(_("blind count"), default=False,
                                help_text=_("Counters do not see the book quantities."))
    frozen_at = models.DateTimeField(_("book frozen at"), null=True, blank=True, editable=False)

    class Meta(Document.Meta):
        verbose_name = _("stock-take")
        verbose_name_plural = _("stock-takes")


class StockTakeLine(DocumentLine):
    """A counted quantity. The same SKU may be on several lines (counted in two places);
    they add up."""

    document = models.ForeignKey(StockTake, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    # The framework's quantity, named for what it is here (the generic pages label columns by it).
    quantity = models.DecimalField(_("counted quantity"), validators=[validate_positive], **QTY)

    class Meta(DocumentLine.Meta):
        verbose_name = _("stock-take line")


class StockTakeBook(models.Model):
    """The book quantity of one SKU in the stock-take's warehouse when the count was frozen."""

    document = models.ForeignKey(StockTake, models.CASCADE, related_name="book")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.DecimalField(_("book quantity"), **QTY)

    class Meta:
        default_permissions = ()
        ordering = ["document_id", "sku_id"]
        constraints = [models.UniqueConstraint(fields=["document", "sku"], name="inv_stbook_doc_sku_uniq")]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.sku_id} = {self.quantity}"
