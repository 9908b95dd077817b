"""Seed 000, section 1 through the API only: requisition (订单委外) → subcontract order → issue
list → transfers (with replenishment) → receipts → reconciliation → close; with the refusals."""

import datetime

from shopflow.subcontracting.models import MaterialIssueList
from tests.api.conftest import Api
from tests.subcontracting.conftest import D, qty

REQ = "purchasing-purchaserequisition"
ORDER = "subcontracting-subcontractorder"
LIST = "subcontracting-materialissuelist"
TRANSFER = "inventory-transferorder"
RECEIPT = "subcontracting-subcontractreceipt"


def _approve(submitter, approver, slug, doc):
    doc = submitter.post(f"/{slug}/{doc['id']}/transitions/submit", {"version": doc["version"]}).json()
    response = approver.post(f"/{slug}/{doc['id']}/transitions/approve", {"version": doc["version"]})
    assert response.status_code == 200, response.json()
    return response.json()


def test_seed_000_through_the_api(setup, cast):
    planner, manager, keeper, keeper2 = Api(cast.planner), Api(cast.manager), Api(cast.keeper), Api(cast.keeper2)
    today = datetime.date(2026, 11, 20)

    # 1.2.1 the requisition: arrival date must be after the requisition date
    body = {"header": {"business_type": "subcontract", "department": "purchasing", "plan_category": "standard",
                       "doc_date": str(today)},
            "lines": [{"sku": setup.tee.pk, "quantity": "50", "required_date": str(today)}]}
    refused = planner.post(f"/{REQ}", body)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "lines[0].required_date"
    body["lines"][0]["required_date"] = str(today + datetime.timedelta(days=20))
    requisition = planner.post(f"/{REQ}", body).json()
    # push-down from an unapproved requisition is refused
    early = planner.post(f"/{REQ}/{requisition['id']}/push-down", {"target": ORDER})
    assert early.status_code == 409 and early.json()["code"] == "source_not_approved"
    requisition = _approve(planner, manager, REQ, requisition)

    # 1.2.4 push down to a subcontract order, choosing the subcontractor
    response = planner.post(f"/{REQ}/{requisition['id']}/push-down",
                            {"target": ORDER, "header": {"subcontractor": setup.factory.pk}})
    assert response.status_code == 201, response.json()
    order = response.json()
    # the planner gives the order its number and the processing fee before submitting
    line = order["lines"][0]
    order = planner.put(f"/{ORDER}/{order['id']}", {"version": order["version"], "header": {
        **order["header"], "planner_number": "JH-2611-088"}, "lines": [
        {"id": line["id"], "sku": setup.tee.pk, "quantity": "50", "unit_fee": "6.50"}]})
    assert order.status_code == 200, order.json()
    order = _approve(planner, manager, ORDER, order.json())
    assert order["number"].startswith("WW-")

    # 1.2.5 the issue list: checked and approved by the planner
    issue_list_id = MaterialIssueList.objects.get(order_id=order["id"]).pk
    issue_list = planner.get(f"/{LIST}/{issue_list_id}").json()
    assert {line["values"]["sku"]: line["values"]["quantity"] for line in issue_list["lines"]} == {
        setup.fabric.pk: "63.0000", setup.label.pk: "50.0000"}
    issue_list = _approve(planner, planner, LIST, issue_list)
    trace = planner.get(f"/{REQ}/{requisition['id']}/trace").json()
    assert trace["down"][0]["type"] == "subcontracting.subcontractorder"
    assert trace["down"][0]["children"][0]["id"] == issue_list_id

    # 1.2.6 transfer from the raw-material warehouse into the subcontractor's; zero lines dropped
    fabric_line = next(x for x in issue_list["lines"] if x["values"]["sku"] == setup.fabric.pk)
    label_line = next(x for x in issue_list["lines"] if x["values"]["sku"] == setup.label.pk)
    transfer = planner.post(f"/{LIST}/{issue_list_id}/push-down", {
        "target": TRANSFER, "quantities": {str(fabric_line["id"]): "40", str(label_line["id"]): "0"}}).json()
    assert len(transfer["lines"]) == 1
    assert transfer["header"]["to_warehouse"] == setup.at_factory.pk
    _approve(planner, keeper, TRANSFER, transfer)
    # over-issue without the permission is refused
    over = planner.post(f"/{LIST}/{issue_list_id}/push-down", {
        "target": TRANSFER, "quantities": {str(fabric_line["id"]): "30"}, "over_reason": "损耗"})
    assert over.status_code == 400 and over.json()["errors"][0]["code"] == "over_push"
    # 1.2.7 replenishment: the rest
    rest = planner.post(f"/{LIST}/{issue_list_id}/push-down", {"target": TRANSFER}).json()
    _approve(planner, keeper, TRANSFER, rest)
    assert qty(setup.fabric, setup.at_factory) == D(63) and qty(setup.label, setup.at_factory) == D(50)

    # un-approving the order now is refused (its issue list is approved and has transfers)
    refused = manager.post(f"/{ORDER}/{order['id']}/transitions/unapprove", {"reason": "改"})
    assert refused.status_code == 409

    # receipt of everything; beyond the order refused
    order_line = order["lines"][0]["id"]
    beyond = keeper.post(f"/{ORDER}/{order['id']}/push-down", {"target": RECEIPT, "quantities": {
        str(order_line): "51"}})
    assert beyond.status_code == 400
    receipt = keeper.post(f"/{ORDER}/{order['id']}/push-down", {"target": RECEIPT}).json()
    _approve(keeper, keeper2, RECEIPT, receipt)
    assert qty(setup.tee, setup.finished) == D(50)

    rec = planner.client.get(f"/api/v1/subcontracting/orders/{order['id']}/reconciliation")
    assert rec.status_code == 200, rec.content
    rec = rec.json()
    assert rec["reconciled"] and rec["fees"] == "325.00"
    assert {m["sku"]: (m["issued"], m["consumed"], m["at_subcontractor"]) for m in rec["materials"]} == {
        "ML-JC-01": ("63.0000", "63.0000", "0.0000"), "FL-SB-01": ("50.0000", "50.0000", "0.0000")}
    closed = manager.post(f"/{ORDER}/{order['id']}/transitions/close", {})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


def test_reconciliation_api_refuses_roles_without_access(setup, cast, role_user):
    response = Api(role_user("designer", "d1")).client.get("/api/v1/subcontracting/processing-fees")
    assert response.status_code == 403
