"""Other receipts, other issues and transfers: their rules, their postings, who may do what."""

from decimal import Decimal

import pytest

from shopflow.core import services
from shopflow.core.errors import DomainError, PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from shopflow.core.models import AuditEvent
from shopflow.core.registry import get_type
from shopflow.inventory.models import SkuCost, StockMove, TransferOrder
from shopflow.inventory.selectors import balance_of, cost_differences, stock_differences
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import OTHER_ISSUE, OTHER_RECEIPT, TRANSFER, approve, make_doc, put


@pytest.fixture
def two_warehouses(db):
    return WarehouseFactory(name="成品仓"), WarehouseFactory(name="外协仓·杭州")


def transfer(actor, source, target, lines, **header):
    return make_doc(TRANSFER, actor, {"from_warehouse": source.pk, "to_warehouse": target.pk, **header}, lines)


# ---------------------------------------------------------------- transfers

def test_transfer_to_the_same_warehouse_is_refused_on_the_field(clerk, sku, warehouse):
    with pytest.raises(ValidationFailed) as exc:
        transfer(clerk, warehouse, warehouse, [{"sku": sku.pk, "quantity": "1"}])
    assert [(e.field, e.code) for e in exc.value.errors] == [("header.to_warehouse", "same_warehouse")]
    assert exc.value.errors[0].message == "Choose a warehouse other than the one the goods leave."
    assert TransferOrder.objects.count() == 0


def test_editing_a_transfer_into_the_same_warehouse_is_refused_too(clerk, sku, two_warehouses):
    source, target = two_warehouses
    doc = transfer(clerk, source, target, [{"sku": sku.pk, "quantity": "1"}])
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=doc, actor=clerk, header={"to_warehouse": source.pk},
                                       lines=[{"id": doc.lines.get().pk, "quantity": "1"}])
    assert exc.value.errors[0].field == "header.to_warehouse"
    doc.refresh_from_db()
    assert doc.to_warehouse_id == target.pk and doc.version == 1


def test_zero_quantity_lines_are_dropped_on_save(clerk, two_warehouses):
    source, target = two_warehouses
    a, b, c = SkuFactory(), SkuFactory(), SkuFactory()
    doc = transfer(clerk, source, target, [{"sku": a.pk, "quantity": "2"}, {"sku": b.pk, "quantity": "0"},
                                           {"sku": c.pk, "quantity": "5"}])
    assert [(line.line_no, line.sku_id, line.quantity) for line in doc.lines.all()] == [
        (1, a.pk, Decimal("2")), (2, c.pk, Decimal("5"))]
    first = doc.lines.get(sku=a)
    services.document_update_draft(doc=doc, actor=clerk, header={}, lines=[
        {"id": first.pk, "quantity": "0"}, {"id": doc.lines.get(sku=c).pk, "quantity": "4"}])
    assert [(line.sku_id, line.quantity) for line in doc.lines.all()] == [(c.pk, Decimal("4"))]


def test_approval_moves_the_goods_and_unapproval_moves_them_back(clerk, manager, sku, two_warehouses):
    source, target = two_warehouses
    put(sku, source, 10, cost="20.00")
    doc = approve(transfer(clerk, source, target, [{"sku": sku.pk, "quantity": "4"}]), clerk=clerk, approver=manager)
    assert (balance_of(sku_id=sku.pk, warehouse_id=source.pk), balance_of(sku_id=sku.pk, warehouse_id=target.pk)) \
        == (Decimal("6"), Decimal("4"))
    moves = list(StockMove.objects.filter(origin_type=TRANSFER, origin_id=doc.pk)
                 .values_list("warehouse_id", "quantity", "value"))
    assert moves == [(source.pk, Decimal("-4"), Decimal("-80.00")), (target.pk, Decimal("4"), Decimal("80.00"))]
    assert doc.number.startswith("TO-")
    services.document_transition(doc, "unapprove", actor=manager, reason="搬错了")
    assert (balance_of(sku_id=sku.pk, warehouse_id=source.pk), balance_of(sku_id=sku.pk, warehouse_id=target.pk)) \
        == (Decimal("10"), Decimal("0"))
    assert SkuCost.objects.values_list("quantity", "value").get(sku=sku) == (Decimal("10"), Decimal("200.00"))
    assert stock_differences() == [] and cost_differences() == []


def test_transfer_of_more_than_is_there_is_refused_and_changes_nothing(clerk, manager, sku, two_warehouses):
    source, target = two_warehouses
    put(sku, source, 3)
    doc = services.document_transition(transfer(clerk, source, target, [{"sku": sku.pk, "quantity": "5"}]),
                                       "submit", actor=clerk)
    moves_before = StockMove.objects.count()
    with pytest.raises(DomainError) as exc:
        services.document_transition(doc, "approve", actor=manager)
    assert exc.value.code == "negative_stock"
    assert f"{sku.code} in 成品仓" in exc.value.message
    doc.refresh_from_db()
    assert doc.state == "submitted" and doc.number == ""
    assert StockMove.objects.count() == moves_before
    assert balance_of(sku_id=sku.pk, warehouse_id=target.pk) == 0


