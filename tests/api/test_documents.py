"""The generic document endpoints, one by one."""

from decimal import Decimal

from shopflow.core import services
from shopflow.purchasing.models import PurchaseOrder
from tests.api.conftest import PO, PR, Api, po_body
from tests.factories import SkuFactory, SupplierFactory, make_purchase_order


def test_types_list_the_callers_actions(buyer, clerk):
    types = {t["key"]: t for t in Api(buyer).get("").json()}
    po = types["purchasing.purchaseorder"]
    assert po["slug"] == PO
    assert po["actions"] == ["view", "create", "edit", "submit", "pushdown", "cancel"]
    assert po["push_targets"] == ["purchasing.purchasereceipt"]
    assert "supplier" in po["header_fields"] and "quantity" in po["line_fields"]
    clerk_types = {t["key"]: t for t in Api(clerk).get("").json()}
    assert clerk_types["purchasing.purchasereceipt"]["actions"] == [
        "view",
        "create",
        "edit",
        "submit",
        "approve",
        "pushdown",
        "cancel",
    ]


def test_list_search_filter_order_and_paginate(buyer, warehouse, sku):
    north, south = SupplierFactory(name="北方面料"), SupplierFactory(name="南方辅料")
    docs = [
        make_purchase_order(actor=buyer, supplier=s, warehouse=warehouse, lines=[(sku, 1, 1)], remarks=r)
        for s, r in [(north, "urgent"), (south, "slow"), (north, "normal"), (south, "urgent too")]
    ]
    api = Api(buyer)
    page = api.get(f"/{PO}", limit=2, offset=1).json()
    assert page["count"] == 4 and page["limit"] == 2 and page["offset"] == 1
    assert [r["id"] for r in page["items"]] == [docs[2].pk, docs[1].pk]  # newest first
    row = page["items"][0]
    assert row["values"]["supplier"] == north.pk and north.name in row["display"]["supplier"]
    assert row["state"] == "draft" and row["version"] == 1

    assert {r["id"] for r in api.get(f"/{PO}", search="urgent").json()["items"]} == {docs[0].pk, docs[3].pk}
    assert {r["id"] for r in api.get(f"/{PO}", search="北方").json()["items"]} == {docs[0].pk, docs[2].pk}
    filtered = api.get(f"/{PO}", supplier=south.pk).json()
    assert filtered["count"] == 2 and {r["id"] for r in filtered["items"]} == {docs[1].pk, docs[3].pk}
    assert api.get(f"/{PO}", state="approved").json()["count"] == 0
    ordered = api.get(f"/{PO}", ordering="supplier").json()["items"]
    assert [r["values"]["supplier"] for r in ordered] == sorted(r["values"]["supplier"] for r in ordered)


def test_list_is_403_without_view(role_user):
    response = Api(role_user("customer_service")).get(f"/{PO}")
    assert response.status_code == 403


def test_get_shows_actions_for_the_caller(draft_po, buyer, clerk):
    doc = Api(buyer).get(f"/{PO}/{draft_po.pk}").json()
    assert doc["can_edit"] is True and doc["can_change"] is False
    assert [a["action"] for a in doc["actions"]] == ["submit", "cancel"]
    cancel = doc["actions"][1]
    assert cancel["reason_required"] is True and cancel["allowed"] is True
    as_clerk = Api(clerk).get(f"/{PO}/{draft_po.pk}").json()
    assert as_clerk["actions"] == [] and as_clerk["can_edit"] is False


def test_blocked_action_carries_its_reasons(manager, role_user, supplier, warehouse, sku):
    other_manager = role_user("manager", "manager-2")
    po = make_purchase_order(actor=manager, supplier=supplier, warehouse=warehouse, lines=[(sku, 1, 1)])
    services.document_transition(po, "submit", actor=manager)
    approve = next(a for a in Api(manager).get(f"/{PO}/{po.pk}").json()["actions"] if a["action"] == "approve")
    assert approve["allowed"] is False and approve["reasons"]
    approve = next(a for a in Api(other_manager).get(f"/{PO}/{po.pk}").json()["actions"] if a["action"] == "approve")
    assert approve["allowed"] is True


def test_update_draft_adds_changes_and_removes_lines(buyer, draft_po, sku):
    api = Api(buyer)
    doc = api.get(f"/{PO}/{draft_po.pk}").json()
    kept = doc["lines"][0]
    other = SkuFactory()
    body = {
        "version": doc["version"],
        "header": {**doc["header"], "remarks": "revised"},
        "lines": [
            {**kept["values"], "id": kept["id"], "quantity": "7"},
            {"sku": other.pk, "quantity": "3", "unit_price": "2.5"},
        ],
    }
    response = api.put(f"/{PO}/{draft_po.pk}", body)
    assert response.status_code == 200, response.json()
    doc = response.json()
    assert doc["version"] == 2 and doc["header"]["remarks"] == "revised"
    assert [(line["values"]["sku"], line["values"]["quantity"]) for line in doc["lines"]] == [
        (sku.pk, "7.0000"),
        (other.pk, "3.0000"),
    ]
    assert doc["lines"][0]["id"] == kept["id"]
    # Dropping a line removes it; the stale version is refused.
    body = {"version": 2, "lines": [{"id": doc["lines"][1]["id"], **doc["lines"][1]["values"]}]}
    assert [line["values"]["sku"] for line in api.put(f"/{PO}/{draft_po.pk}", body).json()["lines"]] == [other.pk]
    stale = api.put(f"/{PO}/{draft_po.pk}", {**body, "version": 2})
    assert stale.status_code == 400 and stale.json()["code"] == "stale_version"


