"""Set-wise reservation for order allocation: stock_reserve_groups reserves each group (order)
entirely or not at all, in the order given; stock_release_origins lets go of many origins at
once. Balances, reservation rows and verify-stock stay in step; concurrent callers on one hot
SKU never oversell (PostgreSQL)."""

import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection, transaction

from shopflow.core.errors import DomainError, ValidationFailed
from shopflow.inventory.models import StockBalance, StockMove, StockReservation
from shopflow.inventory.selectors import reservation_differences, stock_differences
from shopflow.inventory.services import (
    ReservationKey,
    ReserveGroup,
    ReserveSpec,
    Shortage,
    stock_issue_reserved,
    stock_release,
    stock_release_origin,
    stock_release_origins,
    stock_reserve,
    stock_reserve_groups,
)
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import put

pytestmark = pytest.mark.django_db

D = Decimal
ORDER = "sales.onlineorder"


def group(order_id, *specs, origin_type=ORDER):
    """group(7, (sku, wh, "2"), (sku, wh, "1", line_id), ...)"""
    return ReserveGroup(origin_type=origin_type, origin_id=order_id, specs=tuple(
        ReserveSpec(sku_id=s.pk, warehouse_id=w.pk, quantity=D(str(q)), origin_line_id=line[0] if line else None)
        for s, w, q, *line in specs))


def reserve_groups(*groups):
    return stock_reserve_groups(groups=list(groups), actor=None)


def balance(sku, wh):
    bal = StockBalance.objects.get(sku=sku, warehouse=wh)
    return bal.on_hand, bal.reserved


def held(order_id, sku=None, origin_type=ORDER):
    rows = StockReservation.objects.filter(origin_type=origin_type, origin_id=order_id, open=True)
    if sku is not None:
        rows = rows.filter(sku=sku)
    return sum((r.quantity for r in rows), D(0))


def verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_stock", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue()


def assert_consistent():
    assert reservation_differences() == [] and stock_differences() == []
    for bal in StockBalance.objects.all():
        assert 0 <= bal.reserved <= bal.on_hand or bal.allow_negative
    assert verify()[0] == 0


# ---------------------------------------------------------------- all or nothing, in order


def test_a_group_is_reserved_whole(warehouse):
    shirt, jeans = SkuFactory(), SkuFactory()
    put(shirt, warehouse, 5)
    put(jeans, warehouse, 3)
    assert reserve_groups(group(1, (shirt, warehouse, 2, 11), (jeans, warehouse, 3, 12))) == [[]]
    assert balance(shirt, warehouse) == (5, 2) and balance(jeans, warehouse) == (3, 3)
    rows = {(r.origin_line_id, r.sku_id): r for r in StockReservation.objects.filter(origin_id=1)}
    assert set(rows) == {(11, shirt.pk), (12, jeans.pk)}
    r = rows[(11, shirt.pk)]
    assert (r.origin_type, r.warehouse_id, r.quantity, r.consumed, r.released, r.open) == (
        ORDER, warehouse.pk, D(2), D(0), D(0), True)
    assert r.created_at is not None and r.updated_at is not None
    assert_consistent()


def test_a_group_that_is_short_of_one_sku_reserves_nothing_and_names_the_shortage(warehouse):
    shirt, jeans = SkuFactory(), SkuFactory()
    put(shirt, warehouse, 5)
    put(jeans, warehouse, 1)
    result = reserve_groups(group(1, (shirt, warehouse, 2), (jeans, warehouse, 3)))
    assert result == [[Shortage(sku_id=jeans.pk, warehouse_id=warehouse.pk, asked=D(3), available=D(1))]]
    assert balance(shirt, warehouse) == (5, 0) and balance(jeans, warehouse) == (1, 0)
    assert not StockReservation.objects.exists()
    assert_consistent()


def test_earlier_groups_win_and_a_short_group_leaves_the_stock_to_later_ones(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 5)
    result = reserve_groups(
        group(1, (shirt, warehouse, 3)),
        group(2, (shirt, warehouse, 4)),  # only 2 left: short, reserves nothing
        group(3, (shirt, warehouse, 2)),  # takes those 2
        group(4, (shirt, warehouse, 1)),  # nothing left
    )
    assert result == [
        [],
        [Shortage(shirt.pk, warehouse.pk, D(4), D(2))],
        [],
        [Shortage(shirt.pk, warehouse.pk, D(1), D(0))],
    ]
    assert (held(1), held(2), held(3), held(4)) == (3, 0, 2, 0)
    assert balance(shirt, warehouse) == (5, 5)
    assert_consistent()


