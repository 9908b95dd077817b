"""Online orders in the API (/api/v1/orders): the workbench's list and filters, an order with its
lines, and every review action — approve, hold, flag, courier, warehouse, address, priority,
merge and unmerge, split, the automatic review — singly and in bulk. Same services, permissions
and error codes as the pages; send the `version` you read to guard single-order edits."""

import datetime
from decimal import Decimal
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shopflow.core.errors import FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.schemas import ErrorOut, WriteIn
from shopflow.inventory.models import Warehouse
from shopflow.partners.models import Courier
from shopflow.sales import online, review, selectors
from shopflow.sales.models import OnlineOrder, OrderFlag, OrderState

router = Router(tags=["orders"])

ERRORS = {status: ErrorOut for status in (400, 401, 403, 404, 409)}
MAX_BULK = 5000
BIGINT = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=BIGINT)]  # a database id: a positive bigint
CENT = Decimal("0.01")
QTY = Decimal("0.0001")


def _require_view(user) -> None:
    if not selectors.may_view_orders(user):
        raise PermissionDeniedError("permission_denied", _("You may not view online orders."))


def _order(request, id: int) -> OnlineOrder:
    _require_view(request.auth)
    if not 1 <= id <= BIGINT:
        raise OnlineOrder.DoesNotExist  # → 404, like any id that is not there
    return OnlineOrder.objects.select_related("shop", "courier", "warehouse").get(pk=id)  # unknown → 404


def _courier(pk: int | None, field: str = "courier") -> Courier | None:
    if pk is None:
        return None
    found = Courier.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed([FieldError(field, _("Unknown courier %(id)s.") % {"id": pk}, "unknown_reference")])
    return found


def _warehouse(pk: int | None, field: str = "warehouse") -> Warehouse | None:
    if pk is None:
        return None
    found = Warehouse.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed([FieldError(field, _("Unknown warehouse %(id)s.") % {"id": pk}, "unknown_reference")])
    return found


# ---------------------------------------------------------------- schemas: out


class RefOut(Schema):
    id: int
    code: str
    name: str


class HoldOut(Schema):
    code: str
    message: str


class OrderRefOut(Schema):
    id: int
    platform_order_no: str
    state: str


class OrderRowOut(Schema):
    id: int
    platform_order_no: str
    shop: RefOut
    platform_status: str
    state: str
    state_label: str
    flag: str
    holds: list[HoldOut]
    buyer_nick: str
    receiver_name: str
    province: str
    city: str
    paid_amount: Decimal
    paid_at: datetime.datetime | None
    courier: RefOut | None
    warehouse: RefOut | None = Field(description="Ship-from warehouse set on the order; null: the shop's.")
    priority: int
    allocation: str
    address_confirmed: bool
    merged_into: int | None
    split_from: int | None
    version: int

    @classmethod
    def build(cls, o: OnlineOrder) -> "OrderRowOut":
        return cls(**_row_values(o))


def _ref(obj) -> RefOut | None:
    return None if obj is None else RefOut(id=obj.pk, code=obj.code, name=obj.name)


def _row_values(o: OnlineOrder) -> dict:
    return dict(
        id=o.pk, platform_order_no=o.platform_order_no, shop=_ref(o.shop), platform_status=o.platform_status,
        state=o.state, state_label=str(o.get_state_display()), flag=o.flag,
        holds=[HoldOut(code=str(h.get("code", "")), message=str(m)) for h, m in zip(o.holds, o.hold_messages,
                                                                                   strict=True)],
        buyer_nick=o.buyer_nick, receiver_name=o.receiver_name, province=o.province, city=o.city,
        paid_amount=Decimal(o.paid_amount).quantize(CENT), paid_at=o.paid_at, courier=_ref(o.courier),
        warehouse=_ref(o.warehouse), priority=o.priority, allocation=o.allocation,
        address_confirmed=o.address_confirmed, merged_into=o.merged_into_id, split_from=o.split_from_id,
        version=o.version,
    )


class OrderListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrderRowOut]


class LineOut(Schema):
    id: int
    line_no: int
    sku: int | None
    sku_code: str
    title: str
    properties: str
    quantity: Decimal
    price: Decimal
    is_gift: bool
    refund_status: str
    source_order: OrderRefOut | None = Field(description="The platform order the line was bought in, when it "
                                                         "now sits in another order (merge).")


class ShortageOut(Schema):
    sku_id: int | None
    sku: str
    missing: str


