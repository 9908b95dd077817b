"""The purchase order → receipt flow, driven only through the API."""

from decimal import Decimal

from shopflow.inventory.models import StockBalance
from tests.api.conftest import PO, PR, Api, po_body


def test_purchase_order_to_receipt(buyer, manager, clerk, supplier, warehouse, sku):
    as_buyer, as_manager, as_clerk = Api(buyer), Api(manager), Api(clerk)

    # The buyer writes and submits an order.
    response = as_buyer.post(f"/{PO}", po_body(supplier, warehouse, [(sku, 10, "12.50")], remarks="first"))
    assert response.status_code == 201, response.json()
    po = response.json()
    assert po["state"] == "draft" and po["version"] == 1 and po["number"] == ""
    assert po["header"]["supplier"] == supplier.pk and po["header"]["remarks"] == "first"
    line = po["lines"][0]
    assert line["values"] == {"sku": sku.pk, "unit_price": "12.50", "required_date": None, "quantity": "10.0000",
                              "remarks": ""}
    assert {a["action"] for a in po["actions"]} == {"submit", "cancel"}
    po = as_buyer.post(f"/{PO}/{po['id']}/transitions/submit", {"version": 1}).json()
    assert po["state"] == "submitted"

    # Someone else approves it; approval takes the number.
    po = as_manager.post(f"/{PO}/{po['id']}/transitions/approve", {"version": po["version"]}).json()
    assert po["state"] == "approved" and po["number"].startswith("PO-")
    assert po["approved_by"] == manager.username

    # The warehouse receives 4 of 10.
    assert [t["key"] for t in as_clerk.get(f"/{PO}/{po['id']}").json()["push_targets"]] == [
        "purchasing.purchasereceipt"
    ]
    response = as_clerk.post(f"/{PO}/{po['id']}/push-down", {"target": PR, "quantities": {str(line["id"]): "4"}})
    assert response.status_code == 201, response.json()
    receipt = response.json()
    assert receipt["type"] == "purchasing.purchasereceipt" and receipt["state"] == "draft"
    assert receipt["lines"][0]["values"]["quantity"] == "4.0000"
    assert receipt["lines"][0]["values"]["unit_cost"] == "12.50"
    assert as_clerk.get(f"/{PO}/{po['id']}").json()["lines"][0]["remaining"] == "6.0000"

    # The clerk submits; the manager approves (creator may not approve own receipt).
    receipt = as_clerk.post(f"/{PR}/{receipt['id']}/transitions/submit").json()
    refused = as_clerk.post(f"/{PR}/{receipt['id']}/transitions/approve")
    assert refused.status_code == 409 and refused.json()["code"] == "self_approval"
    receipt = as_manager.post(f"/{PR}/{receipt['id']}/transitions/approve").json()
    assert receipt["state"] == "approved" and receipt["number"].startswith("PR-")
    assert StockBalance.objects.get(sku=sku, warehouse=warehouse).on_hand == Decimal("4")

    # Trace both ways.
    down = as_manager.get(f"/{PO}/{po['id']}/trace").json()
    assert down["up"] == []
    assert [(n["type"], n["id"], n["number"]) for n in down["down"]] == [
        ("purchasing.purchasereceipt", receipt["id"], receipt["number"])
    ]
    up = as_manager.get(f"/{PR}/{receipt['id']}/trace").json()
    assert [(n["type"], n["id"]) for n in up["up"]] == [("purchasing.purchaseorder", po["id"])]

    # The order's audit trail has every step, by the right people.
    events = as_manager.get(f"/{PO}/{po['id']}/audit").json()
    assert [(e["action"], e["actor"]) for e in events] == [
        ("create", buyer.username),
        ("submit", buyer.username),
        ("approve", manager.username),
        ("pushdown", clerk.username),
    ]
    assert events[2]["from_state"] == "submitted" and events[2]["to_state"] == "approved"

    # Un-approving the order is refused while the receipt stands.
    refused = as_manager.post(f"/{PO}/{po['id']}/transitions/unapprove", {"reason": "mistake"})
    assert refused.status_code == 409 and refused.json()["code"] == "has_downstream"