def test_the_given_order_decides_who_gets_scarce_stock(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 3)
    assert reserve_groups(group(2, (shirt, warehouse, 3)), group(1, (shirt, warehouse, 3))) == [
        [], [Shortage(shirt.pk, warehouse.pk, D(3), D(0))]]
    assert (held(1), held(2)) == (0, 3)


def test_shortage_sums_specs_of_the_same_sku_and_compares_decimals_exactly(warehouse):
    """Fabric by the metre: 0.1 + 0.2 against 0.3 on hand is enough (no float error on SQLite);
    two specs of one SKU in a group are asked together."""
    fabric, button = SkuFactory(unit="米"), SkuFactory()
    for n in range(3):
        put(fabric, warehouse, "0.1", origin_id=n)
    put(button, warehouse, 6)
    assert reserve_groups(group(1, (fabric, warehouse, "0.1", 1), (fabric, warehouse, "0.2", 2))) == [[]]
    assert balance(fabric, warehouse) == (D("0.3"), D("0.3"))
    result = reserve_groups(group(2, (button, warehouse, 3, 1), (button, warehouse, 4, 2), (fabric, warehouse, "0.1")))
    assert result == [[Shortage(button.pk, warehouse.pk, D(7), D(6)),
                       Shortage(fabric.pk, warehouse.pk, D("0.1"), D(0))]]
    assert balance(button, warehouse) == (6, 0)
    assert_consistent()


def test_specs_of_one_line_make_one_row_and_warehouses_are_apart():
    main, second = WarehouseFactory(), WarehouseFactory()
    shirt = SkuFactory()
    put(shirt, main, 2)
    put(shirt, second, 10)
    # 3 of shirt in main is short although 12 are on hand across warehouses.
    assert reserve_groups(group(1, (shirt, main, 3))) == [[Shortage(shirt.pk, main.pk, D(3), D(2))]]
    assert reserve_groups(group(1, (shirt, second, 1, 5), (shirt, second, 2, 5), (shirt, main, 2, 5))) == [[]]
    rows = StockReservation.objects.filter(origin_id=1).order_by("warehouse_id")
    assert sorted((r.warehouse_id, r.quantity) for r in rows) == sorted([(main.pk, D(2)), (second.pk, D(3))])
    assert_consistent()


def test_reserved_stock_of_others_is_not_available(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 5)
    stock_reserve(sku_id=shirt.pk, warehouse_id=warehouse.pk, quantity=D(4), origin_type="sales.salesorder",
                  origin_id=1, actor=None)
    assert reserve_groups(group(1, (shirt, warehouse, 2))) == [[Shortage(shirt.pk, warehouse.pk, D(2), D(1))]]


def test_nothing_on_hand_anywhere_reports_zero_and_writes_nothing(warehouse):
    shirt, sock = SkuFactory(), SkuFactory()
    put(sock, warehouse, 2)
    # One group short of a SKU never stocked here, the next one served beside it.
    assert reserve_groups(group(1, (shirt, warehouse, 1), (sock, warehouse, 1)), group(2, (sock, warehouse, 2))) \
        == [[Shortage(shirt.pk, warehouse.pk, D(1), D(0))], []]
    assert not StockBalance.objects.filter(sku=shirt).exists() and not held(1)
    assert balance(sock, warehouse) == (2, 2)


def test_a_negative_stock_warehouse_reports_no_negative_availability():
    loose = WarehouseFactory(allow_negative=True)
    shirt = SkuFactory()
    put(shirt, loose, -3)
    assert reserve_groups(group(1, (shirt, loose, 1))) == [[Shortage(shirt.pk, loose.pk, D(1), D(0))]]


def test_no_groups_and_empty_groups(warehouse):
    assert stock_reserve_groups(groups=[], actor=None) == []
    assert reserve_groups(ReserveGroup(ORDER, 1, ())) == [[]]
    assert not StockReservation.objects.exists()


def test_actor_is_recorded(warehouse, clerk):
    shirt = SkuFactory()
    put(shirt, warehouse, 1)
    stock_reserve_groups(groups=[group(1, (shirt, warehouse, 1))], actor=clerk)
    assert StockReservation.objects.get().created_by == clerk


# ---------------------------------------------------------------- existing rows