class OrderOut(OrderRowOut):
    buyer_message: str
    seller_remark: str
    note: str
    receiver_mobile: str
    receiver_phone: str
    address: str
    district: str
    address_detail: str
    address_edited: bool
    goods_amount: Decimal
    postage: Decimal
    total_amount: Decimal
    ordered_at: datetime.datetime | None
    tracking_no: str
    courier_name: str = Field(description="The courier the platform's file named.")
    shortages: list[ShortageOut]
    lines: list[LineOut]
    merged_orders: list[OrderRefOut]
    split_orders: list[OrderRefOut] = Field(description="The other parts of the same platform order.")
    merge_candidates: list[OrderRefOut]

    @classmethod
    def build(cls, o: OnlineOrder) -> "OrderOut":
        o = OnlineOrder.objects.select_related("shop", "courier", "warehouse").get(pk=o.pk)
        lines = [LineOut(id=line.pk, line_no=line.line_no, sku=line.sku_id, sku_code=line.sku_code, title=line.title,
                         properties=line.properties, quantity=Decimal(line.quantity).quantize(QTY),
                         price=Decimal(line.price).quantize(CENT), is_gift=line.is_gift,
                         refund_status=line.refund_status, source_order=_order_ref(line.source_order))
                 for line in selectors.order_lines(o)]
        return cls(
            **_row_values(o), buyer_message=o.buyer_message, seller_remark=o.seller_remark, note=o.note,
            receiver_mobile=o.receiver_mobile, receiver_phone=o.receiver_phone, address=o.address,
            district=o.district, address_detail=o.address_detail, address_edited=o.address_edited,
            goods_amount=Decimal(o.goods_amount).quantize(CENT), postage=Decimal(o.postage).quantize(CENT),
            total_amount=Decimal(o.total_amount).quantize(CENT), ordered_at=o.ordered_at, tracking_no=o.tracking_no,
            courier_name=o.courier_name,
            shortages=[ShortageOut(sku_id=s.get("sku_id"), sku=str(s.get("sku", "")), missing=str(s.get("missing", "")))
                       for s in o.shortages or []],
            lines=lines,
            merged_orders=[_order_ref(m) for m in o.merged_orders.order_by("paid_at", "id")],
            split_orders=[_order_ref(m) for m in selectors.split_family(o)],
            merge_candidates=[_order_ref(m) for m in selectors.merge_candidates(o)],
        )


def _order_ref(o: OnlineOrder | None) -> OrderRefOut | None:
    return None if o is None else OrderRefOut(id=o.pk, platform_order_no=o.platform_order_no, state=o.state)


class RefusalOut(Schema):
    order_id: int
    order_no: str
    message: str


class BulkOut(Schema):
    done: list[int]
    refused: list[RefusalOut]

    @classmethod
    def build(cls, result: review.BulkResult) -> "BulkOut":
        return cls(done=result.done, refused=[RefusalOut(order_id=r.order_id, order_no=r.order_no, message=r.message)
                                              for r in result.refused])


class UnmergeOut(Schema):
    order: OrderOut = Field(description="The order the others had been merged into, as it is now.")
    restored: list[OrderRefOut] = Field(description="The orders that stand alone again, with their lines.")


class ReviewSummaryOut(Schema):
    reviewed: int
    approved: int
    held: int
    unchanged: int
    holds: dict[str, int] = Field(description="Hold code → orders held for it.")
    gifts_added: int
    gifts_skipped: int
    couriers_set: int
    seconds: float


# ---------------------------------------------------------------- schemas: in


class OrderListQuery(Schema):
    search: str = Field("", max_length=200, description="Order number, buyer, receiver, mobile or tracking number.")
    state: OrderState | None = None
    flag: OrderFlag | None = None
    shop: Id | None = None
    courier: int | None = Field(None, ge=0, le=BIGINT, description="A courier id; 0: orders without a courier.")
    hold: str = Field("", max_length=32, description="A hold code, e.g. buyer_message, no_stock, unknown_sku.")
    mergeable: bool = Field(False, description="Only open orders that could be merged with another.")
    allocation: str | None = Field(None, description='"", "allocated" or "short".')
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=BIGINT)


class VersionIn(WriteIn):
    version: int | None = Field(None, description="The version you read; a newer one on the server → 400 "
                                                  "stale_version.")


class HoldIn(VersionIn):
    reason: str = Field(max_length=500)


