"""取消合并 — undoing a merge of online orders: every merged order gets back the lines it came
with (gifts included) and stands alone again, the survivor's reservations are let go, every order
goes back to review (held where holds remain, cancelled if the platform closed it), audited; the
refusals (nothing merged, shipped, cancelled, itself merged, in a parcel, stale version, wrong
role) change nothing; the API operation and the order page's button; on PostgreSQL, two undos of
one merge at once, and an undo racing a new merge into the same order."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from shopflow.channels.formats import PlatformStatus
from shopflow.core.errors import DomainError, PermissionDeniedError
from shopflow.core.models import AuditEvent
from shopflow.core.tokens import api_token_create
from shopflow.fulfilment.models import Parcel, Wave
from shopflow.inventory.models import StockBalance, StockReservation
from shopflow.sales import online
from shopflow.sales.models import GiftRule, OnlineOrder, OnlineOrderLine, OrderState
from shopflow.sales.review import online_order_merge, online_order_unmerge, orders_auto_review
from shopflow.sales.selectors import merge_candidates
from tests.concurrency import run_together
from tests.sales.conftest import T0, put_stock, reserve

HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def no_allocation(monkeypatch):
    """Fulfilment's allocation listener is not under test: reservations are made by hand (reserve)."""
    monkeypatch.setattr(online, "_approval_listeners", [])


@pytest.fixture
def stocked(skus, wh):
    for sku in skus.values():
        put_stock(sku, wh, 20)
    return skus


@pytest.fixture
def three(make_order, stocked, cs):
    """a (paid first, approved, its stock reserved), b and c to review; merged into a."""
    a = make_order("U001", [("TX-BLK-M", 2)], paid_at=T0)
    b = make_order("U002", [("TX-WHT-L", 1), ("TX-BLK-M", 1)], paid_at=T0 + HOUR)
    c = make_order("U003", [("TX-WHT-L", 3)], paid_at=T0 + 2 * HOUR)
    online.online_order_approve(order=a, actor=cs)
    reserve(a)
    return a, b, c


def lines_of(order) -> list[tuple]:
    return list(OnlineOrderLine.objects.filter(order=order).order_by("line_no").values_list(
        "line_no", "sku_code", "quantity", "price", "is_gift", "source_order_id"))


def fresh(*orders) -> list[OnlineOrder]:
    return [OnlineOrder.objects.get(pk=o.pk) for o in orders]


def reserved(sku, wh) -> Decimal:
    return StockBalance.objects.get(sku=sku, warehouse=wh).reserved


def in_parcel(order, wh, courier, number="BC-20261111-0009"):
    wave = Wave.objects.create(number=number, warehouse=wh, courier=courier)
    return Parcel.objects.create(order=order, wave=wave, warehouse=wh, courier=courier)


# ---------------------------------------------------------------- the service


def test_round_trip_gives_every_order_its_lines_back(three, stocked, wh, cs):
    a, b, c = three
    before = {o.pk: lines_of(o) for o in three}
    assert reserved(stocked["TX-BLK-M"], wh) == 2
    survivor = online_order_merge(orders=[c, b, a], actor=cs)
    assert survivor.pk == a.pk and OnlineOrderLine.objects.filter(order=a).count() == 4
    survivor = fresh(a)[0]
    online.online_order_approve(order=survivor, actor=cs)
    reserve(survivor)  # allocation of the merged order
    assert reserved(stocked["TX-BLK-M"], wh) == 3 and reserved(stocked["TX-WHT-L"], wh) == 4
    version = fresh(a)[0].version

    result = online_order_unmerge(order=a, actor=cs, expected_version=version)

    assert result.order.pk == a.pk and [o.pk for o in result.restored] == [b.pk, c.pk]
    for order in fresh(a, b, c):
        assert lines_of(order) == before[order.pk], order.platform_order_no  # numbers, SKUs, quantities, prices
        assert order.state == OrderState.TO_REVIEW and order.holds == [] and order.merged_into_id is None
        assert order.allocation == "" and order.shortages == []
    a, b, c = fresh(a, b, c)
    assert a.version == version + 1 and b.version == c.version == 3  # import 1, merge 2, unmerge 3
    # The survivor's reservations are let go; nothing is reserved for any of them.
    assert reserved(stocked["TX-BLK-M"], wh) == 0 and reserved(stocked["TX-WHT-L"], wh) == 0
    assert not StockReservation.objects.filter(origin_type="sales.onlineorder", open=True).exists()
    assert not a.merged_orders.exists()
    # They are merge candidates again, and a second round trip works the same.
    assert {o.pk for o in merge_candidates(a)} == {b.pk, c.pk}
    online_order_merge(orders=[a, b, c], actor=cs)
    online_order_unmerge(order=a, actor=cs)
    assert {o.pk: lines_of(o) for o in fresh(a, b, c)} == before


