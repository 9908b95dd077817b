"""Fulfilment in the API, under /api/v1/fulfilment: allocation, waves and their pick lists,
the tracking-number pool, packing (check, pack, pack many), shipping, taking parcels out of a
wave, handover lists, the tracking numbers in the platform's upload format, the service-level
board and the daily shipped report. Same services, permissions and messages as the pages."""

import datetime
from decimal import Decimal
from typing import Annotated

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from shopflow.core.errors import NotFoundError, PermissionDeniedError
from shopflow.core.schemas import ErrorOut, WriteIn
from shopflow.fulfilment import allocation, selectors, services
from shopflow.fulfilment.error_codes import FulfilmentError
from shopflow.fulfilment.models import Handover, Parcel, Wave
from shopflow.inventory.models import Warehouse
from shopflow.partners.models import Courier
from shopflow.sales.models import OnlineOrder

# A database id: a positive bigint (PostgreSQL refuses a larger number with a server error).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

router = Router(tags=["fulfilment"])

ERRORS = {status: ErrorOut for status in (400, 401, 403, 404, 409)}
# Pieces scanned into one parcel at most (bodies stay well under Django's upload limit).
MAX_SCANS = 500
KG = Decimal("0.001")
# The shop model, reached through the order so fulfilment does not import channels (same layer).
Shop = OnlineOrder._meta.get_field("shop").related_model


def _require_view(user, *perms: str) -> None:
    if not (user and user.is_active and any(user.has_perm(p) for p in perms)):
        raise PermissionDeniedError("permission_denied", _("You may not view fulfilment."))


def _view_parcels(user) -> None:
    _require_view(user, "fulfilment.view_parcel")


# ---------------------------------------------------------------- schemas


class RefOut(Schema):
    id: int
    code: str
    name: str


def ref(obj) -> RefOut | None:
    return None if obj is None else RefOut(id=obj.pk, code=obj.code, name=obj.name)


class AllocateIn(WriteIn):
    order_ids: list[Id] | None = Field(None, description="Orders to allocate; omitted: every approved order "
                                                          "not allocated yet or short.", max_length=50_000)


class AllocationOut(Schema):
    allocated: int
    short: int
    skipped: int
    allocated_ids: list[int]
    short_ids: list[int]


class OrderAllocationOut(Schema):
    id: int
    platform_order_no: str
    allocation: str
    shortages: list[dict]
    flag: str
    version: int


class WaveCreateIn(WriteIn):
    warehouse: Id = Field(description="Ship-from warehouse id.")
    courier: Id | None = Field(None, description="Only orders of this courier.")
    provinces: list[str] = Field([], description="Only orders to these provinces (名称, e.g. 浙江 or 浙江省).",
                                 max_length=50)
    shop: Id | None = None
    limit: int | None = Field(None, description="At most this many orders (default and most: WAVE_MAX_ORDERS).")
    order_ids: list[Id] | None = Field(None, max_length=10_000)
    note: str = Field("", max_length=200)


class WavesCreateIn(WaveCreateIn):
    waves: int | None = Field(None, ge=1, le=services.MAX_WAVES_AT_ONCE,
                              description="How many waves at most; none: as many as the eligible orders fill.")


class WaveOut(Schema):
    id: int
    number: str
    warehouse: RefOut
    courier: RefOut | None
    state: str
    note: str
    printed_at: datetime.datetime | None
    created_at: datetime.datetime
    counts: dict[str, int] = Field(description="Parcels per state: waved (to pack), packed, shipped, cancelled.")

    @classmethod
    def build(cls, wave: Wave) -> "WaveOut":
        wave = Wave.objects.select_related("warehouse", "courier").get(pk=wave.pk)
        return cls(id=wave.pk, number=wave.number, warehouse=ref(wave.warehouse), courier=ref(wave.courier),
                   state=wave.state, note=wave.note, printed_at=wave.printed_at, created_at=wave.created_at,
                   counts=selectors.wave_counts(wave))


