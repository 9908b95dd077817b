"""Allocation 配货: reserving stock for approved online orders, highest priority first, then by
payment time, all or nothing per order — an order gets every line's stock in its ship-from
warehouse or none (a half-reserved order ships nothing and only blocks others).

An order that cannot be served is marked short with the SKUs and quantities missing and, unless
customer service flagged it otherwise, a yellow flag (cannot ship yet / out of stock); when stock
arrives it is tried again, and allocating it clears the shortages and the yellow flag of the
shortage. Short orders and orders served after being short are audited on the order; a first
allocation is on record in the ledger's reservations (order line, quantity, who, when).
Runs set-wise: a chunk of orders per transaction, one reservation call per chunk
(inventory.stock_reserve_groups), set-based UPDATEs.

Triggered after commit by approvals (sales.online.register_approval_listener) and by stock
arriving (inventory.services.register_arrival_listener); both are registered in
FulfilmentConfig.ready."""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.catalog.models import Sku
from shopflow.core.db import update_ids, update_rows
from shopflow.core.errors import DomainError, PermissionDeniedError
from shopflow.core.gcpause import gc_paused
from shopflow.core.prepared import Prepared
from shopflow.core.serialize import plain
from shopflow.core.services import audit_record
from shopflow.fulfilment.error_codes import FulfilmentError
from shopflow.fulfilment.models import Parcel, ParcelState
from shopflow.fulfilment.services import ORDER_TYPE, _audit_many, _chunks, id_list
from shopflow.inventory.services import ReserveGroup, ReserveSpec, stock_release_origins, stock_reserve_groups
from shopflow.sales.models import Allocation, OnlineOrder, OnlineOrderLine, OrderFlag, OrderState

logger = logging.getLogger(__name__)

# Orders per transaction: big enough to amortise the queries, small enough to keep locks short.
CHUNK = 10_000
ALLOCATABLE = (Allocation.NONE, Allocation.SHORT)


@dataclass
class AllocationSummary:
    allocated: int = 0  # orders whose every line is now reserved
    short: int = 0  # orders left (or newly) short of stock
    skipped: int = 0  # asked for but not allocatable (not approved, already allocated, no ship-from warehouse, ...)
    allocated_ids: list[int] = field(default_factory=list)
    short_ids: list[int] = field(default_factory=list)


def _require(actor) -> None:
    """None is the system (listeners after approval or stock arrival); people need to work on
    online orders or on waves."""
    if actor is None:
        return
    if not (actor.is_active and (actor.has_perm("sales.change_onlineorder") or actor.has_perm("fulfilment.add_wave"))):
        raise PermissionDeniedError("permission_denied", _("You may not allocate stock to orders."))


def _ranked(order_ids: list[int] | None) -> list[int]:
    """Ids of the allocatable orders (of `order_ids`, or all), highest priority, earliest paid
    first (unpaid last), then oldest."""
    base = OnlineOrder.objects.filter(state=OrderState.APPROVED, allocation__in=ALLOCATABLE)
    ranking = (F("priority").desc(), F("paid_at").asc(nulls_last=True), "id")
    if order_ids is not None:
        base = base.filter(pk__any=id_list(order_ids))
    return list(base.order_by(*ranking).values_list("pk", flat=True))


def _rank_key(row) -> tuple:
    """The ranking of _ranked for a row of _allocate_chunk (…, priority, paid_at)."""
    pk, priority, paid_at = row[0], row[6], row[7]
    return (-priority, paid_at is None, paid_at or 0, pk)


def _shortage_rows(shortages, codes: dict[int, str]) -> list[dict]:
    missing: dict[int, Decimal] = {}
    for s in shortages:
        missing[s.sku_id] = missing.get(s.sku_id, Decimal(0)) + s.asked - s.available
    return [{"sku_id": sku_id, "sku": codes.get(sku_id, str(sku_id)), "missing": plain(qty)}
            for sku_id, qty in sorted(missing.items(), key=lambda kv: codes.get(kv[0], ""))]


