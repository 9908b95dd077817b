"""Online orders after the import: review and allocation, the batch shipping path, and the
interactive path one order at a time — through the sales and fulfilment services only.

orders.allocate  The imported orders' stock is received into the shop's warehouse (stock_post,
                 not timed; one SKU in 25 gets a unit less than asked, so some orders are short),
                 then orders_auto_review approves what it can and orders_approve_many what
                 customer service would approve after reading the buyer's message (timed as
                 "review", for information), then orders_allocate reserves stock for every
                 approved order (timed: the figure with the target). While the orders are
                 approved and stocked, the approval and stock-arrival listeners are unregistered
                 (and registered again afterwards): they would allocate on commit, and the
                 allocation would then be measured inside the approval.
orders.ship      The batch path over every allocated order: waves of WAVE_MAX_ORDERS
                 (waves_create, all in one call) → tracking numbers (tracking_numbers_add to the pool, then
                 wave_assign_tracking per wave) → verify (parcels_pack_many per wave, scans of
                 every piece's barcode) → ship (wave_ship per wave), each stage timed; the figure
                 is parcels shipped per second over all four.
orders.per_order The interactive path for `per_order` orders of a second shop, as a day in the
                 warehouse runs: customer service approves each order on its own
                 (online_order_approve — the approval listener allocates it on commit — then
                 orders_allocate for the one order: nothing left to do); the warehouse makes a
                 wave of every WAVE_MAX_ORDERS of them and assigns their waybills (wave_create,
                 wave_assign_tracking: timed and counted in the rate, amortised over the wave);
                 the packer scans each waybill (parcel_find) and each piece, and the parcel
                 ships (parcel_pack with ship=True). Orders per second over all of it; p50/p99 of
                 the one-by-one steps per order. (Until 2026-11-22 each order went into a wave
                 of its own; the waves' share then was about 7 ms per order.)

Generating the files, building the scanner input and the checks afterwards are not timed."""

from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from django.db.models import Sum

from shopflow.bench.raw import raw_insert, table_rows
from shopflow.bench.scenarios import Check, Context, Result, Target, percentile, scenario, stopwatch
from shopflow.bench.scenarios.orders import ensure_imported, export_pair, import_pair, states, stock_for
from shopflow.catalog.models import Sku
from shopflow.channels.models import Platform, Shop
from shopflow.fulfilment.allocation import allocate_approved, orders_allocate, reallocate_arrived
from shopflow.fulfilment.models import Parcel, ParcelState, Wave
from shopflow.fulfilment.selectors import parcel_find
from shopflow.fulfilment.services import (
    PackSpec,
    parcel_pack,
    parcels_pack_many,
    tracking_numbers_add,
    wave_assign_tracking,
    wave_create,
    wave_ship,
    waves_create,
)
from shopflow.inventory.models import StockBalance, StockMove, StockReservation, Warehouse
from shopflow.inventory.services import register_arrival_listener, unregister_arrival_listener
from shopflow.partners.models import Courier
from shopflow.sales.models import Allocation, OnlineOrder, OnlineOrderLine, OrderState
from shopflow.sales.online import online_order_approve, register_approval_listener, unregister_approval_listener
from shopflow.sales.review import orders_approve_many, orders_auto_review

ALLOCATE_TARGET = Target(10_000, "sqlite")  # orders/s, issue 5
SHIP_TARGET = Target(2_000)  # orders/s, wave → verify → ship
PER_ORDER_TARGET = Target(200)  # orders/s through the single-order services
ORDER_TYPE = "sales.onlineorder"
WAVE_TYPE = "fulfilment.wave"  # the origin of the shipment's moves
CHUNK = 5_000  # ids per IN (...) in the checks
PER_ORDER_SHOP = ("BENCH-TM", "衣橱小铺天猫店")
PER_ORDER_SHARE = 0.45  # about this share of a generated export is paid and reviewable


def _chunks(ids: list[int], size: int = CHUNK):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


@contextmanager
def listeners_paused():
    """Approvals and stock arriving do not allocate on commit while this lasts (see the module
    docstring); the fulfilment app's listeners are registered again afterwards."""
    unregister_approval_listener(allocate_approved)
    unregister_arrival_listener(reallocate_arrived)
    try:
        yield
    finally:
        register_approval_listener(allocate_approved)
        register_arrival_listener(reallocate_arrived)


def _ids(shop_id: int, **filters) -> list[int]:
    return list(OnlineOrder.objects.filter(shop_id=shop_id, **filters).order_by("id").values_list("pk", flat=True))


