"""The stock ledger: balances always equal the sum of moves; no negative stock; no lost update."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, close_old_connections, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopflow.core.errors import DomainError
from shopflow.inventory.models import StockBalance, StockMove, StockReservation
from shopflow.inventory.selectors import (
    balance_of,
    cost_differences,
    reservation_differences,
    stock_differences,
)
from shopflow.inventory.services import (
    MoveSpec,
    ReservationKey,
    stock_issue_reserved,
    stock_post,
    stock_release,
    stock_reserve,
    stock_reverse_origin,
)
from tests.factories import SkuFactory, WarehouseFactory


def post(sku, wh, qty, origin_id=1):
    return stock_post(moves=[MoveSpec(sku_id=sku.pk, warehouse_id=wh.pk, quantity=Decimal(qty))],
                      origin_type="test.doc", origin_id=origin_id, actor=None)


def test_receipt_and_issue_update_the_balance(sku, warehouse):
    post(sku, warehouse, "10")
    post(sku, warehouse, "-3")
    assert balance_of(sku_id=sku.pk, warehouse_id=warehouse.pk) == Decimal("7")
    assert stock_differences() == []


def test_issue_beyond_stock_is_refused_and_writes_nothing(sku, warehouse):
    post(sku, warehouse, "2")
    with pytest.raises(DomainError) as exc:
        post(sku, warehouse, "-3")
    assert exc.value.code == "negative_stock" and sku.code in exc.value.message
    assert balance_of(sku_id=sku.pk, warehouse_id=warehouse.pk) == Decimal("2")
    assert StockMove.objects.count() == 1


def test_warehouse_allowing_negative_stock(sku):
    wh = WarehouseFactory(allow_negative=True)
    post(sku, wh, "-5")
    assert balance_of(sku_id=sku.pk, warehouse_id=wh.pk) == Decimal("-5")


def test_database_refuses_negative_balance_even_if_code_is_bypassed(sku, warehouse):
    post(sku, warehouse, "1")
    with pytest.raises(DatabaseError), transaction.atomic():
        StockBalance.objects.filter(sku=sku, warehouse=warehouse).update(on_hand=-1)


def test_reserved_stock_cannot_be_issued(sku, warehouse):
    post(sku, warehouse, "5")
    StockBalance.objects.filter(sku=sku, warehouse=warehouse).update(reserved=4)
    with pytest.raises(DomainError):
        post(sku, warehouse, "-2")
    post(sku, warehouse, "-1")


def test_moves_are_immutable(sku, warehouse):
    move = post(sku, warehouse, "3")[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).update(quantity=30)
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).delete()


def test_reverse_origin_undoes_exactly_once(sku, warehouse):
    post(sku, warehouse, "4", origin_id=7)
    stock_reverse_origin(origin_type="test.doc", origin_id=7, actor=None)
    stock_reverse_origin(origin_type="test.doc", origin_id=7, actor=None)
    assert balance_of(sku_id=sku.pk, warehouse_id=warehouse.pk) == 0
    assert StockMove.objects.count() == 2


def test_verify_stock_reports_a_tampered_balance(sku, warehouse):
    post(sku, warehouse, "4")
    StockBalance.objects.filter(sku=sku, warehouse=warehouse).update(on_hand=5)
    assert stock_differences() == [{"sku": sku.code, "warehouse": warehouse.code,
                                    "balance": Decimal("5"), "moves": Decimal("4")}]


operations = st.lists(
    st.tuples(st.sampled_from(["in", "out", "transfer", "reverse", "reserve", "release", "issue-reserved"]),
              st.integers(0, 2), st.integers(0, 1), st.integers(1, 20)),
    max_size=25,
)


def _apply(op, n, origin, skus, whs):
    """Run one operation; return {(sku, wh): (Δ on hand, Δ reserved)} as it should change."""
    kind, si, wi, qty = op
    sku, wh, other = skus[si], whs[wi], whs[1 - wi]
    key, q = (sku.pk, wh.pk), Decimal(qty)
    if kind == "reverse":
        open_moves = StockMove.objects.filter(origin_type=origin, origin_id=n - 1, reverses__isnull=True,
                                              reversed_by__isnull=True)
        undo = [(m.sku_id, m.warehouse_id, m.quantity, getattr(getattr(m, "reservation_use", None), "quantity", 0))
                for m in open_moves]
        stock_reverse_origin(origin_type=origin, origin_id=n - 1, actor=None)
        return {(s, w): (-moved, Decimal(used)) for s, w, moved, used in undo}
    if kind == "reserve":
        stock_reserve(sku_id=sku.pk, warehouse_id=wh.pk, quantity=q, origin_type=origin, origin_id=si, actor=None)
        return {key: (0, q)}
    held = StockReservation.objects.filter(origin_type=origin, origin_id=si, sku=sku, warehouse=wh, open=True).first()
    if kind == "release":
        stock_release(sku_id=sku.pk, warehouse_id=wh.pk, origin_type=origin, origin_id=si, quantity=q, actor=None)
        return {key: (0, -q)}
    if kind == "issue-reserved":
        stock_issue_reserved(reservation=ReservationKey(origin, si), sku_id=sku.pk, warehouse_id=wh.pk,
                             quantity=q, origin_type=origin, origin_id=n, actor=None)
        return {key: (-q, -min(q, held.quantity if held else 0))}
    specs = {
        "in": [MoveSpec(sku.pk, wh.pk, q)],
        "out": [MoveSpec(sku.pk, wh.pk, -q)],
        "transfer": [MoveSpec(sku.pk, wh.pk, -q), MoveSpec(sku.pk, other.pk, q)],
    }[kind]
    stock_post(moves=specs, origin_type=origin, origin_id=n, actor=None)
    return {(m.sku_id, m.warehouse_id): (m.quantity, 0) for m in specs}


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_keeps_balances_equal_to_moves(ops):
    """Receipts, issues, transfers, reversals and reservations in any order: on hand equals the
    moves, reserved equals the open reservations and never exceeds on hand, nothing goes
    negative, costs equal the move values, and verify-stock finds nothing."""
    origin = f"prop-{uuid.uuid4().hex[:8]}"  # examples share one test transaction
    skus = [SkuFactory() for _ in range(3)]
    whs = [WarehouseFactory() for _ in range(2)]
    expected = {(s.pk, w.pk): [Decimal(0), Decimal(0)] for s in skus for w in whs}
    for n, op in enumerate(ops):
        try:
            changes = _apply(op, n, origin, skus, whs)
        except DomainError:
            changes = {}  # refused as a whole: nothing may have changed
        for key, (on_hand, reserved) in changes.items():
            expected[key][0] += on_hand
            expected[key][1] += reserved
        for (sku_id, wh_id), (on_hand, reserved) in expected.items():
            bal = StockBalance.objects.filter(sku_id=sku_id, warehouse_id=wh_id).first()
            actual = (bal.on_hand, bal.reserved) if bal else (0, 0)
            assert 0 <= reserved <= on_hand
            assert actual == (on_hand, reserved)
    assert stock_differences() == []
    assert reservation_differences() == []
    assert cost_differences() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_never_oversell():
    sku, wh = SkuFactory(), WarehouseFactory()
    post(sku, wh, "50")
    results, barrier = [], threading.Barrier(20)

    def issue():
        try:
            barrier.wait()
            stock_post(moves=[MoveSpec(sku.pk, wh.pk, Decimal("-3"))], origin_type="t", origin_id=2, actor=None)
            results.append("ok")
        except DomainError:
            results.append("refused")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 16 and results.count("refused") == 4
    assert balance_of(sku_id=sku.pk, warehouse_id=wh.pk) == Decimal("2")
    assert stock_differences() == []
