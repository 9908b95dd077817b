"""Seed 000, section 1 — 委外订单建立的操作流程 — end to end through the services, with the
documents, links and ledger balances asserted at each step."""

from decimal import Decimal

import pytest

from shopflow.core import services
from shopflow.core.errors import DomainError, TransitionNotAllowed, ValidationFailed
from shopflow.core.models import DocumentLink
from shopflow.core.selectors import line_remaining, trace_down
from shopflow.core.states import DocState
from shopflow.inventory.selectors import stock_differences
from shopflow.subcontracting.models import MaterialIssueList, ProcessingFee
from shopflow.subcontracting.selectors import order_reconciliation
from tests.subcontracting.conftest import (
    ISSUE_LIST,
    RECEIPT,
    RETURN,
    TRANSFER,
    D,
    approve,
    make_order,
    qty,
)


def _issue_list(order) -> MaterialIssueList:
    return MaterialIssueList.objects.get(order=order, state__in=(DocState.DRAFT, DocState.SUBMITTED,
                                                                 DocState.APPROVED))


def _lines(issue_list) -> dict[str, Decimal]:
    return {line.sku.code: line.quantity for line in issue_list.lines.select_related("sku")}


@pytest.fixture
def approved_order(setup, cast):
    order = make_order(setup, cast.planner, 100, planner_number="JH-2611-001")
    return approve(order, cast.planner, cast.manager)