def review(ctx: Context, shop_id: int) -> dict:
    """Stock, then auto review and bulk approval, with the listeners paused; seconds and counts."""
    ds = ctx.data
    reviewable = _ids(shop_id, state__in=(OrderState.TO_REVIEW, OrderState.HELD))
    with listeners_paused():
        stocked = stock_for(ctx, reviewable, origin_id=shop_id)
        with stopwatch() as auto_took:
            auto = orders_auto_review(actor=ds.service, shop=Shop.objects.get(pk=shop_id))
        ctx.progress(f"orders_auto_review: {auto.approved:,} approved, {auto.held:,} held in {auto_took():.2f} s")
        # Customer service reads the held orders' messages and approves them in bulk; those that
        # cannot be approved (unknown SKU, unreadable address, refund) are refused and stay held.
        held = _ids(shop_id, state__in=(OrderState.TO_REVIEW, OrderState.HELD))
        with stopwatch() as bulk_took:
            done = refused = 0
            for part in _chunks(held, 2_000):
                result = orders_approve_many(orders=part, actor=ds.service)
                done, refused = done + len(result.done), refused + len(result.refused)
        ctx.progress(f"orders_approve_many: {done:,} approved, {refused:,} refused in {bulk_took():.2f} s")
    return {"reviewable": len(reviewable), "auto_s": auto_took(), "auto_approved": auto.approved,
            "auto_held": auto.held, "auto_holds": dict(auto.holds), "gifts_added": auto.gifts_added,
            "bulk_s": bulk_took(), "bulk_approved": done, "bulk_refused": refused, **stocked}


def ensure_allocated(ctx: Context) -> None:
    """Approved and allocated orders in the bench shop (untimed), if orders.allocate did not run."""
    ensure_imported(ctx)
    shop_id = ctx.data.shop
    if OnlineOrder.objects.filter(shop_id=shop_id, allocation=Allocation.ALLOCATED).exists():
        return
    if not OnlineOrder.objects.filter(shop_id=shop_id, state=OrderState.APPROVED).exists():
        ctx.progress("reviewing the imported orders first (not timed)")
        review(ctx, shop_id)
    ctx.progress("allocating first (not timed)")
    orders_allocate(actor=ctx.data.service)


def reserved_for_orders(order_ids: list[int]) -> Decimal:
    total = Decimal(0)
    for part in _chunks(order_ids):
        total += StockReservation.objects.filter(origin_type=ORDER_TYPE, origin_id__in=part, open=True).aggregate(
            q=Sum("quantity"))["q"] or Decimal(0)
    return total


def ordered(order_ids: list[int]) -> Decimal:
    total = Decimal(0)
    for part in _chunks(order_ids):
        total += OnlineOrderLine.objects.filter(order_id__in=part, sku__isnull=False).aggregate(
            q=Sum("quantity"))["q"] or Decimal(0)
    return total


def issued_for(order_ids: list[int]) -> Decimal:
    """Units that left the ledger for these orders' lines through fulfilment (shipping posts per
    parcel or per wave: the move's origin line is the order line either way)."""
    line_ids = []
    for part in _chunks(order_ids):
        line_ids.extend(OnlineOrderLine.objects.filter(order_id__in=part).values_list("pk", flat=True))
    total = Decimal(0)
    for part in _chunks(line_ids):
        total -= StockMove.objects.filter(origin_type__startswith="fulfilment.", origin_line_id__in=part).aggregate(
            q=Sum("quantity"))["q"] or Decimal(0)
    return total


def oversold_balances(warehouse_id: int) -> int:
    return sum(1 for on_hand, reserved in StockBalance.objects.filter(warehouse_id=warehouse_id)
               .values_list("on_hand", "reserved") if reserved > on_hand or on_hand < 0)