def test_audit_events_in_the_same_transaction(three, cs):
    a, b, c = three
    online_order_merge(orders=[a, b, c], actor=cs)
    online_order_unmerge(order=a, actor=cs)
    events = AuditEvent.objects.filter(doc_type="sales.onlineorder", action__in=("unmerge", "unmerged"))
    assert {(e.doc_id, e.action, e.from_state, e.to_state) for e in events} == {
        (a.pk, "unmerge", "to_review", "to_review"), (b.pk, "unmerged", "merged", "to_review"),
        (c.pk, "unmerged", "merged", "to_review")}
    unmerge = events.get(action="unmerge")
    assert unmerge.payload == {"restored": ["U002", "U003"], "lines": 3} and unmerge.actor == cs
    assert events.get(doc_id=b.pk).payload == {"from": "U001", "from_id": a.pk, "lines": 2}


def test_orders_merged_into_a_merged_order_all_stand_alone_again(make_order, stocked, cs):
    x = make_order("U101", [("TX-BLK-M", 1)], paid_at=T0 + 2 * HOUR)
    y = make_order("U102", [("TX-WHT-L", 2)], paid_at=T0 + HOUR)
    online_order_merge(orders=[x, y], actor=cs)  # x into y
    z = make_order("U103", [("SOCKS-GIFT", 5)], paid_at=T0)
    online_order_merge(orders=[y, z], actor=cs)  # y (with x) into z: x follows to z
    assert set(OnlineOrder.objects.filter(merged_into=z).values_list("pk", flat=True)) == {x.pk, y.pk}
    result = online_order_unmerge(order=z, actor=cs)
    assert {o.pk for o in result.restored} == {x.pk, y.pk}
    x, y, z = fresh(x, y, z)
    assert [(n, code, q) for n, code, q, *_ in lines_of(x)] == [(1, "TX-BLK-M", 1)]
    assert [(n, code, q) for n, code, q, *_ in lines_of(y)] == [(1, "TX-WHT-L", 2)]
    assert [(n, code, q) for n, code, q, *_ in lines_of(z)] == [(1, "SOCKS-GIFT", 5)]
    assert {o.state for o in (x, y, z)} == {OrderState.TO_REVIEW}


def test_refusals_change_nothing(make_order, three, wh, couriers, cs, role_user):
    a, b, c = three
    online_order_merge(orders=[a, b, c], actor=cs)
    a = fresh(a)[0]
    snapshot = lambda: [(o.state, o.version, o.merged_into_id, lines_of(o)) for o in fresh(a, b, c)]  # noqa: E731
    kept = snapshot()

    lone = make_order("U201")
    with pytest.raises(DomainError) as exc:
        online_order_unmerge(order=lone, actor=cs)
    assert exc.value.code == "not_merged" and "U201" in exc.value.message
    with pytest.raises(DomainError) as exc:  # the merged order itself: names the survivor
        online_order_unmerge(order=b, actor=cs)
    assert exc.value.code == "not_unmergeable" and "U002" in exc.value.message and "U001" in exc.value.message
    with pytest.raises(DomainError) as exc:
        online_order_unmerge(order=a, actor=cs, expected_version=a.version - 1)
    assert exc.value.code == "stale_version" and "U001" in exc.value.message
    for role in ("warehouse", "finance", "designer"):
        with pytest.raises(PermissionDeniedError):
            online_order_unmerge(order=a, actor=role_user(role, f"{role}-u"))
    with pytest.raises(PermissionDeniedError):
        online_order_unmerge(order=a, actor=None)
    parcel = in_parcel(a, wh, couriers["STO"])
    with pytest.raises(DomainError) as exc:
        online_order_unmerge(order=a, actor=cs)
    assert exc.value.code == "in_parcel" and "BC-20261111-0009" in exc.value.message and "U001" in exc.value.message
    assert snapshot() == kept
    Parcel.objects.filter(pk=parcel.pk).update(state="cancelled")  # taken out of the wave: allowed again
    for state, word in ((OrderState.SHIPPED, "Shipped"), (OrderState.CANCELLED, "Cancelled")):
        OnlineOrder.objects.filter(pk=a.pk).update(state=state)
        with pytest.raises(DomainError) as exc:
            online_order_unmerge(order=a, actor=cs)
        assert exc.value.code == "not_unmergeable" and word in exc.value.message and "U001" in exc.value.message
    OnlineOrder.objects.filter(pk=a.pk).update(state=OrderState.TO_REVIEW)
    assert snapshot() == kept
    online_order_unmerge(order=a, actor=cs)
    with pytest.raises(DomainError) as exc:  # done once: nothing left to undo
        online_order_unmerge(order=a, actor=cs)
    assert exc.value.code == "not_merged"


