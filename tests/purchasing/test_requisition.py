"""Purchase requisitions 采购申请: the date rule, the life cycle with maintenance, who may do
what, and push-down to purchase orders (standard type only)."""

from decimal import Decimal

import pytest
from django.test import Client

from shopflow.core import selectors, services
from shopflow.core.errors import (
    DomainError,
    PermissionDeniedError,
    TransitionNotAllowed,
    ValidationFailed,
)
from shopflow.core.models import AuditEvent, DocumentLink
from shopflow.core.states import DocState
from shopflow.purchasing.models import PurchaseOrder, PurchaseRequisition
from tests.api.conftest import Api
from tests.factories import SkuFactory, SupplierFactory
from tests.purchasing.conftest import PO, REQ, approve, days, make_requisition

REQ_SLUG = "purchasing-purchaserequisition"


@pytest.fixture
def skus(db):
    return SkuFactory(code="TS-A-BLK-M", cost=Decimal("20.00")), SkuFactory(code="TS-B-WHT-L")


@pytest.fixture
def approved_req(planner, manager, skus, warehouse):
    req = make_requisition(planner, [(skus[0], 10, days(7)), (skus[1], 4, days(10))], department="planning",
                           plan_category="mto")
    return approve(req, by=manager, submitter=planner)


# ---------------------------------------------------------------- the date rule


def test_required_date_must_be_after_the_requisition_date(planner, skus):
    lines = [(skus[0], 5, days(3)), (skus[1], 5, days(0)), (skus[0], 1, days(-1))]
    with pytest.raises(ValidationFailed) as exc:
        make_requisition(planner, lines)
    fields = [e.field for e in exc.value.errors]
    assert fields == ["lines[1].required_date", "lines[2].required_date"]
    assert {e.code for e in exc.value.errors} == {"required_date_not_after"}
    assert "after the requisition date" in exc.value.errors[0].message
    assert PurchaseRequisition.objects.count() == 0


def test_the_rule_follows_a_changed_requisition_date(planner, skus):
    req = make_requisition(planner, [(skus[0], 5, days(3))])
    line = req.lines.get()
    edit = [{"id": line.pk, "sku": skus[0].pk, "quantity": "5", "required_date": days(3).isoformat()}]
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=req, actor=planner, header={"doc_date": days(3).isoformat()}, lines=edit)
    assert exc.value.errors[0].field == "lines[0].required_date"
    req.refresh_from_db()
    assert req.doc_date == days(0)


def test_the_row_named_is_the_row_typed_when_blank_lines_are_dropped(planner, skus):
    with pytest.raises(ValidationFailed) as exc:
        services.document_create(doc_type=REQ, actor=planner, header={}, lines=[
            {"sku": skus[0].pk, "quantity": "0", "required_date": days(5).isoformat()},
            {"sku": skus[0].pk, "quantity": "2", "required_date": days(5).isoformat()},
            {"sku": skus[1].pk, "quantity": "2", "required_date": days(-3).isoformat()},
        ])
    assert [e.field for e in exc.value.errors] == ["lines[2].required_date"]


def test_submit_refuses_a_draft_that_breaks_the_rule(planner, skus):
    """A draft saved before the rule (or by another path) cannot be submitted either."""
    req = make_requisition(planner, [(skus[0], 5, days(3))])
    req.lines.update(required_date=days(-1))
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(req, "submit", actor=planner)
    assert exc.value.code == "required_date_not_after"
    assert "Line 1" in exc.value.message
    req.refresh_from_db()
    assert req.state == DocState.DRAFT


