"""Reads of fulfilment: finding a parcel at the packing bench and checking its scans, the pick
list of a wave (by bin), the delivery note of a parcel, the tracking numbers in the platform's
upload format, the service-level board and the daily shipped report."""

import csv
import datetime
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.catalog.models import Sku
from shopflow.core.conf import setting
from shopflow.core.errors import FieldError
from shopflow.core.prepared import Prepared
from shopflow.core.serialize import plain
from shopflow.core.xlsx import safe_text
from shopflow.fulfilment.error_codes import FulfilmentError
from shopflow.fulfilment.models import Parcel, ParcelState, Wave
from shopflow.inventory.models import SkuLocation
from shopflow.partners.couriers import normalise_tracking_number
from shopflow.sales.models import OnlineOrder, OnlineOrderLine, OrderState

ZERO = Decimal(0)
LIVE = (ParcelState.WAVED, ParcelState.PACKED, ParcelState.SHIPPED)
OPEN = (ParcelState.WAVED, ParcelState.PACKED)


# ---------------------------------------------------------------- packing 验货


def _live_parcels():
    return Parcel.objects.exclude(state=ParcelState.CANCELLED).select_related("order", "courier", "wave").order_by()


_LIVE_BY_TRACKING_NO = Prepared(lambda number: _live_parcels().filter(tracking_no=number), keys=("text",))


def _open_first(parcels) -> Parcel | None:
    # Open before shipped, then the newest: a split order's parts share the platform number.
    return min(parcels, key=lambda p: (p.state not in OPEN, -p.pk), default=None)


def parcel_find(code: str) -> Parcel | None:
    """The parcel a scanned code stands for: its tracking number (the waybill), else the platform
    order number (the delivery note). A parcel still to pack or ship comes first; one taken out of
    its wave is never found."""
    text = (code or "").strip()
    if not text:
        return None
    return (_open_first(_LIVE_BY_TRACKING_NO.all(normalise_tracking_number(text)))
            or _open_first(_live_parcels().filter(order_id__in=_orders_numbered(text))))


def _orders_numbered(number: str) -> set[int]:
    """The orders whose parcel a delivery note with this platform number stands for: the order of
    any shop (through the unique index on shop and number), its split-off parts (which keep the
    number) and the orders any of them was merged into."""
    # Shops belong to channels, above fulfilment: reached through the order's foreign key.
    shops = OnlineOrder._meta.get_field("shop").related_model.objects.values("pk")
    originals = list(OnlineOrder.objects.filter(shop_id__in=shops, platform_order_no=number, split_from__isnull=True)
                     .values_list("pk", "merged_into_id"))
    if not originals:
        return set()
    parts = list(OnlineOrder.objects.filter(split_from_id__in=[pk for pk, _into in originals])
                 .values_list("pk", "merged_into_id"))
    return {pk for row in originals + parts for pk in row if pk is not None}


@dataclass(frozen=True)
class PackingItem:
    """One SKU (or an unknown code) that packing refuses, with the counts behind it."""

    code: str  # the SKU's item code, or the scanned text when it matches no SKU
    title: str  # the SKU's name ("" for an unknown code)
    quantity: Decimal  # wrong: scanned; extra: scanned beyond the order; missing: not scanned yet
    expected: Decimal = ZERO
    counted: Decimal = ZERO
    sku_id: int | None = None


