"""Moving-average cost against figures worked out by hand, and the valuation report."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopflow.inventory.costing import CostInput, CostState, apply_moves
from shopflow.inventory.models import SkuCost, StockMove
from shopflow.inventory.selectors import cost_differences, stock_valuation
from shopflow.inventory.services import MoveSpec, stock_post, stock_reverse_origin
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import put

D = Decimal


def cost_of(sku):
    return SkuCost.objects.values_list("quantity", "value", "average").get(sku=sku)


def test_receipts_and_issues_by_hand(sku, warehouse):
    put(sku, warehouse, 10, cost="10.00")  # 10 × 10.00 = 100.00
    assert cost_of(sku) == (D(10), D("100.00"), D("10"))
    put(sku, warehouse, 10, cost="13.00")  # + 130.00 → 230.00 / 20 = 11.50
    assert cost_of(sku) == (D(20), D("230.00"), D("11.5"))
    put(sku, warehouse, -5)  # out at 11.50: −57.50 → 172.50 / 15
    assert StockMove.objects.last().value == D("-57.50")
    assert cost_of(sku) == (D(15), D("172.50"), D("11.5"))
    put(sku, warehouse, 5, cost="15.10")  # + 75.50 → 248.00 / 20 = 12.40
    assert cost_of(sku) == (D(20), D("248.00"), D("12.4"))
    put(sku, warehouse, 3, cost="9.99")  # + 29.97 → 277.97 / 23 = 12.085652…
    assert cost_of(sku) == (D(23), D("277.97"), D("12.085652"))
    put(sku, warehouse, -7)  # 7 × 277.97 / 23 = 84.5991… → −84.60
    assert cost_of(sku) == (D(16), D("193.37"), D("12.085625"))
    put(sku, warehouse, -16)  # the last units take exactly what is left
    assert StockMove.objects.last().value == D("-193.37")
    assert cost_of(sku) == (D(0), D("0.00"), D("12.085625"))
    assert cost_differences() == []


def test_a_receipt_without_cost_comes_in_at_the_average_or_the_catalogue_cost(warehouse):
    sku = SkuFactory(cost=D("35.00"))
    put(sku, warehouse, 2)  # never costed: the catalogue cost
    assert cost_of(sku) == (D(2), D("70.00"), D("35"))
    put(sku, warehouse, 2, cost="45.00")
    put(sku, warehouse, 4)  # at the average, 40.00
    assert cost_of(sku) == (D(8), D("320.00"), D("40"))


def test_a_transfer_does_not_change_the_cost(sku):
    a, b = WarehouseFactory(), WarehouseFactory()
    put(sku, a, 3, cost="10.00")
    put(sku, a, 3, cost="10.01")  # 60.03 / 6 = 10.005
    stock_post(moves=[MoveSpec(sku.pk, a.pk, D(-6)), MoveSpec(sku.pk, b.pk, D(6))], origin_type="t", origin_id=1,
               actor=None)
    assert cost_of(sku) == (D(6), D("60.03"), D("10.005"))
    assert list(StockMove.objects.filter(origin_type="t").values_list("value", flat=True)) == [D("-60.03"),
                                                                                              D("60.03")]


def test_unapproving_a_receipt_takes_out_its_own_cost(sku, warehouse):
    put(sku, warehouse, 10, cost="10.00", origin_id=1)
    put(sku, warehouse, 10, cost="20.00", origin_id=2)
    stock_reverse_origin(origin_type="test.setup", origin_id=2, actor=None)
    assert cost_of(sku) == (D(10), D("100.00"), D("10"))


def test_a_reversed_receipt_never_takes_more_value_than_is_there(sku, warehouse):
    put(sku, warehouse, 10, cost="100.00", origin_id=1)  # 1000.00
    put(sku, warehouse, 10, cost="1.00", origin_id=2)  # 1010.00 / 20 = 50.50
    put(sku, warehouse, -12, origin_id=3)  # −606.00 → 404.00 / 8
    put(sku, warehouse, 5, cost="0", origin_id=4)  # free goods: 404.00 / 13
    stock_reverse_origin(origin_type="test.setup", origin_id=1, actor=None)  # 1000.00 asked, 404.00 there
    assert StockMove.objects.last().value == D("-404.00")
    assert cost_of(sku) == (D(3), D("0.00"), D("0"))
    assert cost_differences() == []


def test_negative_stock_is_valued_at_the_last_average_until_a_receipt_fills_it(db):
    wh = WarehouseFactory(allow_negative=True)
    sku = SkuFactory(cost=D("8.00"))
    put(sku, wh, -3)
    assert cost_of(sku) == (D(-3), D("-24.00"), D("8"))
    put(sku, wh, 5, cost="10.00")
    assert cost_of(sku) == (D(2), D("26.00"), D("13"))
    assert cost_differences() == []


def test_valuation_per_warehouse_and_sku_adds_up_to_the_ledger_value(db):
    a, b = WarehouseFactory(code="A1"), WarehouseFactory(code="B1")
    shirt, trousers = SkuFactory(code="AA-1"), SkuFactory(code="BB-1")
    put(shirt, a, 1, cost="10.00")
    put(shirt, a, 2, cost="10.01")  # 30.02 / 3 = 10.006667
    stock_post(moves=[MoveSpec(shirt.pk, a.pk, D(-1)), MoveSpec(shirt.pk, b.pk, D(1))], origin_type="t",
               origin_id=1, actor=None)
    put(trousers, b, 4, cost="25.00")
    report = stock_valuation()
    assert [(r.warehouse_code, r.sku_code, r.quantity, r.average_cost, r.value) for r in report.rows] == [
        ("A1", "AA-1", D(2), D("10.006667"), D("20.01")),
        ("B1", "AA-1", D(1), D("10.006667"), D("10.01")),
        ("B1", "BB-1", D(4), D("25"), D("100.00")),
    ]
    assert (report.total_quantity, report.total_value) == (D(7), D("130.02"))
    assert [(w["warehouse_code"], w["value"]) for w in report.by_warehouse] == [("A1", D("20.01")),
                                                                                 ("B1", D("110.01"))]
    only_b = stock_valuation(warehouse_id=b.pk)
    assert (only_b.total_quantity, only_b.total_value) == (D(5), D("110.01"))
    assert stock_valuation(sku_prefix="BB").total_value == D("100.00")


# ---------------------------------------------------------------- the arithmetic as a property

moves = st.lists(
    st.tuples(st.sampled_from(["in", "in-at-average", "out"]), st.integers(1, 50),
              st.decimals(min_value=0, max_value=500, places=2)),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(ops=moves)
def test_value_is_always_the_sum_of_move_values_and_never_negative_with_stock(ops):
    state = CostState(quantity=D(0), value=D(0), average=D("5"))
    total = D(0)
    for kind, qty, cost in ops:
        if kind == "out" and qty > state.quantity:
            continue  # refused by the ledger
        move = CostInput(quantity=D(-qty) if kind == "out" else D(qty), unit_cost=cost if kind == "in" else None)
        values, state = apply_moves(state, [move])
        total += values[0]
        assert state.value == total
        assert state.value >= 0
        assert state.quantity > 0 or state.value == 0
        assert values[0] == values[0].quantize(D("0.01"))


@pytest.mark.parametrize(("state", "move", "value"), [
    (CostState(D(3), D("31.00"), D("10.333333")), CostInput(D(-1)), D("-10.33")),
    (CostState(D(3), D("31.00"), D("10.333333")), CostInput(D(-3)), D("-31.00")),
    (CostState(D(0), D(0), D("7")), CostInput(D(2)), D("14.00")),
])
def test_single_moves(state, move, value):
    assert apply_moves(state, [move])[0] == [value]