def test_seed_000_manual_order_to_reconciled_close(setup, cast, approved_order):
    order = approved_order
    # 1.2.5 the approved order made its issue list from the BOM × 100 with 5 % scrap on the fabric
    issue_list = _issue_list(order)
    assert issue_list.state == DocState.DRAFT
    assert _lines(issue_list) == {"ML-JC-01": D("126.0000"), "FL-SB-01": D("100.0000")}
    assert [(n["doc"].doc_type, n["doc"].pk) for n in trace_down(order)] == [(ISSUE_LIST, issue_list.pk)]
    # planners check it, drop nothing here but trim the labels to what is needed, then approve
    label_line = issue_list.lines.get(sku=setup.label)
    fabric_line = issue_list.lines.get(sku=setup.fabric)
    issue_list = services.document_update_draft(doc=issue_list, actor=cast.planner, header={"order": order.pk}, lines=[
        {"id": fabric_line.pk, "sku": setup.fabric.pk, "quantity": "126", "order_line": fabric_line.order_line_id},
        {"id": label_line.pk, "sku": setup.label.pk, "quantity": "100", "order_line": label_line.order_line_id},
    ])
    issue_list = approve(issue_list, cast.planner, cast.planner)

    # 1.2.6 push down a transfer from the raw-material warehouse into the subcontractor's; the
    # planner sends part of the fabric now (zero lines are dropped)
    transfer = services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner,
                                           quantities={fabric_line.pk: D(80), label_line.pk: D(0)})
    assert (transfer.from_warehouse_id, transfer.to_warehouse_id) == (setup.raw.pk, setup.at_factory.pk)
    assert [(line.sku_id, line.quantity) for line in transfer.lines.all()] == [(setup.fabric.pk, D(80))]
    approve(transfer, cast.planner, cast.keeper)
    assert qty(setup.fabric, setup.raw) == D(420) and qty(setup.fabric, setup.at_factory) == D(80)

    # 1.2.7 replenishment 补料: push down again for what is still owed
    assert line_remaining(issue_list)[fabric_line.pk] == D(46)
    second = services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner)
    assert {line.sku_id: line.quantity for line in second.lines.all()} == {setup.fabric.pk: D(46),
                                                                           setup.label.pk: D(100)}
    approve(second, cast.planner, cast.keeper)
    assert qty(setup.fabric, setup.at_factory) == D(126) and qty(setup.label, setup.at_factory) == D(100)
    with pytest.raises(DomainError):  # nothing left on the list
        services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner)

    # subcontract receipt, partial: 40 T-shirts in; 40 % of the materials consumed at the factory
    receipt = services.document_push_down(source=order, target_type=RECEIPT, actor=cast.keeper,
                                          quantities={order.lines.get().pk: D(40)})
    receipt = approve(receipt, cast.keeper, cast.keeper2)
    assert qty(setup.tee, setup.finished) == D(40)
    assert qty(setup.fabric, setup.at_factory) == D("75.6") and qty(setup.label, setup.at_factory) == D(60)
    # the T-shirts are valued at the materials consumed plus the fee: 50.4 m × 18 + 40 × 0.2 + 40 × 6.50
    from shopflow.inventory.models import StockMove

    value_in = StockMove.objects.get(origin_type=RECEIPT, origin_id=receipt.pk, sku=setup.tee).value
    assert value_in == D("907.20") + D("8.00") + D("260.00")
    assert ProcessingFee.objects.get(receipt=receipt).amount == D("260.00")

    # the rest: 58 good, and the factory returns 2.52 m of fabric and scraps 2 labels
    rest = services.document_push_down(source=order, target_type=RECEIPT, actor=cast.keeper,
                                       quantities={order.lines.get().pk: D(58)})
    approve(rest, cast.keeper, cast.keeper2)
    assert qty(setup.fabric, setup.at_factory) == D("2.52") and qty(setup.label, setup.at_factory) == D(2)
    with pytest.raises(TransitionNotAllowed) as refused:  # cannot close: materials still out
        services.document_transition(order, "close", actor=cast.manager)
    assert "FL-SB-01" in str(refused.value) and "ML-JC-01" in str(refused.value)

    back = services.document_create(doc_type=RETURN, actor=cast.keeper, header={
        "order": order.pk, "warehouse": setup.raw.pk}, lines=[
        {"sku": setup.fabric.pk, "quantity": "2.52", "disposition": "returned"},
        {"sku": setup.label.pk, "quantity": "2", "disposition": "scrapped"},
    ])
    approve(back, cast.keeper, cast.keeper2)
    rec = order_reconciliation(order)
    rows = {r.sku.code: r for r in rec.materials}
    assert (rows["ML-JC-01"].issued, rows["ML-JC-01"].consumed, rows["ML-JC-01"].returned) == (
        D(126), D("123.48"), D("2.52"))
    assert (rows["FL-SB-01"].consumed, rows["FL-SB-01"].scrapped, rows["FL-SB-01"].at_subcontractor) == (
        D(98), D(2), D(0))
    assert [(p.ordered, p.received) for p in rec.products] == [(D(100), D(98))]
    assert rec.fees == D("637.00") and rec.reconciled
    assert qty(setup.fabric, setup.raw) == D("376.52")

    closed = services.document_transition(order, "close", actor=cast.manager)
    assert closed.state == DocState.CLOSED
    assert stock_differences() == []


def test_receipt_cannot_use_materials_not_issued(setup, cast, approved_order):
    issue_list = approve(_issue_list(approved_order), cast.planner, cast.planner)
    receipt = services.document_push_down(source=approved_order, target_type=RECEIPT, actor=cast.keeper,
                                          quantities={approved_order.lines.get().pk: D(10)})
    receipt = services.document_transition(receipt, "submit", actor=cast.keeper)
    with pytest.raises(DomainError) as refused:
        services.document_transition(receipt, "approve", actor=cast.keeper2)
    assert "issue more first" in refused.value.message
    assert qty(setup.tee, setup.finished) == 0
    assert issue_list.state == DocState.APPROVED


def test_receipt_needs_an_approved_issue_list(setup, cast, approved_order):
    receipt = services.document_push_down(source=approved_order, target_type=RECEIPT, actor=cast.keeper)
    receipt = services.document_transition(receipt, "submit", actor=cast.keeper)
    with pytest.raises(DomainError) as refused:
        services.document_transition(receipt, "approve", actor=cast.keeper2)
    assert refused.value.code == "issue_list_not_approved"