class ParcelOut(Schema):
    id: int
    order_id: int
    platform_order_no: str
    wave_id: int
    wave_number: str
    courier: RefOut
    tracking_no: str
    state: str
    weight: Decimal | None
    packed_at: datetime.datetime | None
    shipped_at: datetime.datetime | None
    handover_id: int | None
    version: int

    @classmethod
    def build(cls, parcel: Parcel) -> "ParcelOut":
        p = Parcel.objects.select_related("order", "wave", "courier").get(pk=parcel.pk)
        return cls(id=p.pk, order_id=p.order_id, platform_order_no=p.order.platform_order_no, wave_id=p.wave_id,
                   wave_number=p.wave.number, courier=ref(p.courier), tracking_no=p.tracking_no, state=p.state,
                   weight=p.weight, packed_at=p.packed_at, shipped_at=p.shipped_at, handover_id=p.handover_id,
                   version=p.version)


class WaveDetailOut(WaveOut):
    parcels: list[ParcelOut]


class WaveListQuery(Schema):
    state: str = ""
    warehouse: int | None = None


class PickRowOut(Schema):
    sku_id: int
    sku_code: str
    sku_name: str
    colour: str
    size: str
    barcode: str
    bin_code: str
    quantity: Decimal
    orders: int


class TrackingAddIn(WriteIn):
    courier: Id
    numbers: list[Annotated[str, Field(max_length=64)]] = Field(
        description="E-waybill numbers, in the order they are to be used.", max_length=20_000)


class TrackingAddOut(Schema):
    added: int
    skipped_blank: int
    free: int = Field(description="Numbers of the courier's pool not used yet.")


class AssignOut(Schema):
    assigned: int


Scan = Annotated[str, Field(max_length=64)]


class ScansIn(WriteIn):
    scans: list[Scan] = Field([], description="One entry per piece scanned: SKU barcode or item code.",
                              max_length=MAX_SCANS)


class PackIn(ScansIn):
    weight: Decimal | None = Field(None, description="Kilograms, e.g. \"0.45\".")
    ship: bool = Field(True, description="Ship at once (needs a valid tracking number).")
    expected_version: int | None = None


class PackItemOut(Schema):
    sku_id: int | None
    code: str
    title: str
    quantity: Decimal
    expected: Decimal
    counted: Decimal


class PackingCheckOut(Schema):
    ok: bool = Field(description="Nothing wrong or extra so far.")
    complete: bool = Field(description="Exactly the order: the parcel may be closed.")
    expected: dict[int, Decimal]
    counted: dict[int, Decimal]
    wrong: list[PackItemOut]
    extra: list[PackItemOut]
    missing: list[PackItemOut]
    messages: list[str] = Field(description="Wrong and extra items, then missing ones, ready to show.")


def _items(items) -> list[PackItemOut]:
    return [PackItemOut(sku_id=i.sku_id, code=i.code, title=i.title, quantity=i.quantity, expected=i.expected,
                        counted=i.counted) for i in items]


class PackSpecIn(WriteIn):
    parcel_id: Id
    scans: list[Scan] = Field(max_length=MAX_SCANS)
    weight: Decimal | None = None


class PackManyIn(WriteIn):
    packs: list[PackSpecIn] = Field(min_length=1, max_length=1000)
    ship: bool = False


class PackManyOut(Schema):
    packed: list[int]


class TrackingIn(WriteIn):
    tracking_no: str = Field(max_length=64)
    expected_version: int | None = None


class ShipIn(WriteIn):
    parcel_ids: list[Id] = Field(min_length=1, max_length=20_000)


class ShipOut(Schema):
    parcels: int
    orders: int
    merged: int
    waves_done: list[int]


class CancelIn(WriteIn):
    reason: str = Field("", max_length=500)
    expected_version: int | None = None


class NoteLineOut(Schema):
    sku_code: str
    title: str
    colour: str
    size: str
    quantity: Decimal
    price: Decimal
    is_gift: bool
    platform_order_no: str


class DeliveryNoteOut(Schema):
    parcel: ParcelOut
    platform_order_nos: list[str]
    shop_name: str
    courier_name: str
    tracking_no: str
    wave_number: str
    receiver_name: str
    receiver_mobile: str
    receiver_phone: str
    address: str
    buyer_message: str
    seller_remark: str
    lines: list[NoteLineOut]
    total_quantity: Decimal
    items_text: str


