"""The order push API: JSON batches through the same intake; idempotent; validated; refused
to roles without the permission."""

import json

import pytest
from django.test import Client

from shopflow.channels.models import Shop
from shopflow.core.tokens import api_token_create
from shopflow.sales.models import OnlineOrder, OrderState
from tests.factories import SkuFactory

URL = "/api/v1/channels/shops/TB01/orders"


def client(user) -> Client:
    _token, key = api_token_create(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {key}"})


def body(*nos, code="TX-BLK-M", message=""):
    return {"orders": [{"order_no": no, "status": "paid", "receiver_name": "李雷", "paid_amount": "59.00",
                        "receiver_address": "上海市浦东新区世纪大道100号", "receiver_mobile": "13900139000",
                        "buyer_message": message, "paid_at": "2026-11-11T00:01:00+08:00",
                        "lines": [{"title": "T恤", "sku_code": code, "quantity": "2", "price": "29.50"}]}
                       for no in nos]}


@pytest.fixture
def shop(db):
    SkuFactory(code="TX-BLK-M")
    return Shop.objects.create(code="TB01", name="悦衣旗舰店", auto_review=False)  # the review: below


def post(c, data):
    return c.post(URL, json.dumps(data), content_type="application/json")


def test_push_creates_then_updates_never_duplicates(shop, role_user):
    c = client(role_user("operations", "ops"))
    first = post(c, body("P1", "P2"))
    assert first.status_code == 200 and first.json() == {
        "created": 2, "updated": 0, "unchanged": 0, "held": 0, "auto_reviewed": False, "auto_approved": 0,
        "auto_held": 0, "review_problem": ""}
    again = post(c, body("P1", "P2", message="<script>alert(1)</script>"))
    assert again.json()["updated"] == 2 and OnlineOrder.objects.count() == 2
    o = OnlineOrder.objects.get(platform_order_no="P1")
    assert o.state == OrderState.TO_REVIEW and o.city == "上海市" and o.buyer_message.startswith("<script>")


def test_unknown_sku_is_held_not_dropped(shop, role_user):
    response = post(client(role_user("operations", "ops")), body("P9", code="NOPE"))
    assert response.json()["held"] == 1 and OnlineOrder.objects.get().state == OrderState.HELD


@pytest.mark.parametrize("broken, field", [
    ({"orders": []}, "orders"),
    ({"orders": [{"order_no": "X", "status": "paid", "lines": []}]}, "orders[0].lines"),
    ({"orders": [{"order_no": "X", "status": "teleported", "lines": [{"quantity": "1"}]}]}, "orders[0].status"),
    ({"orders": [{"order_no": "X", "status": "paid", "lines": [{"quantity": "-1"}]}]}, "orders[0].lines[0].quantity"),
])
def test_bad_batches_are_refused_with_the_field(shop, role_user, broken, field):
    response = post(client(role_user("operations", "ops")), broken)
    assert response.status_code == 400 and response.json()["field"] == field
    assert not OnlineOrder.objects.exists()


def test_refused_without_permission_or_unknown_shop(shop, role_user):
    assert post(client(role_user("designer", "d")), body("P1")).status_code == 403
    assert Client().post(URL, "{}", content_type="application/json").status_code == 401
    c = client(role_user("operations", "ops"))
    assert c.post("/api/v1/channels/shops/NOPE/orders", json.dumps(body("P1")),
                  content_type="application/json").status_code == 404