def test_holds_go_to_the_orders_they_belong_to(make_order, stocked, cs):
    a = make_order("U301", [("NOPE-1", 1)], paid_at=T0)  # held by the intake: unknown item code
    b = make_order("U302", paid_at=T0 + HOUR, message="周五前发货")
    c = make_order("U303", paid_at=T0 + 2 * HOUR)
    orders_auto_review(actor=cs, order_ids=[b])  # held: buyer message
    survivor = online_order_merge(orders=[a, b, c], actor=cs)
    online.online_order_hold(order=survivor, actor=cs, reason="等买家确认颜色")
    assert {h["code"] for h in fresh(a)[0].holds} == {"unknown_sku", "buyer_message", "manual"}
    online_order_unmerge(order=a, actor=cs)
    a, b, c = fresh(a, b, c)
    manual = {"code": "manual", "message": "等买家确认颜色"}
    # Each order's own problems stay with it; a person's hold goes with every part.
    assert a.state == OrderState.HELD and a.holds == [{"code": "unknown_sku", "codes": ["NOPE-1"]}, manual]
    assert b.state == OrderState.HELD and b.holds == [{"code": "buyer_message"}, manual]
    assert c.state == OrderState.HELD and c.holds == [manual]


def test_no_stock_holds_are_left_to_the_review(make_order, skus, wh, cs):
    put_stock(skus["TX-BLK-M"], wh, 1)
    a = make_order("U351", paid_at=T0)
    b = make_order("U352", paid_at=T0 + HOUR)
    survivor = online_order_merge(orders=[a, b], actor=cs)
    orders_auto_review(actor=cs, order_ids=[survivor])
    assert [h["code"] for h in fresh(a)[0].holds] == ["no_stock"] and fresh(a)[0].flag == "yellow"  # 2 wanted, 1
    online_order_unmerge(order=a, actor=cs)
    assert [(o.state, o.holds, o.flag) for o in fresh(a, b)] == [(OrderState.TO_REVIEW, [], "")] * 2
    orders_auto_review(actor=cs, order_ids=[a, b])
    assert [o.state for o in fresh(a, b)] == [OrderState.APPROVED, OrderState.HELD]  # first paid gets the one


@pytest.mark.parametrize(("status", "state", "holds"), [
    (PlatformStatus.REFUNDING, OrderState.HELD, [{"code": "refund"}]),
    (PlatformStatus.CLOSED, OrderState.CANCELLED, []),
])
def test_a_refunded_or_closed_merged_order_comes_out_on_its_own(make_order, stocked, cs, status, state, holds):
    a = make_order("U401", paid_at=T0)
    b = make_order("U402", [("TX-WHT-L", 2)], paid_at=T0 + HOUR)
    online_order_merge(orders=[a, b], actor=cs)
    make_order("U402", [("TX-WHT-L", 2)], paid_at=T0 + HOUR, status=status)  # the platform's news
    a = fresh(a)[0]
    assert a.state == OrderState.HELD and a.holds == [{"code": "merged_refund", "orders": ["U402"]}]
    online_order_unmerge(order=a, actor=cs)
    a, b = fresh(a, b)
    assert (a.state, a.holds) == (OrderState.TO_REVIEW, [])  # the rest can ship
    assert (b.state, b.holds) == (state, holds) and [x[1:3] for x in lines_of(b)] == [("TX-WHT-L", 2)]


