"""Reservations: held stock is not available to others, is released or issued, never oversold,
and the balance's reserved always equals the open reservations."""

import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection

from shopflow.core.errors import DomainError, ValidationFailed
from shopflow.inventory.models import ReservationConsumption, StockBalance, StockReservation
from shopflow.inventory.selectors import (
    available_of,
    reservation_differences,
    reservations_list,
    stock_differences,
)
from shopflow.inventory.services import (
    MoveSpec,
    ReservationKey,
    stock_issue_reserved,
    stock_post,
    stock_release,
    stock_release_origin,
    stock_reserve,
    stock_reverse_origin,
)
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import put

ORDER = "sales.salesorder"


def reserve(sku, wh, qty, order=1, line=None):
    return stock_reserve(sku_id=sku.pk, warehouse_id=wh.pk, quantity=Decimal(str(qty)), origin_type=ORDER,
                         origin_id=order, origin_line_id=line, actor=None)


def reserved(sku, wh):
    return StockBalance.objects.get(sku=sku, warehouse=wh).reserved


def test_reserving_holds_stock_and_records_the_reservation(sku, warehouse):
    put(sku, warehouse, 10)
    res = reserve(sku, warehouse, 4, order=7, line=70)
    assert (res.origin_type, res.origin_id, res.origin_line_id, res.quantity, res.open) == (
        ORDER, 7, 70, Decimal("4"), True)
    assert reserved(sku, warehouse) == 4 and available_of(sku_id=sku.pk, warehouse_id=warehouse.pk) == 6
    reserve(sku, warehouse, 1, order=7, line=70)
    assert StockReservation.objects.get().quantity == 5
    assert [r.origin_line_id for r in reservations_list(origin_type=ORDER, origin_id=7)] == [70]
    assert reservation_differences() == []


def test_reserving_more_than_is_available_is_refused_and_writes_nothing(sku, warehouse):
    put(sku, warehouse, 5)
    reserve(sku, warehouse, 4, order=1)
    with pytest.raises(DomainError) as exc:
        reserve(sku, warehouse, 2, order=2)
    assert exc.value.code == "oversell"
    assert exc.value.message == f"Only 1 of {sku.code} available in {warehouse.name}; 2 asked."
    assert reserved(sku, warehouse) == 4
    assert StockReservation.objects.count() == 1


def test_nothing_can_be_reserved_where_nothing_is(sku, warehouse):
    with pytest.raises(DomainError) as exc:
        reserve(sku, warehouse, 1)
    assert exc.value.code == "oversell"
    assert StockReservation.objects.count() == 0


@pytest.mark.parametrize("qty", ["0", "-1", "abc", "NaN"])
def test_reserving_needs_a_positive_quantity(sku, warehouse, qty):
    put(sku, warehouse, 5)
    with pytest.raises(ValidationFailed):
        stock_reserve(sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=qty, origin_type=ORDER, origin_id=1,
                      actor=None)
    assert reserved(sku, warehouse) == 0


def test_reserved_stock_cannot_be_issued_by_someone_else(sku, warehouse):
    put(sku, warehouse, 5)
    reserve(sku, warehouse, 4)
    with pytest.raises(DomainError) as exc:
        put(sku, warehouse, -2)
    assert exc.value.code == "negative_stock" and "4 of 5 on hand are reserved" in exc.value.message
    put(sku, warehouse, -1)


def test_release_part_then_all(sku, warehouse):
    put(sku, warehouse, 10)
    reserve(sku, warehouse, 6, line=1)
    res = stock_release(sku_id=sku.pk, warehouse_id=warehouse.pk, origin_type=ORDER, origin_id=1, origin_line_id=1,
                        quantity=Decimal("2"), actor=None)
    assert (res.quantity, res.released, res.open, reserved(sku, warehouse)) == (4, 2, True, 4)
    res = stock_release(sku_id=sku.pk, warehouse_id=warehouse.pk, origin_type=ORDER, origin_id=1, origin_line_id=1,
                        actor=None)
    assert (res.quantity, res.released, res.open, reserved(sku, warehouse)) == (0, 6, False, 0)
    assert list(reservations_list(origin_type=ORDER)) == []
    assert reservation_differences() == []


