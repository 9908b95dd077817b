"""/api/v1/fulfilment: the whole path over HTTP with a bearer token, errors as JSON with stable
codes, and roles enforced on the server."""

import json

import pytest
from django.test import Client

from shopflow.core.tokens import api_token_create
from shopflow.sales.models import OnlineOrder, OrderState

BASE = "/api/v1/fulfilment"
TEE, SOCK = "6970000000011", "6970000000035"


class Api:
    def __init__(self, user=None):
        headers = {}
        if user is not None:
            _token, key = api_token_create(user=user, name="tests")
            headers["Authorization"] = f"Bearer {key}"
        self.client = Client(headers=headers)

    def get(self, path, **params):
        return self.client.get(BASE + path, params)

    def post(self, path, body=None):
        return self.client.post(BASE + path, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def orders(quiet, stocked, make_order):
    return [make_order("A1", [("TEE-BLK-M", 2), ("SOCK-GRY-F", 1)]), make_order("A2", [("SOCK-GRY-F", 20)])]


def test_allocate_wave_pack_ship_hand_over_export(orders, wh, zto, cs, packer, shop):
    assert Api(packer).post("/allocate").json() | {"allocated_ids": None, "short_ids": None} == {
        "allocated": 1, "short": 1, "skipped": 0, "allocated_ids": None, "short_ids": None}
    warehouse = Api(packer)
    r = warehouse.post("/waves", {"warehouse": wh.pk, "courier": zto.pk})
    assert r.status_code == 201, r.content
    wave = r.json()
    assert wave["counts"]["waved"] == 1 and wave["parcels"][0]["platform_order_no"] == "A1"
    parcel_id = wave["parcels"][0]["id"]
    picks = warehouse.get(f"/waves/{wave['id']}/pick-list").json()
    assert [(p["sku_code"], p["quantity"]) for p in picks] == [("SOCK-GRY-F", "1"), ("TEE-BLK-M", "2")] or \
        [(p["sku_code"], p["quantity"]) for p in picks] == [("SOCK-GRY-F", "1.0000"), ("TEE-BLK-M", "2.0000")]
    r = warehouse.post("/tracking-numbers", {"courier": zto.pk, "numbers": ["751234567890001", "bad"]})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "numbers[1]"
    r = warehouse.post("/tracking-numbers", {"courier": zto.pk, "numbers": ["751234567890001"]})
    assert r.status_code == 201 and r.json() == {"added": 1, "skipped_blank": 0, "free": 1}
    assert warehouse.post(f"/waves/{wave['id']}/assign-tracking").json() == {"assigned": 1}
    assert warehouse.get("/parcels/find", code="751234567890001").json()["id"] == parcel_id
    assert warehouse.get("/parcels/find", code="nope").status_code == 404
    check = warehouse.post(f"/parcels/{parcel_id}/check", {"scans": [TEE, "TEE-WHT-L"]}).json()
    assert check["ok"] is False and check["wrong"][0]["code"] == "TEE-WHT-L"
    assert any("SOCK-GRY-F" in m for m in check["messages"])  # "Missing item: …" in the reader's language
    r = warehouse.post(f"/parcels/{parcel_id}/pack", {"scans": [TEE, TEE, SOCK, SOCK], "weight": "0.5"})
    assert r.status_code == 400 and r.json()["code"] == "packing_refused"
    assert r.json()["errors"][0]["code"] == "extra_item"
    r = warehouse.post(f"/parcels/{parcel_id}/pack", {"scans": [TEE, TEE, SOCK]})
    assert r.status_code == 400 and r.json()["field"] == "weight"
    r = warehouse.post(f"/parcels/{parcel_id}/pack", {"scans": [TEE, TEE, SOCK], "weight": "0.5"})
    assert r.status_code == 200 and r.json()["state"] == "shipped", r.content
    assert OnlineOrder.objects.get(platform_order_no="A1").state == OrderState.SHIPPED
    note = warehouse.get(f"/parcels/{parcel_id}/delivery-note").json()
    assert note["platform_order_nos"] == ["A1"] and note["tracking_no"] == "751234567890001"
    r = warehouse.post("/handovers", {"courier": zto.pk, "warehouse": wh.pk})
    assert r.status_code == 201 and r.json()["parcel_count"] == 1 and r.json()["total_weight"] == "0.500"
    assert warehouse.post("/handovers", {"courier": zto.pk, "warehouse": wh.pk}).json()["code"] == \
        "nothing_to_hand_over"
    rows = warehouse.get("/tracking-export", shop=shop.pk).json()
    assert [(x["platform_order_no"], x["tracking_no"]) for x in rows] == [("A1", "751234567890001")]
    csv = warehouse.get("/tracking-export", shop=shop.pk, format="csv")
    assert csv["Content-Type"] == "text/csv; charset=gbk"
    assert csv.content.decode("gbk").startswith("订单编号,物流公司,运单号\r\nA1,")
    report = warehouse.get("/shipped-report").json()
    # Paid on 11 November (the fixture's day), shipped today: not within 24 hours.
    assert report["parcels"] == 1 and report["within"] == 0 and report["within_share"] == "0.00"
    board = Api(cs).get("/service-board").json()
    assert {r["platform_order_no"] for r in board["late"]} == {"A2"}  # paid 2026-11-11, still short


def test_many_waves_in_one_call(orders, wh, packer, cs):
    assert Api(cs).post("/waves/many", {"warehouse": wh.pk, "limit": 1}).status_code == 403
    assert Api(packer).post("/allocate").json()["allocated"] == 1  # A1; A2 is short
    r = Api(packer).post("/waves/many", {"warehouse": wh.pk, "limit": 1, "waves": 2})
    assert r.status_code == 201, r.content
    waves = r.json()
    assert len(waves) == 1 and waves[0]["number"].startswith("BC-")  # one eligible order: one wave
    refused = Api(packer).post("/waves/many", {"warehouse": wh.pk, "waves": 0})
    assert refused.status_code == 400 and "waves" in refused.content.decode()


def test_nothing_to_wave_is_a_clear_400(orders, wh, packer):
    r = Api(packer).post("/waves", {"warehouse": wh.pk})
    assert r.status_code == 400 and r.json()["code"] == "nothing_to_wave"


def test_roles_are_enforced(orders, wh, zto, cs, role_user):
    assert Api().post("/allocate").status_code == 401
    finance = Api(role_user("finance", "fin-1"))
    assert finance.post("/allocate").status_code == 403
    assert Api(cs).post("/waves", {"warehouse": wh.pk}).status_code == 403  # customer service does not wave
    assert Api(cs).post("/tracking-numbers", {"courier": zto.pk, "numbers": ["751234567890001"]}).status_code == 403
    assert Api(cs).post("/allocate").status_code == 200  # but may allocate orders
    parcel_free = Api(role_user("purchasing", "buyer-1"))
    assert parcel_free.get("/waves").status_code == 403
    assert parcel_free.get("/tracking-export", shop=1).status_code == 403
    assert parcel_free.get("/service-board").status_code == 403


def test_pack_needs_the_warehouse(orders, wh, zto, cs, packer):
    Api(packer).post("/allocate")
    wave = Api(packer).post("/waves", {"warehouse": wh.pk}).json()
    parcel_id = wave["parcels"][0]["id"]
    r = Api(cs).post(f"/parcels/{parcel_id}/pack", {"scans": [TEE, TEE, SOCK], "weight": "0.5"})
    assert r.status_code == 403
    r = Api(packer).post(f"/parcels/{parcel_id}/cancel", {"reason": ""})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "reason"
    r = Api(packer).post(f"/parcels/{parcel_id}/cancel", {"reason": "地址错误"})
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    r = Api(cs).post(f"/orders/{wave['parcels'][0]['order_id']}/deallocate")
    assert r.status_code == 200 and r.json()["allocation"] == ""
