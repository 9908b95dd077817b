"""Every write to the stock ledger."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shopflow.core.errors import DomainError
from shopflow.core.serialize import plain
from shopflow.inventory.error_codes import InventoryError
from shopflow.inventory.models import StockBalance, StockMove, Warehouse


@dataclass(frozen=True)
class MoveSpec:
    sku_id: int
    warehouse_id: int
    quantity: Decimal  # + into the warehouse, − out of it
    unit_cost: Decimal = Decimal(0)
    origin_line_id: int | None = None
    reverses_id: int | None = None


def _lock_balances(keys: list[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """Create missing balance rows, then lock all of them in (warehouse, sku) order so two
    postings over the same rows always queue instead of deadlocking."""
    warehouses = {w.pk: w for w in Warehouse.objects.filter(pk__in={wh for wh, _sku in keys})}
    for wh_id, _sku in keys:
        if wh_id not in warehouses:
            raise DomainError(InventoryError.UNKNOWN_WAREHOUSE, _("Warehouse %(id)s does not exist.") % {"id": wh_id})
    StockBalance.objects.bulk_create(
        [StockBalance(warehouse_id=wh, sku_id=sku, allow_negative=warehouses[wh].allow_negative) for wh, sku in keys],
        ignore_conflicts=True,
    )
    match = reduce(or_, (Q(warehouse_id=wh, sku_id=sku) for wh, sku in keys))
    rows = StockBalance.objects.select_for_update().filter(match).order_by("warehouse_id", "sku_id")
    return {(b.warehouse_id, b.sku_id): b for b in rows.select_related("sku", "warehouse")}


@transaction.atomic
def stock_post(*, moves: list[MoveSpec], origin_type: str, origin_id: int, actor) -> list[StockMove]:
    """Write moves and update balances in one transaction. Refuses (and writes nothing) when a
    warehouse that does not allow it would go negative, or below what is reserved."""
    if not moves:
        return []
    delta: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for m in moves:
        delta[(m.warehouse_id, m.sku_id)] += Decimal(m.quantity)
    keys = sorted(delta)
    balances = _lock_balances(keys)
    problems = []
    for key in keys:
        bal = balances[key]
        new_on_hand = bal.on_hand + delta[key]
        if delta[key] < 0 and not bal.allow_negative:
            if new_on_hand < 0:
                problems.append(_("%(sku)s in %(wh)s: on hand %(have)s, %(need)s needed")
                                % {"sku": bal.sku.code, "wh": bal.warehouse.name,
                                   "have": plain(bal.on_hand), "need": plain(-delta[key])})
            elif new_on_hand < bal.reserved:
                problems.append(_("%(sku)s in %(wh)s: %(reserved)s of %(have)s on hand are reserved")
                                % {"sku": bal.sku.code, "wh": bal.warehouse.name,
                                   "reserved": plain(bal.reserved), "have": plain(bal.on_hand)})
        bal.on_hand = new_on_hand
    if problems:
        raise DomainError(InventoryError.NEGATIVE_STOCK, _("Not enough stock: ") + "; ".join(problems))
    created = StockMove.objects.bulk_create([
        StockMove(sku_id=m.sku_id, warehouse_id=m.warehouse_id, quantity=m.quantity, unit_cost=m.unit_cost,
                  origin_type=origin_type, origin_id=origin_id, origin_line_id=m.origin_line_id,
                  reverses_id=m.reverses_id, created_by=actor)
        for m in moves
    ])
    StockBalance.objects.bulk_update([balances[k] for k in keys], ["on_hand"])
    return created


@transaction.atomic
def stock_reverse_origin(*, origin_type: str, origin_id: int, actor) -> list[StockMove]:
    """Reverse every move of a document that is not reversed yet (un-approve, cancel)."""
    open_moves = list(
        StockMove.objects.filter(origin_type=origin_type, origin_id=origin_id, reverses__isnull=True,
                                 reversed_by__isnull=True).order_by("id")
    )
    return stock_post(
        moves=[MoveSpec(sku_id=m.sku_id, warehouse_id=m.warehouse_id, quantity=-m.quantity, unit_cost=m.unit_cost,
                        origin_line_id=m.origin_line_id, reverses_id=m.pk) for m in open_moves],
        origin_type=origin_type, origin_id=origin_id, actor=actor,
    )