def test_existing_rows_of_the_same_line_are_added_to_and_closed_ones_reopened(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 20)
    first = stock_reserve(sku_id=shirt.pk, warehouse_id=warehouse.pk, quantity=D(2), origin_type=ORDER,
                          origin_id=1, origin_line_id=10, actor=None)
    stock_reserve(sku_id=shirt.pk, warehouse_id=warehouse.pk, quantity=D(3), origin_type=ORDER, origin_id=2,
                  origin_line_id=20, actor=None)
    stock_release(sku_id=shirt.pk, warehouse_id=warehouse.pk, origin_type=ORDER, origin_id=2, origin_line_id=20,
                  actor=None)  # now closed: quantity 0, open False — the unique key still holds its row
    assert reserve_groups(group(1, (shirt, warehouse, 4, 10), (shirt, warehouse, 1, 11)),
                          group(2, (shirt, warehouse, 5, 20))) == [[], []]
    rows = {(r.origin_id, r.origin_line_id): r for r in StockReservation.objects.all()}
    assert len(rows) == 3 and rows[(1, 10)].pk == first.pk
    assert (rows[(1, 10)].quantity, rows[(1, 10)].open) == (D(6), True)
    assert (rows[(1, 11)].quantity, rows[(2, 20)].quantity, rows[(2, 20)].open) == (D(1), D(5), True)
    assert rows[(2, 20)].released == 3
    assert rows[(1, 10)].updated_at > first.updated_at
    assert balance(shirt, warehouse) == (20, 12)
    assert_consistent()


def test_a_line_without_id_adds_to_the_origins_row_without_line(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 5)
    stock_reserve(sku_id=shirt.pk, warehouse_id=warehouse.pk, quantity=D(1), origin_type=ORDER, origin_id=1,
                  actor=None)
    assert reserve_groups(group(1, (shirt, warehouse, 2))) == [[]]
    assert StockReservation.objects.get().quantity == 3


def test_the_same_origin_twice_in_one_call_adds_up(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 5)
    assert reserve_groups(group(1, (shirt, warehouse, 2, 1)), group(1, (shirt, warehouse, 2, 1)),
                          group(1, (shirt, warehouse, 2, 1))) == [[], [], [Shortage(shirt.pk, warehouse.pk, D(2),
                                                                                    D(1))]]
    assert StockReservation.objects.get().quantity == 4


def test_other_origin_types_with_the_same_id_are_not_touched(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 5)
    stock_reserve(sku_id=shirt.pk, warehouse_id=warehouse.pk, quantity=D(1), origin_type="sales.salesorder",
                  origin_id=1, actor=None)
    reserve_groups(group(1, (shirt, warehouse, 2)))
    assert held(1, origin_type="sales.salesorder") == 1 and held(1) == 2


def test_group_reservations_are_issued_like_any_other(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 5, cost="10.00")
    reserve_groups(group(1, (shirt, warehouse, 3, 7)))
    stock_issue_reserved(reservation=ReservationKey(ORDER, 1, 7), sku_id=shirt.pk, warehouse_id=warehouse.pk,
                         quantity=D(3), origin_type="fulfilment.shipment", origin_id=1, actor=None)
    res = StockReservation.objects.get()
    assert (res.quantity, res.consumed, res.open) == (0, 3, False)
    assert balance(shirt, warehouse) == (2, 0)
    assert_consistent()


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("qty", ["0", "-1", "NaN", "Infinity", "abc", "0.00001", "1.00005", "1e30", "100000000000000",
                                 D("sNaN"), D("NaN"), D("-1"), D("1.00005"), D("1E+14")])
def test_a_bad_quantity_refuses_the_whole_call_and_says_where(warehouse, qty):
    shirt = SkuFactory()
    put(shirt, warehouse, 5)
    good = group(1, (shirt, warehouse, 1))
    bad = ReserveGroup(ORDER, 2, (ReserveSpec(shirt.pk, warehouse.pk, D(1)), ReserveSpec(shirt.pk, warehouse.pk, qty)))
    with pytest.raises(ValidationFailed) as exc:
        reserve_groups(good, bad)
    assert [e.field for e in exc.value.errors] == ["groups[1].specs[1].quantity"]
    assert not StockReservation.objects.exists() and balance(shirt, warehouse) == (5, 0)


