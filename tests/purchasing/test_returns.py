"""Purchase returns 采购退货 and exchanges 换货: goods out to the supplier, never more than was
received; replacements in on an exchange-in receipt; the open exchange account."""

from decimal import Decimal

import pytest

from shopflow.core import selectors, services
from shopflow.core.errors import DomainError, PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from shopflow.core.states import DocState
from shopflow.inventory.models import StockMove
from shopflow.purchasing.models import PurchaseReceipt, PurchaseReturn, ReceiptKind
from shopflow.purchasing.selectors import exchange_outstanding
from tests.factories import SkuFactory, SupplierFactory, make_purchase_order
from tests.purchasing.conftest import PR, RT, approve, on_hand, receive


@pytest.fixture
def receipt(approved_po, clerk, manager, defective):
    """10 received on the order: 7 accepted into `warehouse`, 3 rejected into `defective`."""
    line = approved_po.lines.get()
    return receive(approved_po, clerk=clerk, approver=manager, rejected={line.pk: "3"})


def test_a_return_pushed_from_a_receipt_takes_the_rejects_back_out(receipt, buyer, manager, sku, warehouse, defective):
    ret = services.document_push_down(source=receipt, target_type=RT, actor=buyer)
    assert (ret.warehouse, ret.kind, ret.supplier_id) == (defective, "return", receipt.supplier_id)
    line = ret.lines.get()
    services.document_update_draft(doc=ret, actor=buyer, header={}, lines=[
        {"id": line.pk, "sku": line.sku_id, "quantity": "3", "unit_cost": "12.50"}])
    ret = approve(ret, by=manager, submitter=buyer)
    assert (on_hand(sku, warehouse), on_hand(sku, defective)) == (Decimal("7"), Decimal("0"))
    move = StockMove.objects.get(origin_type=RT, origin_id=ret.pk)
    assert move.quantity == Decimal("-3")
    assert selectors.line_remaining(receipt) == {receipt.lines.get().pk: Decimal("7")}


def test_a_return_is_limited_to_what_was_received(receipt, buyer, warehouse):
    line = receipt.lines.get()
    with pytest.raises(ValidationFailed) as exc:
        services.document_push_down(source=receipt, target_type=RT, actor=buyer, quantities={line.pk: "11"},
                                    header={"warehouse": warehouse.pk})
    assert exc.value.errors[0].field == "lines[0].quantity" and exc.value.errors[0].code == "over_push"
    first = services.document_push_down(source=receipt, target_type=RT, actor=buyer, quantities={line.pk: "7"},
                                        header={"warehouse": warehouse.pk})
    with pytest.raises(ValidationFailed):
        services.document_push_down(source=receipt, target_type=RT, actor=buyer, quantities={line.pk: "4"})
    rline = first.lines.get()
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=first, actor=buyer, header={}, lines=[
            {"id": rline.pk, "sku": rline.sku_id, "quantity": "10.5"}])
    assert exc.value.errors[0].field == "lines[0].quantity"


def test_a_return_cannot_take_out_more_than_the_warehouse_holds(receipt, buyer, manager, sku, defective):
    """Pushed from the receipt, but the defective warehouse only holds the 3 rejects."""
    ret = services.document_push_down(source=receipt, target_type=RT, actor=buyer)  # 10 from defective
    services.document_transition(ret, "submit", actor=buyer)
    with pytest.raises(DomainError) as exc:
        services.document_transition(ret, "approve", actor=manager)
    assert exc.value.code == "negative_stock"
    ret.refresh_from_db()
    assert ret.state == DocState.SUBMITTED
    assert on_hand(sku, defective) == Decimal("3")
    assert not StockMove.objects.filter(origin_type=RT).exists()


def test_unapprove_of_a_receipt_with_a_return_is_refused(receipt, buyer, manager, sku, warehouse, defective):
    ret = services.document_push_down(source=receipt, target_type=RT, actor=buyer, quantities={
        receipt.lines.get().pk: "2"})
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(receipt, "unapprove", actor=manager, reason="录错")
    assert exc.value.code == "has_downstream"
    assert (on_hand(sku, warehouse), on_hand(sku, defective)) == (Decimal("7"), Decimal("3"))
    services.document_transition(ret, "cancel", actor=buyer, reason="不退了")
    receipt = services.document_transition(receipt, "unapprove", actor=manager, reason="录错")
    assert receipt.state == DocState.DRAFT
    assert (on_hand(sku, warehouse), on_hand(sku, defective)) == (Decimal("0"), Decimal("0"))


def test_unapprove_of_a_return_puts_the_goods_back(receipt, buyer, manager, sku, defective):
    ret = services.document_push_down(source=receipt, target_type=RT, actor=buyer,
                                      quantities={receipt.lines.get().pk: "3"})
    ret = approve(ret, by=manager, submitter=buyer)
    assert on_hand(sku, defective) == 0
    services.document_transition(ret, "unapprove", actor=manager, reason="供应商拒收")
    assert on_hand(sku, defective) == Decimal("3")


@pytest.mark.parametrize("role", ["warehouse", "purchasing", "finance"])
def test_only_the_manager_approves_returns(role, role_user, receipt, buyer):
    ret = services.document_push_down(source=receipt, target_type=RT, actor=buyer,
                                      quantities={receipt.lines.get().pk: "1"})
    services.document_transition(ret, "submit", actor=buyer)
    with pytest.raises(PermissionDeniedError):
        services.document_transition(ret, "approve", actor=role_user(role))


