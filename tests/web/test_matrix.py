"""Role × action matrix over the UI: a button shows exactly when the role may take the action,
and a forbidden POST answers 403 and changes nothing (state, audit trail, documents)."""

import pytest

from shopflow.core.models import AuditEvent
from shopflow.core.registry import get_type
from shopflow.core.roles import ROLE_CODES
from shopflow.purchasing.models import PurchaseOrder, PurchaseReceipt
from tests.web.conftest import PO, PR

PO_TYPE, PR_TYPE = get_type(PO), get_type(PR)

# action → (state the order must be in for the action, POST data)
TRANSITIONS = {
    "submit": ("draft", {}),
    "cancel": ("draft", {"reason": "不要了"}),
    "approve": ("submitted", {}),
    "unapprove": ("approved", {"reason": "价格录错"}),
}


def may(role: str, action: str) -> bool:
    return action in PO_TYPE.access.get(role, ())


def snapshot(po) -> tuple:
    po.refresh_from_db()
    audit = AuditEvent.objects.filter(doc_type=po.doc_type, doc_id=po.pk).count()
    return po.state, po.version, audit, PurchaseReceipt.objects.count()


def has_button(page: str, action: str) -> bool:
    return f'data-action="{action}"' in page


@pytest.mark.parametrize("role", ROLE_CODES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_transition_button_shows_iff_permitted(role, action, role_user, client_of, make_po):
    po = make_po(TRANSITIONS[action][0])
    response = client_of(role_user(role)).get(f"/d/{PO}/{po.pk}/")
    if not may(role, "view"):
        assert response.status_code == 403
        return
    assert has_button(response.content.decode(), action) is may(role, action)


@pytest.mark.parametrize("role", ROLE_CODES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_transition_post_is_403_and_changes_nothing_unless_permitted(role, action, role_user, client_of,
                                                                     make_po):
    state, data = TRANSITIONS[action]
    po = make_po(state)
    before = snapshot(po)
    response = client_of(role_user(role)).post(f"/d/{PO}/{po.pk}/do/{action}/", data)
    if may(role, "view") and may(role, action):
        assert response.status_code == 302
        assert snapshot(po)[0] != state
    else:
        assert response.status_code == 403
        assert snapshot(po) == before


@pytest.mark.parametrize("role", ROLE_CODES)
def test_edit_button_and_post_follow_the_edit_permission(role, role_user, client_of, make_po):
    po = make_po("draft", remarks="原备注")
    client = client_of(role_user(role))
    page = client.get(f"/d/{PO}/{po.pk}/")
    if may(role, "view"):
        assert has_button(page.content.decode(), "edit") is may(role, "edit")
    before = snapshot(po)
    line = po.lines.get()
    response = client.post(f"/d/{PO}/{po.pk}/edit/", {
        "supplier": po.supplier_id, "warehouse": po.warehouse_id, "doc_date": "2026-01-05",
        "remarks": "改过了", "version": po.version,
        "lines-0-id": line.pk, "lines-0-sku": line.sku_id, "lines-0-quantity": "3", "lines-0-unit_price": "1",
    })
    if may(role, "edit"):
        assert response.status_code == 302
        po.refresh_from_db()
        assert po.remarks == "改过了"
    else:
        assert response.status_code == 403
        assert snapshot(po) == before
        assert po.remarks == "原备注"


def may_push(role: str) -> bool:
    return may(role, "pushdown") and "create" in PR_TYPE.access.get(role, ())


@pytest.mark.parametrize("role", ROLE_CODES)
def test_push_down_menu_and_post_follow_both_permissions(role, role_user, client_of, make_po):
    po = make_po("approved")
    client = client_of(role_user(role))
    page = client.get(f"/d/{PO}/{po.pk}/")
    if may(role, "view"):
        assert has_button(page.content.decode(), "pushdown") is may_push(role)
    before = snapshot(po)
    line = po.lines.get()
    response = client.post(f"/d/{PO}/{po.pk}/push/{PR}/", {f"qty-{line.pk}": "4"})
    if may_push(role):
        assert response.status_code == 302
        assert PurchaseReceipt.objects.count() == before[3] + 1
    else:
        assert response.status_code == 403
        assert snapshot(po) == before


@pytest.mark.parametrize("role", ROLE_CODES)
def test_new_button_and_create_post_follow_the_create_permission(role, role_user, client_of, supplier,
                                                                 warehouse, sku):
    client = client_of(role_user(role))
    page = client.get(f"/d/{PO}/")
    if may(role, "view"):
        assert ('id="sf-new"' in page.content.decode()) is may(role, "create")
    count = PurchaseOrder.objects.count()
    response = client.post(f"/d/{PO}/new/", {
        "supplier": supplier.pk, "warehouse": warehouse.pk, "doc_date": "2026-01-05",
        "lines-0-sku": sku.pk, "lines-0-quantity": "5", "lines-0-unit_price": "2",
    })
    assert response.status_code == (302 if may(role, "create") else 403)
    assert PurchaseOrder.objects.count() == count + (1 if may(role, "create") else 0)


@pytest.mark.parametrize("role", ROLE_CODES)
def test_bulk_actions_offered_and_enforced_by_permission(role, role_user, client_of, make_po):
    po = make_po("submitted")
    client = client_of(role_user(role))
    page = client.get(f"/d/{PO}/")
    if may(role, "view"):
        assert ('<option value="approve">' in page.content.decode()) is may(role, "approve")
    before = snapshot(po)
    response = client.post(f"/d/{PO}/bulk/", {"action": "approve", "ids": [po.pk]})
    if may(role, "view") and may(role, "approve"):
        assert response.status_code == 200
        assert snapshot(po)[0] == "approved"
    else:
        assert response.status_code == 403
        assert snapshot(po) == before


def test_change_record_post_needs_the_edit_permission(role_user, client_of, make_po):
    po = make_po("approved")
    before = snapshot(po)
    response = client_of(role_user("warehouse")).post(f"/d/{PO}/{po.pk}/change/", {
        "remarks": "偷偷改", "reason": "x", "version": po.version,
    })
    assert response.status_code == 403
    assert snapshot(po) == before


def test_blocked_approve_is_shown_disabled_with_the_reason(author, client_of, make_po):
    """The author may approve in general, but not their own document (segregation of duties)."""
    po = make_po("submitted")
    page = client_of(author).get(f"/d/{PO}/{po.pk}/").content.decode()
    assert 'disabled data-action="approve"' in page
    assert "另一个人" in page or "another person" in page