def _raw_ledger_rows(model, where: str, params: list, orders: int) -> dict:
    """The physical limit of an order scenario: the ledger rows it wrote for `orders` orders (the
    allocation's reservations, the shipment's moves), inserted raw into a copy of their table;
    the rate is orders per second, like the scenario's."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    part = raw_insert(model._meta.db_table, columns, table_rows(model._meta.db_table, columns, where, params))
    return {"method": part["method"], "rows": orders, "seconds": part["seconds"],
            "tables": {model._meta.db_table: part["rows"]}}


def _ids_sql(ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids) or "NULL"


@scenario("orders.allocate", "Online orders: review and allocation", order=55)
def run_allocate(ctx: Context) -> list[Result]:
    ds = ctx.data
    ensure_imported(ctx)
    facts = review(ctx, ds.shop)
    approved = _ids(ds.shop, state=OrderState.APPROVED, allocation__in=(Allocation.NONE, Allocation.SHORT))
    with stopwatch() as took:
        summary = orders_allocate(actor=ds.service)
    ctx.progress(f"orders_allocate: {summary.allocated:,} allocated, {summary.short:,} short, "
                 f"{summary.skipped:,} skipped in {took():.2f} s")
    allocated = _ids(ds.shop, allocation=Allocation.ALLOCATED)
    short = _ids(ds.shop, allocation=Allocation.SHORT)
    held, wanted = reserved_for_orders(allocated), ordered(allocated)
    short_held = reserved_for_orders(short)
    over = oversold_balances(ds.ecommerce)
    checks = [
        Check("allocated orders hold exactly their lines", held == wanted, f"reserved {held}, ordered {wanted}"),
        Check("short orders hold nothing (all or nothing)", short_held == 0, f"{short_held} reserved for short orders"),
        Check("no oversell in the ship-from warehouse", over == 0, f"{over} balance(s) with reserved > on hand"),
        Check("every approved order allocated or short", summary.allocated + summary.short == len(approved),
              f"{summary.allocated} + {summary.short} of {len(approved)}"),
    ]
    reservations = StockReservation._meta
    raw = _raw_ledger_rows(StockReservation, f'"{reservations.get_field("origin_type").column}" = %s AND '
                           f'"{reservations.get_field("origin_id").column}" IN ({_ids_sql(allocated)})',
                           [ORDER_TYPE], summary.allocated + summary.short)
    review_count = facts["reviewable"]
    review_s = facts["auto_s"] + facts["bulk_s"]
    return [
        Result(key="orders.review", title="orders_auto_review + orders_approve_many (held ones)", unit="order",
               count=review_count, seconds=review_s,
               extra={k: round(v, 3) if isinstance(v, float) else v for k, v in facts.items()}),
        Result(key="orders.allocate", title="orders_allocate over every approved order", unit="order",
               count=summary.allocated + summary.short, seconds=took(), target=ALLOCATE_TARGET, vendor=ctx.vendor,
               raw=raw,
               extra={"allocated": summary.allocated, "short": summary.short, "skipped": summary.skipped,
                      "approved": len(approved), "lines": OnlineOrderLine.objects.filter(
                          order__shop_id=ds.shop, order__allocation=Allocation.ALLOCATED).count(),
                      "units_reserved": str(held), "states": states(ds.shop)},
               checks=checks),
    ]


# ---------------------------------------------------------------- wave → verify → ship


def _scans(order_ids: list[int]) -> dict[int, list[str]]:
    """Order id → the scanner input of its parcel: each piece's SKU barcode (or code)."""
    lines = []
    for part in _chunks(order_ids):
        lines.extend(OnlineOrderLine.objects.filter(order_id__in=part, sku__isnull=False)
                     .order_by("order_id", "line_no").values_list("order_id", "sku_id", "quantity"))
    barcodes = {}
    for part in _chunks(sorted({sku for _o, sku, _q in lines})):
        barcodes.update({pk: barcode or code for pk, barcode, code in
                         Sku.objects.filter(pk__in=part).values_list("pk", "barcode", "code")})
    scans: dict[int, list[str]] = defaultdict(list)
    for order_id, sku_id, qty in lines:
        scans[order_id].extend([barcodes[sku_id]] * int(qty))
    return scans


def _weight(scans: list[str]) -> Decimal:
    return Decimal("0.300") * len(scans) + Decimal("0.100")


def _tracking_numbers(courier: Courier, first: int, n: int) -> list[str]:
    """n e-waybill numbers of 14 digits starting with 7, as ZTO's are (the bench shop's courier;
    STO and Yunda take the shape too). tracking_numbers_add checks them against the pattern."""
    return [f"7{first + i:013d}" for i in range(n)]


def _stage(stages: dict, name: str, seconds: float, parcels: int) -> None:
    stages[name] = {"s": round(seconds, 3), "per_s": round(parcels / max(seconds, 1e-9), 1),
                    "ms_per_order": round(seconds * 1000 / max(parcels, 1), 4)}