class HandoverIn(WriteIn):
    courier: Id
    warehouse: Id


class HandoverOut(Schema):
    id: int
    number: str
    courier: RefOut
    warehouse: RefOut
    parcel_count: int
    total_weight: Decimal
    created_at: datetime.datetime
    parcels: list[ParcelOut] = []

    @classmethod
    def build(cls, handover: Handover, *, with_parcels: bool = False) -> "HandoverOut":
        h = Handover.objects.select_related("courier", "warehouse").get(pk=handover.pk)
        parcels = [ParcelOut.build(p) for p in h.parcels.order_by("id")] if with_parcels else []
        return cls(id=h.pk, number=h.number, courier=ref(h.courier), warehouse=ref(h.warehouse),
                   parcel_count=h.parcel_count, total_weight=h.total_weight.quantize(KG), created_at=h.created_at,
                   parcels=parcels)


class ExportQuery(Schema):
    shop: Id = Field(description="Shop id.")
    day: datetime.date | None = Field(None, description="Parcels shipped on this day (local time); default today.")
    since: datetime.datetime | None = Field(None, description="Or: everything shipped since this moment.")
    format: str = Field("json", description="json, or csv for Taobao's bulk-shipping upload (GBK).")


class ExportRowOut(Schema):
    platform_order_no: str
    courier_name: str
    tracking_no: str
    shipped_at: datetime.datetime


class BoardRowOut(Schema):
    order_id: int
    platform_order_no: str
    shop_id: int
    shop_name: str
    state: str
    paid_at: datetime.datetime
    deadline: datetime.datetime
    hours_left: Decimal
    courier_name: str
    parcel_state: str
    late: bool
    at_risk: bool
    due_today: bool


class BoardOut(Schema):
    now: datetime.datetime
    cutoff: datetime.datetime
    late_count: int
    at_risk_count: int
    due_today_count: int
    late: list[BoardRowOut]
    at_risk: list[BoardRowOut]
    due_today: list[BoardRowOut]


class ShippedRowOut(Schema):
    shop_id: int
    shop_name: str
    courier_id: int
    courier_name: str
    parcels: int
    within: int
    within_share: Decimal
    weight: Decimal


class ShippedReportOut(Schema):
    day: datetime.date
    rows: list[ShippedRowOut]
    parcels: int
    within: int
    within_share: Decimal
    weight: Decimal


# ---------------------------------------------------------------- allocation


@router.post("/allocate", response={200: AllocationOut, **ERRORS})
def allocate(request, payload: AllocateIn):
    """Reserve stock for approved orders (all not allocated yet or short, or the ones given):
    by priority and payment time, all or nothing per order."""
    s = allocation.orders_allocate(order_ids=payload.order_ids, actor=request.auth)
    return AllocationOut(allocated=s.allocated, short=s.short, skipped=s.skipped, allocated_ids=s.allocated_ids,
                         short_ids=s.short_ids)


@router.post("/orders/{int:id}/deallocate", response={200: OrderAllocationOut, **ERRORS})
def deallocate(request, id: int):
    """Let go of the stock reserved for an order (refused while it is in a wave)."""
    order = allocation.order_deallocate(order=get_object_or_404(OnlineOrder, pk=id), actor=request.auth)
    return OrderAllocationOut(id=order.pk, platform_order_no=order.platform_order_no, allocation=order.allocation,
                              shortages=order.shortages, flag=order.flag, version=order.version)


# ---------------------------------------------------------------- waves


@router.get("/waves", response={200: list[WaveOut], **ERRORS})
def waves(request, query: Query[WaveListQuery]):
    """The latest waves (100), newest first."""
    _require_view(request.auth, "fulfilment.view_wave")
    return [WaveOut.build(w) for w in selectors.waves_list(state=query.state, warehouse_id=query.warehouse)]


