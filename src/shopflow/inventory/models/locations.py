"""Bins 库位 inside a warehouse and the default bin of each SKU in a warehouse.

Stock is kept per SKU and warehouse (the ledger does not split it by bin); a bin says where
an SKU is put away and picked, so count sheets and pick lists can be walked shelf by shelf.

That a location's bin lies in the location's warehouse is enforced by the database as well
as by the services: on PostgreSQL by a composite foreign key (bin, warehouse) → bin (id,
warehouse), on SQLite by triggers (migration 0007)."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def validate_no_spaces(value: str) -> None:
    """A bin code is scanned and printed on labels: no spaces inside it."""
    if value and re.search(r"\s", value):
        raise ValidationError(_("A code may not contain spaces."), code="invalid_code")


class BinManager(models.Manager):
    def get_queryset(self):
        # A bin is shown with its warehouse ("WH01 A-01-01") in pickers and lists; without the
        # join a select of a few hundred bins would cost a query per option.
        return super().get_queryset().select_related("warehouse")


class Bin(models.Model):
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="bins",
                                  verbose_name=_("warehouse"))
    code = models.CharField(_("bin code"), max_length=32, validators=[validate_no_spaces],
                            help_text=_("Unique within the warehouse, e.g. A-01-03 (aisle, rack, level)."))
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    sort_order = models.PositiveIntegerField(_("sort order"), default=0,
                                             help_text=_("The walking order of count sheets and pick lists."))
    active = models.BooleanField(_("active"), default=True)

    objects = BinManager()

    class Meta:
        ordering = ["warehouse__code", "sort_order", "code"]
        verbose_name = _("bin")
        verbose_name_plural = _("bins")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="inv_bin_code_not_blank"),
            models.UniqueConstraint(fields=["warehouse", "code"], name="inv_bin_wh_code_uniq"),
            # The target of the composite foreign key from SkuLocation (PostgreSQL).
            models.UniqueConstraint(fields=["id", "warehouse"], name="inv_bin_id_wh_uniq"),
        ]

    def __str__(self) -> str:
        label = f"{self.warehouse.code} {self.code}"
        return f"{label} {self.name}" if self.name else label


class SkuLocation(models.Model):
    """The default bin 默认库位 of one SKU in one warehouse."""

    sku = models.ForeignKey("catalog.Sku", models.CASCADE, related_name="+", verbose_name=_("SKU"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.CASCADE, related_name="+",
                                  verbose_name=_("warehouse"))
    bin = models.ForeignKey(Bin, models.PROTECT, related_name="locations", verbose_name=_("bin"))

    class Meta:
        ordering = ["warehouse_id", "sku_id"]
        verbose_name = _("SKU location")
        verbose_name_plural = _("SKU locations")
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="inv_skuloc_sku_wh_uniq"),
        ]
        indexes = [models.Index(fields=["warehouse", "bin"], name="inv_skuloc_wh_bin_idx")]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id} → {self.bin_id}"
