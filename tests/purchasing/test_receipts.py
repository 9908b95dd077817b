"""Purchase receipts with inspection 抽检: accepted goods into the receiving warehouse, rejected
ones into the defective warehouse; partial receipts; over-receipt within a tolerance only."""

from decimal import Decimal

import pytest

from shopflow.core import selectors, services
from shopflow.core.errors import ValidationFailed
from shopflow.core.models import DocumentLink
from shopflow.inventory.models import StockMove, WarehouseKind
from shopflow.purchasing.models import PurchaseReceipt
from tests.factories import SkuFactory, WarehouseFactory, make_purchase_order
from tests.purchasing.conftest import PR, approve, on_hand, receive


def test_approval_posts_accepted_and_rejected_to_their_warehouses(approved_po, clerk, manager, sku, warehouse,
                                                                  defective):
    line = approved_po.lines.get()
    receipt = receive(approved_po, clerk=clerk, approver=manager, quantities={line.pk: "8"}, rejected={line.pk: "3"})
    assert receipt.defective_warehouse == defective  # the default: first active defective warehouse
    assert (on_hand(sku, warehouse), on_hand(sku, defective)) == (Decimal("5"), Decimal("3"))
    moves = StockMove.objects.filter(origin_type=PR, origin_id=receipt.pk).order_by("warehouse_id")
    assert sorted((m.warehouse_id, m.quantity, m.unit_cost) for m in moves) == sorted(
        [(warehouse.pk, Decimal("5"), Decimal("12.50")), (defective.pk, Decimal("3"), Decimal("12.50"))])
    # the received quantity (accepted + rejected) counts against the order
    assert selectors.line_remaining(approved_po) == {line.pk: Decimal("2")}
    receipt = services.document_transition(receipt, "unapprove", actor=manager, reason="验货数量录错")
    assert (on_hand(sku, warehouse), on_hand(sku, defective)) == (Decimal("0"), Decimal("0"))


def test_all_accepted_posts_nothing_to_the_defective_warehouse(approved_po, clerk, manager, sku, warehouse,
                                                               defective):
    receive(approved_po, clerk=clerk, approver=manager)
    assert (on_hand(sku, warehouse), on_hand(sku, defective)) == (Decimal("10"), Decimal("0"))


def test_partial_receipts_until_the_order_is_complete(approved_po, clerk, manager, sku, warehouse, defective):
    line = approved_po.lines.get()
    receive(approved_po, clerk=clerk, approver=manager, quantities={line.pk: "4"})
    receive(approved_po, clerk=clerk, approver=manager, quantities={line.pk: "6"}, rejected={line.pk: "1"})
    assert selectors.line_remaining(approved_po) == {line.pk: Decimal("0")}
    assert (on_hand(sku, warehouse), on_hand(sku, defective)) == (Decimal("9"), Decimal("1"))
    assert PurchaseReceipt.objects.filter(state="approved").count() == 2


def test_rejected_more_than_received_is_refused_on_the_line(approved_po, clerk, defective):
    receipt = services.document_push_down(source=approved_po, target_type=PR, actor=clerk)
    line = receipt.lines.get()
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=receipt, actor=clerk, header={}, lines=[
            {"id": line.pk, "sku": line.sku_id, "quantity": "10", "rejected_quantity": "11"}])
    assert exc.value.errors[0].field == "lines[0].rejected_quantity"
    assert exc.value.errors[0].code == "rejected_exceeds_received"
    assert receipt.lines.get().rejected_quantity == 0


def test_rejects_need_a_defective_warehouse_other_than_the_receiving_one(clerk, supplier, warehouse, sku):
    base = {"supplier": supplier.pk, "warehouse": warehouse.pk}
    line = {"sku": sku.pk, "quantity": "5", "rejected_quantity": "1", "unit_cost": "3"}
    with pytest.raises(ValidationFailed) as exc:
        services.document_create(doc_type=PR, actor=clerk, header=base, lines=[line])
    assert exc.value.errors[0].field == "header.defective_warehouse"
    assert exc.value.errors[0].code == "no_defective_warehouse"
    with pytest.raises(ValidationFailed) as exc:
        services.document_create(doc_type=PR, actor=clerk, header={**base, "defective_warehouse": warehouse.pk},
                                 lines=[line])
    assert exc.value.errors[0].code == "same_defective_warehouse"
    # without rejects no defective warehouse is needed
    receipt = services.document_create(doc_type=PR, actor=clerk, header=base, lines=[dict(line, rejected_quantity="0")])
    assert receipt.defective_warehouse is None


def test_a_chosen_defective_warehouse_wins_over_the_default(approved_po, clerk, manager, sku, defective):
    other = WarehouseFactory(code="DF02", kind=WarehouseKind.DEFECTIVE)
    line = approved_po.lines.get()
    receive(approved_po, clerk=clerk, approver=manager, rejected={line.pk: "2"}, defective_warehouse=other.pk)
    assert (on_hand(sku, other), on_hand(sku, defective)) == (Decimal("2"), Decimal("0"))


def test_inactive_defective_warehouses_are_not_the_default(clerk, supplier, warehouse, sku):
    WarehouseFactory(code="DF00", kind=WarehouseKind.DEFECTIVE, active=False)
    active = WarehouseFactory(code="DF09", kind=WarehouseKind.DEFECTIVE)
    receipt = services.document_create(doc_type=PR, actor=clerk, header={"supplier": supplier.pk,
                                                                         "warehouse": warehouse.pk},
                                       lines=[{"sku": sku.pk, "quantity": "1"}])
    assert receipt.defective_warehouse == active