def test_releasing_more_than_is_held_is_refused(sku, warehouse):
    put(sku, warehouse, 10)
    reserve(sku, warehouse, 3)
    with pytest.raises(DomainError) as exc:
        stock_release(sku_id=sku.pk, warehouse_id=warehouse.pk, origin_type=ORDER, origin_id=1,
                      quantity=Decimal("4"), actor=None)
    assert exc.value.code == "release_exceeds"
    with pytest.raises(DomainError) as exc:
        stock_release(sku_id=sku.pk, warehouse_id=warehouse.pk, origin_type=ORDER, origin_id=2, actor=None)
    assert exc.value.code == "no_reservation"
    assert reserved(sku, warehouse) == 3


def test_release_origin_lets_go_of_every_line(sku, warehouse):
    other_sku, other_wh = SkuFactory(), WarehouseFactory()
    put(sku, warehouse, 10)
    put(other_sku, other_wh, 10)
    reserve(sku, warehouse, 2, order=5, line=1)
    reserve(other_sku, other_wh, 3, order=5, line=2)
    reserve(sku, warehouse, 1, order=6, line=9)
    released = stock_release_origin(origin_type=ORDER, origin_id=5, actor=None)
    assert sorted(r.origin_line_id for r in released) == [1, 2]
    assert (reserved(sku, warehouse), reserved(other_sku, other_wh)) == (1, 0)
    assert reservation_differences() == []


def test_issuing_against_a_reservation_uses_it_up(sku, warehouse):
    put(sku, warehouse, 5)
    key = ReservationKey(ORDER, 1, 10)
    reserve(sku, warehouse, 5, order=1, line=10)
    moves = stock_issue_reserved(reservation=key, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=Decimal("3"),
                                 origin_type="fulfilment.shipment", origin_id=99, actor=None)
    res = StockReservation.objects.get()
    assert (res.quantity, res.consumed, res.open) == (2, 3, True)
    bal = StockBalance.objects.get(sku=sku, warehouse=warehouse)
    assert (bal.on_hand, bal.reserved) == (2, 2)
    assert ReservationConsumption.objects.get().move == moves[0]
    stock_issue_reserved(reservation=key, sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=Decimal("2"),
                         origin_type="fulfilment.shipment", origin_id=100, actor=None)
    res.refresh_from_db()
    assert (res.quantity, res.consumed, res.open) == (0, 5, False)
    assert reservation_differences() == [] and stock_differences() == []


def test_issuing_more_than_reserved_takes_the_rest_from_free_stock_only(sku, warehouse):
    put(sku, warehouse, 6)
    reserve(sku, warehouse, 2, order=1)
    reserve(sku, warehouse, 3, order=2)
    with pytest.raises(DomainError):  # 2 reserved for order 1 + 1 free < 4
        stock_issue_reserved(reservation=ReservationKey(ORDER, 1), sku_id=sku.pk, warehouse_id=warehouse.pk,
                             quantity=Decimal("4"), origin_type="x", origin_id=1, actor=None)
    stock_issue_reserved(reservation=ReservationKey(ORDER, 1), sku_id=sku.pk, warehouse_id=warehouse.pk,
                         quantity=Decimal("3"), origin_type="x", origin_id=1, actor=None)
    bal = StockBalance.objects.get(sku=sku, warehouse=warehouse)
    assert (bal.on_hand, bal.reserved) == (3, 3)
    assert reservation_differences() == []