class FlagIn(VersionIn):
    flag: str = Field(max_length=8, description="One of: " + ", ".join(v or '""' for v in OrderFlag.values) + ".")
    note: str | None = Field(None, max_length=2000)


class CourierIn(VersionIn):
    courier: Id | None = Field(description="A courier id; null: none.")


class WarehouseIn(VersionIn):
    warehouse: Id | None = Field(description="A warehouse id; null: the shop's.")


class AddressIn(VersionIn):
    address: str = Field(max_length=500)
    confirmed: bool = Field(False, description="The buyer confirmed this address.")


class ConfirmIn(VersionIn):
    confirmed: bool = True


class PriorityIn(VersionIn):
    priority: int = Field(description=f"{online.PRIORITY_RANGE[0]} to {online.PRIORITY_RANGE[1]}; higher first.")


class SplitIn(VersionIn):
    quantities: dict[Id, Decimal] = Field(max_length=1000,
                                          description='Line id → quantity to split off, e.g. {"12": "1"}.')
    warehouse: Id | None = Field(None, description="The new part ships from this warehouse.")


class OrdersIn(WriteIn):
    order_ids: list[Id] = Field(min_length=1, max_length=MAX_BULK)


class BulkFlagIn(OrdersIn):
    flag: str = Field(max_length=8)
    note: str | None = Field(None, max_length=2000)


class BulkCourierIn(OrdersIn):
    courier: Id | None


class MergeIn(WriteIn):
    order_ids: list[Id] = Field(min_length=2, max_length=50)


class AutoReviewIn(WriteIn):
    order_ids: list[Id] | None = Field(None, max_length=200_000, description="Default: every order to review.")
    shop: Id | None = None


# ---------------------------------------------------------------- reads


@router.get("", response={200: OrderListOut, **ERRORS})
def list_orders(request, query: Query[OrderListQuery]):
    """Online orders, oldest payment first, filtered like the workbench."""
    _require_view(request.auth)
    qs = selectors.online_orders(user=request.auth, search=query.search, state=query.state or "",
                                 flag=query.flag or "", shop_id=query.shop, hold=query.hold,
                                 courier_id=query.courier, mergeable=query.mergeable, allocation=query.allocation)
    page = list(qs[query.offset:query.offset + query.limit])
    return OrderListOut(count=qs.count(), limit=query.limit, offset=query.offset,
                        items=[OrderRowOut.build(o) for o in page])


@router.get("/{int:id}", response={200: OrderOut, **ERRORS})
def get_order(request, id: int):
    """An order with its lines (gifts marked, the platform order of merged lines), allocation and
    shortages, merged orders, the other parts of a split, and merge candidates."""
    return OrderOut.build(_order(request, id))


# ---------------------------------------------------------------- one order


@router.post("/{int:id}/approve", response={200: OrderOut, **ERRORS})
def approve(request, id: int, payload: VersionIn | None = None):
    payload = payload or VersionIn()
    return OrderOut.build(online.online_order_approve(order=_order(request, id), actor=request.auth,
                                                     expected_version=payload.version))


@router.post("/{int:id}/hold", response={200: OrderOut, **ERRORS})
def hold(request, id: int, payload: HoldIn):
    return OrderOut.build(online.online_order_hold(order=_order(request, id), actor=request.auth,
                                                  reason=payload.reason, expected_version=payload.version))


@router.post("/{int:id}/flag", response={200: OrderOut, **ERRORS})
def flag(request, id: int, payload: FlagIn):
    return OrderOut.build(online.online_order_flag(order=_order(request, id), actor=request.auth, flag=payload.flag,
                                                  note=payload.note, expected_version=payload.version))


@router.post("/{int:id}/courier", response={200: OrderOut, **ERRORS})
def set_courier(request, id: int, payload: CourierIn):
    order = _order(request, id)
    return OrderOut.build(online.online_order_set_courier(order=order, courier=_courier(payload.courier),
                                                         actor=request.auth, expected_version=payload.version))


@router.post("/{int:id}/warehouse", response={200: OrderOut, **ERRORS})
def set_warehouse(request, id: int, payload: WarehouseIn):
    order = _order(request, id)
    return OrderOut.build(online.online_order_set_warehouse(order=order, warehouse=_warehouse(payload.warehouse),
                                                           actor=request.auth, expected_version=payload.version))


@router.post("/{int:id}/address", response={200: OrderOut, **ERRORS})
def correct_address(request, id: int, payload: AddressIn):
    return OrderOut.build(online.online_order_correct_address(
        order=_order(request, id), actor=request.auth, address=payload.address, confirmed=payload.confirmed,
        expected_version=payload.version))