def test_receipt_beyond_ordered_quantity_is_refused(setup, cast, approved_order):
    line = approved_order.lines.get()
    with pytest.raises(ValidationFailed) as refused:
        services.document_push_down(source=approved_order, target_type=RECEIPT, actor=cast.keeper,
                                    quantities={line.pk: D(101)})
    assert refused.value.errors[0].code == "over_push"
    receipt = services.document_push_down(source=approved_order, target_type=RECEIPT, actor=cast.keeper,
                                          quantities={line.pk: D(60)})
    with pytest.raises(ValidationFailed):  # editing it beyond the order is refused too
        services.document_update_draft(doc=receipt, actor=cast.keeper, header={
            "order": approved_order.pk, "warehouse": setup.finished.pk}, lines=[
            {"id": receipt.lines.get().pk, "sku": setup.tee.pk, "order_line": line.pk, "quantity": "101"}])


def test_over_issue_needs_permission_and_reason(setup, cast, approved_order):
    issue_list = approve(_issue_list(approved_order), cast.planner, cast.planner)
    fabric_line = issue_list.lines.get(sku=setup.fabric)
    everything = {fabric_line.pk: D(130)}
    with pytest.raises(ValidationFailed) as refused:  # the planner may not over-issue
        services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner,
                                    quantities=everything, over_reason="裁剪损耗大")
    assert "over-issue permission" in refused.value.errors[0].message
    with pytest.raises(ValidationFailed):  # the manager may, but not without a reason
        services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.manager,
                                    quantities=everything)
    transfer = services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.manager,
                                           quantities=everything, over_reason="裁剪损耗大，补4米")
    assert transfer.lines.get().quantity == D(130)
    from shopflow.core.models import AuditEvent

    event = AuditEvent.objects.filter(doc_type=ISSUE_LIST, doc_id=issue_list.pk, action="pushdown").last()
    assert event.payload["over_reason"] == "裁剪损耗大，补4米"


def test_issue_transfer_keeps_to_the_list(setup, cast, approved_order):
    from shopflow.inventory.models import Warehouse

    issue_list = approve(_issue_list(approved_order), cast.planner, cast.planner)
    transfer = services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner)
    lines = [{"id": line.pk, "sku": line.sku_id, "quantity": str(line.quantity)} for line in transfer.lines.all()]
    other = Warehouse.objects.create(code="CP02", name="二号成品仓")
    with pytest.raises(ValidationFailed) as refused:  # wrong target, and a material not on the list
        services.document_update_draft(doc=transfer, actor=cast.planner, header={
            "from_warehouse": setup.raw.pk, "to_warehouse": other.pk},
            lines=lines + [{"sku": setup.tee.pk, "quantity": "1"}])
    fields = {e.field for e in refused.value.errors}
    assert fields == {"header.to_warehouse", "lines[2].sku"}
    with pytest.raises(ValidationFailed) as same:  # and never to the same warehouse
        services.document_update_draft(doc=transfer, actor=cast.planner, header={
            "from_warehouse": setup.at_factory.pk, "to_warehouse": setup.at_factory.pk}, lines=lines)
    assert "header.to_warehouse" in {e.field for e in same.value.errors}


def test_unapprove_order_with_transfers_is_refused(setup, cast, approved_order):
    issue_list = approve(_issue_list(approved_order), cast.planner, cast.planner)
    services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.document_transition(approved_order, "unapprove", actor=cast.manager, reason="改数量")
    assert issue_list.display_number in str(refused.value)
    with pytest.raises(TransitionNotAllowed):  # nor the issue list while its transfer is live
        services.document_transition(issue_list, "unapprove", actor=cast.manager, reason="改数量")


