"""Reads of the stock ledger: consistency checks, stock inquiry, valuation, low and slow stock,
reservations, bins, stock-take scope, count sheets and variance.

Selectors that pages call for a user take `user=` and refuse (PermissionDeniedError) when the
role may not see what they return (inventory.roles); without a user they are the trusted reads
of services, commands and reports."""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.catalog.models import Category, Sku
from shopflow.catalog.selectors import category_descendant_ids, category_paths
from shopflow.core.conf import setting
from shopflow.core.db import DecimalSum
from shopflow.core.selectors import user_may
from shopflow.core.serialize import plain
from shopflow.core.states import DocState
from shopflow.inventory import roles
from shopflow.inventory.costing import money
from shopflow.inventory.models import (
    AVERAGE,
    Bin,
    SafetyStock,
    SkuCost,
    SkuLocation,
    StockBalance,
    StockMove,
    StockReservation,
    StockTake,
)

ZERO = Decimal(0)


# ---------------------------------------------------------------- ledger consistency (verify-stock)

def stock_differences() -> list[dict]:
    """Every (SKU, warehouse) whose balance differs from the sum of its moves."""
    sums = {
        (r["sku_id"], r["warehouse_id"]): r["total"]
        for r in StockMove.objects.values("sku_id", "warehouse_id").annotate(total=DecimalSum("quantity"))
    }
    out = []
    seen = set()
    for bal in StockBalance.objects.select_related("sku", "warehouse"):
        key = (bal.sku_id, bal.warehouse_id)
        seen.add(key)
        moved = sums.get(key, ZERO)
        if moved != bal.on_hand:
            out.append({"sku": bal.sku.code, "warehouse": bal.warehouse.code, "balance": bal.on_hand, "moves": moved})
    for key, moved in sums.items():
        if key not in seen and moved != 0:
            out.append({"sku": key[0], "warehouse": key[1], "balance": None, "moves": moved})
    return out


def reservation_differences() -> list[dict]:
    """Every (SKU, warehouse) whose reserved quantity differs from its open reservations."""
    held = {
        (r["sku_id"], r["warehouse_id"]): r["total"]
        for r in StockReservation.objects.filter(open=True).values("sku_id", "warehouse_id")
        .annotate(total=DecimalSum("quantity"))
    }
    out = []
    for bal in StockBalance.objects.select_related("sku", "warehouse"):
        expected = held.pop((bal.sku_id, bal.warehouse_id), ZERO)
        if expected != bal.reserved:
            out.append({"sku": bal.sku.code, "warehouse": bal.warehouse.code, "reserved": bal.reserved,
                        "reservations": expected})
    for (sku_id, wh_id), expected in held.items():
        out.append({"sku": sku_id, "warehouse": wh_id, "reserved": None, "reservations": expected})
    return out


def _move_values_by_sku() -> dict[int, dict]:
    """Quantity and value moved per SKU; moves from before costing count quantity × unit cost."""
    costed = (StockMove.objects.filter(value__isnull=False).values("sku_id")
              .annotate(q=DecimalSum("quantity"), v=DecimalSum("value")))
    legacy = (StockMove.objects.filter(value__isnull=True).values("sku_id")
              .annotate(q=Sum("quantity"), v=Sum(ExpressionWrapper(F("quantity") * F("unit_cost"),
                                                                     output_field=DecimalField()))))
    out: dict[int, dict] = defaultdict(lambda: {"quantity": ZERO, "value": ZERO})
    for row in list(costed) + list(legacy):
        out[row["sku_id"]]["quantity"] += Decimal(row["q"])
        out[row["sku_id"]]["value"] += money(Decimal(row["v"]))
    return out


def cost_differences() -> list[dict]:
    """Every SKU whose cost record's quantity or value differs from the sum of its moves."""
    moved = _move_values_by_sku()
    out = []
    for cost in SkuCost.objects.select_related("sku"):
        got = moved.pop(cost.sku_id, {"quantity": ZERO, "value": ZERO})
        if got["quantity"] != cost.quantity or got["value"] != cost.value:
            out.append({"sku": cost.sku.code, "quantity": cost.quantity, "moves_quantity": got["quantity"],
                        "value": cost.value, "moves_value": got["value"]})
    for sku_id, got in moved.items():
        if got["quantity"] or got["value"]:
            out.append({"sku": sku_id, "quantity": None, "moves_quantity": got["quantity"],
                        "value": None, "moves_value": got["value"]})
    return out


