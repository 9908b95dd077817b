"""The stock ledger: balances always equal the sum of moves; no negative stock; no lost update."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, close_old_connections, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopflow.core.errors import DomainError
from shopflow.inventory.models import StockBalance, StockMove
from shopflow.inventory.selectors import balance_of, stock_differences
from shopflow.inventory.services import MoveSpec, stock_post, stock_reverse_origin
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
    st.tuples(st.sampled_from(["in", "out", "transfer", "reverse"]), st.integers(0, 2), st.integers(0, 1),
              st.integers(1, 20)),
    max_size=25,
)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_keeps_balances_equal_to_moves(ops):
    origin = f"prop-{uuid.uuid4().hex[:8]}"  # examples share one test transaction
    skus = [SkuFactory() for _ in range(3)]
    whs = [WarehouseFactory() for _ in range(2)]
    expected = {(s.pk, w.pk): Decimal(0) for s in skus for w in whs}
    for n, (kind, si, wi, qty) in enumerate(ops):
        sku, wh, other = skus[si], whs[wi], whs[1 - wi]
        specs = {
            "in": [MoveSpec(sku.pk, wh.pk, Decimal(qty))],
            "out": [MoveSpec(sku.pk, wh.pk, Decimal(-qty))],
            "transfer": [MoveSpec(sku.pk, wh.pk, Decimal(-qty)), MoveSpec(sku.pk, other.pk, Decimal(qty))],
        }.get(kind)
        try:
            if specs is None:
                open_moves = StockMove.objects.filter(origin_type=origin, origin_id=n - 1, reverses__isnull=True,
                                                      reversed_by__isnull=True)
                undo = [(m.sku_id, m.warehouse_id, m.quantity) for m in open_moves]
                stock_reverse_origin(origin_type=origin, origin_id=n - 1, actor=None)
                for sku_id, wh_id, q in undo:
                    expected[(sku_id, wh_id)] -= q
            else:
                stock_post(moves=specs, origin_type=origin, origin_id=n, actor=None)
                for m in specs:
                    expected[(m.sku_id, m.warehouse_id)] += m.quantity
        except DomainError:
            pass  # refused as a whole: nothing may have changed
        for key, value in expected.items():
            assert value >= 0
            assert balance_of(sku_id=key[0], warehouse_id=key[1]) == value
    assert stock_differences() == []


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
