"""Partners of the business."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Supplier(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact = models.CharField(_("contact"), max_length=100, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
