"""Role × action matrix through the API: a call succeeds exactly when the type's access table
allows it; a refused call answers 403 and changes nothing."""

import pytest

from shopflow.core import services
from shopflow.core.models import AuditEvent, ChangeRecord, DocumentLink
from shopflow.core.registry import document_types, get_type
from shopflow.core.states import DOCUMENT_ACTIONS
from shopflow.inventory.models import StockMove
from tests.api.conftest import PO, PR, Api
from tests.factories import make_purchase_order

ROLES = ("manager", "purchasing", "warehouse", "finance", "customer_service")
# The state a document must be in for the action to be possible at all.
SETUP_STATE = {
    "view": "draft",
    "edit": "draft",
    "submit": "draft",
    "approve": "submitted",
    "unapprove": "approved",
    "pushdown": "approved",
    "cancel": "draft",
    "create": None,
}
CASES = [
    (t, role, action)
    for t in (PO, PR)
    for role in ROLES
    for action in DOCUMENT_ACTIONS
    if not (action == "pushdown" and t == PR)
]  # receipts push nowhere


def allowed(type_slug: str, role: str, action: str) -> bool:
    ok = action in get_type(type_slug).access.get(role, ())
    if action == "pushdown":  # pushing down creates the target document too
        ok = ok and "create" in get_type(PR).access.get(role, ())
    return ok


def make_document(type_slug, state, *, author, approver, supplier, warehouse, sku):
    """A document of the type in `state`, written by `author` and approved by `approver`
    (never the caller, so that segregation of duties does not get in the way)."""
    steps = {"draft": [], "submitted": ["submit"], "approved": ["submit", "approve"]}[state]
    doc = make_purchase_order(actor=author, supplier=supplier, warehouse=warehouse, lines=[(sku, 10, 2)])
    if type_slug == PR:
        services.document_transition(doc, "submit", actor=author)
        services.document_transition(doc, "approve", actor=approver)
        doc = services.document_push_down(source=doc, target_type=get_type(PR).key, actor=author)
    for step in steps:
        doc = services.document_transition(doc, step, actor=approver if step == "approve" else author)
    return doc


def snapshot(doc) -> dict:
    state = {
        "audit": AuditEvent.objects.count(),
        "links": DocumentLink.objects.count(),
        "changes": ChangeRecord.objects.count(),
        "moves": StockMove.objects.count(),
    }
    for dt in document_types():
        state[dt.key] = dt.model.objects.count()
        state[dt.key + " lines"] = dt.line_model.objects.count()
    if doc is not None:
        doc = type(doc).objects.get(pk=doc.pk)
        state["doc"] = (doc.state, doc.version, doc.remarks, [(x.pk, x.quantity) for x in doc.lines.all()])
    return state


def call(api, type_slug, action, doc, *, supplier, warehouse, sku):
    if action == "create":
        header = {"supplier": supplier.pk, "warehouse": warehouse.pk}
        price = "unit_price" if type_slug == PO else "unit_cost"
        return api.post(f"/{type_slug}", {"header": header, "lines": [{"sku": sku.pk, "quantity": "1", price: "1"}]})
    if action == "view":
        return api.get(f"/{type_slug}/{doc.pk}")
    if action == "edit":
        lines = [{"id": line.pk, "quantity": "3"} for line in doc.lines.all()]
        return api.put(
            f"/{type_slug}/{doc.pk}", {"version": doc.version, "header": {"remarks": "edited"}, "lines": lines}
        )
    if action == "pushdown":
        return api.post(f"/{type_slug}/{doc.pk}/push-down", {"target": PR})
    return api.post(f"/{type_slug}/{doc.pk}/transitions/{action}", {"reason": "matrix test"})


@pytest.mark.parametrize(("type_slug", "role", "action"), CASES)
def test_role_action(type_slug, role, action, role_user, supplier, warehouse, sku):
    author, approver = role_user("manager", "author"), role_user("manager", "approver")
    caller = role_user(role)
    state = SETUP_STATE[action]
    doc = (
        None
        if state is None
        else make_document(
            type_slug, state, author=author, approver=approver, supplier=supplier, warehouse=warehouse, sku=sku
        )
    )
    before = snapshot(doc)
    response = call(Api(caller), type_slug, action, doc, supplier=supplier, warehouse=warehouse, sku=sku)
    if allowed(type_slug, role, action):
        assert response.status_code in (200, 201), response.json()
        if action != "view":
            assert snapshot(doc) != before
    else:
        assert response.status_code == 403, response.json()
        assert response.json()["code"] == "permission_denied"
        assert snapshot(doc) == before


def test_matrix_covers_allowed_and_refused_calls():
    """Guard against a table so lax or strict that the matrix would prove nothing."""
    outcomes = {allowed(t, r, a) for t, r, a in CASES}
    assert outcomes == {True, False}
