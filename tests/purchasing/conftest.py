"""Helpers of the purchasing tests: documents made through the services, stock read from the ledger."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shopflow.core import services
from shopflow.core.models import DocumentLink
from shopflow.inventory.models import WarehouseKind
from shopflow.inventory.selectors import balance_of
from tests.factories import WarehouseFactory

REQ = "purchasing.purchaserequisition"
PO = "purchasing.purchaseorder"
PR = "purchasing.purchasereceipt"
RT = "purchasing.purchasereturn"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def on_hand(sku, warehouse) -> Decimal:
    return balance_of(sku_id=sku.pk, warehouse_id=warehouse.pk)


def make_requisition(actor, lines, **header):
    """A draft requisition; `lines` is [(sku, qty, required_date), ...]."""
    return services.document_create(
        doc_type=REQ, actor=actor, header=header,
        lines=[{"sku": s.pk, "quantity": str(q), "required_date": d.isoformat()} for s, q, d in lines],
    )


def approve(doc, *, by, submitter):
    doc = services.document_transition(doc, "submit", actor=submitter)
    return services.document_transition(doc, "approve", actor=by)


def receive(order, *, clerk, approver, quantities=None, rejected=None, **header):
    """Push a receipt from `order` (quantities per order line id), set rejected quantities
    {order line id: qty} and header values, and approve it."""
    receipt = services.document_push_down(source=order, target_type=PR, actor=clerk, quantities=quantities)
    if rejected or header:
        by_source = dict(DocumentLink.objects.filter(target_type=PR, target_id=receipt.pk)
                         .values_list("target_line_id", "source_line_id"))
        lines = [{"id": line.pk, "sku": line.sku_id, "quantity": str(line.quantity),
                  "unit_cost": str(line.unit_cost),
                  "rejected_quantity": str((rejected or {}).get(by_source[line.pk], 0))}
                 for line in receipt.lines.all()]
        receipt = services.document_update_draft(doc=receipt, actor=clerk, header=header, lines=lines)
    return approve(receipt, by=approver, submitter=clerk)


@pytest.fixture
def planner(role_user):
    return role_user("planning")


@pytest.fixture
def boss(role_user):
    """A second manager: one creates, the other approves (segregation of duties)."""
    return role_user("manager", "manager-2")


@pytest.fixture
def defective(db):
    return WarehouseFactory(code="DF01", name="不良品仓", kind=WarehouseKind.DEFECTIVE)
