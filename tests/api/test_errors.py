"""Errors are JSON with a stable code, a message and the field path; refusals change nothing."""

from decimal import Decimal

import pytest

from shopflow.core.models import AuditEvent, DocumentLink
from shopflow.purchasing.models import PurchaseOrder, PurchaseReceipt
from tests.api.conftest import PO, PR, Api, po_body

SHAPE = {"code", "message", "field", "errors"}


def test_validation_error_names_the_line_field(buyer, supplier, warehouse, sku):
    body = po_body(supplier, warehouse, [(sku, 5, 1), (sku, "abc", 1)])
    response = Api(buyer).post(f"/{PO}", body)
    assert response.status_code == 400
    error = response.json()
    assert set(error) == SHAPE and error["code"] == "validation_failed"
    assert error["field"] == "lines[1].quantity"
    assert [e["field"] for e in error["errors"]] == ["lines[1].quantity"]
    assert not PurchaseOrder.objects.exists()


def test_every_bad_field_is_listed(buyer, sku):
    body = {"header": {"supplier": 999999, "doc_date": "not a date"}, "lines": [{"sku": sku.pk}]}
    error = Api(buyer).post(f"/{PO}", body).json()
    fields = {e["field"] for e in error["errors"]}
    assert {"header.supplier", "header.doc_date", "header.warehouse", "lines[0].quantity"} <= fields


def test_schema_errors_use_the_same_paths(buyer, supplier, warehouse):
    error = Api(buyer).post(f"/{PO}", {"header": {}, "lines": [1, {"quantity": 2}]}).json()
    assert error["code"] == "validation_failed"
    assert error["field"] == "lines[0]"
    error = Api(buyer).get(f"/{PO}", limit=0).json()
    assert error["code"] == "validation_failed" and error["field"] == "limit"


def test_missing_body(buyer):
    response = Api(buyer).client.post(f"/api/v1/documents/{PO}", b"", content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "body"


def test_body_that_is_not_json(buyer):
    response = Api(buyer).client.post(f"/api/v1/documents/{PO}", b"{", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "bad_request"


def test_bad_filter_value_names_the_parameter(buyer):
    error = Api(buyer).get(f"/{PO}", supplier="abc").json()
    assert error["code"] == "validation_failed" and error["field"] == "supplier"


def test_over_push_names_the_line_and_changes_nothing(clerk, approved_po):
    line = approved_po.lines.get()
    events = AuditEvent.objects.count()
    response = Api(clerk).post(
        f"/{PO}/{approved_po.pk}/push-down", {"target": PR, "quantities": {str(line.pk): "10.0001"}}
    )
    assert response.status_code == 400
    error = response.json()
    assert error["field"] == "lines[0].quantity" and error["errors"][0]["code"] == "over_push"
    assert not PurchaseReceipt.objects.exists() and not DocumentLink.objects.exists()
    assert AuditEvent.objects.count() == events


def test_push_to_unknown_type_names_the_field(clerk, approved_po):
    error = Api(clerk).post(f"/{PO}/{approved_po.pk}/push-down", {"target": "no-such"}).json()
    assert error["field"] == "target" and error["errors"][0]["code"] == "unknown_document_type"


def test_push_with_a_bad_line_key(clerk, approved_po):
    error = Api(clerk).post(f"/{PO}/{approved_po.pk}/push-down", {"target": PR, "quantities": {"abc": "1"}}).json()
    assert error["code"] == "validation_failed" and error["field"] == "quantities.abc"


def test_illegal_transition_is_409_with_code(manager, draft_po):
    events = AuditEvent.objects.count()
    response = Api(manager).post(f"/{PO}/{draft_po.pk}/transitions/approve")
    assert response.status_code == 409
    error = response.json()
    assert set(error) == SHAPE and error["code"] == "wrong_state"
    assert error["errors"][0]["code"] == "wrong_state" and error["errors"][0]["message"]
    draft_po.refresh_from_db()
    assert draft_po.state == "draft" and draft_po.version == 1
    assert AuditEvent.objects.count() == events


def test_reason_required(manager, approved_po):
    response = Api(manager).post(f"/{PO}/{approved_po.pk}/transitions/unapprove", {"reason": " "})
    assert response.status_code == 409 and response.json()["code"] == "reason_required"


def test_unknown_action(buyer, draft_po):
    response = Api(buyer).post(f"/{PO}/{draft_po.pk}/transitions/teleport")
    assert response.status_code == 400 and response.json()["code"] == "unknown_action"


def test_stale_version(buyer, draft_po):
    response = Api(buyer).post(f"/{PO}/{draft_po.pk}/transitions/submit", {"version": 7})
    assert response.status_code == 400 and response.json()["code"] == "stale_version"
    draft_po.refresh_from_db()
    assert draft_po.state == "draft"


@pytest.mark.parametrize("path", ["/no-such-type", "/no.such", "/nope-nope/1", "/nope-nope/1/trace"])
def test_unknown_document_type_is_404(buyer, path):
    response = Api(buyer).get(path)
    assert response.status_code == 404 and response.json()["code"] == "unknown_document_type"


def test_missing_document_is_404(buyer):
    response = Api(buyer).get(f"/{PO}/987654")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_forbidden_type_is_403_even_for_missing_ids(role_user):
    """No view permission: 403 whether or not the id exists, so ids reveal nothing."""
    response = Api(role_user("customer_service")).get(f"/{PO}/987654")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


# ---------------------------------------------------------------- hostile text

HOSTILE = [
    "<script>alert('x')</script>",
    "\"'; DROP TABLE purchasing_purchaseorder; --",
    '=HYPERLINK("http://evil")',
    "{{ request.user }} {% debug %}",
    "买家留言：请尽快发货！😀 \u202eRTL \\ backslash\ttab\nnewline",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_round_trips_as_data(buyer, supplier, warehouse, sku, text):
    api = Api(buyer)
    body = po_body(supplier, warehouse, [(sku, 1, 1)], remarks=text)
    body["lines"][0]["remarks"] = text
    created = api.post(f"/{PO}", body)
    assert created.status_code == 201, created.json()
    assert created["Content-Type"].startswith("application/json")
    doc = api.get(f"/{PO}/{created.json()['id']}").json()
    assert doc["header"]["remarks"] == text
    assert doc["lines"][0]["values"]["remarks"] == text
    assert PurchaseOrder.objects.get().remarks == text
    found = api.get(f"/{PO}", search=text[:12]).json()
    assert [row["id"] for row in found["items"]] == [doc["id"]]


@pytest.mark.parametrize("text", ["nul \x00 byte", "lone surrogate \ud800"])
def test_unstorable_text_is_a_400_on_the_field(buyer, supplier, warehouse, sku, text):
    body = po_body(supplier, warehouse, [(sku, 1, 1)])
    body["lines"][0]["remarks"] = text
    response = Api(buyer).post(f"/{PO}", body)
    assert response.status_code == 400
    assert response.json()["field"] == "lines[0].remarks"
    assert not PurchaseOrder.objects.exists()


def test_float_quantities_are_taken_exactly(buyer, supplier, warehouse, sku):
    body = po_body(supplier, warehouse, [(sku, 1, 1)])
    body["lines"][0]["quantity"] = 0.1
    doc = Api(buyer).post(f"/{PO}", body).json()
    assert doc["lines"][0]["values"]["quantity"] == "0.1000"
    assert PurchaseOrder.objects.get().lines.get().quantity == Decimal("0.1")