def balance_of(*, sku_id: int, warehouse_id: int) -> Decimal:
    bal = StockBalance.objects.filter(sku_id=sku_id, warehouse_id=warehouse_id).first()
    return bal.on_hand if bal else ZERO


def available_of(*, sku_id: int, warehouse_id: int) -> Decimal:
    """On hand less reserved."""
    bal = StockBalance.objects.filter(sku_id=sku_id, warehouse_id=warehouse_id).first()
    return bal.available if bal else ZERO


def reservations_list(*, origin_type: str | None = None, origin_id: int | None = None, sku_id: int | None = None,
                      warehouse_id: int | None = None, open_only: bool = True):
    qs = StockReservation.objects.select_related("sku", "warehouse")
    filters = {"origin_type": origin_type, "origin_id": origin_id, "sku_id": sku_id, "warehouse_id": warehouse_id}
    qs = qs.filter(**{k: v for k, v in filters.items() if v is not None})
    return qs.filter(open=True) if open_only else qs


def average_cost_of(*, sku_id: int) -> Decimal:
    """The moving-average unit cost, or the catalogue cost for an SKU never posted."""
    cost = SkuCost.objects.filter(sku_id=sku_id).values_list("average", flat=True).first()
    if cost is not None:
        return cost
    return Sku.objects.filter(pk=sku_id).values_list("cost", flat=True).first() or ZERO


# ---------------------------------------------------------------- stock inquiry 库存查询

def _words(words: list[str], prefix: str = "sku__") -> Q:
    """Every word must match the SKU's code or name, or start its barcode."""
    q = Q()
    for word in words:
        q &= (Q(**{f"{prefix}code__icontains": word}) | Q(**{f"{prefix}name__icontains": word})
              | Q(**{f"{prefix}barcode__startswith": word}))
    return q


def category_subtree(category_id: int | None) -> list[int]:
    """The category and its sub-categories (empty when there is no such category)."""
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    return category_descendant_ids(category) if category else []


def _inquiry_balances(*, search: str, warehouse_id: int | None, category_id: int | None, include_zero: bool):
    """The balances stock_inquiry lists, as a plain queryset: the SKU is joined only for a search
    or a category, so counting the unfiltered inquiry reads the balance index alone."""
    qs = StockBalance.objects.all()
    if not include_zero:
        qs = qs.exclude(on_hand=0, reserved=0)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if category_id:
        qs = qs.filter(sku__category_id__in=category_subtree(category_id))
    words = search.split()
    if words:
        qs = qs.filter(_words(words))
    return qs


def stock_inquiry(*, user, search: str = "", warehouse_id: int | None = None, category_id: int | None = None,
                  include_zero: bool = False):
    """Balances 库存查询 by warehouse and SKU for a user who may see stock: on hand, reserved,
    the default bin and the moving-average cost (the catalogue cost for an SKU never posted).
    A queryset of dicts ordered by warehouse and SKU code, for paging; stock_inquiry_rows adds
    available and value. `search` words match code, name or the start of the barcode; a
    category includes its sub-categories; rows with nothing on hand and nothing reserved are
    left out unless `include_zero`. Count it with stock_inquiry_count or stock_inquiry_totals,
    not .count(): this queryset's joins make that several times slower."""
    roles.require_stock(user)
    qs = _inquiry_balances(search=search, warehouse_id=warehouse_id, category_id=category_id,
                           include_zero=include_zero)
    location = SkuLocation.objects.filter(sku_id=OuterRef("sku_id"), warehouse_id=OuterRef("warehouse_id"))
    cost = SkuCost.objects.filter(sku_id=OuterRef("sku_id"))
    qs = qs.annotate(
        bin_code=Subquery(location.values("bin__code")[:1]),
        average=Coalesce(Subquery(cost.values("average")[:1]), F("sku__cost"), output_field=DecimalField(**AVERAGE)),
    )
    return qs.order_by("warehouse__code", "sku__code").values(
        "sku_id", "warehouse_id", "on_hand", "reserved", "bin_code", "average", "sku__code", "sku__name",
        "sku__colour", "sku__size", "sku__unit", "sku__barcode", "warehouse__code", "warehouse__name")


