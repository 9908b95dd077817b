"""SKUs. Styles, colour × size grids, bundles and BOMs build on this (see issue 3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY
from shopflow.core.validators import validate_not_negative


class Sku(models.Model):
    code = models.CharField(_("item code"), max_length=64, unique=True, help_text=_("商家编码, unique"))
    name = models.CharField(_("name"), max_length=200)
    colour = models.CharField(_("colour"), max_length=40, blank=True, default="")
    size = models.CharField(_("size"), max_length=20, blank=True, default="")
    unit = models.CharField(_("unit"), max_length=16, default="件")
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, default="")
    cost = models.DecimalField(_("cost"), default=0, validators=[validate_not_negative], **MONEY)
    list_price = models.DecimalField(_("list price"), default=0, validators=[validate_not_negative], **MONEY)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")

    def __str__(self) -> str:
        spec = "/".join(p for p in (self.colour, self.size) if p)
        return f"{self.code} {self.name}" + (f" ({spec})" if spec else "")
