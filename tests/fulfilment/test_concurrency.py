"""Allocation under concurrency, on PostgreSQL with real threads and transactions (a plain
TestCase, or SQLite's one writer at a time, would hide a missing lock)."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from shopflow.core.errors import DomainError
from shopflow.fulfilment import services
from shopflow.fulfilment.allocation import orders_allocate
from shopflow.fulfilment.models import Parcel
from shopflow.inventory.models import StockBalance, StockReservation
from shopflow.inventory.selectors import reservation_differences, stock_differences
from shopflow.sales.models import Allocation, OnlineOrder
from tests.concurrency import run_all_succeed, run_together
from tests.fulfilment.conftest import receive

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="row locks need PostgreSQL; SQLite runs one writer at a time")


def _hot_orders(make_order, count: int) -> list[OnlineOrder]:
    return [make_order(f"HOT{n:02d}", [("TEE-BLK-M", 1)]) for n in range(count)]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_allocations_of_a_hot_sku_never_oversell(quiet, skus, wh, make_order, cs):
    receive(wh, {skus["tee"]: 10})
    orders = _hot_orders(make_order, 20)
    run_all_succeed(20, lambda n: orders_allocate(order_ids=[orders[n].pk], actor=cs))
    balance = StockBalance.objects.get(sku=skus["tee"], warehouse=wh)
    assert balance.on_hand == 10 and balance.reserved == 10
    states = list(OnlineOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list("allocation", flat=True))
    assert states.count(Allocation.ALLOCATED) == 10 and states.count(Allocation.SHORT) == 10
    held = StockReservation.objects.filter(origin_type="sales.onlineorder", open=True)
    assert held.count() == 10 and all(r.quantity == Decimal(1) for r in held)
    assert stock_differences() == [] and reservation_differences() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_full_runs_allocate_each_order_once(quiet, skus, wh, make_order, cs):
    receive(wh, {skus["tee"]: 10})
    orders = _hot_orders(make_order, 20)
    run_all_succeed(20, lambda n: orders_allocate(actor=cs))
    balance = StockBalance.objects.get(sku=skus["tee"], warehouse=wh)
    assert balance.reserved == 10
    # Runs that met an order already allocated by another run skipped it: none is reserved twice.
    per_order = list(StockReservation.objects.filter(origin_type="sales.onlineorder", open=True)
                     .values_list("origin_id", flat=True))
    assert len(per_order) == len(set(per_order)) == 10
    # Every run ranks the same way (same priority and payment time here: oldest order first).
    allocated = set(OnlineOrder.objects.filter(pk__in=[o.pk for o in orders], allocation=Allocation.ALLOCATED)
                    .values_list("pk", flat=True))
    assert allocated == {o.pk for o in orders[:10]}
    assert reservation_differences() == []


def run_all(count: int, work) -> tuple[list, list]:
    """Like run_all_succeed, but domain refusals are results too: (results, refusals)."""
    results, errors = run_together(count, work)
    assert [e for e in errors if not isinstance(e, DomainError)] == []
    return results, errors


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_waves_never_take_an_order_twice(quiet, skus, wh, make_order, cs, packer):
    receive(wh, {skus["tee"]: 20})
    orders = _hot_orders(make_order, 20)
    orders_allocate(actor=cs)
    waves, refusals = run_all(8, lambda n: services.wave_create(warehouse=wh, actor=packer, limit=3))
    assert {r.code for r in refusals} <= {"nothing_to_wave"}
    taken = list(Parcel.objects.values_list("order_id", flat=True))
    assert len(taken) == len(set(taken)) == sum(w.parcels.count() for w in waves)
    assert set(taken) <= {o.pk for o in orders} and len(taken) == min(20, 3 * len(waves))


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_orders_another_wave_took_while_the_lock_was_sought_are_replaced(quiet, skus, wh, make_order, cs,
                                                                           packer):
    """The race above, made certain: the locking read returns orders that are in a committed wave
    (as it does when that wave commits between the read's start and its locks). They are checked
    again and replaced by the next ones."""
    receive(wh, {skus["tee"]: 6})
    orders = _hot_orders(make_order, 6)
    orders_allocate(actor=cs)
    first = services.wave_create(warehouse=wh, actor=packer, limit=2)
    assert {p.order_id for p in first.parcels.all()} == {orders[0].pk, orders[1].pk}
    # Without the exclusion of waved orders, the read sees orders 0 and 1 as free.
    stale = OnlineOrder.objects.filter(pk__in=[o.pk for o in orders])
    with transaction.atomic():
        chosen = services._lock_eligible(stale, 3)
    assert [pk for pk, _courier in chosen] == [o.pk for o in orders[2:5]]
    with transaction.atomic():
        assert [pk for pk, _c in services._lock_eligible(stale, None)] == [o.pk for o in orders[2:]]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_parcel_packed_at_two_benches_at_once_ships_once(quiet, skus, wh, make_order, cs, packer, zto):
    receive(wh, {skus["tee"]: 5})
    make_order("TWICE", [("TEE-BLK-M", 2)])
    orders_allocate(actor=cs)
    wave = services.wave_create(warehouse=wh, actor=packer)
    parcel = wave.parcels.get()
    services.parcel_set_tracking(parcel=parcel, tracking_no="751234567890001", actor=packer)
    scans = ["6970000000011", "6970000000011"]
    shipped, refusals = run_all(6, lambda n: services.parcel_pack(parcel=parcel, scans=scans, weight="0.4",
                                                                  actor=packer))
    assert len(shipped) == 1 and {r.code for r in refusals} == {"parcel_state"}
    balance = StockBalance.objects.get(sku=skus["tee"], warehouse=wh)
    assert (balance.on_hand, balance.reserved) == (3, 0)
    assert stock_differences() == [] and reservation_differences() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_waves_assigned_at_once_share_the_pool_without_clashing(quiet, skus, wh, make_order, cs, packer, zto):
    receive(wh, {skus["tee"]: 20})
    _hot_orders(make_order, 12)
    orders_allocate(actor=cs)
    waves = [services.wave_create(warehouse=wh, actor=packer, limit=3) for _n in range(4)]
    services.tracking_numbers_add(courier=zto, numbers=[f"7512345678900{n:02d}" for n in range(12)], actor=packer)
    assigned, refusals = run_all(4, lambda n: services.wave_assign_tracking(wave=waves[n], actor=packer))
    assert refusals == [] and assigned == [3, 3, 3, 3]  # the pool is exactly big enough for all four
    numbers = list(Parcel.objects.values_list("tracking_no", flat=True))
    assert len(set(numbers)) == 12 and "" not in numbers