def stock_inquiry_count(*, user, search: str = "", warehouse_id: int | None = None, category_id: int | None = None,
                        include_zero: bool = False) -> int:
    """How many rows stock_inquiry lists with the same filters (for the pager), counted on the
    balances without the listing's joins and subqueries. Every balance has its SKU and
    warehouse (protected foreign keys) and the subqueries take one row, so the listing has
    exactly one row per balance that passes the filters."""
    roles.require_stock(user)
    return _inquiry_balances(search=search, warehouse_id=warehouse_id, category_id=category_id,
                             include_zero=include_zero).count()


@dataclass(frozen=True)
class StockTotals:
    count: int  # rows listed
    on_hand: Decimal
    reserved: Decimal

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def stock_inquiry_totals(*, user, search: str = "", warehouse_id: int | None = None, category_id: int | None = None,
                         include_zero: bool = False) -> StockTotals:
    """The rows stock_inquiry lists with the same filters, counted, and their on hand and
    reserved summed: the page's pager and totals line in one pass over the balances."""
    roles.require_stock(user)
    got = _inquiry_balances(search=search, warehouse_id=warehouse_id, category_id=category_id,
                            include_zero=include_zero).aggregate(
        count=Count("pk"), on_hand=DecimalSum("on_hand"), reserved=DecimalSum("reserved"))
    return StockTotals(count=got["count"], on_hand=got["on_hand"] or ZERO, reserved=got["reserved"] or ZERO)


@dataclass(frozen=True)
class StockRow:
    sku_id: int
    sku_code: str
    sku_name: str
    colour: str
    size: str
    unit: str
    barcode: str
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    bin_code: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    average_cost: Decimal | None  # None when the user may not see money
    value: Decimal | None


def stock_inquiry_rows(records, *, show_value: bool) -> list[StockRow]:
    """stock_inquiry's dicts as rows: available = on hand − reserved; value = on hand × average
    cost, rounded to the fen (cost and value only with `show_value`)."""
    out = []
    for r in records:
        on_hand, reserved, average = Decimal(r["on_hand"]), Decimal(r["reserved"]), Decimal(r["average"] or 0)
        out.append(StockRow(
            sku_id=r["sku_id"], sku_code=r["sku__code"], sku_name=r["sku__name"], colour=r["sku__colour"],
            size=r["sku__size"], unit=r["sku__unit"], barcode=r["sku__barcode"], warehouse_id=r["warehouse_id"],
            warehouse_code=r["warehouse__code"], warehouse_name=r["warehouse__name"], bin_code=r["bin_code"] or "",
            on_hand=on_hand, reserved=reserved, available=on_hand - reserved,
            average_cost=average if show_value else None, value=money(on_hand * average) if show_value else None,
        ))
    return out


# ---------------------------------------------------------------- bins 库位

def bins_of(warehouse_id: int, *, active_only: bool = True):
    """The bins of a warehouse in walking order."""
    qs = Bin.objects.filter(warehouse_id=warehouse_id)
    return qs.filter(active=True) if active_only else qs


def sku_bins(warehouse_id: int, sku_ids) -> dict[int, Bin]:
    """The default bin of each of these SKUs in the warehouse (SKUs without one are left out)."""
    rows = SkuLocation.objects.filter(warehouse_id=warehouse_id, sku_id__in=list(sku_ids)).select_related("bin")
    return {loc.sku_id: loc.bin for loc in rows}


# ---------------------------------------------------------------- valuation

@dataclass(frozen=True)
class ValuationRow:
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    sku_id: int
    sku_code: str
    sku_name: str
    colour: str
    size: str
    unit: str
    quantity: Decimal
    average_cost: Decimal
    value: Decimal


@dataclass
class Valuation:
    rows: list[ValuationRow] = field(default_factory=list)
    total_quantity: Decimal = ZERO
    total_value: Decimal = ZERO
    by_warehouse: list[dict] = field(default_factory=list)


def _share_value(quantities: list[Decimal], cost: SkuCost | None, fallback: Decimal) -> list[Decimal]:
    """Split the SKU's stock value over its warehouses in proportion to quantity; the last
    share takes the rounding, so the shares add up to the ledger value exactly."""
    total = sum(quantities, ZERO)
    if cost is None or total <= 0 or total != cost.quantity:
        average = cost.average if cost else fallback
        return [money(q * average) for q in quantities]
    shares = [money(cost.value * q / total) for q in quantities[:-1]]
    return shares + [cost.value - sum(shares, ZERO)]


