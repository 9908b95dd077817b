"""Every write to the stock ledger: postings (with moving-average cost and reservation use),
reservations (one at a time, or set-wise for order allocation), safety stock; bins and SKU
locations; the rules and effects of the stock documents; stock-take.

Lock order, the same in every function, so that concurrent postings queue instead of
deadlocking: stock balances in (warehouse, SKU) order, then SKU costs in SKU order, then
reservations in id order. (Document rows are locked before all of these by the transition
service; the number sequence after them.) Missing balance and cost rows are inserted just
before they are locked, in the same order. Many keys are locked in consecutive chunks, each in
order, so the order holds across them.

The hot paths (stock_post, stock_reserve_groups, stock_release_origins) write set-wise
through core.db (insert_rows, insert_rows_returning, update_rows) instead of bulk_create /
bulk_update / save(): the same rows and values, without the ORM's per-value SQL compiling.
The database's constraints and the ledger's immutability triggers check them all the same.
"""

import functools
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.catalog.models import Category, Sku
from shopflow.core import registry
from shopflow.core.db import adapter, id_list, insert_rows, insert_rows_returning, update_rows
from shopflow.core.error_codes import CoreError
from shopflow.core.errors import Blocking, DomainError, FieldError, PermissionDeniedError, ValidationFailed
from shopflow.core.prepared import Prepared, instances
from shopflow.core.serialize import diff, field_values, plain
from shopflow.core.services import audit_record, document_update_draft, require_permission
from shopflow.core.states import DocState
from shopflow.inventory.costing import CostInput, CostState, apply_moves, money
from shopflow.inventory.error_codes import InventoryError
from shopflow.inventory.models import (
    Bin,
    ReservationConsumption,
    SafetyStock,
    SkuCost,
    SkuLocation,
    StockBalance,
    StockMove,
    StockReservation,
    StockTake,
    StockTakeBook,
    StockTakeLine,
    Warehouse,
    WarehouseKind,
)
from shopflow.inventory.selectors import (
    stocktake_counts,
    stocktake_outside,
    stocktake_scope_label,
    stocktake_scope_q,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReservationKey:
    """The origin line stock is reserved for: ("sales.salesorder", 12, 34)."""

    origin_type: str
    origin_id: int
    origin_line_id: int | None = None


@dataclass(frozen=True)
class MoveSpec:
    sku_id: int
    warehouse_id: int
    quantity: Decimal  # + into the warehouse, − out of it
    # Cost of goods coming in; None: at the moving average. Moves out always leave at the average.
    unit_cost: Decimal | None = None
    origin_line_id: int | None = None
    reverses_id: int | None = None
    # A move out that issues stock reserved for this origin line uses up (part of) the reservation.
    reservation: ReservationKey | None = None


def _quantity(value, *, field: str = "quantity") -> Decimal:
    try:
        qty = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        qty = None
    if qty is None or not qty.is_finite() or qty <= 0:
        raise ValidationFailed([FieldError(field, _("Enter a quantity greater than zero."), "invalid")])
    return qty


# ---------------------------------------------------------------- locking

_WAREHOUSES = Prepared(lambda ids: Warehouse.objects.filter(pk__any=ids).order_by(), keys=("ids",))


def _warehouses(ids) -> dict[int, Warehouse]:
    wanted = set(ids)
    found = {w.pk: w for w in _WAREHOUSES.all(wanted)}
    missing = sorted(wanted - set(found))
    if missing:
        raise DomainError(InventoryError.UNKNOWN_WAREHOUSE, _("Warehouse %(id)s does not exist.") % {"id": missing[0]})
    return found


# Keys per locking query: far under SQLite's limit of bound parameters (32,766). Chunks are
# locked one after the other in (warehouse, sku) order, so the lock order holds across them.
_LOCK_CHUNK = 5000


def _balance_match(keys) -> Q:
    """The balance rows of these (warehouse, sku) keys: one `sku IN (...)` per warehouse, not one
    OR-ed term per key (Django compiles each term separately, which cost more than the query)."""
    skus_of: dict[int, list[int]] = defaultdict(list)
    for wh, sku in keys:
        skus_of[wh].append(sku)
    return reduce(or_, (Q(warehouse_id=wh, sku_id__any=id_list(skus)) for wh, skus in skus_of.items()))


_LOCKED_BALANCES_OF_ONE_WAREHOUSE = Prepared(
    lambda wh, skus: StockBalance.objects.select_for_update(of=("self",)).filter(warehouse_id=wh, sku_id__any=skus)
    .order_by("warehouse_id", "sku_id"), keys=("int", "ids"))
_COUNTS = ("warehouse_id", "sku_id", "pk", "on_hand", "reserved")
_LOCKED_COUNTS_OF_ONE_WAREHOUSE = Prepared(
    lambda wh, skus: _LOCKED_BALANCES_OF_ONE_WAREHOUSE.build(wh, skus).values_list(*_COUNTS), keys=("int", "ids"))


def _lock_balances(keys: list[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """Create missing balance rows, then lock all of them in (warehouse, sku) order so two
    postings over the same rows always queue instead of deadlocking. The balances come with
    their warehouse (not their SKU: see _sku_codes for messages)."""
    keys = sorted(set(keys))
    warehouses = _warehouses(wh for wh, _sku in keys)
    if connections[router.db_for_write(StockBalance)].vendor == "sqlite":
        # One writer at a time (transactions begin IMMEDIATE): read first and make only the rows
        # that are missing — inserting a row for every key cost a tenth of an allocation.
        found = _locked_balances(keys, warehouses)
        missing = [key for key in keys if key not in found]
        if missing:
            _insert_balances(missing, warehouses)
            found.update(_locked_balances(missing, warehouses))
        return found
    # Elsewhere every row is made before any is locked, so all are locked in one order: making
    # the missing ones after locking the others could deadlock two postings making the same rows.
    _insert_balances(keys, warehouses)
    return _locked_balances(keys, warehouses)


def _insert_balances(keys, warehouses) -> None:
    insert_rows(StockBalance, ["warehouse_id", "sku_id", "on_hand", "reserved", "allow_negative"],
                [(wh, sku, 0, 0, warehouses[wh].allow_negative) for wh, sku in keys], ignore_conflicts=True)


_BALANCE_WAREHOUSE = StockBalance._meta.get_field("warehouse")


def _locked_rows(keys, one_warehouse: Prepared, values: tuple[str, ...] = ()):
    """The balance rows of these sorted keys that exist, locked in (warehouse, sku) order, in
    chunks: as `one_warehouse` gives them, or as `values` of other chunks."""
    for start in range(0, len(keys), _LOCK_CHUNK):
        # of=("self",): lock the balance rows only. Without it joined rows would be locked too,
        # out of (warehouse, sku) order — a deadlock between postings.
        chunk = keys[start:start + _LOCK_CHUNK]
        if chunk[0][0] == chunk[-1][0]:  # one warehouse (keys are sorted): the usual case, compiled once
            yield from one_warehouse.all(chunk[0][0], [sku for _wh, sku in chunk])
        else:
            rows = (StockBalance.objects.select_for_update(of=("self",)).filter(_balance_match(chunk))
                    .order_by("warehouse_id", "sku_id"))
            yield from (rows.values_list(*values) if values else rows)


def _locked_balances(keys, warehouses) -> dict[tuple[int, int], StockBalance]:
    found: dict[tuple[int, int], StockBalance] = {}
    for b in _locked_rows(keys, _LOCKED_BALANCES_OF_ONE_WAREHOUSE):
        # Cached as a select_related would: the descriptor's checks cost 4 µs a row.
        _BALANCE_WAREHOUSE.set_cached_value(b, warehouses[b.warehouse_id])
        found[(b.warehouse_id, b.sku_id)] = b
    return found


def _lock_counts(keys) -> dict[tuple[int, int], tuple[int, Decimal, Decimal]]:
    """(id, on hand, reserved) of the balances of these (warehouse, sku) keys, locked in that
    order; a key without a balance row has nothing on hand and is left out. Reserving and
    releasing need no more than that, and no row made: a model instance a row cost six times
    as much (1.0 s against 0.17 s for 61,558 balances)."""
    return {(wh, sku): (pk, on_hand, reserved) for wh, sku, pk, on_hand, reserved in
            _locked_rows(sorted(set(keys)), _LOCKED_COUNTS_OF_ONE_WAREHOUSE, _COUNTS)}


def _sku_codes(sku_ids) -> dict[int, str]:
    return dict(Sku.objects.filter(pk__in=set(sku_ids)).values_list("pk", "code"))


# The times are not read (a posting sets updated_at): converting them cost more than the query.
_LOCKED_COSTS = Prepared(lambda ids: SkuCost.objects.select_for_update().filter(sku_id__any=ids).defer("updated_at")
                         .order_by("sku_id"), keys=("ids",))


def _lock_costs(sku_ids: list[int]) -> dict[int, SkuCost]:
    """Cost rows of these SKUs, created at the SKU's catalogue cost if missing (straight from
    the catalogue in one INSERT ... SELECT), locked in SKU order."""
    sku_ids = sorted(set(sku_ids))
    connection = connections[router.db_for_write(SkuCost)]
    quote = connection.ops.quote_name
    cost_col = {name: quote(SkuCost._meta.get_field(name).column)
                for name in ("sku", "quantity", "value", "average", "updated_at")}
    sku_pk, sku_cost = quote(Sku._meta.pk.column), quote(Sku._meta.get_field("cost").column)
    now = adapter(SkuCost, "updated_at")(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(sku_ids), _LOCK_CHUNK):
            chunk = sku_ids[start:start + _LOCK_CHUNK]
            # The WHERE also keeps SQLite from reading ON CONFLICT as a join's ON.
            cursor.execute(
                f"INSERT INTO {quote(SkuCost._meta.db_table)} ({', '.join(cost_col.values())}) "
                f"SELECT {sku_pk}, 0, 0, {sku_cost}, %s FROM {quote(Sku._meta.db_table)} "
                f"WHERE {sku_pk} IN ({', '.join(['%s'] * len(chunk))}) ON CONFLICT DO NOTHING",
                [now, *chunk],
            )
    found: dict[int, SkuCost] = {}
    for start in range(0, len(sku_ids), _LOCK_CHUNK):
        found.update((c.sku_id, c) for c in _LOCKED_COSTS.all(sku_ids[start:start + _LOCK_CHUNK]))
    return found


def _reservation_match(key: ReservationKey, sku_id: int, warehouse_id: int) -> Q:
    return Q(origin_type=key.origin_type, origin_id=key.origin_id, origin_line_id=key.origin_line_id,
             sku_id=sku_id, warehouse_id=warehouse_id)


# ---------------------------------------------------------------- arrival listeners

# Called after commit with the ids of SKUs that arrived (see register_arrival_listener).
_arrival_listeners: list[Callable[[set[int]], None]] = []


def register_arrival_listener(fn: Callable[[set[int]], None]) -> None:
    """Call `fn(sku_ids)` after every committed posting that brought stock in: moves of positive
    quantity into warehouses that are not a subcontractor's (receipts, returns, transfers in,
    reversed issues, count gains). This lets a higher app — fulfilment re-allocating orders
    that were short — react without inventory importing it. Register once, at app start
    (AppConfig.ready); registering the same function again does nothing. A listener runs
    outside the posting's transaction; what it raises is logged, never passed to the poster."""
    if fn not in _arrival_listeners:
        _arrival_listeners.append(fn)


def unregister_arrival_listener(fn: Callable[[set[int]], None]) -> None:
    """Stop calling `fn` (tests; an app that is switched off)."""
    if fn in _arrival_listeners:
        _arrival_listeners.remove(fn)


def _call_arrival_listener(listener: Callable[[set[int]], None], sku_ids: frozenset[int]) -> None:
    try:
        listener(set(sku_ids))
    except Exception:
        # Broad on purpose: the posting is committed by now, and a failing listener (another
        # app's code: re-allocating orders) must neither undo it nor fail the caller, nor keep
        # the other listeners from running. The failure is logged with its traceback.
        logger.exception("Stock arrival listener %r failed for SKUs %s", listener, sorted(sku_ids))


def _announce_arrivals(moves: list[MoveSpec], balances: dict[tuple[int, int], StockBalance]) -> None:
    arrived = frozenset(
        m.sku_id for m in moves
        if Decimal(m.quantity) > 0
        and balances[(m.warehouse_id, m.sku_id)].warehouse.kind != WarehouseKind.SUBCONTRACTOR
    )
    if arrived:
        for listener in list(_arrival_listeners):
            transaction.on_commit(functools.partial(_call_arrival_listener, listener, arrived))


# ---------------------------------------------------------------- posting

# (move index, reservation, quantity): + used up by an issue, − given back by its reversal
Use = tuple[int, StockReservation, Decimal]


_OPEN_RESERVATIONS_OF = Prepared(
    lambda origin_type, ids: StockReservation.objects.select_for_update()
    .filter(origin_type=origin_type, origin_id__any=ids, open=True).defer("created_at", "updated_at").order_by("id"),
    keys=("text", "ids"))


def _plan_reservations(moves: list[MoveSpec], balances) -> list[Use]:
    """Issues against a reservation use it up (as far as it is open); reversing such an issue
    gives the reservation back. Reservations and balances are changed in memory only.

    Set-wise: the open reservations of the issuing origins are read (and locked, in id order
    per chunk) with one `origin_type = … AND origin_id IN (…)` per chunk and matched to moves by
    key — one OR-ed condition per move grew past SQLite's expression limit at ~1,000 moves."""
    reversed_ids = [m.reverses_id for m in moves if m.reverses_id]
    given_back = {use.move_id: use for use in (
        ReservationConsumption.objects.filter(move_id__in=reversed_ids, quantity__gt=0) if reversed_ids else ())}
    origins = {(m.reservation.origin_type, m.reservation.origin_id) for m in moves if m.reservation and m.quantity < 0}
    rows: dict[int, StockReservation] = {}
    for chunk in (_origin_chunks(origins) if origins else []):
        if len(chunk) == 1:  # one kind of origin: the usual case, compiled once
            [(origin_type, ids)] = chunk.items()
            found = _OPEN_RESERVATIONS_OF.all(origin_type, ids)
        else:
            found = StockReservation.objects.select_for_update().filter(_origin_match(chunk), open=True).order_by("id")
        for res in found:
            rows[res.pk] = res
    back_ids = sorted({use.reservation_id for use in given_back.values()} - set(rows))
    if back_ids:
        for res in StockReservation.objects.select_for_update().filter(pk__in=back_ids).order_by("id"):
            rows[res.pk] = res
    by_key = {(r.origin_type, r.origin_id, r.origin_line_id, r.sku_id, r.warehouse_id): r
              for r in rows.values() if r.open}
    uses: list[Use] = []
    for index, m in enumerate(moves):
        bal = balances[(m.warehouse_id, m.sku_id)]
        if m.reservation and m.quantity < 0:
            key = m.reservation
            res = by_key.get((key.origin_type, key.origin_id, key.origin_line_id, m.sku_id, m.warehouse_id))
            take = min(res.quantity, -m.quantity) if res is not None and res.open else Decimal(0)
            if take > 0:
                res.quantity -= take
                res.consumed += take
                res.open = res.quantity > 0
                bal.reserved -= take
                uses.append((index, res, take))
        elif m.reverses_id in given_back:
            use = given_back[m.reverses_id]
            res = rows[use.reservation_id]
            res.quantity += use.quantity
            res.consumed -= use.quantity
            res.open = True
            bal.reserved += use.quantity
            uses.append((index, res, -use.quantity))
    return uses


def _check_balances(balances, delta) -> list[str]:
    short: list[tuple[tuple[int, int], Decimal, Decimal, Decimal]] = []  # key, on hand, reserved, delta
    for key in sorted(delta):
        bal = balances[key]
        new_on_hand = bal.on_hand + delta[key]
        if not bal.allow_negative and (new_on_hand < 0 or new_on_hand < bal.reserved):
            short.append((key, bal.on_hand, bal.reserved, delta[key]))
        bal.on_hand = new_on_hand
    if not short:
        return []
    codes = _sku_codes(sku for (_wh, sku), *_rest in short)
    problems = []
    for (wh, sku), on_hand, reserved, change in short:
        names = {"sku": codes.get(sku, sku), "wh": balances[(wh, sku)].warehouse.name}
        if on_hand + change < 0:
            problems.append(_("%(sku)s in %(wh)s: on hand %(have)s, %(need)s needed")
                            % {**names, "have": plain(on_hand), "need": plain(-change)})
        else:
            problems.append(_("%(sku)s in %(wh)s: %(reserved)s of %(have)s on hand are reserved")
                            % {**names, "reserved": plain(reserved), "have": plain(on_hand)})
    return problems


def _cost_moves(moves: list[MoveSpec], costs: dict[int, SkuCost]) -> list[Decimal]:
    """The value of every move, and the SKU costs updated in place."""
    reversed_ids = [m.reverses_id for m in moves if m.reverses_id]
    originals = {
        m.pk: (m.value if m.value is not None else money(m.quantity * m.unit_cost))
        for m in (StockMove.objects.filter(pk__in=reversed_ids) if reversed_ids else ())
    }
    by_sku: dict[int, list[int]] = defaultdict(list)
    for index, m in enumerate(moves):
        by_sku[m.sku_id].append(index)
    values: list[Decimal] = [Decimal(0)] * len(moves)
    for sku_id, indices in by_sku.items():
        cost = costs[sku_id]
        inputs = [CostInput(quantity=Decimal(moves[i].quantity), unit_cost=moves[i].unit_cost,
                            reversed_value=originals.get(moves[i].reverses_id)) for i in indices]
        amounts, after = apply_moves(CostState(cost.quantity, cost.value, cost.average), inputs)
        for i, amount in zip(indices, amounts, strict=True):
            values[i] = amount
        cost.quantity, cost.value, cost.average = after.quantity, after.value, after.average
    return values


_MOVE_FIELDS = ["sku_id", "warehouse_id", "quantity", "unit_cost", "value", "origin_type", "origin_id",
                "origin_line_id", "reverses_id", "created_at", "created_by_id"]


def _insert_moves(moves: list[MoveSpec], values: list[Decimal], origin_type: str, origin_id: int,
                  actor) -> list[StockMove]:
    """The StockMove rows, inserted in one statement (INSERT ... RETURNING id), returned with
    their pks set, as bulk_create would, without compiling every value through the ORM."""
    now = timezone.now()
    at = adapter(StockMove, "created_at")(now)
    actor_id = actor.pk if actor is not None else None
    rows = [
        (m.sku_id, m.warehouse_id, Decimal(m.quantity), abs(money(value / Decimal(m.quantity))), value, origin_type,
         origin_id, m.origin_line_id, m.reverses_id)
        for m, value in zip(moves, values, strict=True)
    ]
    ids = insert_rows_returning(StockMove, _MOVE_FIELDS, [(*row, at, actor_id) for row in rows])
    # Built as the ORM builds rows read from the database, without Model.__init__ (core.prepared).
    return instances(StockMove, router.db_for_write(StockMove), _MOVE_ATTNAMES,
                     [(pk, *row, now, actor_id) for pk, row in zip(ids, rows, strict=True)])


_MOVE_ATTNAMES = ["id", *_MOVE_FIELDS]


@transaction.atomic
def stock_post(*, moves: list[MoveSpec], origin_type: str, origin_id: int, actor) -> list[StockMove]:
    """Write moves, balances, costs and reservation use in one transaction. Refuses (and writes
    nothing) when a warehouse that does not allow it would go negative, or below what is
    reserved there. Returns the moves (pks set) in the order of `moves`, zero quantities left out.

    Stock arriving (a move in, to a warehouse that is not a subcontractor's) is announced after
    commit to the listeners registered with register_arrival_listener."""
    moves = [m for m in moves if Decimal(m.quantity) != 0]
    if not moves:
        return []
    delta: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for m in moves:
        delta[(m.warehouse_id, m.sku_id)] += Decimal(m.quantity)
    balances = _lock_balances(list(delta))
    costs = _lock_costs([sku for _wh, sku in balances])
    uses = _plan_reservations(moves, balances) if any(m.reservation or m.reverses_id for m in moves) else []
    problems = _check_balances(balances, delta)
    if problems:
        raise DomainError(InventoryError.NEGATIVE_STOCK, _("Not enough stock: ") + "; ".join(problems))
    values = _cost_moves(moves, costs)
    created = _insert_moves(moves, values, origin_type, origin_id, actor)
    # Set-wise raw writes: bulk_update's CASE WHEN per row and value cost more than the rest of
    # the posting. Every row written here is locked above.
    update_rows(StockBalance, "id", ["on_hand", "reserved"],
                [(b.pk, b.on_hand, b.reserved) for b in balances.values()])
    now = timezone.now()
    for cost in costs.values():
        cost.updated_at = now
    update_rows(SkuCost, "sku", ["quantity", "value", "average", "updated_at"],
                [(c.sku_id, c.quantity, c.value, c.average, now) for c in costs.values()])
    if uses:
        insert_rows(ReservationConsumption, ["reservation_id", "move_id", "quantity"],
                    [(res.pk, created[index].pk, qty) for index, res, qty in uses])
        changed = {r.pk: r for _i, r, _q in uses}
        for res in changed.values():
            res.updated_at = now
        update_rows(StockReservation, "id", ["quantity", "consumed", "open", "updated_at"],
                    [(r.pk, r.quantity, r.consumed, r.open, now) for r in changed.values()])
    if _arrival_listeners:
        _announce_arrivals(moves, balances)
    return created


@transaction.atomic
def stock_reverse_origin(*, origin_type: str, origin_id: int, actor) -> list[StockMove]:
    """Reverse every move of a document that is not reversed yet (un-approve, cancel). Issues
    that used a reservation give it back."""
    open_moves = list(
        StockMove.objects.filter(origin_type=origin_type, origin_id=origin_id, reverses__isnull=True,
                                 reversed_by__isnull=True).order_by("id")
    )
    return stock_post(
        moves=[MoveSpec(sku_id=m.sku_id, warehouse_id=m.warehouse_id, quantity=-m.quantity,
                        origin_line_id=m.origin_line_id, reverses_id=m.pk) for m in open_moves],
        origin_type=origin_type, origin_id=origin_id, actor=actor,
    )


# ---------------------------------------------------------------- reservations

def _locked_balance(sku_id: int, warehouse_id: int) -> StockBalance:
    warehouse = _warehouses([warehouse_id])[warehouse_id]
    StockBalance.objects.bulk_create(
        [StockBalance(warehouse_id=warehouse_id, sku_id=sku_id, allow_negative=warehouse.allow_negative)],
        ignore_conflicts=True,
    )
    return StockBalance.objects.select_for_update(of=("self",)).select_related("sku", "warehouse").get(
        sku_id=sku_id, warehouse_id=warehouse_id)


@transaction.atomic
def stock_reserve(*, sku_id: int, warehouse_id: int, quantity: Decimal, origin_type: str, origin_id: int,
                  origin_line_id: int | None = None, actor) -> StockReservation:
    """Hold `quantity` of available stock for an origin line, or refuse (nothing written).

    The balance row is locked and checked in Python rather than with a conditional UPDATE:
    SQLite keeps decimals as floating point, so `on_hand - reserved >= q` in SQL could refuse
    or allow by a rounding error; Decimals under the lock are exact on both databases."""
    qty = _quantity(quantity)
    bal = _locked_balance(sku_id, warehouse_id)
    if bal.on_hand - bal.reserved < qty:
        raise DomainError(InventoryError.OVERSELL, _(
            "Only %(available)s of %(sku)s available in %(wh)s; %(asked)s asked."
        ) % {"available": plain(max(bal.on_hand - bal.reserved, Decimal(0))), "sku": bal.sku.code,
             "wh": bal.warehouse.name, "asked": plain(qty)})
    bal.reserved += qty
    bal.save(update_fields=["reserved"])
    key = ReservationKey(origin_type, origin_id, origin_line_id)
    res = StockReservation.objects.select_for_update().filter(_reservation_match(key, sku_id, warehouse_id)).first()
    if res is None:
        res = StockReservation(sku_id=sku_id, warehouse_id=warehouse_id, origin_type=origin_type, origin_id=origin_id,
                               origin_line_id=origin_line_id, created_by=actor)
    res.quantity += qty
    res.open = True
    res.save()
    return res


def _release(res: StockReservation, bal: StockBalance, qty: Decimal) -> None:
    res.quantity -= qty
    res.released += qty
    res.open = res.quantity > 0
    res.save(update_fields=["quantity", "released", "open", "updated_at"])
    bal.reserved -= qty
    bal.save(update_fields=["reserved"])


@transaction.atomic
def stock_release(*, sku_id: int, warehouse_id: int, origin_type: str, origin_id: int,
                  origin_line_id: int | None = None, quantity: Decimal | None = None, actor) -> StockReservation:
    """Let go of `quantity` (default: all) still held for an origin line."""
    bal = _locked_balance(sku_id, warehouse_id)
    key = ReservationKey(origin_type, origin_id, origin_line_id)
    res = StockReservation.objects.select_for_update().filter(
        _reservation_match(key, sku_id, warehouse_id), open=True).first()
    if res is None:
        raise DomainError(InventoryError.NO_RESERVATION, _("Nothing of %(sku)s is reserved for this line in %(wh)s.")
                          % {"sku": bal.sku.code, "wh": bal.warehouse.name})
    qty = res.quantity if quantity is None else _quantity(quantity)
    if qty > res.quantity:
        raise DomainError(InventoryError.RELEASE_EXCEEDS, _(
            "Only %(held)s of %(sku)s are reserved for this line; %(asked)s cannot be released."
        ) % {"held": plain(res.quantity), "sku": bal.sku.code, "asked": plain(qty)})
    _release(res, bal, qty)
    return res


@transaction.atomic
def stock_release_origin(*, origin_type: str, origin_id: int, actor) -> list[StockReservation]:
    """Let go of everything still reserved for a document (it was cancelled or closed)."""
    pairs = sorted(set(StockReservation.objects.filter(origin_type=origin_type, origin_id=origin_id, open=True)
                       .values_list("warehouse_id", "sku_id")))
    if not pairs:
        return []
    balances = _lock_balances(pairs)
    rows = list(StockReservation.objects.select_for_update()
                .filter(origin_type=origin_type, origin_id=origin_id, open=True).order_by("id"))
    for res in rows:
        _release(res, balances[(res.warehouse_id, res.sku_id)], res.quantity)
    return rows


# ---------------------------------------------------------------- set-wise reservations (order allocation)

@dataclass(frozen=True)
class ReserveSpec:
    sku_id: int
    warehouse_id: int
    quantity: Decimal
    origin_line_id: int | None = None


@dataclass(frozen=True)
class ReserveGroup:
    """What one origin (an order) needs, all of it or nothing."""

    origin_type: str  # "sales.onlineorder"
    origin_id: int  # the order's id
    specs: tuple[ReserveSpec, ...]


@dataclass(frozen=True)
class Shortage:
    """An SKU a group could not have in a warehouse: `asked` (all its specs of that SKU there
    together), `available` (free stock there when the group's turn came, never below zero)."""

    sku_id: int
    warehouse_id: int
    asked: Decimal
    available: Decimal


_RESERVATION_INSERT = ["sku_id", "warehouse_id", "origin_type", "origin_id", "origin_line_id", "quantity", "consumed",
                       "released", "open", "created_at", "updated_at", "created_by_id"]

# (origin type, origin id, origin line id, sku, warehouse): the key of inv_resv_origin_uniq
ResKey = tuple[str, int, int | None, int, int]


_QTY_STEP = Decimal(1).scaleb(-StockReservation._meta.get_field("quantity").decimal_places)
# The first quantity the column cannot hold (10^14 for 18 digits with 4 places).
_QTY_LIMIT = Decimal(10) ** (StockReservation._meta.get_field("quantity").max_digits
                             - StockReservation._meta.get_field("quantity").decimal_places)


_KNOWN_SKUS = Prepared(lambda ids: Sku.objects.filter(pk__any=ids).order_by().values_list("pk", flat=True),
                       keys=("ids",))


def _reservable(qty) -> tuple[Decimal | None, str | None]:
    """The quantity as a Decimal the reservation column holds, or what is wrong with it."""
    if type(qty) is not Decimal or not qty.is_finite() or qty <= 0:
        try:
            qty = _quantity(qty)
        except ValidationFailed:
            return None, _("Enter a quantity greater than zero.")
    if qty >= _QTY_LIMIT:
        return None, _("The number is too large.")
    if qty.quantize(_QTY_STEP) != qty:
        return None, _("At most %(n)s decimal places.") % {"n": -_QTY_STEP.as_tuple().exponent}
    return qty, None


def _group_needs(groups: list[ReserveGroup]) -> list[tuple[dict[tuple[int, int], Decimal], dict[ResKey, Decimal]]]:
    """Per group: what it asks per (warehouse, sku), and per reservation row. Every bad quantity
    and unknown SKU is reported at once, by its place in `groups` ("groups[3].specs[1].quantity")."""
    errors: list[FieldError] = []
    needs = []
    sku_first_seen: dict[int, tuple[int, int]] = {}
    # Quantities repeat (1, 2, 3 of an item): each distinct one is checked once.
    fine: set[Decimal] = set()
    for gi, group in enumerate(groups):
        per_key: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        per_row: dict[ResKey, Decimal] = defaultdict(Decimal)
        for si, spec in enumerate(group.specs):
            qty = spec.quantity
            if not (type(qty) is Decimal and qty.is_finite() and qty in fine):  # a signalling NaN cannot be hashed
                qty, problem = _reservable(qty)
                if problem:
                    errors.append(FieldError(f"groups[{gi}].specs[{si}].quantity", problem, "invalid"))
                    continue
                fine.add(qty)
            sku_first_seen.setdefault(spec.sku_id, (gi, si))
            per_key[(spec.warehouse_id, spec.sku_id)] += qty
            per_row[(group.origin_type, group.origin_id, spec.origin_line_id, spec.sku_id, spec.warehouse_id)] += qty
        needs.append((per_key, per_row))
    if sku_first_seen:
        known = set(_KNOWN_SKUS.all(sku_first_seen))
        errors.extend(FieldError(f"groups[{gi}].specs[{si}].sku_id", _("SKU %(id)s does not exist.") % {"id": sku_id},
                                 InventoryError.UNKNOWN_SKU)
                      for sku_id, (gi, si) in sku_first_seen.items() if sku_id not in known)
    if errors:
        raise ValidationFailed(errors)
    return needs


def _locked_reservations(chunk: dict[str, list[int]]) -> list[tuple]:
    """(id, origin type, origin id, origin line id, sku, warehouse, quantity) of every reservation
    row of these origins, open or not (the unique key holds closed rows too), locked in id
    order. Written out: the ORM's per-value work on thousands of `IN` ids cost more than the
    query. Quantities come back as exact Decimals on SQLite too."""
    connection = connections[router.db_for_write(StockReservation)]
    quote = connection.ops.quote_name
    meta = StockReservation._meta
    col = {name: quote(meta.get_field(name).column) for name in
           ("id", "origin_type", "origin_id", "origin_line_id", "sku", "warehouse", "quantity")}
    where, params = [], []
    for origin_type, ids in chunk.items():
        where.append(f"({col['origin_type']} = %s AND {col['origin_id']} IN ({', '.join(['%s'] * len(ids))}))")
        params += [origin_type, *ids]
    sql = (f"SELECT {', '.join(col.values())} FROM {quote(meta.db_table)} WHERE {' OR '.join(where)} "
           f"ORDER BY {col['id']}")
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":  # numeric comes back as Decimal
        return rows
    # SQLite keeps decimals as floats (or integers): back to the column's places, as the ORM does.
    return [(*row[:6], Decimal(repr(row[6])).quantize(_QTY_STEP)) for row in rows]


def _origin_match(origins: dict[str, list[int]]) -> Q:
    return reduce(or_, (Q(origin_type=t, origin_id__any=id_list(ids)) for t, ids in origins.items()))


def _origin_chunks(pairs) -> list[dict[str, list[int]]]:
    """{origin type: ids} in pieces of at most _LOCK_CHUNK ids (SQLite's limit of bound parameters)."""
    ids_of: dict[str, set[int]] = defaultdict(set)
    for origin_type, origin_id in pairs:
        ids_of[origin_type].add(origin_id)
    flat = [(t, i) for t in sorted(ids_of) for i in sorted(ids_of[t])]
    chunks = []
    for start in range(0, len(flat), _LOCK_CHUNK):
        chunk: dict[str, list[int]] = defaultdict(list)
        for t, i in flat[start:start + _LOCK_CHUNK]:
            chunk[t].append(i)
        chunks.append(chunk)
    return chunks


@transaction.atomic
def stock_reserve_groups(*, groups: list[ReserveGroup], actor) -> list[list[Shortage]]:
    """Reserve for many origins (orders) at once, in one transaction, each group all or nothing.

    The balance rows of every (warehouse, SKU) the groups touch are created if missing and
    locked in (warehouse, SKU) order, then the groups are walked in the order given (the
    caller sorts them by priority or payment time): a group whose every SKU is available is
    reserved entirely, and what it took is no longer available to the groups after it; a group
    that cannot be had whole reserves nothing and gets its shortages, and later groups may
    still use the stock. Reservations are added to the origin line's existing row (one row per
    origin line, SKU and warehouse) or inserted; rows and balances are written set-wise.

    Returns one list per group, in the order of `groups`: empty when the group was reserved,
    else its Shortages (one per SKU and warehouse, its specs of the same SKU summed). Quantities
    are compared as Decimals under the locks (exact on SQLite too, see stock_reserve). A bad
    quantity or an unknown SKU or warehouse refuses the whole call (nothing written)."""
    needs = _group_needs(groups)
    keys = {key for per_key, _rows in needs for key in per_key}
    if not keys:
        return [[] for _g in groups]
    _warehouses(wh for wh, _sku in keys)  # an unknown one refuses the call
    counts = _lock_counts(keys)
    existing: dict[ResKey, tuple[int, Decimal]] = {}  # key → (id, quantity)
    for chunk in _origin_chunks((g.origin_type, g.origin_id) for g in groups):
        for pk, origin_type, origin_id, line, sku, wh, qty in _locked_reservations(chunk):
            existing[(origin_type, origin_id, line, sku, wh)] = (pk, qty)
    zero = Decimal(0)
    free = dict.fromkeys(keys, zero)
    free.update((key, on_hand - reserved) for key, (_pk, on_hand, reserved) in counts.items())
    taken: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    adds: dict[ResKey, Decimal] = defaultdict(Decimal)
    results: list[list[Shortage]] = []
    for per_key, per_row in needs:
        short = []
        for (wh, sku), asked in per_key.items():
            if free[(wh, sku)] < asked:
                short.append(Shortage(sku_id=sku, warehouse_id=wh, asked=asked, available=max(free[(wh, sku)], zero)))
        results.append(short)
        if short:
            continue
        for key, asked in per_key.items():
            free[key] -= asked
            taken[key] += asked
        for key, qty in per_row.items():
            adds[key] += qty
    if not adds:
        return results
    now = timezone.now()
    at = adapter(StockReservation, "created_at")(now)
    actor_id = actor.pk if actor is not None else None
    insert_rows(StockReservation, _RESERVATION_INSERT, [
        (sku, wh, origin_type, origin_id, line, qty, 0, 0, True, at, at, actor_id)
        for (origin_type, origin_id, line, sku, wh), qty in adds.items() if (origin_type, origin_id, line, sku, wh)
        not in existing
    ])
    update_rows(StockReservation, "id", ["quantity", "open", "updated_at"], [
        (existing[key][0], existing[key][1] + qty, True, now) for key, qty in adds.items() if key in existing
    ])
    update_rows(StockBalance, "id", ["reserved"],
                [(counts[key][0], counts[key][2] + qty) for key, qty in taken.items()])
    return results


@transaction.atomic
def stock_release_origins(*, origin_type: str, origin_ids: list[int], actor) -> list[StockReservation]:
    """Let go of everything still reserved for many origins of one type at once (orders merged,
    split or cancelled in bulk): set-wise, in one transaction. Returns the rows let go of."""
    ids = sorted({int(pk) for pk in origin_ids})
    if not ids:
        return []
    chunks = _origin_chunks((origin_type, pk) for pk in ids)
    pairs = set()
    for chunk in chunks:
        pairs.update(StockReservation.objects.filter(_origin_match(chunk), open=True)
                     .values_list("warehouse_id", "sku_id"))
    if not pairs:
        return []
    counts = _lock_counts(pairs)
    rows: list[StockReservation] = []
    for chunk in chunks:
        rows.extend(StockReservation.objects.select_for_update().filter(_origin_match(chunk), open=True)
                    .order_by("id"))
    # A reservation made for one of these origins between the look and the lock, on a pair not
    # locked yet: locked now, after the others. Out of order, but only in that rare race, and
    # PostgreSQL reports a deadlock it may cause instead of hanging.
    late = {(r.warehouse_id, r.sku_id) for r in rows} - set(counts)
    if late:
        counts.update(_lock_counts(late))
    now = timezone.now()
    let_go: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for res in rows:
        let_go[(res.warehouse_id, res.sku_id)] += res.quantity
        res.released += res.quantity
        res.quantity = Decimal(0)
        res.open = False
        res.updated_at = now
    update_rows(StockReservation, "id", ["quantity", "released", "open", "updated_at"],
                [(r.pk, r.quantity, r.released, r.open, now) for r in rows])
    update_rows(StockBalance, "id", ["reserved"],
                [(counts[key][0], counts[key][2] - qty) for key, qty in let_go.items()])
    return rows


@transaction.atomic
def stock_issue_reserved(*, reservation: ReservationKey, sku_id: int, warehouse_id: int, quantity: Decimal,
                         origin_type: str, origin_id: int, origin_line_id: int | None = None,
                         actor) -> list[StockMove]:
    """Issue stock that was reserved for `reservation`: one move out that uses the reservation
    up to `quantity` (any excess must be free stock)."""
    qty = _quantity(quantity)
    return stock_post(
        moves=[MoveSpec(sku_id=sku_id, warehouse_id=warehouse_id, quantity=-qty, origin_line_id=origin_line_id,
                        reservation=reservation)],
        origin_type=origin_type, origin_id=origin_id, actor=actor,
    )


# ---------------------------------------------------------------- safety stock

@transaction.atomic
def safety_stock_set(*, sku_id: int, warehouse_id: int, minimum: Decimal, actor) -> SafetyStock | None:
    """Set the safety stock 警戒库存 of an SKU in a warehouse; zero removes it."""
    if not (actor and actor.is_active and actor.has_perm("inventory.change_safetystock")):
        raise PermissionDeniedError(CoreError.PERMISSION_DENIED, _("You may not change safety stock."))
    try:
        level = Decimal(str(minimum))
    except (InvalidOperation, ValueError, TypeError):
        level = None
    if level is None or not level.is_finite() or level < 0:
        raise ValidationFailed([FieldError("minimum", _("Enter a quantity of zero or more."), "invalid")])
    _warehouses([warehouse_id])
    if level == 0:
        SafetyStock.objects.filter(sku_id=sku_id, warehouse_id=warehouse_id).delete()
        return None
    row, _created = SafetyStock.objects.update_or_create(
        sku_id=sku_id, warehouse_id=warehouse_id, defaults={"minimum": level, "updated_by": actor})
    return row


# ---------------------------------------------------------------- bins 库位 and SKU locations

BIN_FIELDS = ("warehouse", "code", "name", "sort_order", "active")
LOCATION_FIELDS = ("sku", "warehouse", "bin")


def _require_perm(actor, perm: str, message: str) -> None:
    if not (actor and actor.is_active and actor.has_perm(perm)):
        raise PermissionDeniedError(CoreError.PERMISSION_DENIED, message)


def _clean_errors(instance, exclude=()) -> list[FieldError]:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [FieldError("" if name == "__all__" else name, str(m), "invalid")
                for name, ms in exc.message_dict.items() for m in ms]
    return []


def _bin_errors(b: Bin) -> list[FieldError]:
    b.code = (b.code or "").strip()
    errors = _clean_errors(b)
    if not errors and Bin.objects.filter(warehouse_id=b.warehouse_id, code=b.code).exclude(pk=b.pk).exists():
        errors.append(FieldError("code", _("Bin %(code)s already exists in this warehouse.") % {"code": b.code},
                                 InventoryError.DUPLICATE_BIN))
    return errors


def _pk(value):
    return getattr(value, "pk", value)


@transaction.atomic
def bin_create(*, actor, warehouse, code: str, name: str = "", sort_order: int = 0, active: bool = True) -> Bin:
    """A bin 库位 in a warehouse; its code is unique within the warehouse."""
    _require_perm(actor, "inventory.add_bin", _("You may not create bins."))
    b = Bin(warehouse_id=_pk(warehouse), code=code or "", name=name or "", sort_order=sort_order or 0,
            active=active)
    errors = _bin_errors(b)
    if errors:
        raise ValidationFailed(errors)
    b.save()
    audit_record(doc=b, action="create", actor=actor, payload={"values": field_values(b, BIN_FIELDS)})
    return b


@transaction.atomic
def bin_update(*, bin: Bin, actor, **changes) -> Bin:
    """Change a bin's code, name, sort order or whether it is in use. A bin stays in its
    warehouse (the SKUs located there are that warehouse's): make a new bin elsewhere instead."""
    _require_perm(actor, "inventory.change_bin", _("You may not edit bins."))
    b = Bin.objects.select_for_update(of=("self",)).get(pk=bin.pk)
    before = field_values(b, BIN_FIELDS)
    errors = []
    for name, value in changes.items():
        if name not in BIN_FIELDS:
            errors.append(FieldError(name, _("Unknown or read-only field."), "unknown_field"))
        elif name == "warehouse":
            if _pk(value) != b.warehouse_id:
                errors.append(FieldError("warehouse", _("A bin stays in its warehouse; create a new bin in the other "
                                                        "warehouse instead."), InventoryError.BIN_WAREHOUSE_FIXED))
        else:
            setattr(b, name, value if value is not None or name == "name" else getattr(b, name))
    errors.extend(_bin_errors(b) if not errors else [])
    if errors:
        raise ValidationFailed(errors)
    changed = diff(before, field_values(b, BIN_FIELDS))
    if changed:
        b.save()
        audit_record(doc=b, action="update", actor=actor, payload={"changes": changed})
    return b


def location_errors(*, warehouse_id: int | None, bin: Bin | None) -> list[FieldError]:
    """A location's bin must be a bin of the location's warehouse, and in use."""
    if bin is None:
        return [FieldError("bin", _("Choose a bin."), InventoryError.UNKNOWN_BIN)]
    if warehouse_id is not None and bin.warehouse_id != warehouse_id:
        return [FieldError("bin", _("Bin %(bin)s is not in this warehouse; choose a bin of the warehouse.")
                           % {"bin": bin.code}, InventoryError.BIN_OTHER_WAREHOUSE)]
    if not bin.active:
        return [FieldError("bin", _("Bin %(bin)s is no longer in use.") % {"bin": bin.code},
                           InventoryError.BIN_INACTIVE)]
    return []


@transaction.atomic
def sku_location_set(*, actor, sku, warehouse, bin) -> SkuLocation | None:
    """Set the default bin 默认库位 of an SKU in a warehouse (None removes it). The bin must be
    an active bin of that warehouse."""
    _require_perm(actor, "inventory.change_skulocation", _("You may not change SKU locations."))
    sku_id, warehouse_id = _pk(sku), _pk(warehouse)
    errors = []
    if not Sku.objects.filter(pk=sku_id).exists():
        errors.append(FieldError("sku", _("Choose an SKU."), InventoryError.UNKNOWN_SKU))
    if not Warehouse.objects.filter(pk=warehouse_id).exists():
        errors.append(FieldError("warehouse", _("Choose a warehouse."), InventoryError.UNKNOWN_WAREHOUSE))
    current = SkuLocation.objects.select_for_update().filter(sku_id=sku_id, warehouse_id=warehouse_id).first()
    if bin is None and not errors:
        if current is not None:
            audit_record(doc=current, action="delete", actor=actor,
                         payload={"values": field_values(current, LOCATION_FIELDS)})
            current.delete()
        return None
    bin_obj = bin if isinstance(bin, Bin) else Bin.objects.filter(pk=bin).first()
    errors.extend(location_errors(warehouse_id=warehouse_id, bin=bin_obj))
    if errors:
        raise ValidationFailed(errors)
    if current is None:
        current = SkuLocation.objects.create(sku_id=sku_id, warehouse_id=warehouse_id, bin=bin_obj)
        audit_record(doc=current, action="create", actor=actor,
                     payload={"values": field_values(current, LOCATION_FIELDS)})
    elif current.bin_id != bin_obj.pk:
        before = field_values(current, LOCATION_FIELDS)
        current.bin = bin_obj
        current.save(update_fields=["bin"])
        audit_record(doc=current, action="update", actor=actor,
                     payload={"changes": diff(before, field_values(current, LOCATION_FIELDS))})
    return current


# ---------------------------------------------------------------- stock documents: rules and effects

def _inactive_warehouse_errors(doc, fields: tuple[str, ...]) -> list[FieldError]:
    chosen = {name: getattr(doc, f"{name}_id") for name in fields if getattr(doc, f"{name}_id", None)}
    active = dict(Warehouse.objects.filter(pk__in=set(chosen.values())).values_list("pk", "active"))
    return [
        FieldError(f"header.{name}", _("This warehouse is no longer in use."), InventoryError.INACTIVE_WAREHOUSE)
        for name, pk in chosen.items() if active.get(pk) is False
    ]


def warehouse_document_validate(doc, lines) -> list[FieldError]:
    """Other receipts and issues: the warehouse must be in use."""
    for line in lines:
        # An API client's "" for "no unit cost" passes full_clean (blank=True) but cannot be
        # saved in a decimal column; it means the same as null: receive at the average.
        if getattr(line, "unit_cost", None) == "":
            line.unit_cost = None
    return _inactive_warehouse_errors(doc, ("warehouse",))


def transfer_validate(doc, lines) -> list[FieldError]:
    """Transfers: two different warehouses, both in use."""
    errors = _inactive_warehouse_errors(doc, ("from_warehouse", "to_warehouse"))
    if doc.from_warehouse_id and doc.from_warehouse_id == doc.to_warehouse_id:
        errors.append(FieldError("header.to_warehouse", _("Choose a warehouse other than the one the goods leave."),
                                 InventoryError.SAME_WAREHOUSE))
    return errors


def other_receipt_post(doc, actor) -> None:
    """Approval puts the goods into the warehouse, at the line's unit cost or, without one, at
    the moving average."""
    stock_post(
        moves=[MoveSpec(sku_id=line.sku_id, warehouse_id=doc.warehouse_id, quantity=line.quantity,
                        unit_cost=line.unit_cost, origin_line_id=line.pk) for line in doc.lines.all()],
        origin_type=doc.doc_type, origin_id=doc.pk, actor=actor,
    )


def other_issue_post(doc, actor) -> None:
    """Approval takes the goods out at the moving average (refused if not enough is free)."""
    stock_post(
        moves=[MoveSpec(sku_id=line.sku_id, warehouse_id=doc.warehouse_id, quantity=-line.quantity,
                        origin_line_id=line.pk) for line in doc.lines.all()],
        origin_type=doc.doc_type, origin_id=doc.pk, actor=actor,
    )


def transfer_post(doc, actor) -> None:
    """Approval moves the goods out of one warehouse and into the other in one posting."""
    moves = []
    for line in doc.lines.all():
        moves.append(MoveSpec(sku_id=line.sku_id, warehouse_id=doc.from_warehouse_id, quantity=-line.quantity,
                              origin_line_id=line.pk))
        moves.append(MoveSpec(sku_id=line.sku_id, warehouse_id=doc.to_warehouse_id, quantity=line.quantity,
                              origin_line_id=line.pk))
    stock_post(moves=moves, origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


def document_unpost(doc, actor) -> None:
    """Un-approval of any stock document: reversing moves (refused if the stock was used meanwhile)."""
    stock_reverse_origin(origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


# ---------------------------------------------------------------- stock-take 盘点

STOCKTAKE = "inventory.stocktake"


def _freeze(doc: StockTake) -> list[StockTakeBook]:
    """Snapshot the book: every SKU in the count's scope with stock in its warehouse now."""
    StockTakeBook.objects.filter(document_id=doc.pk).delete()
    balances = StockBalance.objects.filter(warehouse_id=doc.warehouse_id).exclude(on_hand=0)
    scope = stocktake_scope_q(doc)
    if scope:
        balances = balances.filter(sku_id__in=Sku.objects.filter(scope).values("pk"))
    rows = [StockTakeBook(document_id=doc.pk, sku_id=sku_id, quantity=qty)
            for sku_id, qty in balances.order_by("sku_id").values_list("sku_id", "on_hand")]
    StockTakeBook.objects.bulk_create(rows, batch_size=1000)
    doc.frozen_at = timezone.now()
    return rows


def _header_errors(doc: StockTake) -> list[FieldError]:
    errors = []
    try:
        doc.full_clean(exclude=["created_by", "number", "state"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.extend(FieldError(f"header.{name}", str(m)) for name, ms in exc.message_dict.items() for m in ms)
    if not errors:
        errors.extend(_inactive_warehouse_errors(doc, ("warehouse",)))
    return errors


def _scope_errors(doc: StockTake, bin_ids: list[int]) -> list[FieldError]:
    """The category exists; the bins exist, are in use and lie in the count's warehouse."""
    errors = []
    if doc.category_id and not Category.objects.filter(pk=doc.category_id).exists():
        errors.append(FieldError("header.category", _("Choose a category."), InventoryError.UNKNOWN_CATEGORY))
    found = {b.pk: b for b in Bin.objects.filter(pk__in=bin_ids)}
    for pk in bin_ids:
        b = found.get(pk)
        if b is None:
            errors.append(FieldError("header.bins", _("Bin %(id)s does not exist.") % {"id": pk},
                                     InventoryError.UNKNOWN_BIN))
        elif b.warehouse_id != doc.warehouse_id:
            errors.append(FieldError("header.bins", _("Bin %(bin)s is not in this warehouse; choose a bin of the "
                                                      "warehouse.") % {"bin": str(b)},
                                     InventoryError.BIN_OTHER_WAREHOUSE))
        elif not b.active:
            errors.append(FieldError("header.bins", _("Bin %(bin)s is no longer in use.") % {"bin": b.code},
                                     InventoryError.BIN_INACTIVE))
    return errors


@transaction.atomic
def stocktake_create(*, warehouse_id: int, actor, sku_prefix: str = "", category_id: int | None = None,
                     bin_ids=(), blind: bool = False, prefill: bool = True, doc_date=None,
                     remarks: str = "") -> StockTake:
    """Start a count 开始盘点: a draft count sheet for a warehouse, or part of it — the SKUs
    whose code starts with `sku_prefix`, of a category (with its sub-categories), whose
    default bin there is one of `bin_ids`; every criterion given applies — with the book
    quantities frozen now. With `prefill` the lines start at the book quantities, so counters
    only correct what differs (an SKU whose line is removed or set to 0 was counted as zero);
    a blind count always starts empty, since its lines are shown to the counters."""
    dt = registry.get_type(STOCKTAKE)
    require_permission(actor, dt, "create")
    bin_ids = sorted({int(_pk(b)) for b in bin_ids or ()})
    doc = StockTake(created_by=actor, warehouse_id=warehouse_id, sku_prefix=(sku_prefix or "").strip(),
                    category_id=category_id or None, blind=blind, remarks=remarks,
                    doc_date=doc_date or timezone.localdate())
    errors = _header_errors(doc)
    if not errors:
        errors = _scope_errors(doc, bin_ids)
    if errors:
        raise ValidationFailed(errors)
    doc.save()
    doc.bins.set(bin_ids)
    book = _freeze(doc)
    doc.save(update_fields=["frozen_at"])
    if prefill and not blind:
        StockTakeLine.objects.bulk_create(
            [StockTakeLine(document=doc, line_no=n, sku_id=row.sku_id, quantity=row.quantity)
             for n, row in enumerate((r for r in book if r.quantity > 0), 1)],
            batch_size=1000,
        )
    payload = {"header": field_values(doc, dt.header_fields), "book_rows": len(book), "lines": doc.lines.count(),
               "bins": list(doc.bins.order_by("code").values_list("code", flat=True))}
    audit_record(doc=doc, action="create", actor=actor, payload=payload)
    return doc


@transaction.atomic
def stocktake_freeze(*, doc: StockTake, actor, expected_version: int | None = None) -> StockTake:
    """Take the book quantities again (a draft only), e.g. when counting starts later than planned."""
    dt = registry.get_type(STOCKTAKE)
    require_permission(actor, dt, "edit")
    doc = StockTake.objects.select_for_update().get(pk=doc.pk)
    if expected_version is not None and doc.version != expected_version:
        raise DomainError(CoreError.STALE_VERSION,
                          _("Someone else changed this document meanwhile; reload it and try again."))
    if doc.state != DocState.DRAFT:
        raise DomainError(CoreError.NOT_EDITABLE, _("The book quantities can only be taken again on a draft."))
    book = _freeze(doc)
    doc.version += 1
    doc.save(update_fields=["frozen_at", "version", "updated_at"])
    audit_record(doc=doc, action="freeze", actor=actor, payload={"book_rows": len(book)})
    return doc


def _count_quantity(value) -> Decimal | None:
    try:
        qty = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError, TypeError):
        return None
    return qty if qty.is_finite() and qty >= 0 else None


def stocktake_record_counts(*, doc: StockTake, counts: dict[int, Decimal], actor,
                            expected_version: int | None = None) -> StockTake:
    """The count page: set the counted total of each SKU in `counts` ({sku id: quantity}; 0 or
    "" = none found). Lines of other SKUs stay as they are. Goes through document_update_draft,
    so permissions, versions and the audit trail are the usual ones.

    Errors name the SKU they are about: "counts.<sku id>" (a bad quantity, an SKU outside the
    count), so a page can show them on the SKU's row."""
    require_permission(actor, registry.get_type(STOCKTAKE), "edit")
    errors, totals = [], {}
    for sku_id, raw in counts.items():
        qty = _count_quantity(raw)
        if qty is None:
            errors.append(FieldError(f"counts.{sku_id}", _("Enter a counted quantity of zero or more."), "invalid"))
        else:
            totals[int(sku_id)] = qty
    known = dict(Sku.objects.filter(pk__in=list(totals)).values_list("pk", "code"))
    for sku_id in sorted(set(totals) - set(known)):
        errors.append(FieldError(f"counts.{sku_id}", _("Unknown SKU."), InventoryError.UNKNOWN_SKU))
    outside = stocktake_outside(doc, set(known))
    if outside:
        scope = stocktake_scope_label(doc)
        for sku_id in outside:
            errors.append(FieldError(f"counts.{sku_id}", _("%(sku)s is outside this count (%(scope)s).")
                                     % {"sku": known[sku_id], "scope": scope}, InventoryError.OUT_OF_SCOPE))
    if errors:
        raise ValidationFailed(errors)
    kept = [{"id": line.pk, "quantity": line.quantity}
            for line in doc.lines.all() if line.sku_id not in totals]
    added = [{"sku": sku_id, "quantity": qty} for sku_id, qty in totals.items()]
    try:
        return document_update_draft(doc=doc, actor=actor, header={}, lines=kept + added,
                                     expected_version=expected_version)
    except ValidationFailed as exc:
        raise ValidationFailed([_count_error(e, kept, added) for e in exc.errors]) from None


_LINE_PATH = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")


def _count_error(error: FieldError, kept: list[dict], added: list[dict]) -> FieldError:
    """A line error of document_update_draft ("lines[3].quantity") as the SKU's ("counts.<id>.quantity")."""
    match = _LINE_PATH.match(error.field)
    if not match or int(match.group(1)) < len(kept):
        return error
    sku_id = added[int(match.group(1)) - len(kept)]["sku"]
    suffix = f".{match.group(2)}" if match.group(2) else ""
    return FieldError(f"counts.{sku_id}{suffix}", error.message, error.code)


def stocktake_validate(doc: StockTake, lines) -> list[FieldError]:
    """The warehouse is in use; once the book is frozen its scope (and whether the count is
    blind) stays; counted SKUs are in the scope or on the frozen book."""
    errors = _inactive_warehouse_errors(doc, ("warehouse",))
    frozen_scope = ("warehouse_id", "sku_prefix", "category_id", "blind")
    if doc.pk and doc.frozen_at:
        stored = StockTake.objects.filter(pk=doc.pk).values(*frozen_scope).get()
        if any(stored[name] != getattr(doc, name) for name in frozen_scope):
            changed = [name for name in frozen_scope if stored[name] != getattr(doc, name)]
            errors.extend(FieldError(
                f"header.{name.removesuffix('_id')}",
                _("The book was frozen for this warehouse, SKU prefix, category and blind setting; start a new "
                  "stock-take to change them."),
                InventoryError.SCOPE_FROZEN,
            ) for name in changed)
            return errors
    if doc.category_id and not Category.objects.filter(pk=doc.category_id).exists():
        errors.append(FieldError("header.category", _("Choose a category."), InventoryError.UNKNOWN_CATEGORY))
        return errors
    # One message for the lines: after zero-quantity lines are dropped, an index would no
    # longer point at the row the user typed.
    outside = stocktake_outside(doc, {line.sku_id for line in lines})
    if outside:
        codes = sorted(Sku.objects.filter(pk__in=outside).values_list("code", flat=True))
        errors.append(FieldError("lines", _("Outside this count (%(scope)s): %(skus)s.")
                                 % {"scope": stocktake_scope_label(doc), "skus": ", ".join(codes[:10])},
                                 InventoryError.OUT_OF_SCOPE))
    return errors


def stocktake_has_counts(doc: StockTake, actor):
    """Guard on submit: a sheet without a single count would set everything to zero."""
    if not doc.lines.exists():
        yield Blocking(InventoryError.NO_COUNTS, _("No counts have been entered yet."))


def stocktake_submit(doc: StockTake, actor) -> None:
    """A sheet made on the generic document page has no frozen book yet: it is taken now."""
    if doc.frozen_at is None:
        _freeze(doc)


def stocktake_post(doc: StockTake, actor) -> None:
    """Approval posts, per SKU, counted − frozen book quantity.

    The difference is taken against the book *as frozen*, and added to the stock as it is at
    approval: the count describes the shelf at the freeze, so receipts and issues posted
    between the freeze and the approval are kept, not overwritten (SAP-style frozen book
    inventory). The variance review lists those SKUs so the approver can check them."""
    book, counted, first_line = stocktake_counts(doc)
    moves = [
        MoveSpec(sku_id=sku_id, warehouse_id=doc.warehouse_id, quantity=counted.get(sku_id, Decimal(0)) - qty,
                 origin_line_id=first_line.get(sku_id))
        for sku_id, qty in ((s, book.get(s, Decimal(0))) for s in sorted(set(book) | set(counted)))
        if counted.get(sku_id, Decimal(0)) != qty
    ]
    stock_post(moves=moves, origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


# ---------------------------------------------------------------- subcontractor warehouses

@transaction.atomic
def subcontractor_warehouse_ensure(*, subcontractor, actor) -> Warehouse:
    """The subcontractor's own warehouse, created on first call (code WX-<code>, kind
    subcontractor) and kept active while the subcontractor is. Safe to call repeatedly; call it
    in the same transaction that creates the subcontractor."""
    warehouse = Warehouse.objects.select_for_update().filter(subcontractor=subcontractor).first()
    if warehouse is None:
        warehouse = Warehouse.objects.create(
            code=f"WX-{subcontractor.code}"[:32],
            name=(_("Subcontractor: %(name)s") % {"name": subcontractor.name})[:100],
            kind=WarehouseKind.SUBCONTRACTOR, subcontractor=subcontractor, active=subcontractor.active,
        )
        audit_record(doc=warehouse, action="create", actor=actor, payload={"subcontractor": subcontractor.pk})
    elif warehouse.active != subcontractor.active:
        warehouse.active = subcontractor.active
        warehouse.save(update_fields=["active"])
        audit_record(doc=warehouse, action="activate" if warehouse.active else "deactivate", actor=actor)
    return warehouse
