"""/api/v1/orders: list and filters, detail, every review action singly and in bulk, errors with
field paths, stale versions, roles."""

import datetime
import json
from decimal import Decimal

import pytest
from django.test import Client

from shopflow.core.tokens import api_token_create
from shopflow.sales.models import CourierRule, GiftRule, OnlineOrder, OrderState
from tests.sales.conftest import T0, put_stock

BASE = "/api/v1/orders"


class Api:
    def __init__(self, user):
        _token, key = api_token_create(user=user, name="tests")
        self.client = Client(headers={"Authorization": f"Bearer {key}"})

    def get(self, path="", **params):
        return self.client.get(BASE + path, params)

    def post(self, path, body=None):
        return self.client.post(BASE + path, json.dumps(body) if body is not None else "",
                                content_type="application/json")


@pytest.fixture
def stocked(skus, wh):
    put_stock(skus["TX-BLK-M"], wh, 10)
    put_stock(skus["SOCKS-GIFT"], wh, 10)
    return skus


@pytest.fixture
def api(cs):
    return Api(cs)


def test_list_filters_and_detail(make_order, stocked, couriers, api):
    a = make_order("1001", [("TX-BLK-M", 2)], message="<script>x</script>")
    b = make_order("1002", paid_at=T0 + datetime.timedelta(minutes=1), buyer="tb_other")
    body = api.get(state="to_review").json()
    assert body["count"] == 2 and [o["platform_order_no"] for o in body["items"]] == ["1001", "1002"]
    assert api.get(courier=0).json()["count"] == 2
    assert api.get(mergeable="true").json()["count"] == 0
    assert api.get(state="nonsense").status_code == 400
    detail = api.get(f"/{a.pk}").json()
    assert detail["buyer_message"] == "<script>x</script>"  # JSON carries it as data; pages escape it
    assert detail["lines"][0]["sku_code"] == "TX-BLK-M" and detail["lines"][0]["quantity"] == "2.0000"
    assert detail["paid_amount"] == "89.00" and detail["version"] == 1 and detail["merge_candidates"] == []
    assert api.get("/999999").status_code == 404
    assert b.pk


def test_single_actions_and_errors(make_order, stocked, couriers, wh2, api):
    order = make_order("2001", [("TX-BLK-M", 3)])
    r = api.post(f"/{order.pk}/flag", {"flag": "red", "note": "要XL", "version": 1})
    assert r.status_code == 200 and r.json()["flag"] == "red" and r.json()["version"] == 2
    r = api.post(f"/{order.pk}/flag", {"flag": "red", "version": 1})
    assert r.status_code == 400 and r.json()["code"] == "stale_version"
    r = api.post(f"/{order.pk}/flag", {"flag": "pink"})
    assert r.status_code == 400 and r.json()["field"] == "flag"
    r = api.post(f"/{order.pk}/courier", {"courier": 99999})
    assert r.status_code == 400 and r.json()["field"] == "courier"
    r = api.post(f"/{order.pk}/courier", {"courier": couriers["SF"].pk})
    assert r.json()["courier"]["code"] == "SF"
    r = api.post(f"/{order.pk}/priority", {"priority": 1000})
    assert r.status_code == 400 and r.json()["field"] == "priority"
    assert api.post(f"/{order.pk}/priority", {"priority": 5}).json()["priority"] == 5
    assert api.post(f"/{order.pk}/confirm-address").json()["address_confirmed"] is True
    r = api.post(f"/{order.pk}/address", {"address": "火星"})
    assert r.status_code == 400 and r.json()["field"] == "address"
    r = api.post(f"/{order.pk}/warehouse", {"warehouse": wh2.pk})
    assert r.json()["warehouse"]["code"] == "WH-B"
    line = order.lines.get()
    r = api.post(f"/{order.pk}/split", {"quantities": {str(line.pk): "5"}})
    assert r.status_code == 400 and r.json()["field"] == f"quantities.{line.pk}"
    assert r.json()["errors"][0]["code"] == "exceeds_line"
    r = api.post(f"/{order.pk}/split", {"quantities": {str(line.pk): "3"}})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "whole_order"
    r = api.post(f"/{order.pk}/split", {"quantities": {"abc": "1"}})
    assert r.status_code == 400 and r.json()["field"].startswith("quantities")
    r = api.post(f"/{order.pk}/split", {"quantities": {str(line.pk): "1"}})
    assert r.status_code == 201 and r.json()["split_from"] == order.pk and r.json()["lines"][0]["quantity"] == "1.0000"
    r = api.post(f"/{order.pk}/approve")
    assert r.status_code == 200 and r.json()["state"] == "approved"
    r = api.post(f"/{order.pk}/hold", {"reason": ""})
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = api.post(f"/{order.pk}/hold", {"reason": "等买家回复"})
    assert r.json()["state"] == "held" and r.json()["holds"][-1] == {"code": "manual", "message": "等买家回复"}