def stock_valuation(*, warehouse_id: int | None = None, sku_prefix: str = "", user=None) -> Valuation:
    """Stock value 库存金额 per warehouse and SKU at the moving-average cost, with totals.
    With `user`: only for roles that may see stock values."""
    if user is not None:
        roles.require_value(user)
    balances = StockBalance.objects.exclude(on_hand=0)
    if sku_prefix:
        balances = balances.filter(sku__code__startswith=sku_prefix)
    rows = list(balances.order_by("sku__code", "warehouse__code").values_list(
        "sku_id", "warehouse_id", "on_hand", "sku__code", "sku__name", "sku__colour", "sku__size", "sku__unit",
        "sku__cost", "warehouse__code", "warehouse__name"))
    costs = SkuCost.objects.in_bulk({r[0] for r in rows})
    per_sku: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        per_sku[row[0]].append(row)
    result = Valuation()
    for sku_id, group in per_sku.items():
        cost = costs.get(sku_id)
        values = _share_value([r[2] for r in group], cost, group[0][8])
        for r, value in zip(group, values, strict=True):
            if warehouse_id is not None and r[1] != warehouse_id:
                continue
            result.rows.append(ValuationRow(
                warehouse_id=r[1], warehouse_code=r[9], warehouse_name=r[10], sku_id=sku_id, sku_code=r[3],
                sku_name=r[4], colour=r[5], size=r[6], unit=r[7], quantity=r[2],
                average_cost=cost.average if cost else r[8], value=value))
    result.rows.sort(key=lambda r: (r.warehouse_code, r.sku_code))
    totals: dict[int, dict] = {}
    for r in result.rows:
        t = totals.setdefault(r.warehouse_id, {"warehouse_id": r.warehouse_id, "warehouse_code": r.warehouse_code,
                                               "warehouse_name": r.warehouse_name, "quantity": ZERO, "value": ZERO})
        t["quantity"] += r.quantity
        t["value"] += r.value
    result.by_warehouse = sorted(totals.values(), key=lambda t: t["warehouse_code"])
    result.total_quantity = sum((r.quantity for r in result.rows), ZERO)
    result.total_value = sum((r.value for r in result.rows), ZERO)
    return result


# ---------------------------------------------------------------- safety stock and slow movers

@dataclass(frozen=True)
class LowStockRow:
    sku_id: int
    sku_code: str
    sku_name: str
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    minimum: Decimal
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    shortfall: Decimal


def low_stock(*, warehouse_id: int | None = None, user=None) -> list[LowStockRow]:
    """SKUs whose available quantity (on hand − reserved) is below their safety stock 警戒库存,
    largest shortfall first. With `user`: only for roles that may see safety stock."""
    if user is not None:
        roles.require_safety_stock(user)
    balance = StockBalance.objects.filter(sku_id=OuterRef("sku_id"), warehouse_id=OuterRef("warehouse_id"))
    levels = SafetyStock.objects.annotate(
        on_hand=Subquery(balance.values("on_hand")[:1]), reserved=Subquery(balance.values("reserved")[:1]),
    ).values_list("sku_id", "sku__code", "sku__name", "warehouse_id", "warehouse__code", "warehouse__name",
                  "minimum", "on_hand", "reserved")
    if warehouse_id is not None:
        levels = levels.filter(warehouse_id=warehouse_id)
    out = []
    for sku_id, code, name, wh_id, wh_code, wh_name, minimum, on_hand, reserved in levels:
        on_hand, reserved = Decimal(on_hand or 0), Decimal(reserved or 0)
        available = on_hand - reserved
        if available < minimum:
            out.append(LowStockRow(sku_id, code, name, wh_id, wh_code, wh_name, minimum, on_hand, reserved,
                                   available, minimum - available))
    return sorted(out, key=lambda r: (-r.shortfall, r.warehouse_code, r.sku_code))


@dataclass(frozen=True)
class SlowMovingRow:
    sku_id: int
    sku_code: str
    sku_name: str
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    on_hand: Decimal
    last_out: datetime.datetime | None  # last move out of the warehouse (not counting reversals)
    idle_since: datetime.datetime  # last move out, or the first move in if it never moved out
    idle_days: int
    value: Decimal


def _by_place(moves, aggregate) -> dict[tuple[int, int], datetime.datetime]:
    """(sku id, warehouse id) → the aggregate of the moves' times there."""
    return {(sku, wh): at for sku, wh, at in
            moves.values("sku_id", "warehouse_id").annotate(at=aggregate).values_list("sku_id", "warehouse_id", "at")}