@router.post("/waves", response={201: WaveDetailOut, **ERRORS})
def wave_create(request, payload: WaveCreateIn):
    """Make a wave of approved, allocated orders (400 nothing_to_wave when none is eligible)."""
    wave = services.wave_create(
        warehouse=get_object_or_404(Warehouse, pk=payload.warehouse), actor=request.auth,
        courier=get_object_or_404(Courier, pk=payload.courier) if payload.courier else None,
        provinces=payload.provinces, shop=get_object_or_404(Shop, pk=payload.shop) if payload.shop else None,
        limit=payload.limit, order_ids=payload.order_ids, note=payload.note)
    return Status(201, _wave_detail(wave))


@router.post("/waves/many", response={201: list[WaveOut], **ERRORS})
def waves_create(request, payload: WavesCreateIn):
    """Make several waves at once over the eligible orders in ranking order, each of at most
    `limit` orders: `waves` of them, or as many as it takes (400 nothing_to_wave when none is
    eligible)."""
    made = services.waves_create(
        warehouse=get_object_or_404(Warehouse, pk=payload.warehouse), actor=request.auth,
        courier=get_object_or_404(Courier, pk=payload.courier) if payload.courier else None,
        provinces=payload.provinces, shop=get_object_or_404(Shop, pk=payload.shop) if payload.shop else None,
        limit=payload.limit, order_ids=payload.order_ids, note=payload.note, waves=payload.waves)
    return Status(201, [WaveOut.build(w) for w in made])


def _wave_detail(wave: Wave) -> WaveDetailOut:
    base = WaveOut.build(wave)
    return WaveDetailOut(**base.dict(), parcels=[ParcelOut.build(p) for p in wave.parcels.order_by("id")])


@router.get("/waves/{int:id}", response={200: WaveDetailOut, **ERRORS})
def wave_detail(request, id: int):
    _require_view(request.auth, "fulfilment.view_wave")
    return _wave_detail(get_object_or_404(Wave, pk=id))


@router.get("/waves/{int:id}/pick-list", response={200: list[PickRowOut], **ERRORS})
def pick_list(request, id: int):
    """拣货单: one row per SKU in walking order (bin sort order, bin code; SKUs without a bin last)."""
    _require_view(request.auth, "fulfilment.view_wave")
    return [PickRowOut(**r.__dict__) for r in selectors.pick_list(get_object_or_404(Wave, pk=id))]


@router.post("/waves/{int:id}/assign-tracking", response={200: AssignOut, **ERRORS})
def assign_tracking(request, id: int):
    """Give the wave's parcels without a tracking number the next numbers of their courier's pool
    (all or nothing: 400 pool_too_small says how many are missing)."""
    return AssignOut(assigned=services.wave_assign_tracking(wave=get_object_or_404(Wave, pk=id), actor=request.auth))


@router.post("/waves/{int:id}/printed", response={200: WaveOut, **ERRORS})
def wave_printed(request, id: int):
    return WaveOut.build(services.wave_mark_printed(wave=get_object_or_404(Wave, pk=id), actor=request.auth))


@router.post("/waves/{int:id}/ship", response={200: ShipOut, **ERRORS})
def wave_ship(request, id: int):
    """Ship every packed parcel of the wave."""
    return _ship_out(services.wave_ship(wave=get_object_or_404(Wave, pk=id), actor=request.auth))


def _ship_out(r) -> ShipOut:
    return ShipOut(parcels=r.parcels, orders=r.orders, merged=r.merged, waves_done=r.waves_done)


# ---------------------------------------------------------------- tracking numbers


@router.post("/tracking-numbers", response={201: TrackingAddOut, **ERRORS})
def tracking_add(request, payload: TrackingAddIn):
    """Add e-waybill numbers to a courier's pool; a bad row refuses the list (errors[].field is
    numbers[i], the message names the row)."""
    courier = get_object_or_404(Courier, pk=payload.courier)
    result = services.tracking_numbers_add(courier=courier, numbers=payload.numbers, actor=request.auth)
    return Status(201, TrackingAddOut(added=result.added, skipped_blank=result.skipped_blank,
                                      free=services.tracking_pool_free(courier)))


