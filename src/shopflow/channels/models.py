"""Shops 店铺: where online orders come from. A shop is on one platform; its orders are
imported from the platform's export files or pushed through the API (see services)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    PINDUODUO = "pinduoduo", _("Pinduoduo")
    DOUYIN = "douyin", _("Douyin")
    ALIBABA_1688 = "1688", _("1688")
    OWN_SITE = "own_site", _("Own site")
    DISTRIBUTOR = "distributor", _("Distributor")


class Shop(models.Model):
    code = models.CharField(_("shop code"), max_length=32, unique=True)
    name = models.CharField(_("shop name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices, default=Platform.TAOBAO)
    # Where its orders ship from unless a rule says otherwise.
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("default warehouse"))
    default_courier = models.ForeignKey("partners.Courier", models.PROTECT, null=True, blank=True, related_name="+",
                                        verbose_name=_("default courier"))
    # 自动审单: paid orders without a buyer message, with a readable address and stock are approved
    # (and allocated) as they come in; the others wait for customer service with the reason.
    auto_review = models.BooleanField(_("auto review"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("shop")
        verbose_name_plural = _("shops")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