def slow_moving(*, days: int | None = None, warehouse_id: int | None = None,
                as_of: datetime.datetime | None = None, user=None) -> list[SlowMovingRow]:
    """Slow-moving stock 呆滞: SKUs with stock in a warehouse and no move out of it (a sale,
    issue or transfer; reversals do not count) for `days` (default: the SLOW_MOVING_DAYS
    setting, 90). Stock that never moved out counts from its first receipt there, so new
    goods are not reported. Longest idle first. With `user`: only for roles that may see
    stock (the value is theirs to see only with roles.may_see_value)."""
    if user is not None:
        roles.require_stock(user)
    days = setting("SLOW_MOVING_DAYS") if days is None else days
    as_of = as_of or timezone.now()
    # Two grouped scans of the ledger rather than two correlated subqueries per balance: SQLite,
    # without statistics, ran those through the wrong index (quadratic; minutes at 100k moves).
    moves = StockMove.objects.all() if warehouse_id is None else StockMove.objects.filter(warehouse_id=warehouse_id)
    last_out = _by_place(moves.filter(quantity__lt=0, reverses__isnull=True), Max("created_at"))
    first_in = _by_place(moves.filter(quantity__gt=0), Min("created_at"))
    balances = StockBalance.objects.filter(on_hand__gt=0)
    if warehouse_id is not None:
        balances = balances.filter(warehouse_id=warehouse_id)
    rows = [(sku_id, code, name, wh_id, wh_code, wh_name, on_hand, last_out.get((sku_id, wh_id)),
             first_in.get((sku_id, wh_id)))
            for sku_id, code, name, wh_id, wh_code, wh_name, on_hand in balances.values_list(
                "sku_id", "sku__code", "sku__name", "warehouse_id", "warehouse__code", "warehouse__name", "on_hand")]
    costs = dict(SkuCost.objects.filter(sku_id__in={r[0] for r in rows}).values_list("sku_id", "average"))
    out = []
    for sku_id, code, name, wh_id, wh_code, wh_name, on_hand, last_out, first_in in rows:
        since = last_out or first_in
        if since is None or (as_of - since).days < days:
            continue
        out.append(SlowMovingRow(sku_id, code, name, wh_id, wh_code, wh_name, on_hand, last_out, since,
                                 (as_of - since).days, money(on_hand * costs.get(sku_id, ZERO))))
    return sorted(out, key=lambda r: (-r.idle_days, r.warehouse_code, r.sku_code))


# ---------------------------------------------------------------- stock-take 盘点

def stocktake_counts(doc: StockTake) -> tuple[dict[int, Decimal], dict[int, Decimal], dict[int, int]]:
    """(frozen book per SKU, counted per SKU, first line id per SKU). Lines of one SKU add up."""
    book = dict(doc.book.values_list("sku_id", "quantity"))
    counted: dict[int, Decimal] = defaultdict(Decimal)
    first_line: dict[int, int] = {}
    for line_id, sku_id, qty in doc.lines.order_by("line_no", "id").values_list("id", "sku_id", "quantity"):
        counted[sku_id] += qty
        first_line.setdefault(sku_id, line_id)
    return book, dict(counted), first_line


def scope_q(*, warehouse_id: int, sku_prefix: str = "", category_id: int | None = None, bin_ids=()) -> Q:
    """The SKUs (a Q over Sku) a count of this scope covers: code prefix, category with its
    sub-categories, default bin in the warehouse — every criterion given applies."""
    q = Q()
    if sku_prefix:
        q &= Q(code__startswith=sku_prefix)
    if category_id:
        q &= Q(category_id__in=category_subtree(category_id))
    bin_ids = list(bin_ids)
    if bin_ids:
        q &= Q(pk__in=SkuLocation.objects.filter(warehouse_id=warehouse_id, bin_id__in=bin_ids).values("sku_id"))
    return q


def stocktake_scope_q(doc: StockTake) -> Q:
    bin_ids = list(doc.bins.values_list("pk", flat=True)) if doc.pk else []
    return scope_q(warehouse_id=doc.warehouse_id, sku_prefix=doc.sku_prefix, category_id=doc.category_id,
                   bin_ids=bin_ids)