@scenario("orders.ship", "Online orders: wave → tracking → verify → ship (batch)", order=60)
def run_ship(ctx: Context) -> list[Result]:
    ds = ctx.data
    ensure_allocated(ctx)
    warehouse = Warehouse.objects.get(pk=ds.ecommerce)
    shop = Shop.objects.get(pk=ds.shop)
    stages: dict[str, dict] = {}
    with stopwatch() as wave_took:
        waves: list[Wave] = waves_create(warehouse=warehouse, actor=ds.clerk, shop=shop, limit=ctx.size.wave_size)
    parcels = list(Parcel.objects.filter(wave__in=waves).values_list("pk", "order_id", "courier_id", "wave_id"))
    n = len(parcels)
    _stage(stages, "wave", wave_took(), n)
    ctx.progress(f"orders.ship: {len(waves):,} waves of {n:,} parcels in {wave_took():.2f} s")

    per_courier: dict[int, int] = defaultdict(int)
    for _pk, _order, courier_id, _wave in parcels:
        per_courier[courier_id] += 1
    couriers = {c.pk: c for c in Courier.objects.filter(pk__in=list(per_courier))}
    pools = {pk: _tracking_numbers(couriers[pk], 100_000_000 * (i + 1), count)
             for i, (pk, count) in enumerate(sorted(per_courier.items()))}
    with stopwatch() as tracking_took:
        for pk, numbers in pools.items():
            tracking_numbers_add(courier=couriers[pk], numbers=numbers, actor=ds.clerk)
        assigned = sum(wave_assign_tracking(wave=wave, actor=ds.clerk) for wave in waves)
    _stage(stages, "tracking", tracking_took(), n)
    ctx.progress(f"orders.ship: {assigned:,} tracking numbers in {tracking_took():.2f} s")

    scans = _scans([order for _pk, order, _c, _w in parcels])
    by_wave: dict[int, list[PackSpec]] = defaultdict(list)
    for pk, order_id, _courier, wave_id in parcels:
        by_wave[wave_id].append(PackSpec(parcel_id=pk, scans=scans[order_id], weight=_weight(scans[order_id])))
    with stopwatch() as pack_took:
        packed = sum(len(parcels_pack_many(packs=by_wave[wave.pk], actor=ds.clerk)) for wave in waves)
    _stage(stages, "verify", pack_took(), n)
    ctx.progress(f"orders.ship: {packed:,} parcels verified and packed in {pack_took():.2f} s")

    with stopwatch() as ship_took:
        shipped = sum(wave_ship(wave=wave, actor=ds.clerk).parcels for wave in waves)
    _stage(stages, "ship", ship_took(), n)
    ctx.progress(f"orders.ship: {shipped:,} parcels shipped in {ship_took():.2f} s")
    seconds = wave_took() + tracking_took() + pack_took() + ship_took()

    order_ids = [order for _pk, order, _c, _w in parcels]
    shipped_orders = sum(OnlineOrder.objects.filter(pk__in=part, state=OrderState.SHIPPED).count()
                         for part in _chunks(order_ids))
    issued = issued_for(order_ids)
    wanted = ordered(order_ids)
    still_reserved = reserved_for_orders(order_ids)
    open_parcels = Parcel.objects.filter(wave__in=waves).exclude(state=ParcelState.SHIPPED).count()
    moves = StockMove._meta
    raw = _raw_ledger_rows(StockMove, f'"{moves.get_field("origin_type").column}" = %s AND '
                           f'"{moves.get_field("origin_id").column}" IN ({_ids_sql([w.pk for w in waves])})',
                           [WAVE_TYPE], shipped)
    checks = [
        Check("every waved order shipped", shipped == n == shipped_orders and open_parcels == 0,
              f"{shipped} parcels shipped, {shipped_orders} orders shipped, {n} waved, {open_parcels} open"),
        Check("stock issued = ordered, reservations used up", issued == wanted and still_reserved == 0,
              f"issued {issued}, ordered {wanted}, still reserved {still_reserved}"),
        Check("no oversell in the ship-from warehouse", oversold_balances(ds.ecommerce) == 0, ""),
    ]
    return [Result(key="orders.ship", title="wave → tracking → verify → ship (batch, per wave)", unit="order",
                   count=shipped, seconds=seconds, target=SHIP_TARGET, vendor=ctx.vendor, checks=checks, raw=raw,
                   extra={"waves": len(waves), "orders_per_wave": ctx.size.wave_size, "stages": stages,
                          "units_shipped": str(issued), "couriers": {couriers[pk].code: c
                                                                     for pk, c in per_courier.items()}})]


# ---------------------------------------------------------------- one order at a time

STEPS = ("approve", "allocate", "wave", "tracking", "find", "pack_ship")
ONE_BY_ONE = ("approve", "allocate", "find", "pack_ship")  # what a person does to one order


