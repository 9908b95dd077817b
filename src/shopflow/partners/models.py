"""Partners of the business."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopflow.partners.couriers import validate_tracking_pattern


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


class Courier(models.Model):
    """An express company (快递公司). ``code`` is KDNiao's courier code (SF, ZTO, ...), which the
    built-in list uses; see ``shopflow.partners.couriers`` for the tracking-number patterns."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    tracking_pattern = models.CharField(
        _("tracking-number pattern"), max_length=300, blank=True, default="",
        validators=[validate_tracking_pattern],
        help_text=_("Regular expression the whole tracking number must match (capital letters, no spaces or "
                    "dashes). Leave empty to accept any number of 6–40 letters or digits."),
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("courier")
        verbose_name_plural = _("couriers")
        constraints = [
            models.CheckConstraint(condition=~models.Q(code=""), name="partners_courier_code_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name