def stocktake_outside(doc: StockTake, sku_ids) -> list[int]:
    """Those of `sku_ids` that this count does not cover: neither on its frozen book nor in
    its scope now (a location or category changed after the freeze does not take an SKU on
    the book out of the count)."""
    wanted = set(sku_ids)
    if not wanted:
        return []
    q = stocktake_scope_q(doc)
    if not q:
        return []
    inside = set(Sku.objects.filter(q, pk__in=wanted).values_list("pk", flat=True))
    if doc.pk and doc.frozen_at:
        inside |= set(doc.book.filter(sku_id__in=wanted).values_list("sku_id", flat=True))
    return sorted(wanted - inside)


def stocktake_scope_label(doc: StockTake) -> str:
    """The scope for people: "SKU code prefix TS01; category 服装/上装; bins A-01, A-02" or "All SKUs"."""
    parts = []
    if doc.sku_prefix:
        parts.append(_("SKU code prefix %(prefix)s") % {"prefix": doc.sku_prefix})
    if doc.category_id:
        parts.append(_("category %(path)s (with sub-categories)")
                     % {"path": category_paths().get(doc.category_id, doc.category_id)})
    codes = list(doc.bins.order_by("sort_order", "code").values_list("code", flat=True)) if doc.pk else []
    if codes:
        parts.append(_("bins %(codes)s") % {"codes": ", ".join(codes)})
    return "; ".join(parts) if parts else _("All SKUs")


@dataclass(frozen=True)
class CountRow:
    """One SKU of a count sheet 盘点表, in walking order (bin, then SKU code)."""

    sku_id: int
    sku_code: str
    sku_name: str
    colour: str
    size: str
    unit: str
    barcode: str
    bin_code: str  # the SKU's default bin in the count's warehouse; "" if none
    bin_name: str
    book: Decimal | None  # as frozen; None when hidden (blind count)
    counted: Decimal | None  # None: no line yet (counted as zero if it stays so)
    lines: int


def _walk_order(row: CountRow, bins: dict[int, Bin]) -> tuple:
    b = bins.get(row.sku_id)
    return (b is None, b.sort_order if b else 0, row.bin_code, row.sku_code)


def stocktake_sheet(doc: StockTake, *, show_book: bool = True, extra_sku_ids=()) -> list[CountRow]:
    """The count sheet: every SKU on the frozen book or counted (plus `extra_sku_ids`, e.g. one
    a counter just scanned), sorted by bin (its sort order, then code; SKUs without a bin last)
    and then by SKU code."""
    book, counted, _first = stocktake_counts(doc)
    line_counts: dict[int, int] = defaultdict(int)
    for sku_id in doc.lines.values_list("sku_id", flat=True):
        line_counts[sku_id] += 1
    skus = Sku.objects.in_bulk(set(book) | set(counted) | set(extra_sku_ids))
    bins = sku_bins(doc.warehouse_id, skus)
    rows = [
        CountRow(sku_id=sku.pk, sku_code=sku.code, sku_name=sku.name, colour=sku.colour, size=sku.size,
                 unit=sku.unit, barcode=sku.barcode,
                 bin_code=bins[sku.pk].code if sku.pk in bins else "",
                 bin_name=bins[sku.pk].name if sku.pk in bins else "",
                 book=book.get(sku.pk, ZERO) if show_book else None,
                 counted=counted.get(sku.pk), lines=line_counts[sku.pk])
        for sku in skus.values()
    ]
    return sorted(rows, key=lambda r: _walk_order(r, bins))


def stocktake_shows_book(doc: StockTake, user) -> bool:
    """Whether `user` may see book quantities of this count: always, unless it is a blind count
    still being counted and the user is not one who approves it."""
    if not doc.blind or doc.state in (DocState.APPROVED, DocState.CLOSED):
        return True
    return user_may(user, doc.doc_type, "approve")


@dataclass(frozen=True)
class VarianceRow:
    sku_id: int
    sku_code: str
    sku_name: str
    colour: str
    size: str
    unit: str
    counted: Decimal
    lines: int  # 0: not found by the counters, so counted as zero
    book: Decimal | None  # None when hidden (blind count)
    difference: Decimal | None
    unit_cost: Decimal | None
    value: Decimal | None
    book_now: Decimal | None  # on hand now
    moved_since_freeze: Decimal | None  # posted after the book was frozen (kept on approval)
    bin_code: str = ""  # the SKU's default bin in the count's warehouse