@dataclass
class PackingCheck:
    """Scans against the parcel's order: what is expected and counted per SKU, and every item
    that is wrong (not in the order), extra (more than ordered) or missing (fewer than ordered)."""

    expected: dict[int, Decimal]
    counted: dict[int, Decimal]
    wrong: list[PackingItem] = field(default_factory=list)
    extra: list[PackingItem] = field(default_factory=list)
    missing: list[PackingItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing wrong or extra so far (items may still be missing: the packer goes on scanning)."""
        return not (self.wrong or self.extra)

    @property
    def complete(self) -> bool:
        """Exactly the order: nothing wrong, extra or missing (the parcel may be closed)."""
        return self.ok and not self.missing

    def errors(self, *, finishing: bool = True, prefix: str = "scans") -> list[FieldError]:
        """Every refusal as a FieldError with a stable code; missing items only when `finishing`."""
        out = []
        for item in self.wrong:
            if item.sku_id is None:
                message = _("Unknown code “%(code)s”: no SKU has this barcode or item code (scanned %(n)s). "
                            "Take it out of the parcel.") % {"code": item.code, "n": plain(item.quantity)}
            else:
                message = _("Wrong item: %(code)s %(title)s is not in this order (scanned %(n)s). "
                            "Take it out of the parcel.") % {"code": item.code, "title": item.title,
                                                             "n": plain(item.quantity)}
            out.append(FieldError(prefix, message, FulfilmentError.WRONG_ITEM))
        for item in self.extra:
            out.append(FieldError(prefix, _(
                "Extra item: %(code)s %(title)s, %(n)s more than ordered (ordered %(expected)s, scanned "
                "%(counted)s). Take %(n)s out.") % {"code": item.code, "title": item.title,
                                                    "n": plain(item.quantity), "expected": plain(item.expected),
                                                    "counted": plain(item.counted)}, FulfilmentError.EXTRA_ITEM))
        if finishing:
            for item in self.missing:
                out.append(FieldError(prefix, _(
                    "Missing item: %(code)s %(title)s, %(n)s not scanned yet (ordered %(expected)s, scanned "
                    "%(counted)s).") % {"code": item.code, "title": item.title, "n": plain(item.quantity),
                                        "expected": plain(item.expected), "counted": plain(item.counted)},
                    FulfilmentError.MISSING_ITEM))
        return out


def _clean_scans(scans) -> list[str]:
    return [s for s in ((x or "").strip() for x in (scans or [])) if s]


class SkuRef(NamedTuple):
    """What packing needs of an SKU (read as plain values: packing a wave reads hundreds)."""

    pk: int
    code: str
    name: str
    barcode: str


_SKU_FIELDS = ("pk", "code", "name", "barcode")


def sku_refs(sku_ids) -> dict[int, SkuRef]:
    ids = list(set(sku_ids))
    return {r[0]: SkuRef(*r) for r in Sku.objects.filter(pk__any=ids).values_list(*_SKU_FIELDS)} if ids else {}


# Two indexed lookups, not one OR: an OR of the two columns reads the whole SKU table. The
# barcode index is partial (no blank barcodes), so the query says so too.
_SKUS_SCANNED_AS = Prepared(lambda barcode, code: (
    Sku.objects.filter(barcode=barcode).exclude(barcode="").order_by().values_list(*_SKU_FIELDS)
    .union(Sku.objects.filter(code=code).order_by().values_list(*_SKU_FIELDS))), keys=("text", "text"))
# A parcel at the packing bench holds a few distinct items: one compiled look-up each. A wave's
# batch check holds hundreds: two set-wise queries, not a round trip per item.
_FEW_TEXTS = 8


def scan_skus(scans) -> dict[str, SkuRef | None]:
    """The SKU each distinct scanned text stands for: a barcode, else an item code (exact, then
    ignoring case); None when nothing matches."""
    texts = sorted(set(_clean_scans(scans)))
    found: dict[str, SkuRef | None] = dict.fromkeys(texts)
    if not texts:
        return found
    if len(texts) <= _FEW_TEXTS:
        rows = [SkuRef(*r) for t in texts for r in _SKUS_SCANNED_AS.all(t, t)]
    else:
        barcode_rows = Sku.objects.filter(barcode__any=texts).exclude(barcode="").order_by().values_list(*_SKU_FIELDS)
        code_rows = Sku.objects.filter(code__any=texts).order_by().values_list(*_SKU_FIELDS)
        rows = [SkuRef(*r) for r in barcode_rows.union(code_rows)]
    by_barcode = {s.barcode: s for s in rows if s.barcode}
    by_code = {s.code: s for s in rows}
    for t in texts:
        found[t] = by_barcode.get(t) or by_code.get(t)
    for t in [t for t, s in found.items() if s is None]:
        row = Sku.objects.filter(code__iexact=t).values_list(*_SKU_FIELDS).first()
        found[t] = SkuRef(*row) if row else None
    return found


_LINE_QUANTITIES = Prepared(lambda order_id: OnlineOrderLine.objects.filter(order_id=order_id).order_by()
                            .values_list("sku_id", "quantity"))


def expected_items(order_id: int) -> dict[int, Decimal]:
    """SKU → quantity the order's parcel must hold (merged orders' lines and gifts included)."""
    expected: dict[int, Decimal] = defaultdict(Decimal)
    for sku_id, qty in _LINE_QUANTITIES.all(order_id):
        if sku_id is not None:
            expected[sku_id] += qty
    return dict(expected)


def check_scans(expected: dict[int, Decimal], scans, skus: dict[str, SkuRef | None],
                names: dict[int, SkuRef]) -> PackingCheck:
    """The packing check of `scans` against `expected` (SKU → quantity); `skus` maps scanned text
    to SKU (see scan_skus), `names` SKU id → Sku for the expected ones."""
    counted: dict[int, Decimal] = defaultdict(Decimal)
    unknown: Counter = Counter()
    for text in _clean_scans(scans):
        sku = skus.get(text)
        if sku is None:
            unknown[text] += 1
        else:
            counted[sku.pk] += 1
            names.setdefault(sku.pk, sku)
    check = PackingCheck(expected=dict(expected), counted=dict(counted))
    for text, n in sorted(unknown.items()):
        check.wrong.append(PackingItem(code=text, title="", quantity=Decimal(n), counted=Decimal(n)))
    for sku_id in sorted(counted, key=lambda i: names[i].code):
        sku, n = names[sku_id], counted[sku_id]
        want = expected.get(sku_id, ZERO)
        if want == 0:
            check.wrong.append(PackingItem(sku.code, sku.name, n, ZERO, n, sku_id))
        elif n > want:
            check.extra.append(PackingItem(sku.code, sku.name, n - want, want, n, sku_id))
    for sku_id in sorted(expected, key=lambda i: names[i].code):
        want, n = expected[sku_id], counted.get(sku_id, ZERO)
        if n < want:
            sku = names[sku_id]
            check.missing.append(PackingItem(sku.code, sku.name, want - n, want, n, sku_id))
    return check


def packing_check(parcel: Parcel, scans) -> PackingCheck:
    """What the scans so far (SKU barcodes or item codes, one per piece) say about the parcel."""
    expected = expected_items(parcel.order_id)
    skus = scan_skus(scans)
    names = {ref.pk: ref for ref in skus.values() if ref is not None}
    names.update(sku_refs(set(expected) - set(names)))
    return check_scans(expected, scans, skus, names)


# ---------------------------------------------------------------- pick list 拣货单


@dataclass(frozen=True)
class PickRow:
    sku_id: int
    sku_code: str
    sku_name: str
    colour: str
    size: str
    barcode: str
    bin_code: str  # "" when the SKU has no default bin in the warehouse
    quantity: Decimal
    orders: int  # parcels that need it


def pick_list(wave: Wave) -> list[PickRow]:
    """What to pick for a wave, one row per SKU, in walking order: by the SKU's default bin in
    the wave's warehouse (bin sort order, then code), SKUs without a bin last, then by item code."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    orders: dict[int, set[int]] = defaultdict(set)
    lines = OnlineOrderLine.objects.filter(
        order__parcels__wave=wave, order__parcels__state__in=LIVE, sku__isnull=False,
    ).values_list("sku_id", "quantity", "order_id")
    for sku_id, qty, order_id in lines:
        totals[sku_id] += qty
        orders[sku_id].add(order_id)
    skus = {s.pk: s for s in Sku.objects.filter(pk__in=list(totals))}
    bins = {loc.sku_id: loc.bin for loc in SkuLocation.objects.filter(
        warehouse_id=wave.warehouse_id, sku_id__in=list(totals)).select_related("bin")}
    rows = [PickRow(sku_id=pk, sku_code=skus[pk].code, sku_name=skus[pk].name, colour=skus[pk].colour,
                    size=skus[pk].size, barcode=skus[pk].barcode, bin_code=bins[pk].code if pk in bins else "",
                    quantity=qty, orders=len(orders[pk])) for pk, qty in totals.items()]

    def walk(row: PickRow):
        b = bins.get(row.sku_id)
        return (b is None, b.sort_order if b else 0, b.code if b else "", row.sku_code)

    return sorted(rows, key=walk)