def _timed(steps: dict[str, float], step: str, fn, *args, **kwargs):
    with stopwatch() as t:
        result = fn(*args, **kwargs)
    steps[step] += t()
    return result, t()


@scenario("orders.per_order", "Online orders: the interactive path, one order at a time", order=70)
def run_per_order(ctx: Context) -> list[Result]:
    ds = ctx.data
    n = ctx.size.per_order
    shop, _created = Shop.objects.get_or_create(
        code=PER_ORDER_SHOP[0], defaults={"name": PER_ORDER_SHOP[1], "platform": Platform.TMALL,
                                          "warehouse_id": ds.ecommerce, "default_courier_id": ds.courier})
    warehouse = Warehouse.objects.get(pk=ds.ecommerce)
    import_pair(ctx, shop, *export_pair(ctx, int(n / PER_ORDER_SHARE) + 50, salt="per_order"))
    # Paid orders with nothing to hold them for: the ones an agent would take one by one.
    candidates = list(OnlineOrder.objects.filter(shop=shop, state=OrderState.TO_REVIEW, buyer_message="")
                      .order_by("paid_at", "id")[:n])
    if len(candidates) < n:
        ctx.progress(f"orders.per_order: only {len(candidates):,} reviewable orders in the file, not {n:,}")
    ids = [o.pk for o in candidates]
    with listeners_paused():
        stock_for(ctx, ids, origin_id=shop.pk, short_every=0)
    courier = Courier.objects.get(pk=ds.courier)
    tracking_numbers_add(courier=courier, numbers=_tracking_numbers(courier, 9_000_000_000, len(ids)), actor=ds.clerk)
    scans = _scans(ids)
    steps = {step: 0.0 for step in STEPS}
    latency: dict[int, float] = defaultdict(float)  # order → seconds of its one-by-one steps
    report_every = max(len(ids) // 5, 1)
    done = 0
    with stopwatch() as took:
        for block in (candidates[i:i + ctx.size.wave_size] for i in range(0, len(candidates), ctx.size.wave_size)):
            # Customer service approves each order (the approval listener allocates it on commit);
            # allocating it again finds nothing left to do.
            for order in block:
                latency[order.pk] += _timed(steps, "approve", online_order_approve, order=order, actor=ds.service)[1]
                latency[order.pk] += _timed(steps, "allocate", orders_allocate, order_ids=[order.pk],
                                            actor=ds.service)[1]
            # The warehouse makes a wave of them and prints its waybills ...
            wave, _s = _timed(steps, "wave", wave_create, warehouse=warehouse, actor=ds.clerk,
                              order_ids=[o.pk for o in block])
            _timed(steps, "tracking", wave_assign_tracking, wave=wave, actor=ds.clerk)
            waybills = dict(Parcel.objects.filter(wave=wave).values_list("order_id", "tracking_no"))
            # ... and the packer scans each waybill, then each piece, and the parcel ships.
            for order in block:
                parcel, seconds = _timed(steps, "find", parcel_find, waybills[order.pk])
                latency[order.pk] += seconds
                latency[order.pk] += _timed(steps, "pack_ship", parcel_pack, parcel=parcel, scans=scans[order.pk],
                                            weight=_weight(scans[order.pk]), actor=ds.clerk, ship=True)[1]
                done += 1
                if done % report_every == 0:
                    ctx.progress(f"orders.per_order: {done:,} orders, {done / took():,.1f}/s")
    seconds = took()
    shipped = OnlineOrder.objects.filter(pk__in=ids, state=OrderState.SHIPPED).count()
    still_reserved = reserved_for_orders(ids)
    issued, wanted = issued_for(ids), ordered(ids)
    checks = [
        Check("every order shipped", shipped == len(ids), f"{shipped} of {len(ids)}"),
        Check("stock issued = ordered, reservations used up", issued == wanted and still_reserved == 0,
              f"issued {issued}, ordered {wanted}, still reserved {still_reserved}"),
    ]
    count = len(ids)
    latencies = list(latency.values())
    return [Result(key="orders.per_order",
                   title="approve → allocate, one by one → waves → find + pack + ship, one by one",
                   unit="order", count=count, seconds=seconds, target=PER_ORDER_TARGET, vendor=ctx.vendor,
                   checks=checks,
                   extra={"p50_ms": round(percentile(latencies, 50) * 1000, 3),
                          "p99_ms": round(percentile(latencies, 99) * 1000, 3),
                          "latency_steps": list(ONE_BY_ONE), "orders_per_wave": ctx.size.wave_size,
                          "steps_ms": {step: round(s * 1000 / max(count, 1), 3) for step, s in steps.items()}})]