@router.post("/{int:id}/confirm-address", response={200: OrderOut, **ERRORS})
def confirm_address(request, id: int, payload: ConfirmIn | None = None):
    payload = payload or ConfirmIn()
    return OrderOut.build(online.online_order_confirm_address(order=_order(request, id), actor=request.auth,
                                                             confirmed=payload.confirmed,
                                                             expected_version=payload.version))


@router.post("/{int:id}/priority", response={200: OrderOut, **ERRORS})
def set_priority(request, id: int, payload: PriorityIn):
    return OrderOut.build(online.online_order_set_priority(order=_order(request, id), actor=request.auth,
                                                          priority=payload.priority,
                                                          expected_version=payload.version))


@router.post("/{int:id}/split", response={201: OrderOut, **ERRORS})
def split(request, id: int, payload: SplitIn):
    """Split off the given quantities into a new order of the same platform number (201: the new part)."""
    order = _order(request, id)
    child = review.online_order_split(order=order, quantities=payload.quantities, actor=request.auth,
                                      warehouse=_warehouse(payload.warehouse), expected_version=payload.version)
    return Status(201, OrderOut.build(child))


@router.post("/{int:id}/split-by-availability", response={201: OrderOut, **ERRORS})
def split_by_availability(request, id: int, payload: VersionIn | None = None):
    """Keep what can ship now; the rest becomes a new order that waits for stock (201: that part)."""
    payload = payload or VersionIn()
    child = review.split_by_availability(order=_order(request, id), actor=request.auth,
                                         expected_version=payload.version)
    return Status(201, OrderOut.build(child))


@router.post("/{int:id}/unmerge", response={200: UnmergeOut, **ERRORS})
def unmerge(request, id: int, payload: VersionIn | None = None):
    """取消合并: every order merged into this one gets its lines back and stands alone again; all of
    them go back to review (held where holds remain). 400 not_merged, not_unmergeable, in_parcel or
    stale_version."""
    payload = payload or VersionIn()
    result = review.online_order_unmerge(order=_order(request, id), actor=request.auth,
                                         expected_version=payload.version)
    return UnmergeOut(order=OrderOut.build(result.order), restored=[_order_ref(o) for o in result.restored])


# ---------------------------------------------------------------- many orders


@router.post("/approve", response={200: BulkOut, **ERRORS})
def approve_many(request, payload: OrdersIn):
    """Approve what can be; `refused` says why the others were not."""
    _require_view(request.auth)
    return BulkOut.build(review.orders_approve_many(orders=payload.order_ids, actor=request.auth))


@router.post("/flag", response={200: BulkOut, **ERRORS})
def flag_many(request, payload: BulkFlagIn):
    _require_view(request.auth)
    return BulkOut.build(review.orders_flag_many(orders=payload.order_ids, flag=payload.flag, note=payload.note,
                                                 actor=request.auth))


@router.post("/courier", response={200: BulkOut, **ERRORS})
def courier_many(request, payload: BulkCourierIn):
    _require_view(request.auth)
    return BulkOut.build(review.orders_set_courier(orders=payload.order_ids, courier=_courier(payload.courier),
                                                   actor=request.auth))


@router.post("/merge", response={200: OrderOut, **ERRORS})
def merge(request, payload: MergeIn):
    """Merge orders of one shop, buyer and receiver into the one paid first (returned)."""
    _require_view(request.auth)
    return OrderOut.build(review.online_order_merge(orders=payload.order_ids, actor=request.auth))


@router.post("/auto-review", response={200: ReviewSummaryOut, **ERRORS})
def auto_review(request, payload: AutoReviewIn | None = None):
    """Run the automatic review now (over every order to review, or the given ones)."""
    payload = payload or AutoReviewIn()
    online.require_change(request.auth)
    shop = None
    if payload.shop is not None:
        shop = OnlineOrder.shop.field.related_model.objects.filter(pk=payload.shop).first()
        if shop is None:
            raise ValidationFailed([FieldError("shop", _("Unknown shop %(id)s.") % {"id": payload.shop},
                                               "unknown_reference")])
    summary = review.orders_auto_review(actor=request.auth, order_ids=payload.order_ids, shop=shop)
    return ReviewSummaryOut(**{k: getattr(summary, k) for k in ReviewSummaryOut.model_fields})
