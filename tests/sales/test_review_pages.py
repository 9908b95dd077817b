"""The review workbench through the web client: filters (courier, could be merged, hold reason),
bulk actions on selected rows, the automatic review button, the order page (gift mark, platform
order of merged lines, courier, warehouse, allocation and shortages, merge candidates, split
form) with hostile text escaped, and roles that may only look."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shopflow.sales.models import GiftRule, OnlineOrder, OrderState
from shopflow.sales.review import orders_auto_review
from tests.sales.conftest import T0, put_stock

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stocked(skus, wh):
    put_stock(skus["TX-BLK-M"], wh, 10)
    put_stock(skus["SOCKS-GIFT"], wh, 10)
    return skus


@pytest.fixture
def cs_client(cs):
    return client_of(cs)


def test_list_filters_by_courier_mergeable_and_hold(make_order, stocked, couriers, cs, cs_client):
    a = make_order("1001")
    b = make_order("1002", paid_at=T0 + datetime.timedelta(minutes=3))
    c = make_order("1003", receiver="李雷", message="要发顺丰")
    orders_auto_review(actor=cs)
    url = reverse("web:order_list")
    page = cs_client.get(url, {"mergeable": "on"}).content.decode()
    assert f'data-order-id="{a.pk}"' in page and f'data-order-id="{b.pk}"' in page
    assert f'data-order-id="{c.pk}"' not in page
    page = cs_client.get(url, {"courier": couriers["STO"].pk}).content.decode()
    assert f'data-order-id="{a.pk}"' in page
    page = cs_client.get(url, {"courier": "0"}).content.decode()
    assert f'data-order-id="{a.pk}"' not in page and "申通快递" in cs_client.get(url).content.decode()
    page = cs_client.get(url, {"hold": "buyer_message"}).content.decode()
    assert f'data-order-id="{c.pk}"' in page and f'data-order-id="{a.pk}"' not in page
    assert "买家留言" in page or "留言" in page  # the hold is worded in Chinese on the page


def test_bulk_actions_through_the_web(make_order, stocked, couriers, cs_client):
    a, b = make_order("2001"), make_order("2002", paid_at=T0 + datetime.timedelta(minutes=1))
    bad = make_order("2003", [("NOPE", 1)])
    bulk = reverse("web:order_bulk")
    back = reverse("web:order_list") + "?state=to_review"
    response = cs_client.post(bulk, {"action": "flag", "flag": "green", "note": "汇款已到", "ids": [a.pk, b.pk],
                                     "next": back})
    assert response.status_code == 302 and response["Location"] == back
    response = cs_client.post(bulk, {"action": "courier", "courier": couriers["SF"].pk, "ids": [a.pk]})
    a.refresh_from_db()
    assert (a.flag, a.note, a.courier) == ("green", "汇款已到", couriers["SF"])
    response = cs_client.post(bulk, {"action": "approve", "ids": [a.pk, b.pk, bad.pk]}, follow=True)
    page = response.content.decode()
    assert "2003" in page and "NOPE" in page  # says which order was refused and why
    a.refresh_from_db()
    bad.refresh_from_db()
    assert a.state == OrderState.APPROVED and bad.state == OrderState.HELD
    # Nothing selected, an unknown action, an external "next".
    assert cs_client.post(bulk, {"action": "approve"}).status_code == 302
    assert cs_client.post(bulk, {"action": "drop", "ids": [a.pk]}).status_code == 403
    response = cs_client.post(bulk, {"action": "flag", "flag": "red", "ids": [b.pk], "next": "https://evil.example/"})
    assert response["Location"] == reverse("web:order_list")


def test_bulk_merge_and_refused_merge(make_order, stocked, cs_client):
    a = make_order("3001")
    b = make_order("3002", paid_at=T0 + datetime.timedelta(minutes=1))
    elsewhere = make_order("3003", address="上海市浦东新区世纪大道100号")
    response = cs_client.post(reverse("web:order_bulk"), {"action": "merge", "ids": [a.pk, elsewhere.pk]},
                              follow=True)
    elsewhere.refresh_from_db()
    assert elsewhere.state == OrderState.TO_REVIEW and "3003" in response.content.decode()
    response = cs_client.post(reverse("web:order_bulk"), {"action": "merge", "ids": [b.pk, a.pk]})
    assert response["Location"] == reverse("web:order_detail", args=[a.pk])
    b.refresh_from_db()
    assert b.state == OrderState.MERGED and b.merged_into_id == a.pk


def test_auto_review_button(make_order, stocked, shop, cs_client):
    order = make_order("4001")
    response = cs_client.post(reverse("web:order_auto_review"), {"shop": shop.pk}, follow=True)
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED and "1" in response.content.decode()


def test_detail_page_shows_gift_source_order_candidates_and_escapes_the_buyer(make_order, stocked, cs, cs_client):
    GiftRule.objects.create(name="满50送袜子", min_paid_amount=Decimal(50), sku=stocked["SOCKS-GIFT"])
    hostile = make_order("5001", message=XSS, remark=XSS, buyer="tb_<b>bold</b>")
    twin = make_order("5002", paid_at=T0 + datetime.timedelta(minutes=1), buyer="tb_<b>bold</b>")
    orders_auto_review(actor=cs)
    page = cs_client.get(reverse("web:order_detail", args=[hostile.pk])).content.decode()
    assert XSS not in page and "<b>bold</b>" not in page and "&lt;script&gt;" in page
    assert 'class="badge bg-pink-lt sf-gift"' in page  # the gift line
    assert 'id="sf-merge-form"' in page and f'value="{twin.pk}"' in page
    assert 'id="sf-split-form"' in page and 'name="qty-' in page
    assert "申通快递" in page and "成品仓A" in page  # courier, ship-from warehouse
    hostile.refresh_from_db()
    OnlineOrder.objects.filter(pk=hostile.pk).update(allocation="short", shortages=[
        {"sku_id": 1, "sku": "<i>TX</i>", "missing": "2"}])
    page = cs_client.get(reverse("web:order_detail", args=[hostile.pk])).content.decode()
    assert 'id="sf-shortages"' in page and "<i>TX</i>" not in page and "&lt;i&gt;TX&lt;/i&gt;" in page
    # After merging, the survivor's lines name the platform order they came from.
    cs_client.post(reverse("web:order_bulk"), {"action": "merge", "ids": [hostile.pk, twin.pk]})
    page = cs_client.get(reverse("web:order_detail", args=[hostile.pk])).content.decode()
    assert 'class="sf-source-order">5002<' in page


def test_detail_actions_split_confirm_priority_courier(make_order, stocked, couriers, wh2, cs_client):
    order = make_order("6001", [("TX-BLK-M", 3)])
    line = order.lines.get()
    do = lambda action, data: cs_client.post(  # noqa: E731
        reverse("web:order_action", args=[order.pk, action]), {"version": order.version, **data}, follow=True)
    page = do("split", {f"qty-{line.pk}": "5"}).content.decode()
    assert "3" in page and OnlineOrder.objects.filter(platform_order_no="6001").count() == 1
    do("split", {f"qty-{line.pk}": "1", "warehouse": wh2.pk})
    child = OnlineOrder.objects.get(platform_order_no="6001", split_from=order)
    assert child.warehouse == wh2
    order.refresh_from_db()
    do("confirm_address", {"confirmed": "1"})
    order.refresh_from_db()
    assert order.address_confirmed
    do("priority", {"priority": "7"})
    order.refresh_from_db()
    assert order.priority == 7
    page = do("priority", {"priority": "abc"}).content.decode()
    order.refresh_from_db()
    assert order.priority == 7 and "99" in page
    do("courier", {"courier": couriers["EMS"].pk})
    order.refresh_from_db()
    assert order.courier == couriers["EMS"]
    stale = cs_client.post(reverse("web:order_action", args=[order.pk, "courier"]),
                           {"version": order.version - 1, "courier": couriers["SF"].pk}, follow=True)
    order.refresh_from_db()
    assert order.courier == couriers["EMS"] and "重新" in stale.content.decode()


@pytest.mark.parametrize("role", ["warehouse", "finance"])
def test_roles_that_may_only_look(make_order, stocked, role_user, role):
    order = make_order("7001")
    client = client_of(role_user(role, f"{role}-1"))
    page = client.get(reverse("web:order_list")).content.decode()
    assert "7001" in page and 'id="sf-bulkbar"' not in page and 'name="ids"' not in page
    assert client.post(reverse("web:order_bulk"), {"action": "flag", "flag": "red", "ids": [order.pk]}).status_code \
        == 403
    assert client.post(reverse("web:order_auto_review")).status_code == 403
    page = client.get(reverse("web:order_detail", args=[order.pk])).content.decode()
    assert 'id="sf-split-form"' not in page
    assert client.post(reverse("web:order_action", args=[order.pk, "split"]), {}).status_code == 403
    order.refresh_from_db()
    assert order.flag == "" and order.version == 1


def test_designer_cannot_open(make_order, stocked, role_user):
    client = client_of(role_user("designer", "d-1"))
    assert client.get(reverse("web:order_list")).status_code == 403
    assert client.post(reverse("web:order_bulk"), {"action": "approve", "ids": [1]}).status_code == 403
