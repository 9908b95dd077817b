"""verify-stock after a day's work with every stock document and reservations finds nothing;
tampering with a cost is found; the posting takes its row locks before it writes."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopflow.core import services
from shopflow.inventory.models import SkuCost
from shopflow.inventory.services import (
    MoveSpec,
    ReservationKey,
    stock_issue_reserved,
    stock_post,
    stock_release,
    stock_reserve,
    stocktake_create,
    stocktake_record_counts,
)
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import OTHER_ISSUE, OTHER_RECEIPT, TRANSFER, approve, make_doc, put

D = Decimal


def verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_stock", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_verify_stock_is_clean_after_a_day_of_everything(clerk, manager, lead):
    main, sub = WarehouseFactory(name="成品仓"), WarehouseFactory(name="外协仓")
    shirt, jeans = SkuFactory(), SkuFactory()
    receipt = approve(make_doc(OTHER_RECEIPT, clerk, {"warehouse": main.pk}, [
        {"sku": shirt.pk, "quantity": "30", "unit_cost": "21.50"},
        {"sku": jeans.pk, "quantity": "12", "unit_cost": "66.00"}]), clerk=clerk, approver=manager)
    stock_reserve(sku_id=shirt.pk, warehouse_id=main.pk, quantity=D(5), origin_type="sales.salesorder",
                  origin_id=1, origin_line_id=1, actor=None)
    stock_issue_reserved(reservation=ReservationKey("sales.salesorder", 1, 1), sku_id=shirt.pk,
                         warehouse_id=main.pk, quantity=D(3), origin_type="fulfilment.shipment", origin_id=1,
                         actor=None)
    stock_release(sku_id=shirt.pk, warehouse_id=main.pk, origin_type="sales.salesorder", origin_id=1,
                  origin_line_id=1, actor=None)
    move = approve(make_doc(TRANSFER, clerk, {"from_warehouse": main.pk, "to_warehouse": sub.pk},
                            [{"sku": jeans.pk, "quantity": "4"}]), clerk=clerk, approver=manager)
    issue = approve(make_doc(OTHER_ISSUE, clerk, {"warehouse": main.pk}, [{"sku": shirt.pk, "quantity": "2"}]),
                    clerk=clerk, approver=manager)
    services.document_transition(issue, "unapprove", actor=manager, reason="样品没寄")
    count = stocktake_create(warehouse_id=main.pk, actor=clerk)
    count = stocktake_record_counts(doc=count, counts={shirt.pk: D(26)}, actor=clerk)
    approve(count, clerk=clerk, approver=lead)
    services.document_transition(move, "unapprove", actor=manager, reason="没发出")
    assert receipt.state == "approved"
    assert verify() == (0, "OK: every balance equals the sum of its moves, every reservation total and every "
                           "cost matches.\n", "")


def test_verify_stock_finds_a_tampered_cost(sku, warehouse):
    put(sku, warehouse, 2, cost="10.00")
    SkuCost.objects.filter(sku=sku).update(value=D("25.00"))
    code, out, err = verify()
    assert code == 1
    assert f"{sku.code}\tcost quantity=2\tmoves=2\tcost value=25\tmove values=20" in out
    assert "1 SKU cost(s) differ from the ledger." in err


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
def test_posting_locks_balance_rows_in_order_before_writing(sku):
    a, b = WarehouseFactory(), WarehouseFactory()
    other = SkuFactory()
    put(sku, a, 5)
    put(other, a, 5)
    with CaptureQueriesContext(connection) as ctx:
        stock_post(moves=[MoveSpec(other.pk, a.pk, D(-1)), MoveSpec(sku.pk, a.pk, D(-1)),
                          MoveSpec(sku.pk, b.pk, D(1)), MoveSpec(other.pk, b.pk, D(1))],
                   origin_type="t", origin_id=1, actor=None)
    sql = [q["sql"] for q in ctx.captured_queries]
    lock = next(i for i, s in enumerate(sql) if "FOR UPDATE" in s and '"inventory_stockbalance"' in s)
    assert 'ORDER BY "inventory_stockbalance"."warehouse_id" ASC, "inventory_stockbalance"."sku_id" ASC' in sql[lock]
    assert sql[lock].endswith('FOR UPDATE OF "inventory_stockbalance"')
    first_write = next(i for i, s in enumerate(sql) if s.startswith(("UPDATE", "INSERT INTO \"inventory_stockmove\"")))
    assert lock < first_write


def test_fractional_quantities_add_up_exactly(clerk, manager, warehouse):
    """Fabric by the metre: sums of tenths must not drift (SQLite keeps decimals as floats)."""
    fabric = SkuFactory(unit="米", cost=D("12.30"))
    for n in range(7):
        put(fabric, warehouse, "0.1", cost="12.30", origin_id=n)
    stock_reserve(sku_id=fabric.pk, warehouse_id=warehouse.pk, quantity=D("0.3"), origin_type="o", origin_id=1,
                  actor=None)
    stock_reserve(sku_id=fabric.pk, warehouse_id=warehouse.pk, quantity=D("0.4"), origin_type="o", origin_id=2,
                  actor=None)
    put(fabric, warehouse, "0.7", cost="12.30", origin_id=8)
    put(fabric, warehouse, "-0.7", origin_id=9)
    assert verify()[0] == 0
