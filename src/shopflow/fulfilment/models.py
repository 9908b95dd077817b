"""Fulfilment 发货: waves 波次 of approved, allocated orders; one parcel 包裹 per order that goes
out, with its courier, tracking number, packing check and ship time; the pool of e-waybill
numbers 面单号 per courier; handover lists 交接单 per courier.

An order's stock is reserved by allocation (origin "sales.onlineorder", order, line) and
issued when its parcel ships (origin "fulfilment.parcel", parcel, order line), using up the
reservation — the ledger is the only place stock changes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

WEIGHT = {"max_digits": 10, "decimal_places": 3}  # kilograms


class WaveState(models.TextChoices):
    OPEN = "open", pgettext_lazy("wave", "Open")  # parcels still to pick, pack or ship
    DONE = "done", pgettext_lazy("wave", "Done")  # every parcel shipped or taken out


class Wave(models.Model):
    """波次: approved, allocated orders of one warehouse (and usually one courier) picked together."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    courier = models.ForeignKey("partners.Courier", models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("courier"))
    state = models.CharField(_("state"), max_length=8, choices=WaveState.choices, default=WaveState.OPEN)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    printed_at = models.DateTimeField(_("pick list printed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True,
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        constraints = [models.CheckConstraint(condition=Q(state__in=WaveState.values), name="ful_wave_state_valid")]

    def __str__(self) -> str:
        return self.number


class ParcelState(models.TextChoices):
    WAVED = "waved", _("To pack")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Taken out")


class Parcel(models.Model):
    """包裹: what one order ships as. Packing checks the scanned items against the order's lines;
    shipping issues the reserved stock and records the ship time."""

    order = models.ForeignKey("sales.OnlineOrder", models.PROTECT, related_name="parcels", verbose_name=_("order"))
    wave = models.ForeignKey(Wave, models.PROTECT, related_name="parcels", verbose_name=_("wave"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    # Indexed by ful_parcel_handover_idx (courier, handover, state), which starts with it.
    courier = models.ForeignKey("partners.Courier", models.PROTECT, related_name="+", verbose_name=_("courier"),
                                db_index=False)
    tracking_no = models.CharField(_("tracking number"), max_length=64, blank=True, default="")
    state = models.CharField(_("state"), max_length=10, choices=ParcelState.choices, default=ParcelState.WAVED)
    weight = models.DecimalField(_("weight (kg)"), null=True, blank=True, **WEIGHT)
    packed_at = models.DateTimeField(_("packed at"), null=True, blank=True)
    packed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True,
                                  verbose_name=_("packer"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True,
                                   verbose_name=_("shipped by"))
    handover = models.ForeignKey("Handover", models.PROTECT, null=True, blank=True, related_name="parcels",
                                 verbose_name=_("handover list"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["wave_id", "id"]
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ParcelState.values), name="ful_parcel_state_valid"),
            # An order is in at most one live parcel; a parcel taken out of its wave frees it.
            models.UniqueConstraint(fields=["order"], condition=~Q(state="cancelled"),
                                    name="ful_parcel_order_live_uniq"),
            models.UniqueConstraint(fields=["courier", "tracking_no"],
                                    condition=~Q(tracking_no="") & ~Q(state="cancelled"),
                                    name="ful_parcel_tracking_uniq"),
            models.CheckConstraint(condition=Q(weight__isnull=True) | Q(weight__gt=0),
                                   name="ful_parcel_weight_positive"),
            models.CheckConstraint(condition=~Q(state="shipped") | (Q(shipped_at__isnull=False) & ~Q(tracking_no="")),
                                   name="ful_parcel_shipped_has_tracking"),
        ]
        indexes = [
            models.Index(fields=["state", "shipped_at"], name="ful_parcel_state_ship_idx"),
            models.Index(fields=["courier", "handover", "state"], name="ful_parcel_handover_idx"),
            # The packing station finds a parcel by its waybill alone (parcel_find).
            models.Index(fields=["tracking_no"], name="ful_parcel_tracking_idx"),
        ]

    def __str__(self) -> str:
        return self.tracking_no or f"parcel {self.pk}"


class TrackingNumber(models.Model):
    """面单号: an e-waybill number bought from a courier, given to one parcel when its wave's
    waybills are assigned (in the order they were added)."""

    # Indexed by ful_tracking_courier_no_uniq, which starts with it.
    courier = models.ForeignKey("partners.Courier", models.PROTECT, related_name="+", verbose_name=_("courier"),
                                db_index=False)
    number = models.CharField(_("tracking number"), max_length=64)
    parcel = models.OneToOneField(Parcel, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("parcel"))
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("tracking number")
        verbose_name_plural = _("tracking numbers")
        constraints = [models.UniqueConstraint(fields=["courier", "number"], name="ful_tracking_courier_no_uniq")]
        # The free numbers, and the given-out ones, of a courier in the order they were added: a
        # wave takes the free numbers after the last one given out (see wave_assign_tracking).
        indexes = [models.Index(fields=["courier", "id"], condition=models.Q(parcel__isnull=True),
                                name="ful_tracking_free_idx"),
                   models.Index(fields=["courier", "id"], condition=models.Q(parcel__isnull=False),
                                name="ful_tracking_used_idx")]

    def __str__(self) -> str:
        return self.number


class Handover(models.Model):
    """交接单: the shipped parcels of one courier handed to its driver, counted and weighed."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    courier = models.ForeignKey("partners.Courier", models.PROTECT, related_name="+", verbose_name=_("courier"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    parcel_count = models.PositiveIntegerField(_("parcels"), default=0)
    total_weight = models.DecimalField(_("total weight (kg)"), default=0, **WEIGHT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True,
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("handover list")
        verbose_name_plural = _("handover lists")

    def __str__(self) -> str:
        return self.number