def test_bulk_merge_and_auto_review(make_order, stocked, couriers, api):
    GiftRule.objects.create(name="满50送袜子", min_paid_amount=Decimal(50), sku=stocked["SOCKS-GIFT"])
    CourierRule.objects.create(name="要顺丰", kind="remark", values="顺丰", courier=couriers["SF"])
    a = make_order("3001")
    b = make_order("3002", paid_at=T0 + datetime.timedelta(minutes=1))
    c = make_order("3003", buyer="tb_c", remark="发顺丰")
    d = make_order("3004", buyer="tb_d", message="周末送")
    r = api.post("/merge", {"order_ids": [b.pk, a.pk]})
    assert r.status_code == 200 and r.json()["id"] == a.pk and len(r.json()["lines"]) == 2
    assert r.json()["merged_orders"][0]["platform_order_no"] == "3002"
    r = api.post("/merge", {"order_ids": [a.pk, c.pk]})
    assert r.status_code == 400 and r.json()["code"] == "not_mergeable"
    assert api.post("/merge", {"order_ids": [a.pk]}).status_code == 400
    r = api.post("/auto-review", {"shop": 99999})
    assert r.status_code == 400 and r.json()["field"] == "shop"
    r = api.post("/auto-review")
    assert r.status_code == 200
    summary = r.json()
    assert (summary["reviewed"], summary["approved"], summary["held"]) == (3, 2, 1)
    assert summary["holds"] == {"buyer_message": 1} and summary["gifts_added"] == 3
    c.refresh_from_db()
    assert c.courier == couriers["SF"]
    r = api.post("/flag", {"order_ids": [a.pk, d.pk], "flag": "green"})
    assert r.json() == {"done": [a.pk, d.pk], "refused": []}
    r = api.post("/approve", {"order_ids": [a.pk, d.pk]})
    assert r.json()["done"] == [d.pk] and r.json()["refused"][0]["order_no"] == "3001"
    r = api.post("/courier", {"order_ids": [d.pk], "courier": None})
    assert r.json()["done"] == [d.pk]
    assert api.post("/approve", {"order_ids": []}).status_code == 400


@pytest.mark.parametrize("role, read, write", [("designer", 403, 403), ("warehouse", 200, 403),
                                               ("operations", 200, 200)])
def test_roles(make_order, stocked, role_user, role, read, write):
    order = make_order("4001")
    api = Api(role_user(role, f"{role}-1"))
    assert api.get().status_code == read
    assert api.get(f"/{order.pk}").status_code == read
    assert api.post(f"/{order.pk}/flag", {"flag": "red"}).status_code == write
    assert api.post("/auto-review").status_code == write
    order.refresh_from_db()
    assert order.flag == ("red" if write == 200 else "")
    assert OnlineOrder.objects.get(pk=order.pk).state in (OrderState.TO_REVIEW, OrderState.APPROVED)


def test_no_token_is_401(make_order, stocked):
    assert Client().get(BASE).status_code == 401