def test_warehouse_staff_may_prepare_a_return_from_a_receipt(receipt, clerk):
    ret = services.document_push_down(source=receipt, target_type=RT, actor=clerk,
                                      quantities={receipt.lines.get().pk: "1"})
    assert ret.created_by == clerk


# ---------------------------------------------------------------- exchange 换货


def _exchange(receipt, *, actor, approver, qty):
    ret = services.document_push_down(source=receipt, target_type=RT, actor=actor,
                                      quantities={receipt.lines.get().pk: str(qty)}, header={"kind": "exchange"})
    return approve(ret, by=approver, submitter=actor)


def test_exchange_in_brings_the_replacements_where_the_goods_first_came(receipt, buyer, clerk, manager, sku, warehouse,
                                                                       defective):
    ret = _exchange(receipt, actor=buyer, approver=manager, qty=3)
    assert on_hand(sku, defective) == 0
    incoming = services.document_push_down(source=ret, target_type=PR, actor=clerk, quantities={
        ret.lines.get().pk: "2"})
    assert (incoming.kind, incoming.warehouse, incoming.supplier_id) == (ReceiptKind.EXCHANGE, warehouse,
                                                                          receipt.supplier_id)
    approve(incoming, by=manager, submitter=clerk)
    assert on_hand(sku, warehouse) == Decimal("9")
    assert selectors.line_remaining(ret) == {ret.lines.get().pk: Decimal("1")}
    # never more in than went out
    with pytest.raises(ValidationFailed):
        services.document_push_down(source=ret, target_type=PR, actor=clerk, quantities={ret.lines.get().pk: "2"})
    # the chain is traceable both ways: receipt → exchange return → exchange-in receipt
    assert [d.pk for d in selectors.flatten_trace(selectors.trace_down(receipt))] == [ret.pk, incoming.pk]


def test_a_return_for_credit_expects_no_replacement(receipt, buyer, clerk, manager):
    ret = approve(services.document_push_down(source=receipt, target_type=RT, actor=buyer,
                                              quantities={receipt.lines.get().pk: "3"}), by=manager, submitter=buyer)
    with pytest.raises(DomainError) as exc:
        services.document_push_down(source=ret, target_type=PR, actor=clerk)
    assert "return for credit" in exc.value.message
    assert PurchaseReceipt.objects.filter(kind=ReceiptKind.EXCHANGE).count() == 0


def test_goods_awaiting_exchange_per_supplier_and_sku(buyer, clerk, manager, warehouse, defective):
    a, b = SkuFactory(code="A-1"), SkuFactory(code="B-1")
    s1, s2 = SupplierFactory(code="S1"), SupplierFactory(code="S2")
    receipts = {}
    for supplier in (s1, s2):
        po = approve(make_purchase_order(actor=buyer, supplier=supplier, warehouse=warehouse,
                                         lines=[(a, Decimal("10"), Decimal("5")), (b, Decimal("6"), Decimal("8"))]),
                     by=manager, submitter=buyer)
        la, lb = po.lines.order_by("line_no")
        receipts[supplier.code] = receive(po, clerk=clerk, approver=manager, rejected={la.pk: "4", lb.pk: "2"})
    r1 = receipts["S1"]
    l1a, l1b = r1.lines.order_by("line_no")
    ret1 = approve(services.document_push_down(source=r1, target_type=RT, actor=buyer, header={"kind": "exchange"},
                                               quantities={l1a.pk: "4", l1b.pk: "2"}), by=manager, submitter=buyer)
    r2 = receipts["S2"]
    ret2 = approve(services.document_push_down(source=r2, target_type=RT, actor=buyer, header={"kind": "exchange"},
                                               quantities={r2.lines.order_by("line_no")[0].pk: "3"}),
                   by=manager, submitter=buyer)
    # a return for credit never shows up here; nor does a draft exchange
    approve(services.document_push_down(source=r2, target_type=RT, actor=buyer,
                                        quantities={r2.lines.order_by("line_no")[1].pk: "2"}), by=manager,
            submitter=buyer)
    services.document_push_down(source=r2, target_type=RT, actor=buyer, header={"kind": "exchange"},
                                quantities={r2.lines.order_by("line_no")[0].pk: "1"})
    # S1 replaces 3 of A and both of B; S2 nothing yet
    r1a, r1b = ret1.lines.order_by("line_no")
    approve(services.document_push_down(source=ret1, target_type=PR, actor=clerk,
                                        quantities={r1a.pk: "3", r1b.pk: "2"}), by=manager, submitter=clerk)
    rows = [(r.supplier.code, r.sku.code, r.returned, r.exchanged_in, r.outstanding) for r in exchange_outstanding()]
    assert rows == [("S1", "A-1", Decimal("4"), Decimal("3"), Decimal("1")),
                    ("S2", "A-1", Decimal("3"), Decimal("0"), Decimal("3"))]
    assert [r.outstanding for r in exchange_outstanding(supplier_id=s2.pk)] == [Decimal("3")]
    assert PurchaseReturn.objects.filter(pk=ret2.pk, kind="exchange").exists()