def test_date_rule_through_the_api_names_the_line_field(planner, skus):
    body = {"header": {"business_type": "standard", "department": "purchasing", "plan_category": "replenishment"},
            "lines": [{"sku": skus[0].pk, "quantity": "3", "required_date": days(2).isoformat()},
                      {"sku": skus[1].pk, "quantity": "3", "required_date": days(0).isoformat()}]}
    response = Api(planner).post(f"/{REQ_SLUG}", body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "lines[1].required_date"
    body["lines"][1]["required_date"] = days(1).isoformat()
    response = Api(planner).post(f"/{REQ_SLUG}", body)
    assert response.status_code == 201, response.json()
    assert response.json()["header"]["plan_category"] == "replenishment"
    assert response.json()["lines"][1]["values"]["required_date"] == days(1).isoformat()


def test_date_rule_on_the_web_form_marks_the_line(planner, skus):
    client = Client()
    client.force_login(planner)
    data = {"business_type": "standard", "department": "planning", "plan_category": "standard",
            "doc_date": days(0).isoformat(), "remarks": "",
            "lines-0-sku": skus[0].pk, "lines-0-quantity": "2", "lines-0-required_date": days(0).isoformat()}
    response = client.post(f"/d/{REQ_SLUG}/new/", data)
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert PurchaseRequisition.objects.count() == 0
    data["lines-0-required_date"] = days(4).isoformat()
    response = client.post(f"/d/{REQ_SLUG}/new/", data)
    assert response.status_code == 302
    assert PurchaseRequisition.objects.get().lines.get().required_date == days(4)


def test_bad_choices_are_refused(planner, skus):
    with pytest.raises(ValidationFailed) as exc:
        make_requisition(planner, [(skus[0], 1, days(2))], business_type="rush", plan_category="x")
    assert {e.field for e in exc.value.errors} == {"header.business_type", "header.plan_category"}


# ---------------------------------------------------------------- life cycle and roles


def test_maintain_unapprove_edit_and_approve_again(approved_req, planner, manager):
    assert approved_req.number.startswith("PRQ-")
    req = services.document_transition(approved_req, "unapprove", actor=manager, reason="数量录错")
    line = req.lines.order_by("line_no").first()
    lines = [{"id": line.pk, "sku": line.sku_id, "quantity": "12", "required_date": line.required_date.isoformat()}]
    req = services.document_update_draft(doc=req, actor=planner, header={}, lines=lines)
    req = approve(req, by=manager, submitter=planner)
    assert req.state == DocState.APPROVED and req.lines.get().quantity == Decimal("12")
    assert list(AuditEvent.objects.filter(doc_type=REQ, doc_id=req.pk).values_list("action", flat=True)) == [
        "create", "submit", "approve", "unapprove", "edit", "submit", "approve"]


def test_unapprove_is_refused_while_a_purchase_order_exists(approved_req, buyer, manager, supplier):
    order = services.document_push_down(source=approved_req, target_type=PO, actor=buyer,
                                        header={"supplier": supplier.pk})
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(approved_req, "unapprove", actor=manager, reason="改数量")
    assert exc.value.code == "has_downstream"
    services.document_transition(order, "cancel", actor=buyer, reason="重新下单")
    assert services.document_transition(approved_req, "unapprove", actor=manager, reason="改数量").state == "draft"


@pytest.mark.parametrize("role", ["warehouse", "purchasing", "planning", "finance"])
def test_only_the_manager_approves(role, role_user, planner, skus):
    req = make_requisition(planner, [(skus[0], 1, days(2))])
    services.document_transition(req, "submit", actor=planner)
    with pytest.raises(PermissionDeniedError):
        services.document_transition(req, "approve", actor=role_user(role))
    req.refresh_from_db()
    assert req.state == DocState.SUBMITTED


@pytest.mark.parametrize(("role", "may"), [("planning", True), ("purchasing", True), ("manager", True),
                                           ("warehouse", False), ("finance", False), ("customer_service", False)])
def test_who_may_raise_a_requisition(role, may, role_user, skus):
    user = role_user(role)
    if may:
        assert make_requisition(user, [(skus[0], 1, days(2))]).pk
    else:
        with pytest.raises(PermissionDeniedError):
            make_requisition(user, [(skus[0], 1, days(2))])


def test_a_manager_may_not_approve_their_own_requisition(manager, boss, skus):
    req = make_requisition(manager, [(skus[0], 1, days(2))])
    services.document_transition(req, "submit", actor=manager)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(req, "approve", actor=manager)
    assert exc.value.code == "self_approval"
    assert services.document_transition(req, "approve", actor=boss).state == DocState.APPROVED


def test_warehouse_is_refused_over_the_api_and_nothing_changes(planner, clerk, skus):
    req = make_requisition(planner, [(skus[0], 1, days(2))])
    services.document_transition(req, "submit", actor=planner)
    response = Api(clerk).post(f"/{REQ_SLUG}/{req.pk}/transitions/approve", {})
    assert response.status_code == 403
    req.refresh_from_db()
    assert (req.state, req.version) == (DocState.SUBMITTED, 2)


# ---------------------------------------------------------------- push-down to purchase orders


def test_push_down_partially_into_several_orders(approved_req, buyer, skus):
    first_line, second_line = approved_req.lines.order_by("line_no")
    a, b = SupplierFactory(), SupplierFactory()
    po1 = services.document_push_down(source=approved_req, target_type=PO, actor=buyer,
                                      quantities={first_line.pk: "6"}, header={"supplier": a.pk})
    po2 = services.document_push_down(source=approved_req, target_type=PO, actor=buyer,
                                      quantities={first_line.pk: "4", second_line.pk: "1"}, header={"supplier": b.pk})
    assert (po1.supplier, po2.supplier) == (a, b)
    assert selectors.line_remaining(approved_req) == {first_line.pk: Decimal(0), second_line.pk: Decimal(3)}
    line = po1.lines.get()
    assert (line.sku, line.quantity, line.required_date, line.unit_price) == (
        skus[0], Decimal("6"), days(7), Decimal("20.00"))
    assert po1.expected_date == days(7)
    with pytest.raises(ValidationFailed) as exc:
        services.document_push_down(source=approved_req, target_type=PO, actor=buyer,
                                    quantities={second_line.pk: "4"}, header={"supplier": a.pk})
    assert exc.value.errors[0].field == "lines[1].quantity" and exc.value.errors[0].code == "over_push"
    po3 = services.document_push_down(source=approved_req, target_type=PO, actor=buyer, header={"supplier": a.pk})
    assert [(x.sku, x.quantity) for x in po3.lines.all()] == [(skus[1], Decimal("3"))]
    with pytest.raises(DomainError) as exc:
        services.document_push_down(source=approved_req, target_type=PO, actor=buyer, header={"supplier": a.pk})
    assert exc.value.code == "nothing_to_push"
    down = {d.pk for d in selectors.flatten_trace(selectors.trace_down(approved_req))}
    assert down == {po1.pk, po2.pk, po3.pk}


def test_push_down_needs_a_supplier(approved_req, buyer):
    with pytest.raises(ValidationFailed) as exc:
        services.document_push_down(source=approved_req, target_type=PO, actor=buyer)
    assert exc.value.errors[0].field == "header.supplier"
    assert PurchaseOrder.objects.count() == 0 and DocumentLink.objects.count() == 0


def test_only_chosen_header_fields_may_be_given_on_push(approved_req, buyer, supplier):
    with pytest.raises(ValidationFailed) as exc:
        services.document_push_down(source=approved_req, target_type=PO, actor=buyer,
                                    header={"supplier": supplier.pk, "remarks": "x"})
    assert exc.value.errors[0].field == "header.remarks"


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_push_down_from_an_unapproved_requisition_is_refused(state, planner, buyer, supplier, skus):
    req = make_requisition(planner, [(skus[0], 5, days(3))])
    if state == "submitted":
        services.document_transition(req, "submit", actor=planner)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_push_down(source=req, target_type=PO, actor=buyer, header={"supplier": supplier.pk})
    assert exc.value.code == "source_not_approved"
    assert PurchaseOrder.objects.count() == 0 and DocumentLink.objects.count() == 0


def test_subcontract_requisitions_do_not_become_purchase_orders(planner, manager, buyer, supplier, skus):
    req = approve(make_requisition(planner, [(skus[0], 5, days(3))], business_type="subcontract"),
                  by=manager, submitter=planner)
    with pytest.raises(DomainError) as exc:
        services.document_push_down(source=req, target_type=PO, actor=buyer, header={"supplier": supplier.pk})
    assert "Only standard requisitions" in exc.value.message
    assert PurchaseOrder.objects.count() == 0
    response = Api(buyer).get(f"/{REQ_SLUG}/{req.pk}")
    assert PO not in [t["key"] for t in response.json()["push_targets"]]


def test_planning_may_push_but_not_create_orders(approved_req, planner, supplier):
    with pytest.raises(PermissionDeniedError):
        services.document_push_down(source=approved_req, target_type=PO, actor=planner,
                                    header={"supplier": supplier.pk})


def test_push_down_over_the_api_with_the_supplier(approved_req, buyer, supplier, warehouse):
    first = approved_req.lines.order_by("line_no").first()
    response = Api(buyer).post(f"/{REQ_SLUG}/{approved_req.pk}/push-down", {
        "target": "purchasing-purchaseorder", "quantities": {str(first.pk): "2"},
        "header": {"supplier": supplier.pk, "warehouse": warehouse.pk}})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["header"]["supplier"] == supplier.pk and body["header"]["warehouse"] == warehouse.pk
    assert [line["values"]["quantity"] for line in body["lines"]] == ["2.0000"]


def test_push_page_asks_for_the_supplier(approved_req, buyer, supplier, warehouse):
    client = Client()
    client.force_login(buyer)
    url = f"/d/{REQ_SLUG}/{approved_req.pk}/push/purchasing-purchaseorder/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="h-supplier"' in page.content.decode() and 'name="h-warehouse"' in page.content.decode()
    first, second = approved_req.lines.order_by("line_no")
    data = {f"qty-{first.pk}": "3", f"qty-{second.pk}": "0", "h-warehouse": warehouse.pk}
    missing = client.post(url, data)
    assert missing.status_code == 400 and "is-invalid" in missing.content.decode()
    response = client.post(url, {**data, "h-supplier": supplier.pk})
    assert response.status_code == 302
    order = PurchaseOrder.objects.get()
    assert (order.supplier, order.warehouse, order.lines.get().quantity) == (supplier, warehouse, Decimal("3"))