# ---------------------------------------------------------------- over-receipt tolerance


def test_over_receipt_is_refused_by_default(approved_po, clerk):
    line = approved_po.lines.get()
    with pytest.raises(ValidationFailed) as exc:
        services.document_push_down(source=approved_po, target_type=PR, actor=clerk, quantities={line.pk: "10.5"})
    assert exc.value.errors[0].field == "lines[0].quantity" and exc.value.errors[0].code == "over_push"
    assert PurchaseReceipt.objects.count() == 0


def test_over_receipt_within_the_tolerance_over_all_receipts(approved_po, clerk, manager, settings, sku, warehouse,
                                                             defective):
    settings.SHOPFLOW = {"PURCHASE_OVER_RECEIPT_PERCENT": 10}  # 10 ordered → at most 11 received
    line = approved_po.lines.get()
    first = receive(approved_po, clerk=clerk, approver=manager, quantities={line.pk: "6"})
    with pytest.raises(ValidationFailed) as exc:
        services.document_push_down(source=approved_po, target_type=PR, actor=clerk, quantities={line.pk: "5.5"})
    assert "only 5 left" in exc.value.errors[0].message
    receive(approved_po, clerk=clerk, approver=manager, quantities={line.pk: "5"})
    assert on_hand(sku, warehouse) == Decimal("11")
    assert selectors.line_remaining(approved_po) == {line.pk: Decimal("-1")}  # shows the over-receipt
    with pytest.raises(ValidationFailed):
        services.document_push_down(source=approved_po, target_type=PR, actor=clerk, quantities={line.pk: "0.1"})
    # cancelled receipts do not count: un-approve and cancel the first, 6 are free again
    services.document_transition(first, "unapprove", actor=manager, reason="退回重收")
    services.document_transition(first, "cancel", actor=clerk, reason="重收")
    again = services.document_push_down(source=approved_po, target_type=PR, actor=clerk, quantities={line.pk: "6"})
    assert again.lines.get().quantity == Decimal("6")


def test_editing_a_receipt_above_the_tolerance_is_refused_on_the_line(approved_po, clerk, settings, defective):
    settings.SHOPFLOW = {"PURCHASE_OVER_RECEIPT_PERCENT": 5}  # 10 → 10.5
    receipt = services.document_push_down(source=approved_po, target_type=PR, actor=clerk)
    line = receipt.lines.get()
    edit = {"id": line.pk, "sku": line.sku_id, "unit_cost": "12.50"}
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=receipt, actor=clerk, header={}, lines=[dict(edit, quantity="10.6")])
    assert exc.value.errors[0].field == "lines[0].quantity"
    services.document_update_draft(doc=receipt, actor=clerk, header={}, lines=[dict(edit, quantity="10.5")])
    assert DocumentLink.objects.get(target_type=PR).quantity == Decimal("10.5")


def test_default_push_takes_what_remains_not_the_tolerance(approved_po, clerk, settings, defective):
    settings.SHOPFLOW = {"PURCHASE_OVER_RECEIPT_PERCENT": 20}
    receipt = services.document_push_down(source=approved_po, target_type=PR, actor=clerk)
    assert receipt.lines.get().quantity == Decimal("10")


# ---------------------------------------------------------------- header fields


def test_freight_is_kept_and_cannot_be_negative(clerk, supplier, warehouse, sku):
    header = {"supplier": supplier.pk, "warehouse": warehouse.pk, "freight": "-1"}
    with pytest.raises(ValidationFailed) as exc:
        services.document_create(doc_type=PR, actor=clerk, header=header, lines=[{"sku": sku.pk, "quantity": "1"}])
    assert exc.value.errors[0].field == "header.freight"
    receipt = services.document_create(doc_type=PR, actor=clerk, header={**header, "freight": "15.00"},
                                       lines=[{"sku": sku.pk, "quantity": "1"}])
    assert receipt.freight == Decimal("15.00")


def test_receiving_into_an_inactive_warehouse_is_refused(clerk, supplier, sku):
    closed = WarehouseFactory(active=False)
    with pytest.raises(ValidationFailed) as exc:
        services.document_create(doc_type=PR, actor=clerk, header={"supplier": supplier.pk, "warehouse": closed.pk},
                                 lines=[{"sku": sku.pk, "quantity": "1"}])
    assert exc.value.errors[0].field == "header.warehouse"


def test_a_receipt_of_two_skus_posts_each(buyer, manager, clerk, supplier, warehouse, defective):
    a, b = SkuFactory(), SkuFactory()
    po = approve(make_purchase_order(actor=buyer, supplier=supplier, warehouse=warehouse,
                                     lines=[(a, Decimal("3"), Decimal("5")), (b, Decimal("4"), Decimal("6"))]),
                 by=manager, submitter=buyer)
    la, lb = po.lines.order_by("line_no")
    receive(po, clerk=clerk, approver=manager, rejected={lb.pk: "4"})
    assert [on_hand(a, warehouse), on_hand(b, warehouse), on_hand(b, defective)] == [
        Decimal("3"), Decimal("0"), Decimal("4")]


def test_a_pushed_receipt_keeps_its_kind(approved_po, clerk, defective):
    receipt = services.document_push_down(source=approved_po, target_type=PR, actor=clerk)
    line = receipt.lines.get()
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=receipt, actor=clerk, header={"kind": "exchange"}, lines=[
            {"id": line.pk, "sku": line.sku_id, "quantity": "10"}])
    assert exc.value.errors[0].field == "header.kind" and exc.value.errors[0].code == "wrong_receipt_kind"
    receipt.refresh_from_db()
    assert receipt.kind == "purchase"