# ---------------------------------------------------------------- parcels: packing and shipping


@router.get("/parcels/find", response={200: ParcelOut, **ERRORS})
def parcel_find(request, code: str = Query(..., max_length=100)):
    """The parcel of a scanned waybill (tracking number) or order (platform order number)."""
    _view_parcels(request.auth)
    parcel = selectors.parcel_find(code)
    if parcel is None:
        raise NotFoundError(FulfilmentError.PARCEL_NOT_FOUND,
                            _("No parcel has the tracking or order number “%(code)s”.") % {"code": code.strip()})
    return ParcelOut.build(parcel)


@router.get("/parcels/{int:id}", response={200: ParcelOut, **ERRORS})
def parcel_detail(request, id: int):
    _view_parcels(request.auth)
    return ParcelOut.build(get_object_or_404(Parcel, pk=id))


@router.get("/parcels/{int:id}/delivery-note", response={200: DeliveryNoteOut, **ERRORS})
def delivery_note(request, id: int):
    _view_parcels(request.auth)
    n = selectors.delivery_note(get_object_or_404(Parcel, pk=id))
    return DeliveryNoteOut(
        parcel=ParcelOut.build(n.parcel), platform_order_nos=n.platform_order_nos, shop_name=n.shop_name,
        courier_name=n.courier_name, tracking_no=n.tracking_no, wave_number=n.wave_number,
        receiver_name=n.receiver_name, receiver_mobile=n.receiver_mobile, receiver_phone=n.receiver_phone,
        address=n.address, buyer_message=n.buyer_message, seller_remark=n.seller_remark,
        lines=[NoteLineOut(**line.__dict__) for line in n.lines], total_quantity=n.total_quantity,
        items_text=n.items_text)


@router.post("/parcels/{int:id}/check", response={200: PackingCheckOut, **ERRORS})
def parcel_check(request, id: int, payload: ScansIn):
    """What the scans so far say (nothing is written): wrong and extra items at once, missing
    ones for when the packer closes the parcel."""
    _view_parcels(request.auth)
    check = selectors.packing_check(get_object_or_404(Parcel, pk=id), payload.scans)
    return PackingCheckOut(ok=check.ok, complete=check.complete, expected=check.expected, counted=check.counted,
                           wrong=_items(check.wrong), extra=_items(check.extra), missing=_items(check.missing),
                           messages=[e.message for e in check.errors(finishing=True)])


@router.post("/parcels/{int:id}/pack", response={200: ParcelOut, **ERRORS})
def parcel_pack(request, id: int, payload: PackIn):
    """Close the parcel: refused (400 packing_refused, errors wrong_item / extra_item /
    missing_item with SKU code, name and count) unless the scans are exactly the order; weight
    required; `ship` ships it at once."""
    parcel = services.parcel_pack(parcel=get_object_or_404(Parcel, pk=id), scans=payload.scans,
                                  weight=payload.weight, actor=request.auth, ship=payload.ship,
                                  expected_version=payload.expected_version)
    return ParcelOut.build(parcel)


@router.post("/parcels/pack-many", response={200: PackManyOut, **ERRORS})
def parcels_pack_many(request, payload: PackManyIn):
    """Pack many parcels at once (all or nothing; problems as packs[i])."""
    ids = services.parcels_pack_many(
        packs=[services.PackSpec(parcel_id=p.parcel_id, scans=p.scans, weight=p.weight) for p in payload.packs],
        actor=request.auth, ship=payload.ship)
    return PackManyOut(packed=ids)


@router.post("/parcels/{int:id}/tracking", response={200: ParcelOut, **ERRORS})
def parcel_tracking(request, id: int, payload: TrackingIn):
    """Set the parcel's tracking number by hand (checked against the courier's pattern)."""
    parcel = services.parcel_set_tracking(parcel=get_object_or_404(Parcel, pk=id), tracking_no=payload.tracking_no,
                                          actor=request.auth, expected_version=payload.expected_version)
    return ParcelOut.build(parcel)