def test_an_unknown_sku_or_warehouse_refuses_the_whole_call(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 5)
    with pytest.raises(ValidationFailed) as exc:
        reserve_groups(group(1, (shirt, warehouse, 1)),
                       ReserveGroup(ORDER, 2, (ReserveSpec(999_999, warehouse.pk, D(1)),)))
    assert [(e.field, e.code) for e in exc.value.errors] == [("groups[1].specs[0].sku_id", "unknown_sku")]
    with pytest.raises(DomainError) as exc:
        reserve_groups(group(1, (shirt, warehouse, 1)), ReserveGroup(ORDER, 2, (ReserveSpec(shirt.pk, 999_999, D(1)),)))
    assert exc.value.code == "unknown_warehouse"
    assert not StockReservation.objects.exists() and balance(shirt, warehouse) == (5, 0)


def test_the_whole_call_is_one_transaction(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 5)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        reserve_groups(group(1, (shirt, warehouse, 2)))
        raise Boom
    assert not StockReservation.objects.exists() and balance(shirt, warehouse) == (5, 0)


# ---------------------------------------------------------------- release of many origins


def test_release_origins_lets_go_of_every_open_row_of_those_origins():
    main, second = WarehouseFactory(), WarehouseFactory()
    shirt, jeans = SkuFactory(), SkuFactory()
    for s in (shirt, jeans):
        for w in (main, second):
            put(s, w, 10)
    reserve_groups(group(1, (shirt, main, 2, 1), (jeans, second, 3, 2)),
                   group(2, (shirt, main, 1, 3), (shirt, second, 4, 4)),
                   group(3, (jeans, main, 5, 5)))
    stock_reserve(sku_id=shirt.pk, warehouse_id=main.pk, quantity=D(1), origin_type="sales.salesorder",
                  origin_id=1, actor=None)
    released = stock_release_origins(origin_type=ORDER, origin_ids=[1, 2, 2, 99], actor=None)
    assert sorted((r.origin_id, r.origin_line_id, r.quantity, r.released, r.open) for r in released) == [
        (1, 1, 0, 2, False), (1, 2, 0, 3, False), (2, 3, 0, 1, False), (2, 4, 0, 4, False)]
    assert (held(1), held(2), held(3)) == (0, 0, 5)
    assert held(1, origin_type="sales.salesorder") == 1
    assert balance(shirt, main) == (10, 1) and balance(shirt, second) == (10, 0)
    assert balance(jeans, second) == (10, 0) and balance(jeans, main) == (10, 5)
    for r in StockReservation.objects.filter(origin_type=ORDER, origin_id__in=[1, 2]):
        assert (r.quantity, r.open) == (0, False) and r.released > 0
    assert_consistent()
    # Again: nothing left to let go of.
    assert stock_release_origins(origin_type=ORDER, origin_ids=[1, 2], actor=None) == []
    assert stock_release_origins(origin_type=ORDER, origin_ids=[], actor=None) == []
    # Released stock can be reserved again, on the same rows.
    assert reserve_groups(group(1, (shirt, main, 9, 1))) == [[]]
    assert StockReservation.objects.filter(origin_type=ORDER, origin_id=1, origin_line_id=1).get().quantity == 9
    assert_consistent()


def test_release_origins_after_partial_issue_releases_only_what_is_left(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 10, cost="5.00")
    reserve_groups(group(1, (shirt, warehouse, 4, 1)))
    stock_issue_reserved(reservation=ReservationKey(ORDER, 1, 1), sku_id=shirt.pk, warehouse_id=warehouse.pk,
                         quantity=D(1), origin_type="fulfilment.shipment", origin_id=1, actor=None)
    (res,) = stock_release_origins(origin_type=ORDER, origin_ids=[1], actor=None)
    assert (res.quantity, res.consumed, res.released, res.open) == (0, 1, 3, False)
    assert balance(shirt, warehouse) == (9, 0)
    assert_consistent()


def test_release_origins_of_many_orders_in_chunks(warehouse, monkeypatch):
    """More origins than one query takes (the chunk is made small here)."""
    from shopflow.inventory import services

    monkeypatch.setattr(services, "_LOCK_CHUNK", 3)
    skus = [SkuFactory() for _ in range(4)]
    for s in skus:
        put(s, warehouse, 10)
    groups = [group(n, (skus[n % 4], warehouse, 1, n)) for n in range(1, 11)]
    assert reserve_groups(*groups) == [[]] * 10
    assert sum(balance(s, warehouse)[1] for s in skus) == 10
    assert len(stock_release_origins(origin_type=ORDER, origin_ids=list(range(1, 11)), actor=None)) == 10
    assert all(balance(s, warehouse) == (10, 0) for s in skus)
    assert_consistent()


