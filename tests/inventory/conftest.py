"""Helpers for the inventory tests: stock put in directly, documents made through the services."""

from decimal import Decimal

import pytest

from shopflow.core import services
from shopflow.inventory.services import MoveSpec, stock_post

OTHER_RECEIPT = "inventory.otherreceipt"
OTHER_ISSUE = "inventory.otherissue"
TRANSFER = "inventory.transferorder"
STOCKTAKE = "inventory.stocktake"


def put(sku, warehouse, qty, cost=None, origin_id=1):
    """Post a move straight to the ledger (a receipt at `cost`, or an issue when qty < 0)."""
    return stock_post(
        moves=[MoveSpec(sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=Decimal(str(qty)),
                        unit_cost=None if cost is None else Decimal(str(cost)))],
        origin_type="test.setup", origin_id=origin_id, actor=None,
    )


def make_doc(doc_type, actor, header, lines):
    return services.document_create(doc_type=doc_type, actor=actor, header=header, lines=lines)


def approve(doc, *, clerk, approver):
    doc = services.document_transition(doc, "submit", actor=clerk)
    return services.document_transition(doc, "approve", actor=approver)


@pytest.fixture
def lead(role_user):
    """A second manager, so one can create and the other approve."""
    return role_user("manager", "manager-2")