def test_reversing_an_issue_gives_the_reservation_back(sku, warehouse):
    put(sku, warehouse, 5)
    reserve(sku, warehouse, 4, order=1, line=1)
    stock_issue_reserved(reservation=ReservationKey(ORDER, 1, 1), sku_id=sku.pk, warehouse_id=warehouse.pk,
                         quantity=Decimal("5"), origin_type="fulfilment.shipment", origin_id=8, actor=None)
    assert reserved(sku, warehouse) == 0
    stock_reverse_origin(origin_type="fulfilment.shipment", origin_id=8, actor=None)
    res = StockReservation.objects.get()
    assert (res.quantity, res.consumed, res.open) == (4, 0, True)
    bal = StockBalance.objects.get(sku=sku, warehouse=warehouse)
    assert (bal.on_hand, bal.reserved) == (5, 4)
    assert reservation_differences() == []


def test_verify_stock_reports_a_reserved_quantity_without_reservations(sku, warehouse):
    put(sku, warehouse, 5)
    reserve(sku, warehouse, 2)
    StockBalance.objects.filter(sku=sku, warehouse=warehouse).update(reserved=3)
    assert reservation_differences() == [{"sku": sku.code, "warehouse": warehouse.code,
                                          "reserved": Decimal("3"), "reservations": Decimal("2")}]
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("verify_stock", stdout=out, stderr=err)
    assert exc.value.code == 1
    assert f"{sku.code}\t{warehouse.code}\treserved=3" in out.getvalue()
    assert "1 reserved quantity(ies) differ" in err.getvalue()


# ---------------------------------------------------------------- concurrency (PostgreSQL)

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def run_threads(target, n):
    """Start n threads at once; each appends "ok" or an error code; returns the outcomes."""
    results, barrier = [], threading.Barrier(n)

    def run(i):
        try:
            barrier.wait()
            target(i)
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung: deadlock or lost wake-up"
    return results


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_oversell():
    sku, wh = SkuFactory(), WarehouseFactory()
    put(sku, wh, 50)
    results = run_threads(lambda i: reserve(sku, wh, 3, order=i), 20)
    assert results.count("ok") == 16 and results.count("oversell") == 4
    bal = StockBalance.objects.get(sku=sku, warehouse=wh)
    assert (bal.on_hand, bal.reserved) == (50, 48)
    assert StockReservation.objects.filter(open=True).count() == 16
    assert reservation_differences() == [] and stock_differences() == []


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reserves_issues_and_crossing_transfers_never_deadlock_or_oversell():
    """Reservations, issues against them, free issues and transfers in both directions over
    two SKUs and two warehouses at once: lock order keeps them queueing, and nothing oversells."""
    skus, whs = [SkuFactory(), SkuFactory()], [WarehouseFactory(), WarehouseFactory()]
    for s in skus:
        for w in whs:
            put(s, w, 30, cost="10.00")

    def work(i):
        s, w, other = skus[i % 2], whs[(i // 2) % 2], whs[1 - (i // 2) % 2]
        kind = i % 4
        if kind == 0:
            reserve(s, w, 4, order=i)
            stock_issue_reserved(reservation=ReservationKey(ORDER, i), sku_id=s.pk, warehouse_id=w.pk,
                                 quantity=Decimal("4"), origin_type="t.ship", origin_id=i, actor=None)
        elif kind == 1:
            reserve(s, w, 5, order=i)
        elif kind == 2:
            stock_post(moves=[MoveSpec(skus[0].pk, w.pk, Decimal(-3)), MoveSpec(skus[0].pk, other.pk, Decimal(3)),
                              MoveSpec(skus[1].pk, w.pk, Decimal(-3)), MoveSpec(skus[1].pk, other.pk, Decimal(3))],
                       origin_type="t.transfer", origin_id=i, actor=None)
        else:
            stock_post(moves=[MoveSpec(s.pk, w.pk, Decimal(-4))], origin_type="t.issue", origin_id=i, actor=None)

    results = run_threads(work, 24)
    assert set(results) <= {"ok", "oversell", "negative_stock"}
    for bal in StockBalance.objects.all():
        assert 0 <= bal.reserved <= bal.on_hand
    assert stock_differences() == [] and reservation_differences() == []
    out = StringIO()
    call_command("verify_stock", stdout=out)
    assert "OK" in out.getvalue()