# ---------------------------------------------------------------- delivery note 发货单


@dataclass(frozen=True)
class NoteLine:
    sku_code: str
    title: str
    colour: str
    size: str
    quantity: Decimal
    price: Decimal
    is_gift: bool
    platform_order_no: str  # the platform order the item was bought in (merged orders)


@dataclass
class DeliveryNote:
    parcel: Parcel
    order: OnlineOrder
    platform_order_nos: list[str]  # the order's own number and those merged into it
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
    lines: list[NoteLine]
    total_quantity: Decimal

    @property
    def items_text(self) -> str:
        """What the waybill's goods field says: model/colour/size × quantity, joined by ";"."""
        parts = []
        for line in self.lines:
            label = "/".join(p for p in (line.sku_code, line.colour, line.size) if p)
            parts.append(label if line.quantity == 1 else f"{label}×{plain(line.quantity)}")
        return ";".join(parts)


def delivery_note(parcel: Parcel) -> DeliveryNote:
    """Everything the delivery note 发货单 and the waybill of a parcel print."""
    parcel = Parcel.objects.select_related("order", "order__shop", "courier", "wave").get(pk=parcel.pk)
    order = parcel.order
    merged = list(order.merged_orders.order_by("paid_at", "id").values_list("platform_order_no", flat=True))
    lines = []
    for line in order.lines.select_related("sku", "source_order").order_by("line_no"):
        sku = line.sku
        lines.append(NoteLine(
            sku_code=sku.code if sku else line.sku_code, title=line.title or (sku.name if sku else ""),
            colour=sku.colour if sku else "", size=sku.size if sku else "", quantity=line.quantity,
            price=line.price, is_gift=line.is_gift,
            platform_order_no=line.source_order.platform_order_no if line.source_order else order.platform_order_no))
    return DeliveryNote(
        parcel=parcel, order=order, platform_order_nos=[order.platform_order_no, *merged],
        shop_name=order.shop.name, courier_name=parcel.courier.name, tracking_no=parcel.tracking_no,
        wave_number=parcel.wave.number, receiver_name=order.receiver_name, receiver_mobile=order.receiver_mobile,
        receiver_phone=order.receiver_phone, address=order.address, buyer_message=order.buyer_message,
        seller_remark=order.seller_remark, lines=lines, total_quantity=sum((x.quantity for x in lines), ZERO))


