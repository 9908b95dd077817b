"""Warehouses, the StockMove ledger and the caches kept in step with it: balances,
reservations, moving-average costs; safety-stock levels."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY, QTY

# Moving-average unit cost: more places than money, so an average of 3 for ¥10.00 stays exact enough.
AVERAGE = {"max_digits": 18, "decimal_places": 6}


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
    # Every subcontractor 外协厂 has its own warehouse: what was issued to it and is still there.
    subcontractor = models.OneToOneField(
        "partners.Subcontractor", models.PROTECT, null=True, blank=True, related_name="warehouse",
        verbose_name=_("subcontractor"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            # Only a warehouse of kind subcontractor may belong to a subcontractor. (Not the other
            # way round: warehouses made before subcontractors existed are linked when ensured.)
            models.CheckConstraint(
                condition=Q(subcontractor__isnull=True) | Q(kind="subcontractor"),
                name="inv_warehouse_subcontractor_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockMove(models.Model):
    """One signed quantity of one SKU into (+) or out of (−) one warehouse. Never updated or
    deleted (database triggers refuse it); a correction is a new move that `reverses` one."""

    # No index of its own on sku, here or in balances and reservations: each of the three has an
    # index that starts with (sku, warehouse), and a second one made every insert a third slower.
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", db_index=False)
    warehouse = models.ForeignKey(Warehouse, models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY)
    # Unit cost for people (value / quantity, rounded); `value` is the exact amount.
    unit_cost = models.DecimalField(default=0, **MONEY)
    # The signed amount the move added to (+) or took from (−) the SKU's stock value. Empty on
    # moves written before costing existed: read as quantity × unit_cost (see selectors.move_value).
    value = models.DecimalField(null=True, blank=True, **MONEY)
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
    `shopflow verify-stock` re-derives it from the ledger and the open reservations."""

    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", db_index=False)
    warehouse = models.ForeignKey(Warehouse, models.PROTECT, related_name="+")
    on_hand = models.DecimalField(default=0, **QTY)
    reserved = models.DecimalField(default=0, **QTY)
    # Copied from the warehouse so the database itself can enforce "no negative stock".
    allow_negative = models.BooleanField(default=False)

    class Meta:
        default_permissions = ("view",)
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        # On SQLite only, made by migration 0008: inv_balance_inquiry_idx (sku, warehouse, on_hand,
        # reserved) covers the stock inquiry 库存查询 (see that migration for why not on PostgreSQL).
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


class StockReservation(models.Model):
    """Stock held for one origin line (a sales order line, a material issue line, ...) in one
    warehouse. `quantity` is what is still held; the balance's `reserved` is the sum of the
    open rows, which verify-stock checks. One row per origin line, SKU and warehouse: reserving
    again adds to it, releasing and issuing take from it."""

    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"), db_index=False)
    warehouse = models.ForeignKey(Warehouse, models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    origin_type = models.CharField(_("origin"), max_length=100)
    origin_id = models.BigIntegerField()
    origin_line_id = models.BigIntegerField(null=True, blank=True)
    quantity = models.DecimalField(_("reserved"), default=0, **QTY)
    # Running totals, for people: what was issued against the reservation and what was let go.
    consumed = models.DecimalField(_("issued"), default=0, **QTY)
    released = models.DecimalField(_("released"), default=0, **QTY)
    open = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True)

    class Meta:
        default_permissions = ("view",)
        ordering = ["id"]
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        # Look-ups by origin use inv_resv_origin_uniq below (it starts with origin type and id).
        indexes = [models.Index(fields=["sku", "warehouse", "open"], name="inv_resv_sku_wh_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="inv_resv_qty_nonneg"),
            models.CheckConstraint(condition=Q(open=True, quantity__gt=0) | Q(open=False, quantity=0),
                                   name="inv_resv_open_iff_qty"),
            models.UniqueConstraint(fields=["origin_type", "origin_id", "origin_line_id", "sku", "warehouse"],
                                    name="inv_resv_origin_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.origin_type}#{self.origin_id}/{self.origin_line_id}: {self.sku_id}@{self.warehouse_id} " \
               f"{self.quantity}"


class ReservationConsumption(models.Model):
    """Which move issued how much of a reservation (+), or gave it back when reversed (−), so
    un-approving an issue restores exactly the reservation it consumed."""

    reservation = models.ForeignKey(StockReservation, models.PROTECT, related_name="consumptions")
    move = models.OneToOneField(StockMove, models.PROTECT, related_name="reservation_use")
    quantity = models.DecimalField(**QTY)

    class Meta:
        default_permissions = ()
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="inv_resv_use_qty_nonzero")]

    def __str__(self) -> str:
        return f"move {self.move_id} → reservation {self.reservation_id}: {self.quantity}"


class SkuCost(models.Model):
    """Moving-average cost of one SKU across all warehouses, updated with every posting in
    the same transaction. `value` always equals the sum of the SKU's move values and
    `quantity` the sum of its move quantities (verify-stock checks both)."""

    sku = models.OneToOneField("catalog.Sku", models.PROTECT, primary_key=True, related_name="+",
                               verbose_name=_("SKU"))
    quantity = models.DecimalField(_("quantity"), default=0, **QTY)
    value = models.DecimalField(_("stock value"), default=0, **MONEY)
    average = models.DecimalField(_("average cost"), default=0, **AVERAGE)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        default_permissions = ("view",)
        verbose_name = _("SKU cost")
        verbose_name_plural = _("SKU costs")

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.quantity} × {self.average}"


class SafetyStock(models.Model):
    """Safety stock 警戒库存: below this many available units the SKU shows as low stock."""

    sku = models.ForeignKey("catalog.Sku", models.CASCADE, related_name="+", verbose_name=_("SKU"))
    warehouse = models.ForeignKey(Warehouse, models.CASCADE, related_name="+", verbose_name=_("warehouse"))
    minimum = models.DecimalField(_("safety stock"), **QTY)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True,
                                   verbose_name=_("updated by"))

    class Meta:
        default_permissions = ("view", "change")
        ordering = ["warehouse_id", "sku_id"]
        verbose_name = _("safety stock")
        verbose_name_plural = _("safety stock")
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="inv_safety_sku_wh_uniq"),
            models.CheckConstraint(condition=Q(minimum__gt=0), name="inv_safety_min_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id} ≥ {self.minimum}"