_LOCKED_ALLOCATABLE = Prepared(
    lambda ids: OnlineOrder.objects.select_for_update(of=("self",))
    .filter(pk__any=ids, state=OrderState.APPROVED, allocation__in=ALLOCATABLE).order_by("id")
    .values_list("pk", "warehouse_id", "shop__warehouse_id", "flag", "allocation", "version", "priority", "paid_at"),
    keys=("ids",))
_LINES_OF = Prepared(lambda ids: OnlineOrderLine.objects.filter(order_id__any=ids).order_by("order_id", "line_no")
                     .values_list("pk", "order_id", "sku_id", "quantity"), keys=("ids",))


def _allocate_chunk(ids: list[int], actor, summary: AllocationSummary) -> None:
    # Lock the orders and read them again under the lock (a concurrent run may have allocated
    # some meanwhile). Locks are taken in id order, the same in every run, so runs queue instead
    # of deadlocking; the chunk is then walked in ranking order.
    rows = _LOCKED_ALLOCATABLE.all(ids)
    rows.sort(key=_rank_key)
    summary.skipped += len(ids) - len(rows)
    if not rows:
        return  # all allocated already (an approval's listener got there first) or not allocatable
    lines: dict[int, list[tuple[int, int | None, Decimal]]] = {}
    for line_id, order_id, sku_id, qty in _LINES_OF.all([r[0] for r in rows]):
        lines.setdefault(order_id, []).append((line_id, sku_id, qty))
    was_short = [r[0] for r in rows if r[4] == Allocation.SHORT]
    old_shortages = dict(OnlineOrder.objects.filter(pk__any=id_list(was_short)).values_list("pk", "shortages")) \
        if was_short else {}
    groups, grouped = [], []
    for row in rows:
        pk, warehouse_id = row[0], row[1] or row[2]
        order_lines = lines.get(pk, [])
        if warehouse_id is None or not order_lines or any(sku_id is None for _l, sku_id, _q in order_lines):
            summary.skipped += 1  # nowhere to ship from, nothing to ship, or an item without a SKU
            continue
        groups.append(ReserveGroup(origin_type=ORDER_TYPE, origin_id=pk, specs=tuple(
            ReserveSpec(sku_id=sku_id, warehouse_id=warehouse_id, quantity=qty, origin_line_id=line_id)
            for line_id, sku_id, qty in order_lines)))
        grouped.append(row)
    if not groups:
        return
    results = stock_reserve_groups(groups=groups, actor=actor)
    short_skus = {s.sku_id for shortages in results for s in shortages}
    codes = dict(Sku.objects.filter(pk__in=short_skus).values_list("pk", "code")) if short_skus else {}
    now = timezone.now()
    plain_ok, unflag_ok, short_rows, events = [], [], [], []
    for (pk, _wh, _swh, flag, allocation, version, _priority, _paid), shortages in zip(grouped, results, strict=True):
        if not shortages:
            # The yellow flag of a shortage goes with it; any other flag is customer service's.
            if allocation == Allocation.SHORT and flag == OrderFlag.YELLOW:
                unflag_ok.append(pk)
            else:
                plain_ok.append(pk)
            # A first allocation is on record in the ledger (each reservation: order line, quantity,
            # who, when); the order's audit trail gets what customer service sees change: an order
            # that was short is served (and loses the yellow flag of the shortage).
            if allocation == Allocation.SHORT:
                events.append((pk, "allocate", OrderState.APPROVED, OrderState.APPROVED,
                               {"allocation": "allocated", "flag": [flag, OrderFlag.NONE if pk in unflag_ok
                                                                    else flag]}))
            continue
        missing = _shortage_rows(shortages, codes)
        summary.short_ids.append(pk)
        if allocation == Allocation.SHORT and missing == old_shortages.get(pk):
            continue  # short as before: nothing to write
        new_flag = OrderFlag.YELLOW if flag == OrderFlag.NONE else flag
        short_rows.append((pk, Allocation.SHORT, missing, new_flag, version + (new_flag != flag), now))
        events.append((pk, "allocate", OrderState.APPROVED, OrderState.APPROVED,
                       {"allocation": "short", "shortages": missing}))
    if plain_ok:
        update_ids(OnlineOrder, plain_ok, {"allocation": Allocation.ALLOCATED, "shortages": [], "updated_at": now})
    if unflag_ok:
        update_ids(OnlineOrder, unflag_ok, {"allocation": Allocation.ALLOCATED, "shortages": [], "flag": OrderFlag.NONE,
                                            "updated_at": now}, bump="version")
    if short_rows:
        update_rows(OnlineOrder, "id", ["allocation", "shortages", "flag", "version", "updated_at"], short_rows)
    _audit_many(ORDER_TYPE, events, actor, now)
    summary.allocated_ids.extend(plain_ok + unflag_ok)
    summary.allocated += len(plain_ok) + len(unflag_ok)
    summary.short += len(grouped) - len(plain_ok) - len(unflag_ok)