# ---------------------------------------------------------------- tracking export 批量发货


# Taobao's bulk-shipping upload 批量发货: one row per platform order number. The column names
# are those of the seller centre's template as third-party tools read it (see
# docs/decisions/0014-fulfilment.md); the file is GBK, as Taobao's own CSV files are.
TAOBAO_EXPORT_HEADERS = ("订单编号", "物流公司", "运单号")


@dataclass(frozen=True)
class ExportRow:
    platform_order_no: str
    courier_name: str
    tracking_no: str
    shipped_at: datetime.datetime


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def tracking_export(*, shop, day: datetime.date | None = None,
                    since: datetime.datetime | None = None) -> list[ExportRow]:
    """Shipped parcels of `shop` (one day, local time, or everything shipped since a moment) as
    rows of the platform's upload: one per platform order number, orders merged into the shipped
    one included with the same tracking number. A platform order split into several parcels is
    written once, with its first parcel (the platform marks the whole order shipped)."""
    parcels = Parcel.objects.filter(state=ParcelState.SHIPPED, order__shop_id=getattr(shop, "pk", shop))
    if day is not None:
        start, end = _day_bounds(day)
        parcels = parcels.filter(shipped_at__gte=start, shipped_at__lt=end)
    if since is not None:
        parcels = parcels.filter(shipped_at__gte=since)
    rows = list(parcels.order_by("shipped_at", "id").values_list(
        "order_id", "order__platform_order_no", "courier__name", "tracking_no", "shipped_at"))
    merged: dict[int, list[str]] = defaultdict(list)
    for into, no in (OnlineOrder.objects.filter(merged_into_id__in=[r[0] for r in rows])
                     .order_by("paid_at", "id").values_list("merged_into_id", "platform_order_no")):
        merged[into].append(no)
    out: list[ExportRow] = []
    seen: set[str] = set()
    for order_id, no, courier, tracking, shipped_at in rows:
        for number in (no, *merged.get(order_id, ())):
            if number not in seen:
                seen.add(number)
                out.append(ExportRow(number, courier, tracking, shipped_at))
    return out