def test_unapprove_order_cancels_its_draft_issue_list(setup, cast, approved_order):
    issue_list = _issue_list(approved_order)
    order = services.document_transition(approved_order, "unapprove", actor=cast.manager, reason="改数量")
    assert order.state == DocState.DRAFT
    issue_list.refresh_from_db()
    assert issue_list.state == DocState.CANCELLED
    assert not DocumentLink.objects.filter(target_id=issue_list.pk, target_type=ISSUE_LIST, active=True).exists()
    again = approve(order, cast.planner, cast.manager)  # re-approval makes a fresh list
    assert _issue_list(again).pk != issue_list.pk


def test_order_needs_subcontractor_and_bom_to_submit(setup, cast):
    from shopflow.catalog.services import sku_create

    loose = sku_create(actor=cast.manager, code="TX-NOBOM", name="无BOM成品")
    order = services.document_create(doc_type="subcontracting.subcontractorder", actor=cast.planner, header={
        "material_warehouse": setup.raw.pk, "receipt_warehouse": setup.finished.pk},
        lines=[{"sku": loose.pk, "quantity": "5"}])
    with pytest.raises(TransitionNotAllowed) as refused:
        services.document_transition(order, "submit", actor=cast.planner)
    text = str(refused.value)
    assert "Choose the subcontractor" in text and "TX-NOBOM has no BOM" in text


def test_rework_issues_the_item_itself(setup, cast):
    from shopflow.inventory.services import MoveSpec, stock_post

    stock_post(moves=[MoveSpec(sku_id=setup.tee.pk, warehouse_id=setup.finished.pk, quantity=D(20),
                               unit_cost=D(30))], origin_type="test.opening", origin_id=2, actor=None)
    order = make_order(setup, cast.planner, 20, unit_fee="2", order_type="rework",
                       material_warehouse=setup.finished.pk)
    order = approve(order, cast.planner, cast.manager)
    issue_list = _issue_list(order)
    assert _lines(issue_list) == {"TX2401-BLK-M": D(20)}
    issue_list = approve(issue_list, cast.planner, cast.planner)
    approve(services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner),
            cast.planner, cast.keeper)
    assert qty(setup.tee, setup.finished) == 0 and qty(setup.tee, setup.at_factory) == D(20)
    approve(services.document_push_down(source=order, target_type=RECEIPT, actor=cast.keeper),
            cast.keeper, cast.keeper2)
    assert qty(setup.tee, setup.finished) == D(20) and qty(setup.tee, setup.at_factory) == 0
    assert order_reconciliation(order).reconciled


def test_unapprove_receipt_reverses_stock_and_fee(setup, cast, approved_order):
    issue_list = approve(_issue_list(approved_order), cast.planner, cast.planner)
    approve(services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner),
            cast.planner, cast.keeper)
    receipt = approve(services.document_push_down(source=approved_order, target_type=RECEIPT, actor=cast.keeper,
                                                  quantities={approved_order.lines.get().pk: D(50)}),
                      cast.keeper, cast.keeper2)
    services.document_transition(receipt, "unapprove", actor=cast.manager, reason="数量点错")
    assert qty(setup.tee, setup.finished) == 0 and qty(setup.fabric, setup.at_factory) == D(126)
    assert [f.amount for f in ProcessingFee.objects.filter(receipt=receipt)] == [D("325.00"), D("-325.00")]
    assert stock_differences() == []


def test_material_return_limited_to_what_is_at_the_subcontractor(setup, cast, approved_order):
    issue_list = approve(_issue_list(approved_order), cast.planner, cast.planner)
    approve(services.document_push_down(source=issue_list, target_type=TRANSFER, actor=cast.planner),
            cast.planner, cast.keeper)
    too_much = services.document_create(doc_type=RETURN, actor=cast.keeper, header={
        "order": approved_order.pk, "warehouse": setup.raw.pk}, lines=[
        {"sku": setup.fabric.pk, "quantity": "127", "disposition": "returned"}])
    too_much = services.document_transition(too_much, "submit", actor=cast.keeper)
    with pytest.raises(DomainError) as refused:
        services.document_transition(too_much, "approve", actor=cast.keeper2)
    assert refused.value.code == "more_than_at_subcontractor"
    with pytest.raises(ValidationFailed) as unlisted:
        services.document_create(doc_type=RETURN, actor=cast.keeper, header={
            "order": approved_order.pk, "warehouse": setup.raw.pk}, lines=[
            {"sku": setup.tee.pk, "quantity": "1"}])
    assert unlisted.value.errors[0].code == "not_on_issue_list"