def test_update_needs_a_version(buyer, draft_po):
    response = Api(buyer).put(f"/{PO}/{draft_po.pk}", {"lines": []})
    assert response.status_code == 400 and response.json()["field"] == "version"


def test_approved_documents_are_not_edited_but_changed(manager, buyer, approved_po):
    api = Api(manager)
    refused = api.put(f"/{PO}/{approved_po.pk}", {"version": approved_po.version, "lines": []})
    assert refused.status_code == 400 and refused.json()["code"] == "not_editable"

    assert Api(buyer).get(f"/{PO}/{approved_po.pk}").json()["can_change"] is True
    body = {"reason": "supplier moved the date", "header": {"expected_date": "2030-01-31"}}
    response = Api(buyer).post(f"/{PO}/{approved_po.pk}/changes", body)
    assert response.status_code == 201, response.json()
    record = response.json()
    assert record["changes"] == {"expected_date": [None, "2030-01-31"]}
    assert record["actor"] == buyer.username
    assert Api(buyer).get(f"/{PO}/{approved_po.pk}/changes").json()[0]["id"] == record["id"]
    doc = Api(buyer).get(f"/{PO}/{approved_po.pk}").json()
    assert doc["header"]["expected_date"] == "2030-01-31"
    assert doc["state"] == "approved" and doc["version"] == approved_po.version + 1

    no_reason = Api(buyer).post(f"/{PO}/{approved_po.pk}/changes", {"reason": "", "header": {"remarks": "x"}})
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    locked = Api(buyer).post(f"/{PO}/{approved_po.pk}/changes", {"reason": "r", "header": {"supplier": 1}})
    assert locked.status_code == 400 and locked.json()["field"] == "header.supplier"


def test_push_down_everything_by_default(clerk, approved_po):
    receipt = Api(clerk).post(f"/{PO}/{approved_po.pk}/push-down", {"target": PR}).json()
    assert [line["values"]["quantity"] for line in receipt["lines"]] == ["10.0000"]
    doc = Api(clerk).get(f"/{PO}/{approved_po.pk}").json()
    assert doc["lines"][0]["remaining"] == "0.0000"
    again = Api(clerk).post(f"/{PO}/{approved_po.pk}/push-down", {"target": PR})
    assert again.status_code == 400 and again.json()["code"] == "nothing_to_push"


def test_trace_withholds_what_the_caller_may_not_view(clerk, role_user, approved_po):
    receipt = Api(clerk).post(f"/{PO}/{approved_po.pk}/push-down", {"target": PR}).json()
    planner = role_user("planning")  # may view orders, not receipts
    node = Api(planner).get(f"/{PO}/{approved_po.pk}/trace").json()["down"][0]
    assert node["id"] == receipt["id"] and node["may_view"] is False
    assert node["number"] == node["state"] == ""
    node = Api(clerk).get(f"/{PO}/{approved_po.pk}/trace").json()["down"][0]
    assert node["may_view"] is True and node["state"] == "draft"


def test_audit_payload_is_json(buyer, draft_po):
    events = Api(buyer).get(f"/{PO}/{draft_po.pk}/audit").json()
    assert [e["action"] for e in events] == ["create"]
    assert events[0]["payload"]["lines"][0]["sku"] == draft_po.lines.get().sku_id


def test_type_key_works_as_well_as_slug(buyer, draft_po):
    assert Api(buyer).get(f"/purchasing.purchaseorder/{draft_po.pk}").json()["id"] == draft_po.pk


def test_create_returns_201_and_the_document(buyer, supplier, warehouse, sku):
    response = Api(buyer).post(f"/{PO}", po_body(supplier, warehouse, [(sku, "2.5", "3")]))
    assert response.status_code == 201
    po = PurchaseOrder.objects.get()
    assert response.json()["id"] == po.pk and po.created_by == buyer
    assert po.lines.get().quantity == Decimal("2.5")


def test_list_queries_do_not_grow_with_rows(buyer, supplier, warehouse, sku, django_assert_max_num_queries):
    for _ in range(3):
        make_purchase_order(actor=buyer, supplier=supplier, warehouse=warehouse, lines=[(sku, 1, 1)])
    api = Api(buyer)
    with django_assert_max_num_queries(15) as few:
        api.get(f"/{PO}")
    for _ in range(20):
        make_purchase_order(actor=buyer, supplier=supplier, warehouse=warehouse, lines=[(sku, 1, 1)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(f"/{PO}").json()["items"]) == 23