def tracking_export_csv(rows: list[ExportRow]) -> bytes:
    """The rows as Taobao's bulk-shipping CSV: GBK, CRLF, header 订单编号,物流公司,运单号."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(TAOBAO_EXPORT_HEADERS)
    for r in rows:
        writer.writerow([safe_text(r.platform_order_no), safe_text(r.courier_name), safe_text(r.tracking_no)])
    return buf.getvalue().encode("gbk", errors="replace")


# ---------------------------------------------------------------- service levels 发货时效

UNSHIPPED = (OrderState.TO_REVIEW, OrderState.HELD, OrderState.APPROVED)


def _cutoff_time() -> datetime.time:
    hours, _sep, minutes = str(setting("SHIP_CUTOFF_TIME")).partition(":")
    return datetime.time(int(hours), int(minutes or 0))


def ship_deadline(paid_at: datetime.datetime) -> datetime.datetime:
    """The latest moment an order paid at `paid_at` may ship: paid_at + SHIP_WITHIN_HOURS."""
    return paid_at + datetime.timedelta(hours=setting("SHIP_WITHIN_HOURS"))


def today_cutoff(now: datetime.datetime) -> datetime.datetime:
    """Today's cut-off (SHIP_CUTOFF_TIME, local time): orders paid before it are due out today."""
    local = timezone.localtime(now)
    return datetime.datetime.combine(local.date(), _cutoff_time(), tzinfo=local.tzinfo)


@dataclass(frozen=True)
class BoardRow:
    order_id: int
    platform_order_no: str
    shop_id: int
    shop_name: str
    state: str
    paid_at: datetime.datetime
    deadline: datetime.datetime
    hours_left: Decimal  # negative: hours late
    courier_name: str
    parcel_state: str  # "" without a live parcel
    late: bool
    at_risk: bool
    due_today: bool


@dataclass
class ServiceBoard:
    now: datetime.datetime
    cutoff: datetime.datetime
    late_count: int
    at_risk_count: int
    due_today_count: int
    late: list[BoardRow]
    at_risk: list[BoardRow]
    due_today: list[BoardRow]


def service_board(*, now: datetime.datetime | None = None, shop=None, limit: int = 200) -> ServiceBoard:
    """Paid orders not shipped yet, by their deadline (paid_at + SHIP_WITHIN_HOURS): late (past
    it), at risk (due within SHIP_AT_RISK_HOURS) and due today (paid before today's cut-off, local
    time). An order can be in more than one list (a late order is due today too); each list holds
    at most `limit` rows, most urgent first; the counts are complete."""
    now = now or timezone.now()
    within = datetime.timedelta(hours=setting("SHIP_WITHIN_HOURS"))
    risk = datetime.timedelta(hours=setting("SHIP_AT_RISK_HOURS"))
    cutoff = today_cutoff(now)
    base = OnlineOrder.objects.filter(state__in=UNSHIPPED, paid_at__isnull=False)
    if shop is not None:
        base = base.filter(shop_id=getattr(shop, "pk", shop))
    late_q = Q(paid_at__lt=now - within)
    risk_q = Q(paid_at__gte=now - within, paid_at__lte=now - within + risk)
    due_q = Q(paid_at__lt=cutoff)

    def rows(q: Q) -> list[BoardRow]:
        orders = list(base.filter(q).select_related("shop", "courier").order_by("paid_at", "id")[:limit])
        live = dict(Parcel.objects.filter(order_id__in=[o.pk for o in orders]).exclude(
            state=ParcelState.CANCELLED).values_list("order_id", "state"))
        out = []
        for o in orders:
            deadline = o.paid_at + within
            left = Decimal((deadline - now).total_seconds() / 3600).quantize(Decimal("0.1"))
            out.append(BoardRow(
                order_id=o.pk, platform_order_no=o.platform_order_no, shop_id=o.shop_id, shop_name=o.shop.name,
                state=o.state, paid_at=o.paid_at, deadline=deadline, hours_left=left,
                courier_name=o.courier.name if o.courier else "", parcel_state=live.get(o.pk, ""),
                late=deadline < now, at_risk=now <= deadline <= now + risk, due_today=o.paid_at < cutoff))
        return out

    return ServiceBoard(now=now, cutoff=cutoff, late_count=base.filter(late_q).count(),
                        at_risk_count=base.filter(risk_q).count(), due_today_count=base.filter(due_q).count(),
                        late=rows(late_q), at_risk=rows(risk_q), due_today=rows(due_q))