def stocktake_variance(doc: StockTake, *, show_book: bool = True) -> list[VarianceRow]:
    """The variance review 盘点差异: per SKU, book (as frozen), counted, difference and its value
    at the moving average; with show_book=False (blind count) only what was counted."""
    book, counted, _first = stocktake_counts(doc)
    line_counts: dict[int, int] = defaultdict(int)
    for sku_id in doc.lines.values_list("sku_id", flat=True):
        line_counts[sku_id] += 1
    skus = Sku.objects.in_bulk(set(book) | set(counted))
    costs = dict(SkuCost.objects.filter(sku_id__in=list(skus)).values_list("sku_id", "average"))
    now = dict(StockBalance.objects.filter(warehouse_id=doc.warehouse_id, sku_id__in=list(skus))
               .values_list("sku_id", "on_hand"))
    bins = sku_bins(doc.warehouse_id, skus)
    rows = []
    for sku in sorted(skus.values(), key=lambda s: s.code):
        got, had = counted.get(sku.pk, ZERO), book.get(sku.pk, ZERO)
        diff, cost = got - had, costs.get(sku.pk, sku.cost)
        frozen = doc.frozen_at is not None
        rows.append(VarianceRow(
            sku_id=sku.pk, sku_code=sku.code, sku_name=sku.name, colour=sku.colour, size=sku.size, unit=sku.unit,
            counted=got, lines=line_counts[sku.pk],
            book=had if show_book else None, difference=diff if show_book else None,
            unit_cost=cost if show_book else None, value=money(diff * cost) if show_book else None,
            book_now=now.get(sku.pk, ZERO) if show_book else None,
            moved_since_freeze=(now.get(sku.pk, ZERO) - had) if show_book and frozen else None,
            bin_code=bins[sku.pk].code if sku.pk in bins else "",
        ))
    return rows


def stocktake_totals(rows: list[VarianceRow]) -> dict:
    """Gains 盘盈 and losses 盘亏 of a variance review, in quantity and value."""
    shown = [r for r in rows if r.difference is not None]
    return {
        "skus": len(rows),
        "differences": sum(1 for r in shown if r.difference),
        "gain_quantity": sum((r.difference for r in shown if r.difference > 0), ZERO),
        "gain_value": sum((r.value for r in shown if r.difference > 0), ZERO),
        "loss_quantity": sum((-r.difference for r in shown if r.difference < 0), ZERO),
        "loss_value": sum((-r.value for r in shown if r.difference < 0), ZERO),
        "net_value": sum((r.value for r in shown), ZERO),
        "not_found": sum(1 for r in rows if r.lines == 0),
    }


def stocktake_window_warning(day: datetime.date) -> str | None:
    """A warning when `day` is outside the monthly count window (STOCKTAKE_WINDOW_DAYS, by
    default the 28th to the 31st; in shorter months the window ends with the month)."""
    first, last = setting("STOCKTAKE_WINDOW_DAYS")
    month_end = calendar.monthrange(day.year, day.month)[1]
    if min(first, month_end) <= day.day <= min(last, month_end):
        return None
    return _("Stock-takes are counted from day %(first)s to day %(last)s of the month; %(date)s is outside "
             "that window.") % {"first": first, "last": last, "date": day.isoformat()}


def stocktake_warnings(doc: StockTake, *, show_book: bool = True) -> list[str]:
    """What the people counting and approving should know; none of it blocks anything.
    With show_book=False (a blind count, for a counter) nothing that gives the book away."""
    warnings = []
    outside = stocktake_window_warning(doc.doc_date)
    if outside:
        warnings.append(outside)
    if doc.state not in (DocState.DRAFT, DocState.SUBMITTED):
        return warnings
    if doc.frozen_at is None:
        warnings.append(_("The book quantities are not frozen yet; they will be taken when the count is submitted."))
        return warnings
    if not show_book:
        return warnings
    rows = stocktake_variance(doc)
    moved = [r.sku_code for r in rows if r.moved_since_freeze]
    if moved:
        warnings.append(_("%(n)s SKU(s) moved after the book was frozen (%(skus)s); approval keeps those moves and "
                          "adds the counted difference.") % {"n": len(moved), "skus": ", ".join(moved[:5])})
    missing = [r for r in rows if r.lines == 0 and r.book]
    if missing:
        quantity = sum((r.book for r in missing), ZERO)
        warnings.append(_("%(n)s SKU(s) with %(qty)s on the book were not counted; approval sets them to zero.")
                        % {"n": len(missing), "qty": plain(quantity)})
    return warnings