@gc_paused()
def orders_allocate(*, order_ids=None, actor) -> AllocationSummary:
    """Reserve stock for approved orders not allocated yet (or short): all of them, or those of
    `order_ids` — highest priority first, then earliest paid, then oldest; each order all or
    nothing in its ship-from warehouse (the order's, else its shop's). Short orders get their
    shortages [{"sku_id", "sku", "missing"}] and a yellow flag if they had none; allocated ones
    lose their shortages and the yellow flag a shortage gave them. One transaction per chunk of
    orders; returns how many were allocated, short and skipped."""
    _require(actor)
    wanted = None if order_ids is None else list(dict.fromkeys(int(i) for i in order_ids))
    if wanted is not None and len(wanted) <= CHUNK:
        # Few orders (an approval): one chunk, ranked under its lock; the others are skipped there.
        chunks, summary = [wanted], AllocationSummary()
    else:
        ranked = _ranked(wanted)
        chunks = _chunks(ranked, CHUNK)
        summary = AllocationSummary(skipped=len(wanted) - len(ranked) if wanted is not None else 0)
    for ids in chunks:
        with transaction.atomic():
            _allocate_chunk(ids, actor, summary)
    return summary


@transaction.atomic
def order_deallocate(*, order: OnlineOrder, actor) -> OnlineOrder:
    """Let go of the stock reserved for an order (to give it to another one, or before changing
    it); the order is no longer allocated and is tried again by the next allocation run. Refused
    while the order is in a live parcel: take it out of its wave first."""
    _require(actor)
    order = OnlineOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    live = Parcel.objects.filter(order=order).exclude(state=ParcelState.CANCELLED).select_related("wave").first()
    if live is not None:
        raise DomainError(FulfilmentError.LIVE_PARCEL, _("Order %(no)s is in wave %(wave)s: take it out of the wave "
                                                         "first.") % {"no": order.platform_order_no,
                                                                      "wave": live.wave.number})
    stock_release_origins(origin_type=ORDER_TYPE, origin_ids=[order.pk], actor=actor)
    before = {"allocation": order.allocation, "flag": order.flag}
    if order.allocation == Allocation.SHORT and order.flag == OrderFlag.YELLOW:
        order.flag = OrderFlag.NONE
    order.allocation, order.shortages = Allocation.NONE, []
    order.version += 1
    order.save(update_fields=["allocation", "shortages", "flag", "version", "updated_at"])
    audit_record(doc=order, action="deallocate", actor=actor, from_state=order.state,
                 payload={"before": before})
    return order


# ---------------------------------------------------------------- listeners


def allocate_approved(order_ids: list[int]) -> None:
    """Approval listener: allocate the orders just approved (after their approval committed)."""
    try:
        orders_allocate(order_ids=order_ids, actor=None)
    except (DomainError, DatabaseError):
        # The approval is committed; a refusal or a database error here (a warehouse gone, a lock
        # timeout) must not fail it. The orders stay unallocated and show so; the next run picks them up.
        logger.exception("Allocating approved orders %s failed", order_ids[:20])


def reallocate_arrived(sku_ids: set[int]) -> None:
    """Stock-arrival listener: orders short of any of these SKUs are tried again."""
    ids = list(OnlineOrder.objects.filter(state=OrderState.APPROVED, allocation=Allocation.SHORT,
                                          lines__sku_id__any=id_list(sku_ids)).values_list("pk", flat=True).distinct())
    if ids:
        try:
            orders_allocate(order_ids=ids, actor=None)
        except DomainError:
            logger.exception("Re-allocating orders after stock arrived failed")