@dataclass(frozen=True)
class ShippedRow:
    shop_id: int
    shop_name: str
    courier_id: int
    courier_name: str
    parcels: int
    within: int  # shipped within SHIP_WITHIN_HOURS of payment
    weight: Decimal

    @property
    def within_share(self) -> Decimal:
        """Share shipped in time, 0–1 (two places)."""
        return (Decimal(self.within) / self.parcels).quantize(Decimal("0.01")) if self.parcels else ZERO


@dataclass
class ShippedReport:
    day: datetime.date
    rows: list[ShippedRow]
    parcels: int
    within: int
    weight: Decimal

    @property
    def within_share(self) -> Decimal:
        return (Decimal(self.within) / self.parcels).quantize(Decimal("0.01")) if self.parcels else ZERO


def shipped_report(*, day: datetime.date, shop=None) -> ShippedReport:
    """Parcels shipped on `day` (local time) by shop and courier, with how many left within
    SHIP_WITHIN_HOURS of payment (orders merged into a shipped one ride along and are not counted
    again)."""
    start, end = _day_bounds(day)
    within = datetime.timedelta(hours=setting("SHIP_WITHIN_HOURS"))
    parcels = Parcel.objects.filter(state=ParcelState.SHIPPED, shipped_at__gte=start, shipped_at__lt=end)
    if shop is not None:
        parcels = parcels.filter(order__shop_id=getattr(shop, "pk", shop))
    groups: dict[tuple, list] = {}
    for shop_id, shop_name, courier_id, courier_name, shipped_at, paid_at, weight in parcels.values_list(
            "order__shop_id", "order__shop__name", "courier_id", "courier__name", "shipped_at", "order__paid_at",
            "weight"):
        g = groups.setdefault((shop_id, shop_name, courier_id, courier_name), [0, 0, ZERO])
        g[0] += 1
        g[1] += 1 if paid_at is not None and shipped_at - paid_at <= within else 0
        g[2] += weight or ZERO
    rows = [ShippedRow(shop_id=k[0], shop_name=k[1], courier_id=k[2], courier_name=k[3], parcels=v[0], within=v[1],
                       weight=v[2]) for k, v in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][3]))]
    return ShippedReport(day=day, rows=rows, parcels=sum(r.parcels for r in rows), within=sum(r.within for r in rows),
                         weight=sum((r.weight for r in rows), ZERO))


# ---------------------------------------------------------------- lists


def waves_list(*, state: str = "", warehouse_id: int | None = None, limit: int = 100):
    qs = Wave.objects.select_related("warehouse", "courier")
    if state:
        qs = qs.filter(state=state)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs.order_by("-id")[:limit]


def wave_counts(wave: Wave) -> dict[str, int]:
    """Parcels of the wave per state."""
    counts = dict.fromkeys(ParcelState.values, 0)
    for state in wave.parcels.values_list("state", flat=True):
        counts[state] += 1
    return counts