def test_gifts_stay_with_the_order_they_were_given_to(make_order, stocked, cs):
    GiftRule.objects.create(name="满50送袜子", min_paid_amount=Decimal(50), sku=stocked["SOCKS-GIFT"])
    b = make_order("U502", paid_at=T0 + HOUR)
    orders_auto_review(actor=cs, order_ids=[b])  # b gets its gift before the merge
    a = make_order("U501", paid_at=T0)
    online_order_merge(orders=[a, b], actor=cs)
    summary = orders_auto_review(actor=cs, order_ids=[a])  # the merged order gets a's gift (not b's again)
    assert summary.gifts_added == 1
    assert OnlineOrderLine.objects.filter(order=a, is_gift=True).count() == 2
    online_order_unmerge(order=a, actor=cs)
    for order in (a, b):
        assert [(x[1], x[4], x[5]) for x in lines_of(order)] == [("TX-BLK-M", False, None),
                                                               ("SOCKS-GIFT", True, None)]
    summary = orders_auto_review(actor=cs, order_ids=[a, b])
    assert summary.gifts_added == 0 and summary.approved == 2  # no order gets a gift twice


def test_a_corrected_address_and_the_merge_note(make_order, stocked, cs):
    a = make_order("U601", paid_at=T0)
    b = make_order("U602", paid_at=T0 + HOUR)
    online.online_order_flag(order=a, actor=cs, flag="", note="老客户")
    online.online_order_flag(order=b, actor=cs, flag="", note="要加急\n第二行")
    survivor = online_order_merge(orders=[a, b], actor=cs)
    assert survivor.note == "老客户\n[U602] 要加急\n第二行"
    online.online_order_correct_address(order=survivor, actor=cs, address="上海市浦东新区世纪大道100号",
                                        confirmed=True)
    online_order_unmerge(order=a, actor=cs)
    a, b = fresh(a, b)
    assert a.note == "老客户" and b.note == "要加急\n第二行"
    # The address corrected on the merged order was corrected for b's goods too.
    assert (b.address, b.province, b.address_edited, b.address_confirmed) == (
        "上海市浦东新区世纪大道100号", a.province, True, True)
    assert AuditEvent.objects.get(doc_id=b.pk, action="unmerged").payload["address"] == "上海市浦东新区世纪大道100号"
    assert [o.pk for o in merge_candidates(a)] == [b.pk]


# ---------------------------------------------------------------- API


class Api:
    def __init__(self, user):
        _token, key = api_token_create(user=user, name="tests")
        self.client = Client(headers={"Authorization": f"Bearer {key}"})

    def post(self, path, body=None):
        return self.client.post("/api/v1/orders" + path, body if body is not None else "",
                                content_type="application/json")


def test_api_unmerge(three, cs, role_user):
    a, b, c = three
    api = Api(cs)
    assert api.post(f"/{a.pk}/unmerge").json()["code"] == "not_merged"
    online_order_merge(orders=[a, b, c], actor=cs)
    version = fresh(a)[0].version
    assert Api(role_user("warehouse", "wh-api")).post(f"/{a.pk}/unmerge").status_code == 403
    r = api.post(f"/{a.pk}/unmerge", {"version": version - 1})
    assert r.status_code == 400 and r.json()["code"] == "stale_version"
    r = api.post(f"/{b.pk}/unmerge")
    assert r.status_code == 400 and r.json()["code"] == "not_unmergeable"
    assert api.post("/999999999/unmerge").status_code == 404
    assert api.post("/0/unmerge").status_code in (404, 422)
    r = api.post(f"/{a.pk}/unmerge", {"version": version})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["order"]["id"] == a.pk and body["order"]["merged_orders"] == []
    assert [ln["sku_code"] for ln in body["order"]["lines"]] == ["TX-BLK-M"]
    assert body["restored"] == [{"id": b.pk, "platform_order_no": "U002", "state": "to_review"},
                                {"id": c.pk, "platform_order_no": "U003", "state": "to_review"}]
    assert api.post(f"/{a.pk}/unmerge").json()["code"] == "not_merged"


# ---------------------------------------------------------------- the order page


def client_of(user, **kwargs) -> Client:
    """A logged-in client reading the pages in English (the new words are translated by the lead's
    merge of the catalogue; the English texts are what these assertions can rely on)."""
    client = Client(headers={"Accept-Language": "en"}, **kwargs)
    client.force_login(user)
    return client