def test_release_origin_of_one_document_still_works_after_groups(warehouse):
    shirt = SkuFactory()
    put(shirt, warehouse, 3)
    reserve_groups(group(5, (shirt, warehouse, 3, 1)))
    assert len(stock_release_origin(origin_type=ORDER, origin_id=5, actor=None)) == 1
    assert balance(shirt, warehouse) == (3, 0)


def test_a_day_of_groups_releases_and_issues_leaves_verify_stock_clean():
    main, second = WarehouseFactory(), WarehouseFactory()
    skus = [SkuFactory() for _ in range(5)]
    for i, s in enumerate(skus):
        put(s, main, 4 + i, cost="12.00")
        put(s, second, 3, cost="12.00")
    groups = [group(n, (skus[n % 5], main, 1 + n % 3, n * 10), (skus[(n + 2) % 5], second if n % 2 else main, 1,
                                                              n * 10 + 1))
              for n in range(1, 30)]
    result = reserve_groups(*groups)
    assert any(result) and not all(result)
    for n, shortages in enumerate(result, 1):
        assert (held(n) == 0) == bool(shortages)
    stock_release_origins(origin_type=ORDER, origin_ids=list(range(1, 30, 3)), actor=None)
    for n in range(2, 30, 3):
        for line in (n * 10, n * 10 + 1):
            res = StockReservation.objects.filter(origin_id=n, origin_line_id=line, open=True).first()
            if res:
                stock_issue_reserved(reservation=ReservationKey(ORDER, n, line), sku_id=res.sku_id,
                                     warehouse_id=res.warehouse_id, quantity=res.quantity,
                                     origin_type="fulfilment.shipment", origin_id=n, actor=None)
    reserve_groups(*groups)
    assert StockMove.objects.filter(origin_type="fulfilment.shipment").exists()
    assert_consistent()


# ---------------------------------------------------------------- concurrency (PostgreSQL)

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def run_threads(target, n):
    outcomes, errors, barrier = [], [], threading.Barrier(n)

    def run(i):
        try:
            barrier.wait()
            outcomes.append(target(i))
        except Exception as exc:  # noqa: BLE001 — any failure in a thread is reported by the test
            errors.append(repr(exc))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung: deadlock or lost wake-up"
    assert errors == []
    return outcomes


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_group_reservations_on_a_hot_sku_never_oversell():
    """20 allocators at once, each with 3 orders of 2 of one hot SKU (and other SKUs in other
    warehouses, in both orders, so the lock order is exercised): 50 on hand, 120 asked."""
    hot, cold = SkuFactory(), SkuFactory()
    main, second = WarehouseFactory(), WarehouseFactory()
    put(hot, main, 50)
    put(cold, second, 1000)
    put(cold, main, 1000)

    def allocate(i):
        groups = []
        for k in range(3):
            order = i * 10 + k
            specs = [(hot, main, 2, 1), (cold, second if i % 2 else main, 1, 2)]
            groups.append(group(order, *(specs if (i + k) % 2 else specs[::-1])))
        return stock_reserve_groups(groups=groups, actor=None)

    outcomes = run_threads(allocate, 20)
    reserved_groups = sum(1 for result in outcomes for shortages in result if not shortages)
    assert reserved_groups == 25  # 50 / 2: every unit that could be had was had, none more
    for result in outcomes:
        for shortages in result:
            assert shortages in ([], [Shortage(hot.pk, main.pk, D(2), D(0))])
    bal = StockBalance.objects.get(sku=hot, warehouse=main)
    assert (bal.on_hand, bal.reserved) == (50, 50)
    assert sum(r.quantity for r in StockReservation.objects.filter(sku=hot, open=True)) == bal.reserved
    assert reservation_differences() == [] and stock_differences() == []


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_groups_and_bulk_releases_keep_reserved_equal_to_open_reservations():
    hot = SkuFactory()
    wh = WarehouseFactory()
    put(hot, wh, 30)

    def work(i):
        if i % 4 == 3:
            return stock_release_origins(origin_type=ORDER, origin_ids=[(i - 1) * 10 + k for k in range(3)],
                                         actor=None)
        return stock_reserve_groups(groups=[group(i * 10 + k, (hot, wh, 3, 1)) for k in range(3)], actor=None)

    run_threads(work, 20)
    bal = StockBalance.objects.get(sku=hot, warehouse=wh)
    assert 0 <= bal.reserved <= bal.on_hand == 30
    assert sum(r.quantity for r in StockReservation.objects.filter(sku=hot, open=True)) == bal.reserved
    assert reservation_differences() == [] and stock_differences() == []
    assert verify()[0] == 0
