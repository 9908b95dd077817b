"""Purchasing documents: requisition 采购申请, purchase order 采购订单, receipt with QC 采购入库单
(抽检), purchase return / exchange 采购退货单; and supplier payments 付款 for the supplier file."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shopflow.core.models import MONEY, QTY, Document, DocumentLine
from shopflow.core.validators import validate_not_negative, validate_positive

CENT = Decimal("0.01")


def line_amount(quantity, price) -> Decimal:
    """Quantity × price rounded to the cent, as every purchasing line is valued."""
    return (Decimal(quantity) * Decimal(price or 0)).quantize(CENT, ROUND_HALF_UP)


# ---------------------------------------------------------------- requisition 采购申请


class BusinessType(models.TextChoices):
    """业务类型: standard requisitions become purchase orders; 订单委外 ones become subcontract
    orders (pushed down by the subcontracting app)."""

    STANDARD = "standard", pgettext_lazy("business type", "Standard")
    SUBCONTRACT = "subcontract", pgettext_lazy("business type", "Subcontract")


class Department(models.TextChoices):
    """使用部门: who asks for the goods."""

    PURCHASING = "purchasing", _("Purchasing department")
    PLANNING = "planning", _("Planning department (PMC)")
    PRODUCTION = "production", _("Production department")
    ENGINEERING = "engineering", _("Engineering department")
    OPERATIONS = "operations", _("Operations department")
    SALES = "sales", _("Sales department")
    WAREHOUSE = "warehouse", _("Warehouse department")
    OTHER = "other", _("Other department")


class PlanCategory(models.TextChoices):
    """计划类别: why the goods are needed."""

    STANDARD = "standard", pgettext_lazy("plan category", "Standard")
    MTO = "mto", _("Make to order (MTO)")
    MTS = "mts", _("Make to stock (MTS)")
    REPLENISHMENT = "replenishment", _("Replenishment")


class PurchaseRequisition(Document):
    """采购申请: what is needed, by when; approved requisitions are pushed down to purchase
    orders (standard) or subcontract orders (订单委外)."""

    business_type = models.CharField(_("business type"), max_length=16, choices=BusinessType.choices,
                                     default=BusinessType.STANDARD)
    department = models.CharField(_("department"), max_length=16, choices=Department.choices,
                                  default=Department.PURCHASING)
    plan_category = models.CharField(_("plan category"), max_length=16, choices=PlanCategory.choices,
                                     default=PlanCategory.STANDARD)

    class Meta(Document.Meta):
        verbose_name = _("purchase requisition")
        verbose_name_plural = _("purchase requisitions")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(business_type__in=BusinessType.values),
                                   name="purchasing_requisition_business_type_valid"),
        ]


class PurchaseRequisitionLine(DocumentLine):
    document = models.ForeignKey(PurchaseRequisition, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    # 需求日期 / 到货日期: must be after the requisition date (services.requisition_validate).
    required_date = models.DateField(_("required date"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("purchase requisition line")


# ---------------------------------------------------------------- purchase order 采购订单


class PurchaseOrder(Document):
    supplier = models.ForeignKey("partners.Supplier", models.PROTECT, related_name="+", verbose_name=_("supplier"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                  verbose_name=_("receiving warehouse"))
    expected_date = models.DateField(_("expected arrival"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")


class PurchaseOrderLine(DocumentLine):
    document = models.ForeignKey(PurchaseOrder, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    unit_price = models.DecimalField(_("unit price"), default=0, validators=[validate_not_negative], **MONEY)
    # Carried from the requisition line it was pushed from; informative.
    required_date = models.DateField(_("required date"), null=True, blank=True)

    class Meta(DocumentLine.Meta):
        verbose_name = _("purchase order line")

    @property
    def amount(self):
        return line_amount(self.quantity, self.unit_price)


# ---------------------------------------------------------------- receipt 采购入库单 with QC 抽检


class ReceiptKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase receipt")
    # Replacement goods for an exchange return 换货入库: no new purchase, so no amount owed.
    EXCHANGE = "exchange", _("Exchange in")


class PurchaseReceipt(Document):
    """Goods received from a supplier. Each line is inspected: the received quantity is split
    into accepted (into `warehouse`) and rejected (into `defective_warehouse`)."""

    supplier = models.ForeignKey("partners.Supplier", models.PROTECT, related_name="+", verbose_name=_("supplier"))
    kind = models.CharField(_("receipt kind"), max_length=16, choices=ReceiptKind.choices,
                            default=ReceiptKind.PURCHASE)
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+", verbose_name=_("warehouse"))
    defective_warehouse = models.ForeignKey(
        "inventory.Warehouse", models.PROTECT, related_name="+", null=True, blank=True,
        verbose_name=_("defective warehouse"),
        help_text=_("Where rejected goods go; empty: the first active returns/defective warehouse."),
    )
    # 运输费用 the supplier charges for this delivery; owed to the supplier with the goods.
    freight = models.DecimalField(_("freight"), default=0, validators=[validate_not_negative], **MONEY)

    class Meta(Document.Meta):
        verbose_name = _("purchase receipt")
        verbose_name_plural = _("purchase receipts")
        constraints = [
            *Document.Meta.constraints,
            models.CheckConstraint(condition=Q(freight__gte=0), name="purchasing_receipt_freight_not_negative"),
        ]


class PurchaseReceiptLine(DocumentLine):
    """`quantity` is what arrived (实收); `rejected_quantity` of it failed inspection; the rest
    is accepted. The received quantity is what counts against the purchase order and what is
    owed for (rejected goods go back through a purchase return or exchange)."""

    document = models.ForeignKey(PurchaseReceipt, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    quantity = models.DecimalField(_("received quantity"), validators=[validate_positive], **QTY)
    rejected_quantity = models.DecimalField(_("rejected quantity"), default=0, validators=[validate_not_negative],
                                            **QTY)
    unit_cost = models.DecimalField(_("unit cost"), default=0, validators=[validate_not_negative], **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = _("purchase receipt line")
        constraints = [
            *DocumentLine.Meta.constraints,
            models.CheckConstraint(condition=Q(rejected_quantity__gte=0) & Q(rejected_quantity__lte=F("quantity")),
                                   name="purchasing_receiptline_rejected_within_received"),
        ]

    @property
    def accepted_quantity(self) -> Decimal:
        return self.quantity - (self.rejected_quantity or 0)

    @property
    def amount(self):
        return line_amount(self.quantity, self.unit_cost)


# ---------------------------------------------------------------- return 采购退货单 / exchange 换货


class ReturnKind(models.TextChoices):
    RETURN = "return", _("Return for credit")
    # 换货: the supplier owes replacement goods instead of money (kept on the open exchange account).
    EXCHANGE = "exchange", _("Exchange")


class PurchaseReturn(Document):
    """Goods sent back to a supplier out of `warehouse`: for credit, or for exchange (the
    supplier sends replacements, received on an exchange-in receipt pushed from this return)."""

    supplier = models.ForeignKey("partners.Supplier", models.PROTECT, related_name="+", verbose_name=_("supplier"))
    kind = models.CharField(_("return kind"), max_length=16, choices=ReturnKind.choices, default=ReturnKind.RETURN)
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                  verbose_name=_("ship from warehouse"))

    class Meta(Document.Meta):
        verbose_name = _("purchase return")
        verbose_name_plural = _("purchase returns")


class PurchaseReturnLine(DocumentLine):
    document = models.ForeignKey(PurchaseReturn, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    # The price the supplier credits (a return) or the value of what is exchanged.
    unit_cost = models.DecimalField(_("unit price"), default=0, validators=[validate_not_negative], **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = _("purchase return line")

    @property
    def amount(self):
        return line_amount(self.quantity, self.unit_cost)


# ---------------------------------------------------------------- supplier payments 付款


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    ALIPAY = "alipay", _("Alipay")
    WECHAT = "wechat", _("WeChat Pay")
    CASH = "cash", _("Cash")
    OTHER = "other", pgettext_lazy("payment method", "Other")


class SupplierPayment(models.Model):
    """Money paid to a supplier; it lowers what is owed on the supplier file. Never edited:
    a wrong payment is voided (with a reason) and entered again."""

    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    supplier = models.ForeignKey("partners.Supplier", models.PROTECT, related_name="+", verbose_name=_("supplier"))
    pay_date = models.DateField(_("payment date"), default=timezone.localdate)
    amount = models.DecimalField(_("amount"), validators=[validate_positive], **MONEY)
    method = models.CharField(_("payment method"), max_length=16, choices=PaymentMethod.choices,
                              default=PaymentMethod.BANK)
    reference = models.CharField(_("reference"), max_length=100, blank=True, default="",
                                 help_text=_("Bank or Alipay transaction number."))
    remarks = models.CharField(_("remarks"), max_length=500, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", editable=False,
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True,
                                  editable=False, verbose_name=_("voided by"))
    void_reason = models.CharField(_("reason for voiding"), max_length=500, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-pay_date", "-id"]
        verbose_name = _("supplier payment")
        verbose_name_plural = _("supplier payments")
        default_permissions = ("view", "add")
        permissions = [
            ("void_supplierpayment", "Can void supplier payments"),
            ("view_supplierstatement", "Can view supplier files and statements"),
        ]
        indexes = [models.Index(fields=["supplier", "pay_date"], name="purch_payment_supplier_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="purchasing_payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.number} {self.amount}"

    @property
    def voided(self) -> bool:
        return self.voided_at is not None