@router.post("/parcels/ship", response={200: ShipOut, **ERRORS})
def parcels_ship(request, payload: ShipIn):
    """Ship packed parcels (all or nothing; every problem listed)."""
    return _ship_out(services.parcels_ship(parcels=payload.parcel_ids, actor=request.auth))


@router.post("/parcels/{int:id}/cancel", response={200: ParcelOut, **ERRORS})
def parcel_cancel(request, id: int, payload: CancelIn):
    """Take a parcel out of its wave (reason required); the order can go into another wave."""
    parcel = services.parcel_cancel(parcel=get_object_or_404(Parcel, pk=id), reason=payload.reason,
                                    actor=request.auth, expected_version=payload.expected_version)
    return ParcelOut.build(parcel)


# ---------------------------------------------------------------- handover


@router.post("/handovers", response={201: HandoverOut, **ERRORS})
def handover_create(request, payload: HandoverIn):
    """交接单 of the courier's shipped parcels not handed over yet (400 nothing_to_hand_over)."""
    handover = services.handover_create(courier=get_object_or_404(Courier, pk=payload.courier),
                                        warehouse=get_object_or_404(Warehouse, pk=payload.warehouse),
                                        actor=request.auth)
    return Status(201, HandoverOut.build(handover, with_parcels=True))


@router.get("/handovers/{int:id}", response={200: HandoverOut, **ERRORS})
def handover_detail(request, id: int):
    _require_view(request.auth, "fulfilment.view_handover")
    return HandoverOut.build(get_object_or_404(Handover, pk=id), with_parcels=True)


# ---------------------------------------------------------------- export and service levels


@router.get("/tracking-export", response={200: list[ExportRowOut], **ERRORS})
def tracking_export(request, query: Query[ExportQuery]):
    """Tracking numbers to write back to the shop: one row per platform order number (merged
    orders included). `format=csv`: Taobao's bulk-shipping file 批量发货 (订单编号, 物流公司,
    运单号; GBK)."""
    _view_parcels(request.auth)
    shop = get_object_or_404(Shop, pk=query.shop)
    day = None if query.since else (query.day or timezone.localdate())
    rows = selectors.tracking_export(shop=shop, day=day, since=query.since)
    if query.format == "csv":
        response = HttpResponse(selectors.tracking_export_csv(rows), content_type="text/csv; charset=gbk")
        label = day.isoformat() if day else "since"
        response["Content-Disposition"] = f'attachment; filename="tracking-{shop.code}-{label}.csv"'
        return response
    return [ExportRowOut(**r.__dict__) for r in rows]


@router.get("/service-board", response={200: BoardOut, **ERRORS})
def service_board(request, shop: int | None = None):
    """Paid orders not shipped yet: late, at risk, due today (counts complete, lists the 200 most urgent)."""
    _require_view(request.auth, "sales.view_onlineorder", "fulfilment.view_parcel")
    b = selectors.service_board(shop=shop)
    return BoardOut(now=b.now, cutoff=b.cutoff, late_count=b.late_count, at_risk_count=b.at_risk_count,
                    due_today_count=b.due_today_count, late=[BoardRowOut(**r.__dict__) for r in b.late],
                    at_risk=[BoardRowOut(**r.__dict__) for r in b.at_risk],
                    due_today=[BoardRowOut(**r.__dict__) for r in b.due_today])


@router.get("/shipped-report", response={200: ShippedReportOut, **ERRORS})
def shipped_report(request, day: datetime.date | None = None, shop: int | None = None):
    """Parcels shipped on a day (default today) by shop and courier, with the share shipped in time."""
    _view_parcels(request.auth)
    r = selectors.shipped_report(day=day or timezone.localdate(), shop=shop)
    return ShippedReportOut(day=r.day, rows=[ShippedRowOut(shop_id=x.shop_id, shop_name=x.shop_name,
                                                           courier_id=x.courier_id, courier_name=x.courier_name,
                                                           parcels=x.parcels, within=x.within,
                                                           within_share=x.within_share, weight=x.weight)
                                             for x in r.rows],
                            parcels=r.parcels, within=r.within, within_share=r.within_share, weight=r.weight)