def test_inactive_warehouse_is_refused(clerk, sku, two_warehouses):
    source, target = two_warehouses
    target.active = False
    target.save()
    with pytest.raises(ValidationFailed) as exc:
        transfer(clerk, source, target, [{"sku": sku.pk, "quantity": "1"}])
    assert [(e.field, e.code) for e in exc.value.errors] == [("header.to_warehouse", "inactive_warehouse")]


def test_a_warehouse_clerk_approves_a_colleagues_transfer_but_not_their_own(role_user, sku, two_warehouses):
    source, target = two_warehouses
    put(sku, source, 5)
    alice, bob = role_user("warehouse", "alice"), role_user("warehouse", "bob")
    doc = services.document_transition(transfer(alice, source, target, [{"sku": sku.pk, "quantity": "1"}]),
                                       "submit", actor=alice)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(doc, "approve", actor=alice)
    assert exc.value.code == "self_approval"
    assert services.document_transition(doc, "approve", actor=bob).state == "approved"
    with pytest.raises(PermissionDeniedError):
        services.document_transition(doc, "unapprove", actor=bob, reason="x")


# ---------------------------------------------------------------- other receipts and issues

def test_other_receipt_posts_at_its_cost_or_at_the_average(clerk, manager, sku, warehouse):
    put(sku, warehouse, 10, cost="12.00")
    doc = make_doc(OTHER_RECEIPT, clerk, {"warehouse": warehouse.pk}, [
        {"sku": sku.pk, "quantity": "5", "unit_cost": "18.00"}, {"sku": sku.pk, "quantity": "5", "unit_cost": ""}])
    approve(doc, clerk=clerk, approver=manager)
    values = list(StockMove.objects.filter(origin_type=OTHER_RECEIPT).values_list("quantity", "value"))
    # Both lines move at what the average was before the posting: 5 × 18 and 5 × 12.
    assert values == [(Decimal("5"), Decimal("90.00")), (Decimal("5"), Decimal("60.00"))]
    assert SkuCost.objects.values_list("quantity", "value", "average").get(sku=sku) == (
        Decimal("20"), Decimal("270.00"), Decimal("13.5"))


def test_other_issue_takes_stock_out_at_the_average(clerk, manager, sku, warehouse):
    put(sku, warehouse, 3, cost="10.00")
    put(sku, warehouse, 1, cost="11.00")
    doc = approve(make_doc(OTHER_ISSUE, clerk, {"warehouse": warehouse.pk}, [{"sku": sku.pk, "quantity": "2"}]),
                  clerk=clerk, approver=manager)
    assert StockMove.objects.get(origin_type=OTHER_ISSUE, origin_id=doc.pk).value == Decimal("-20.50")
    assert balance_of(sku_id=sku.pk, warehouse_id=warehouse.pk) == 2


def test_only_the_manager_approves_other_receipts_and_issues(clerk, role_user, sku, warehouse):
    other_clerk = role_user("warehouse", "clerk-2")
    doc = services.document_transition(
        make_doc(OTHER_RECEIPT, clerk, {"warehouse": warehouse.pk}, [{"sku": sku.pk, "quantity": "1"}]),
        "submit", actor=clerk)
    with pytest.raises(PermissionDeniedError):
        services.document_transition(doc, "approve", actor=other_clerk)
    assert StockMove.objects.count() == 0
    assert AuditEvent.objects.filter(doc_type=OTHER_RECEIPT, doc_id=doc.pk).count() == 2


@pytest.mark.parametrize("doc_type", [OTHER_RECEIPT, OTHER_ISSUE, TRANSFER, "inventory.stocktake"])
def test_access_tables(doc_type):
    access = get_type(doc_type).access
    assert "approve" in access["manager"] and "unapprove" in access["manager"]
    assert set(access["warehouse"]) >= {"view", "create", "edit", "submit", "cancel"}
    assert ("approve" in access["warehouse"]) is (doc_type == TRANSFER)
    assert "unapprove" not in access["warehouse"]
    assert access["purchasing"] == ("view",)
    # Planners make the transfers that issue subcontract materials; the warehouse approves them.
    planning = {"view", "create", "edit", "submit", "cancel"} if doc_type == TRANSFER else {"view"}
    assert set(access["planning"]) == planning
    assert get_type(doc_type).area == "inventory"


@pytest.mark.parametrize("role", ["purchasing", "planning", "finance"])
def test_viewers_cannot_create(role, role_user, sku, warehouse):
    with pytest.raises(PermissionDeniedError):
        make_doc(OTHER_ISSUE, role_user(role), {"warehouse": warehouse.pk}, [{"sku": sku.pk, "quantity": "1"}])