def test_page_button_only_for_an_order_with_merged_orders(three, wh, couriers, cs, role_user):
    a, b, c = three
    client = client_of(cs)
    detail = lambda o, who=client: who.get(reverse("web:order_detail", args=[o.pk])).content.decode()  # noqa: E731
    assert 'id="sf-unmerge"' not in detail(a)
    online_order_merge(orders=[a, b, c], actor=cs)
    page = detail(a)
    assert 'id="sf-unmerge-form"' in page and "Undo merge" in page and "Yes, undo the merge" in page
    assert f'action="{reverse("web:order_unmerge", args=[a.pk])}"' in page
    assert 'id="sf-unmerge"' not in detail(b)  # the merged order itself has no button
    assert 'id="sf-unmerge"' not in detail(a, client_of(role_user("warehouse", "wh-page")))  # may only look
    in_parcel(a, wh, couriers["STO"])
    page = detail(a)
    assert 'id="sf-unmerge"' in page and 'id="sf-unmerge-form"' not in page  # shown, disabled


def test_page_unmerge_post(three, cs, role_user):
    a, b, c = three
    online_order_merge(orders=[a, b, c], actor=cs)
    url = reverse("web:order_unmerge", args=[a.pk])
    version = fresh(a)[0].version
    client = client_of(cs)
    assert client.get(url).status_code == 405
    for role in ("warehouse", "finance"):
        assert client_of(role_user(role, f"{role}-p")).post(url, {"version": version}).status_code == 403
    assert client_of(role_user("designer", "d-p")).post(url, {"version": version}).status_code == 403
    # CSRF: without the form's token the POST is refused.
    strict = client_of(cs, enforce_csrf_checks=True)
    assert strict.post(url, {"version": version}).status_code == 403
    assert fresh(b)[0].state == OrderState.MERGED
    stale = client.post(url, {"version": version - 1}, follow=True)
    assert stale.status_code == 200 and "reload it" in stale.content.decode()
    assert fresh(b)[0].state == OrderState.MERGED
    page = strict.get(reverse("web:order_detail", args=[a.pk])).content.decode()
    token = re.search(r'id="sf-unmerge-form".*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S).group(1)
    response = strict.post(url, {"version": version, "csrfmiddlewaretoken": token}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:order_detail", args=[a.pk])
    text = response.content.decode()
    assert "Merge undone: U002、U003 stand alone again" in text  # the message
    assert "Merge undone" in text.split('id="sf-audit"')[1]  # the history names the event
    assert [o.state for o in fresh(a, b, c)] == [OrderState.TO_REVIEW] * 3
    again = client.post(url, {"version": fresh(a)[0].version}, follow=True).content.decode()
    assert "U001" in again and 'id="sf-unmerge"' not in again  # nothing merged: refused with a message


# ---------------------------------------------------------------- PostgreSQL: at the same time


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_undos_of_one_merge_at_once(make_order, stocked, cs):
    a, b = make_order("P001", paid_at=T0), make_order("P002", [("TX-WHT-L", 2)], paid_at=T0 + HOUR)
    online_order_merge(orders=[a, b], actor=cs)
    results, errors = run_together(3, lambda n: online_order_unmerge(order=a, actor=cs))
    assert len(results) == 1 and [e.code for e in errors] == ["not_merged", "not_merged"]
    assert [x[1:3] for x in lines_of(a)] == [("TX-BLK-M", 1)] and [x[1:3] for x in lines_of(b)] == [("TX-WHT-L", 2)]
    assert AuditEvent.objects.filter(action="unmerged").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_an_undo_racing_a_new_merge_loses_no_line(make_order, stocked, cs):
    a = make_order("P101", paid_at=T0)
    b = make_order("P102", [("TX-WHT-L", 2)], paid_at=T0 + HOUR)
    c = make_order("P103", [("SOCKS-GIFT", 3)], paid_at=T0 + 2 * HOUR)
    online_order_merge(orders=[a, b], actor=cs)
    work = [lambda: online_order_unmerge(order=a, actor=cs), lambda: online_order_merge(orders=[a, c], actor=cs)]
    results, errors = run_together(2, lambda n: work[n]())
    assert errors == [] and len(results) == 2
    a, b, c = fresh(a, b, c)
    assert b.state == OrderState.TO_REVIEW and [x[1:3] for x in lines_of(b)] == [("TX-WHT-L", 2)]
    # Whichever ran first, c is either merged into a (with its line there) or undone with b.
    on_a = [x[1] for x in lines_of(a)]
    if c.state == OrderState.MERGED:
        assert on_a == ["TX-BLK-M", "SOCKS-GIFT"] and c.merged_into_id == a.pk
    else:
        assert on_a == ["TX-BLK-M"] and [x[1] for x in lines_of(c)] == ["SOCKS-GIFT"]
    assert OnlineOrderLine.objects.count() == 3
