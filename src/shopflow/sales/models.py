"""Sales orders 销售订单 — for now the B2B order a subcontract order can be made from (seed 000,
委外订单 "根据销售订单建立"). Review, credit control, deliveries and online orders come with the
sales and OMS work; the document will grow, its lines stay item × quantity × price."""

import re
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
    # Merged into another order of the same buyer and address (its lines went there); ships with it.
    MERGED = "merged", _("Merged")


class Allocation(models.TextChoices):
    """Whether stock is reserved for an approved order (fulfilment's allocation 配货)."""

    NONE = "", _("Not allocated")
    ALLOCATED = "allocated", _("Allocated")
    SHORT = "short", _("Short of stock")


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
    # ---- ours: set by review 审单 and allocation, never by imports (database defaults, so the
    # intake's raw inserts need not name them)
    courier = models.ForeignKey("partners.Courier", models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("courier"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("ship from"))
    priority = models.SmallIntegerField(_("priority"), default=0, db_default=0)  # higher is allocated first
    address_confirmed = models.BooleanField(_("address confirmed"), default=False, db_default=False)
    merged_into = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="merged_orders",
                                    verbose_name=_("merged into"))
    # A split-off part keeps the platform order number; imports only ever update the original.
    split_from = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="split_orders",
                                   verbose_name=_("split from"))
    allocation = models.CharField(_("allocation"), max_length=10, choices=Allocation.choices, blank=True, default="",
                                  db_default="")
    # What allocation could not reserve: [{"sku_id": 3, "sku": "A-RED-M", "missing": "2"}, ...].
    shortages = models.JSONField(_("shortages"), default=list, blank=True, db_default=[])
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-paid_at", "-id"]
        verbose_name = _("online order")
        verbose_name_plural = _("online orders")
        constraints = [
            models.UniqueConstraint(fields=["shop", "platform_order_no"], condition=models.Q(split_from__isnull=True),
                                    name="sales_online_shop_no_uniq"),
            models.CheckConstraint(condition=models.Q(state__in=OrderState.values), name="sales_online_state_valid"),
        ]
        indexes = [
            models.Index(fields=["state", "paid_at"], name="sales_online_state_paid_idx"),
            models.Index(fields=["state", "allocation"], name="sales_online_state_alloc_idx"),
        ]

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
    if code == "buyer_message":
        return str(_("The buyer left a message; read it and honour it before approving."))
    if code == "no_stock":
        return _("Not enough stock in the ship-from warehouse for %(codes)s.") % {
            "codes": "、".join(hold.get("codes") or ["—"])}
    if code == "no_courier":
        return str(_("No courier: no courier rule matches and the shop has no default courier."))
    if code == "no_warehouse":
        return str(_("No ship-from warehouse: set one on the order or the shop."))
    if code == "unpaid":
        return str(_("The order is not paid yet."))
    if code == "merged_refund":
        return _("A refund was asked for merged order %(orders)s; check what still ships.") % {
            "orders": "、".join(hold.get("orders") or ["—"])}
    return hold.get("message", "")


class OnlineOrderLine(models.Model):
    # Indexed by sales_online_line_no_uniq (order, line_no); a second index cost every import.
    order = models.ForeignKey(OnlineOrder, models.CASCADE, related_name="lines", db_index=False)
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
    is_gift = models.BooleanField(_("gift"), default=False, db_default=False)  # added by a gift rule, not bought
    # The platform order the line was bought in, when it now sits in another order (merge, split).
    source_order = models.ForeignKey(OnlineOrder, models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("platform order"))

    class Meta:
        ordering = ["order_id", "line_no"]
        verbose_name = _("online order line")
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="sales_online_line_no_uniq"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="sales_online_line_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}: {self.sku_code} × {self.quantity}"


# ---------------------------------------------------------------- review rules 审单规则


class GiftRule(models.Model):
    """赠品规则: an order of `shop` (any shop if empty) paid at least `min_paid_amount` within the
    dates gets `quantity` × `sku` as a gift line, once per order."""

    name = models.CharField(_("name"), max_length=100)
    shop = models.ForeignKey("channels.Shop", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("shop"))
    min_paid_amount = models.DecimalField(_("paid at least"), default=0, validators=[validate_not_negative], **MONEY)
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("gift SKU"))
    quantity = models.DecimalField(_("quantity"), default=1, **QTY)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("gift rule")
        verbose_name_plural = _("gift rules")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="sales_giftrule_name_uniq"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="sales_giftrule_qty_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class CourierRuleKind(models.TextChoices):
    PROVINCE = "province", _("Receiver's province is one of")
    REMARK = "remark", _("Buyer message or seller remark mentions")


class CourierRule(models.Model):
    """快递规则: the first active rule (by sort order) that matches an order picks its courier;
    with none matching, the shop's default courier. E.g. remote provinces → EMS, a remark
    asking for 顺丰 → SF."""

    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    kind = models.CharField(_("condition"), max_length=10, choices=CourierRuleKind.choices)
    # Provinces (for kind province) or keywords (for kind remark), separated by commas or 、.
    values = models.TextField(_("values"))
    courier = models.ForeignKey("partners.Courier", models.PROTECT, related_name="+", verbose_name=_("courier"))
    shop = models.ForeignKey("channels.Shop", models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("shop"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("courier rule")
        verbose_name_plural = _("courier rules")
        constraints = [models.UniqueConstraint(fields=["name"], name="sales_courierrule_name_uniq")]

    def __str__(self) -> str:
        return self.name

    @property
    def value_list(self) -> list[str]:
        return [v.strip() for v in re.split(r"[,，、;；\n]", self.values) if v.strip()]
