"""Order push API: a shop's own site, an ERP bridge or a platform adapter sends orders as JSON
(a batch of up to MAX_BATCH); they go through the same intake as imported files, the shop's
automatic review included."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from shopflow.channels.formats import PlatformLine, PlatformOrder, PlatformStatus, ReadResult
from shopflow.channels.models import Shop
from shopflow.channels.services import orders_intake, require_import
from shopflow.core.errors import DomainError
from shopflow.core.schemas import WriteIn

router = Router(tags=["channels"])
MAX_BATCH = 5000


class LineIn(WriteIn):
    title: str = Field("", max_length=300)
    sku_code: str = Field("", max_length=64, description="The seller's item code (商家编码).")
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=4)
    price: Decimal = Field(Decimal(0), ge=0, max_digits=16, decimal_places=2)
    properties: str = Field("", max_length=300)
    refund_status: str = Field("", max_length=64)


class OrderIn(WriteIn):
    order_no: str = Field(min_length=1, max_length=64)
    status: PlatformStatus
    buyer_nick: str = Field("", max_length=100)
    goods_amount: Decimal = Field(Decimal(0), ge=0, max_digits=16, decimal_places=2)
    postage: Decimal = Field(Decimal(0), ge=0, max_digits=16, decimal_places=2)
    total_amount: Decimal = Field(Decimal(0), ge=0, max_digits=16, decimal_places=2)
    paid_amount: Decimal = Field(Decimal(0), ge=0, max_digits=16, decimal_places=2)
    buyer_message: str = Field("", max_length=2000)
    seller_remark: str = Field("", max_length=2000)
    receiver_name: str = Field("", max_length=100)
    receiver_address: str = Field("", max_length=500)
    receiver_mobile: str = Field("", max_length=32)
    receiver_phone: str = Field("", max_length=64)
    created_at: datetime.datetime | None = None
    paid_at: datetime.datetime | None = None
    tracking_no: str = Field("", max_length=64)
    courier_name: str = Field("", max_length=64)
    lines: list[LineIn] = Field(min_length=1)


class PushIn(WriteIn):
    orders: list[OrderIn] = Field(min_length=1, max_length=MAX_BATCH)


class PushOut(Schema):
    created: int
    updated: int
    unchanged: int
    held: int = Field(description="Orders held by the intake (unknown item code, address, refund).")
    auto_reviewed: bool = Field(description="The shop's automatic review ran over the orders created or updated.")
    auto_approved: int = Field(description="Orders the automatic review approved.")
    auto_held: int = Field(description="Orders the automatic review held (buyer message, no stock, …).")
    review_problem: str = Field(description="Why the automatic review did not run (\"\" when it did or is off).")


def _platform_order(o: OrderIn) -> PlatformOrder:
    values = o.dict(exclude={"lines"})
    return PlatformOrder(**values, lines=[PlatformLine(**line.dict()) for line in o.lines])


@router.post("/shops/{code}/orders", response={200: PushOut})
def push_orders(request, code: str, payload: PushIn):
    """Create or update orders of the shop; re-sending an order never duplicates it. When the shop
    reviews automatically, the orders created or updated are reviewed after they are saved."""
    require_import(request.auth)
    shop = get_object_or_404(Shop, code=code)
    if not shop.active:
        raise DomainError("inactive_shop", _("Shop %(shop)s is not active.") % {"shop": shop})
    summary = orders_intake(shop=shop, result=ReadResult(orders=[_platform_order(o) for o in payload.orders],
                                                         problems=[]),
                            actor=request.auth, source="api")
    return PushOut(created=summary.created, updated=summary.updated, unchanged=summary.unchanged, held=summary.held,
                   auto_reviewed=summary.auto_reviewed, auto_approved=summary.auto_approved,
                   auto_held=summary.auto_held, review_problem=summary.review_problem)
