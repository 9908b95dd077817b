"""Warehouses, the StockMove ledger and the StockBalance cache."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY, QTY


class WarehouseKind(models.TextChoices):
    RAW = "raw", _("Raw materials")
    FINISHED = "finished", _("Finished goods")
    SUBCONTRACTOR = "subcontractor", _("Subcontractor")
    DEFECTIVE = "defective", _("Returns / defective")
    SAMPLES = "samples", _("Samples")


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=WarehouseKind.choices, default=WarehouseKind.FINISHED)
    allow_negative = models.BooleanField(_("allow negative stock"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockMove(models.Model):
    """One signed quantity of one SKU into (+) or out of (−) one warehouse. Never updated or
    deleted (database triggers refuse it); a correction is a new move that `reverses` one."""

    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY)
    unit_cost = models.DecimalField(default=0, **MONEY)
    # The document (line) that caused the move: "purchasing.purchasereceipt", id, line id.
    origin_type = models.CharField(max_length=100)
    origin_id = models.BigIntegerField()
    origin_line_id = models.BigIntegerField(null=True, blank=True)
    reverses = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="reversed_by")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True)

    class Meta:
        default_permissions = ("view",)
        ordering = ["id"]
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        indexes = [
            models.Index(fields=["origin_type", "origin_id"], name="inv_move_origin_idx"),
            models.Index(fields=["sku", "warehouse"], name="inv_move_sku_wh_idx"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="inv_move_qty_nonzero")]

    def __str__(self) -> str:
        return f"{self.origin_type}#{self.origin_id}: {self.sku_id}@{self.warehouse_id} {self.quantity:+}"


class StockBalance(models.Model):
    """On hand and reserved per SKU and warehouse, written with the moves in one transaction;
    `shopflow verify-stock` re-derives it from the ledger."""

    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, models.PROTECT, related_name="+")
    on_hand = models.DecimalField(default=0, **QTY)
    reserved = models.DecimalField(default=0, **QTY)
    # Copied from the warehouse so the database itself can enforce "no negative stock".
    allow_negative = models.BooleanField(default=False)

    class Meta:
        default_permissions = ("view",)
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="inv_balance_sku_wh_uniq"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="inv_balance_reserved_nonneg"),
            models.CheckConstraint(condition=Q(allow_negative=True) | Q(on_hand__gte=0),
                                   name="inv_balance_onhand_nonneg"),
            models.CheckConstraint(condition=Q(allow_negative=True) | Q(reserved__lte=F("on_hand")),
                                   name="inv_balance_no_oversell"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id}: {self.on_hand} ({self.reserved} reserved)"

    @property
    def available(self):
        return self.on_hand - self.reserved
