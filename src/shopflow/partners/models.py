"""Partners of the business: suppliers, customers (retail, B2B, distributors, agents),
subcontractors 外协厂 with their processing categories, and couriers.

Rules that need the database (ranges, which fields a kind of customer may carry) are backed by
check constraints; everything else is validated in ``partners.services``, the only writer.
Nothing here knows about warehouses: a subcontractor's own warehouse 外协仓 is inventory's
(``inventory.Warehouse`` points at ``partners.Subcontractor``, never the other way).
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY
from shopflow.core.validators import validate_not_negative
from shopflow.partners.couriers import validate_tracking_pattern

# Seed 004 (代理商招募): an agent's first purchase must be at least 4000 CNY. New distributors and
# agents get this as their first-order minimum; it can be changed per customer.
DEFAULT_FIRST_ORDER_MINIMUM = Decimal("4000")


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


class AddressFields(models.Model):
    """A Chinese address as typed, plus what ``partners.address.parse_address`` made of it.

    ``address_problems`` holds the parser's problems as ``[{"code": ..., "message": ...}]``
    (message in the language active when it was saved; ``selectors.address_problems`` gives
    them in the current language). ``address_needs_confirmation`` is set while a problem is
    open and cleared when someone confirms the province / city / district by hand.
    """

    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    province = models.CharField(_("province"), max_length=32, blank=True, default="")
    city = models.CharField(_("city"), max_length=64, blank=True, default="")
    district = models.CharField(_("district"), max_length=64, blank=True, default="")
    address_detail = models.CharField(_("street address"), max_length=300, blank=True, default="")
    postcode = models.CharField(_("postcode"), max_length=6, blank=True, default="")
    province_code = models.CharField(_("province code"), max_length=12, blank=True, default="")
    city_code = models.CharField(_("city code"), max_length=12, blank=True, default="")
    district_code = models.CharField(_("district code"), max_length=12, blank=True, default="")
    address_problems = models.JSONField(_("address problems"), default=list, blank=True)
    address_needs_confirmation = models.BooleanField(_("address needs confirmation"), default=False)

    class Meta:
        abstract = True

    @property
    def address_region(self) -> str:
        """"浙江省 杭州市 西湖区" (as far as known)."""
        return " ".join(p for p in (self.province, self.city, self.district) if p)


class CustomerKind(models.TextChoices):
    RETAIL = "retail", _("Retail buyer")
    B2B = "b2b", _("B2B customer")
    DISTRIBUTOR = "distributor", _("Distributor")
    AGENT = "agent", _("Agent")


# Kinds that resell our goods and carry a level, a region and a first-order minimum.
RESELLER_KINDS = frozenset({CustomerKind.DISTRIBUTOR, CustomerKind.AGENT})
_RESELLER_VALUES = sorted(str(k.value) for k in RESELLER_KINDS)


class Customer(AddressFields):
    """Someone we sell to. One model for every kind, so that sales orders, receivables and
    statements point at one table; the reseller fields (``level``, ``first_order_minimum``) are
    empty for retail and B2B customers and filled for distributors 分销商 and agents 代理商
    (check constraint ``partners_customer_reseller_fields``)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=CustomerKind.choices, default=CustomerKind.B2B)
    contact = models.CharField(_("contact"), max_length=100, blank=True, default="")
    # Normalised: "13800138000"; retail buyers may have a platform-masked "138****1234" or a
    # virtual number with extension "17012345678-1234".
    mobile = models.CharField(_("mobile"), max_length=32, blank=True, default="")
    # Any recognised number (landline "0571-88888888", 400/800, mobile), normalised.
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    credit_limit = models.DecimalField(
        _("credit limit"), default=Decimal(0), validators=[validate_not_negative], **MONEY,
        help_text=_("Most the customer may owe (open orders and unpaid invoices); 0 means no credit."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=0, validators=[MaxValueValidator(365)],
        help_text=_("Days after invoice until payment is due; 0 means payment before delivery."),
    )
    deposit_percent = models.DecimalField(
        _("deposit (%)"), max_digits=5, decimal_places=2, default=Decimal(0),
        validators=[validate_not_negative, MaxValueValidator(100)],
        help_text=_("Share of an order paid before production starts, e.g. 30."),
    )
    region = models.CharField(_("sales region"), max_length=100, blank=True, default="")
    level = models.PositiveSmallIntegerField(
        _("level"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("Distributor or agent level, 1 being the highest."),
    )
    first_order_minimum = models.DecimalField(
        _("first-order minimum"), null=True, blank=True, validators=[validate_not_negative], **MONEY,
        help_text=_("Smallest amount of a distributor's or agent's first order."),
    )
    remarks = models.TextField(_("remarks"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["mobile"], name="partners_customer_mobile_idx"),
            models.Index(fields=["kind", "active"], name="partners_customer_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="partners_customer_code_not_blank"),
            models.CheckConstraint(condition=Q(kind__in=[str(v) for v in CustomerKind.values]),
                                   name="partners_customer_kind_valid"),
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="partners_customer_credit_not_negative"),
            models.CheckConstraint(condition=Q(deposit_percent__gte=0, deposit_percent__lte=100),
                                   name="partners_customer_deposit_percent_range"),
            models.CheckConstraint(
                condition=(~Q(kind=CustomerKind.RETAIL.value)
                           | Q(credit_limit=0, payment_terms_days=0, deposit_percent=0)),
                name="partners_customer_retail_no_credit",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=_RESELLER_VALUES, level__isnull=False, level__gte=1,
                      first_order_minimum__isnull=False, first_order_minimum__gte=0)
                    | (~Q(kind__in=_RESELLER_VALUES) & Q(level__isnull=True, first_order_minimum__isnull=True))
                ),
                name="partners_customer_reseller_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_reseller(self) -> bool:
        return self.kind in RESELLER_KINDS


class ProcessingCategory(models.Model):
    """A kind of work given out to subcontractors: 裁剪, 车缝, 印花, 绣花, 水洗, SMT 贴片, ..."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("processing category")
        verbose_name_plural = _("processing categories")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="partners_processingcategory_code_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class Subcontractor(AddressFields):
    """A subcontracting factory 外协厂. Its warehouse 外协仓 belongs to inventory, which points
    here (partners sits below inventory and never imports it)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact = models.CharField(_("contact"), max_length=100, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")  # normalised, any recognised kind
    processing_categories = models.ManyToManyField(
        ProcessingCategory, blank=True, related_name="subcontractors", verbose_name=_("processing categories"),
    )
    remarks = models.TextField(_("remarks"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("subcontractor")
        verbose_name_plural = _("subcontractors")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="partners_subcontractor_code_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