def _requisition(setup, actor, business_type):
    import datetime

    return services.document_create(doc_type="purchasing.purchaserequisition", actor=actor, header={
        "business_type": business_type, "department": "purchasing", "plan_category": "standard",
        "doc_date": "2026-11-20"}, lines=[{"sku": setup.tee.pk, "quantity": "300",
                                          "required_date": datetime.date(2026, 12, 15)}])


def test_order_from_a_subcontract_requisition(setup, cast):
    requisition = _requisition(setup, cast.planner, "subcontract")
    with pytest.raises(TransitionNotAllowed):  # not approved yet: no push-down
        services.document_push_down(source=requisition, target_type="subcontracting.subcontractorder",
                                    actor=cast.planner)
    with pytest.raises(DomainError) as unapproved:
        services.document_push_down(source=requisition, target_type="subcontracting.subcontractorder",
                                    actor=cast.planner, header={"subcontractor": setup.factory.pk})
    assert unapproved.value.code == "source_not_approved"
    requisition = approve(requisition, cast.planner, cast.manager)
    line = requisition.lines.get()
    first = services.document_push_down(source=requisition, target_type="subcontracting.subcontractorder",
                                        actor=cast.planner, quantities={line.pk: D(200)},
                                        header={"subcontractor": setup.factory.pk})
    assert (first.subcontractor_id, first.material_warehouse_id, first.receipt_warehouse_id) == (
        setup.factory.pk, setup.raw.pk, setup.finished.pk)
    assert str(first.due_date) == "2026-12-15"
    second = services.document_push_down(source=requisition, target_type="subcontracting.subcontractorder",
                                         actor=cast.planner)  # the rest, subcontractor chosen later
    assert second.lines.get().quantity == D(100) and second.subcontractor_id is None
    with pytest.raises(TransitionNotAllowed) as refused:
        services.document_transition(second, "submit", actor=cast.planner)
    assert "subcontractor" in str(refused.value)
    approve(first, cast.planner, cast.manager)
    chain = [n["doc"].doc_type for n in trace_down(requisition)]
    assert chain == ["subcontracting.subcontractorder", "subcontracting.subcontractorder"]
    assert [n["doc"].doc_type for n in trace_down(requisition)[0]["children"]] == [ISSUE_LIST]


def test_standard_requisition_cannot_become_a_subcontract_order(setup, cast):
    requisition = approve(_requisition(setup, cast.planner, "standard"), cast.planner, cast.manager)
    with pytest.raises(DomainError) as refused:
        services.document_push_down(source=requisition, target_type="subcontracting.subcontractorder",
                                    actor=cast.planner)
    assert "订单委外" in refused.value.message


def test_order_from_a_sales_order_line(setup, cast):
    from shopflow.partners.services import customer_create

    customer = customer_create(actor=cast.manager, code="KH001", name="上海悦衣贸易有限公司")
    sales_order = services.document_create(doc_type="sales.salesorder", actor=cast.sales, header={
        "customer": customer.pk, "contract_number": "HT-2026-118"}, lines=[
        {"sku": setup.tee.pk, "quantity": "500", "unit_price": "39"}])
    sales_order = approve(sales_order, cast.sales, cast.manager)
    order = services.document_push_down(source=sales_order, target_type="subcontracting.subcontractorder",
                                        actor=cast.planner, header={"subcontractor": setup.factory.pk})
    assert order.lines.get().quantity == D(500)
    assert [n["doc"].pk for n in trace_down(sales_order)] == [order.pk]
