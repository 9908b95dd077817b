"""Sales orders 销售订单 — for now the B2B order a subcontract order can be made from (seed 000,
委外订单 "根据销售订单建立"). Review, credit control, deliveries and online orders come with the
sales and OMS work; the document will grow, its lines stay item × quantity × price."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY, QTY, Document, DocumentLine
from shopflow.core.validators import validate_not_negative


class SalesOrder(Document):
    customer = models.ForeignKey("partners.Customer", models.PROTECT, related_name="+", verbose_name=_("customer"))
    contract_number = models.CharField(_("contract number"), max_length=64, blank=True, default="")
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)

    class Meta(Document.Meta):
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")


class SalesOrderLine(DocumentLine):
    document = models.ForeignKey(SalesOrder, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("SKU"))
    unit_price = models.DecimalField(_("unit price"), default=0, validators=[validate_not_negative], **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = _("sales order line")

    @property
    def amount(self):
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"), ROUND_HALF_UP)


# ---------------------------------------------------------------- online orders 线上订单


class PlatformStatus(models.TextChoices):
    """The platform's order status, normalised across platforms (readers map their texts to it)."""

    UNPAID = "unpaid", _("Awaiting payment (platform)")  # 等待买家付款
    PAID = "paid", _("Paid, awaiting shipment")  # 买家已付款，等待卖家发货
    SHIPPED = "shipped", _("Shipped (platform)")  # 卖家已发货，等待买家确认
    COMPLETED = "completed", _("Completed")  # 交易成功
    CLOSED = "closed", _("Closed")  # 交易关闭 (cancelled before payment, or fully refunded)
    REFUNDING = "refunding", _("Refund requested")  # 买家申请退款 / 退款中


class OrderState(models.TextChoices):
    """Where an online order is in our hands (the platform's own status is kept beside it)."""

    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    TO_REVIEW = "to_review", _("To review")
    HELD = "held", _("Held")
    APPROVED = "approved", _("Approved")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Cancelled")


class OrderFlag(models.TextChoices):
    """旗帜: what customer service marks an order with (the colours staff already use)."""

    NONE = "", _("No flag")
    RED = "red", _("Red: remark to honour")
    YELLOW = "yellow", _("Yellow: cannot ship yet / out of stock")
    BLUE = "blue", _("Blue: exchange")
    PURPLE = "purple", _("Purple: return")
    GREEN = "green", _("Green: bank transfer received")


class OnlineOrder(models.Model):
    """One platform order of one shop (订单编号 unique per shop). Imports create it and later
    update only what the platform owns (status, payment, refunds, tracking); what our staff
    did — review, flags, notes, a corrected address — is never overwritten."""

    shop = models.ForeignKey("channels.Shop", models.PROTECT, related_name="orders", verbose_name=_("shop"))
    platform_order_no = models.CharField(_("platform order number"), max_length=64)
    platform_status = models.CharField(_("platform status"), max_length=16, choices=PlatformStatus.choices)
    state = models.CharField(_("state"), max_length=20, choices=OrderState.choices, default=OrderState.TO_REVIEW)
    # Why the order is held: [{"code": "unknown_sku", "message": "…"}, …]; empty unless held.
    holds = models.JSONField(_("hold reasons"), default=list, blank=True)
    flag = models.CharField(_("flag"), max_length=8, choices=OrderFlag.choices, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    buyer_nick = models.CharField(_("buyer"), max_length=100, blank=True, default="")
    buyer_message = models.TextField(_("buyer message"), blank=True, default="")
    seller_remark = models.TextField(_("seller remark"), blank=True, default="")
    receiver_name = models.CharField(_("receiver"), max_length=100, blank=True, default="")
    receiver_mobile = models.CharField(_("mobile"), max_length=32, blank=True, default="")
    receiver_phone = models.CharField(_("phone"), max_length=64, blank=True, default="")
    address = models.CharField(_("address"), max_length=500, blank=True, default="")
    province = models.CharField(_("province"), max_length=32, blank=True, default="")
    city = models.CharField(_("city"), max_length=64, blank=True, default="")
    district = models.CharField(_("district"), max_length=64, blank=True, default="")
    address_detail = models.CharField(_("street address"), max_length=500, blank=True, default="")
    address_edited = models.BooleanField(_("address corrected by us"), default=False)
    goods_amount = models.DecimalField(_("goods amount"), default=0, **MONEY)
    postage = models.DecimalField(_("postage"), default=0, **MONEY)
    total_amount = models.DecimalField(_("total amount"), default=0, **MONEY)
    paid_amount = models.DecimalField(_("paid amount"), default=0, **MONEY)
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    tracking_no = models.CharField(_("tracking number"), max_length=64, blank=True, default="")
    courier_name = models.CharField(_("courier (platform)"), max_length=64, blank=True, default="")
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-paid_at", "-id"]
        verbose_name = _("online order")
        verbose_name_plural = _("online orders")
        constraints = [
            models.UniqueConstraint(fields=["shop", "platform_order_no"], name="sales_online_shop_no_uniq"),
            models.CheckConstraint(condition=models.Q(state__in=OrderState.values), name="sales_online_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "paid_at"], name="sales_online_state_paid_idx")]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.platform_order_no}"

    @property
    def hold_messages(self) -> list[str]:
        """Why the order is held, in the reader's language (stored as codes and values)."""
        return [hold_message(hold) for hold in self.holds]


def hold_message(hold: dict) -> str:
    code = hold.get("code")
    if code == "unknown_sku":
        return _("No SKU has the item code %(codes)s.") % {"codes": "、".join(hold.get("codes") or ["—"])}
    if code == "no_lines":
        return str(_("The order has no items in the item file."))
    if code == "address":
        return _("Address: %(problem)s") % {"problem": hold.get("problem", "")}
    if code == "refund":
        return str(_("The buyer asked for a refund on the platform."))
    return hold.get("message", "")


class OnlineOrderLine(models.Model):
    order = models.ForeignKey(OnlineOrder, models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField(_("line"))
    # None: the platform's item code matched no SKU (the order is held until it is fixed).
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name=_("SKU"))
    sku_code = models.CharField(_("item code on the platform"), max_length=64, blank=True, default="")
    title = models.CharField(_("title"), max_length=300, blank=True, default="")
    properties = models.CharField(_("properties"), max_length=300, blank=True, default="")
    quantity = models.DecimalField(_("quantity"), **QTY)
    price = models.DecimalField(_("price"), default=0, **MONEY)
    refund_status = models.CharField(_("refund status"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["order_id", "line_no"]
        verbose_name = _("online order line")
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="sales_online_line_no_uniq"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="sales_online_line_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}: {self.sku_code} × {self.quantity}"
