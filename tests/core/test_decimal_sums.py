"""Sums of decimal columns are exact on every database (SQLite keeps decimals as floats)."""

from decimal import Decimal

import pytest

from shopflow.core import services
from shopflow.core.errors import DomainError
from shopflow.core.selectors import line_remaining
from shopflow.inventory.selectors import stock_differences
from shopflow.inventory.services import MoveSpec, stock_post
from tests.factories import make_purchase_order


def test_pushing_0_1_and_0_2_of_0_3_leaves_exactly_nothing(buyer, manager, clerk, supplier, warehouse, sku):
    po = make_purchase_order(actor=buyer, supplier=supplier, warehouse=warehouse,
                             lines=[(sku, Decimal("0.3"), Decimal("1"))])
    services.document_transition(po, "submit", actor=buyer)
    po = services.document_transition(po, "approve", actor=manager)
    line = po.lines.get()
    for part in ("0.1", "0.2"):
        services.document_push_down(source=po, target_type="purchasing.purchasereceipt", actor=clerk,
                                    quantities={line.pk: Decimal(part)})
    assert line_remaining(po)[line.pk] == 0
    with pytest.raises(DomainError):
        services.document_push_down(source=po, target_type="purchasing.purchasereceipt", actor=clerk)


def test_verify_finds_nothing_after_fractional_moves(db, sku, warehouse):
    for qty in ("126", "-75.6", "-50.4", "0.1", "0.2", "-0.3"):
        stock_post(moves=[MoveSpec(sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=Decimal(qty),
                                   unit_cost=Decimal("18"))], origin_type="test", origin_id=1, actor=None)
    assert stock_differences() == []
