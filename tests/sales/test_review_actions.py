"""Review actions on one order and on many: approve, hold (an approved order lets its stock go),
flag, courier, warehouse, address confirmation, priority; bulk approve/flag/courier; merge and
split with every refusal; stale versions and wrong roles change nothing."""

import datetime
import functools
from decimal import Decimal

import pytest

from shopflow.channels.formats import PlatformStatus
from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.core.models import AuditEvent
from shopflow.fulfilment.models import Parcel, Wave
from shopflow.inventory.models import StockBalance, StockReservation
from shopflow.sales import online
from shopflow.sales.models import OnlineOrder, OnlineOrderLine, OrderState
from shopflow.sales.review import (
    online_order_merge,
    online_order_split,
    orders_approve_many,
    orders_flag_many,
    orders_set_courier,
    split_by_availability,
)
from shopflow.sales.selectors import merge_candidates, mergeable_ids
from tests.sales.conftest import T0, put_stock, reserve


@pytest.fixture
def stocked(skus, wh):
    put_stock(skus["TX-BLK-M"], wh, 10)
    put_stock(skus["TX-WHT-L"], wh, 10)
    return skus


def approved(order, actor):
    return online.online_order_approve(order=order, actor=actor)


def reserved(sku, wh) -> Decimal:
    return StockBalance.objects.get(sku=sku, warehouse=wh).reserved


def in_parcel(order, wh, courier, number="BC-20261111-0001"):
    wave = Wave.objects.create(number=number, warehouse=wh, courier=courier)
    return Parcel.objects.create(order=order, wave=wave, warehouse=wh, courier=courier)


# ---------------------------------------------------------------- one order


def test_approve_gives_the_rule_courier_and_calls_listeners(make_order, stocked, couriers, cs,
                                                            django_capture_on_commit_callbacks):
    order = make_order("1001")
    seen = []
    listener = functools.partial(seen.extend)
    online.register_approval_listener(listener)
    online.register_approval_listener(listener)  # twice changes nothing
    try:
        with django_capture_on_commit_callbacks(execute=True):
            online.online_order_approve(order=order, actor=cs, expected_version=order.version)
    finally:
        online.unregister_approval_listener(listener)
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED and order.courier == couriers["STO"] and seen == [order.pk]


def test_stale_version_and_wrong_role_change_nothing(make_order, stocked, cs, role_user):
    order = make_order("1002")
    with pytest.raises(DomainError) as exc:
        online.online_order_approve(order=order, actor=cs, expected_version=order.version + 1)
    assert exc.value.code == "stale_version"
    for action in (lambda u: online.online_order_approve(order=order, actor=u),
                   lambda u: online.online_order_set_priority(order=order, actor=u, priority=3),
                   lambda u: online_order_split(order=order, quantities={}, actor=u),
                   lambda u: orders_flag_many(orders=[order], flag="red", actor=u)):
        with pytest.raises(PermissionDeniedError):
            action(role_user("warehouse", "wh-1"))
    order.refresh_from_db()
    assert (order.state, order.version, order.priority, order.flag) == (OrderState.TO_REVIEW, 1, 0, "")


def test_hold_of_an_approved_order_lets_its_stock_go(make_order, stocked, wh, cs):
    order = approved(make_order("1101", [("TX-BLK-M", 2)]), cs)
    reserve(order)
    assert reserved(stocked["TX-BLK-M"], wh) == 2
    order.refresh_from_db()
    online.online_order_hold(order=order, actor=cs, reason="买家要改地址", expected_version=order.version)
    order.refresh_from_db()
    assert order.state == OrderState.HELD and order.allocation == "" and reserved(stocked["TX-BLK-M"], wh) == 0
    assert order.holds[-1] == {"code": "manual", "message": "买家要改地址"}


def test_no_hold_merge_split_or_reroute_while_in_a_parcel(make_order, stocked, wh, wh2, couriers, cs):
    order = approved(make_order("1201", [("TX-BLK-M", 2)]), cs)
    other = make_order("1202")
    in_parcel(order, wh, couriers["STO"])
    line = order.lines.get()
    for attempt in (lambda: online.online_order_hold(order=order, actor=cs, reason="x"),
                    lambda: online.online_order_set_courier(order=order, courier=couriers["SF"], actor=cs),
                    lambda: online.online_order_set_warehouse(order=order, warehouse=wh2, actor=cs),
                    lambda: online_order_split(order=order, quantities={line.pk: 1}, actor=cs)):
        with pytest.raises(DomainError) as exc:
            attempt()
        assert exc.value.code == "in_parcel" and "BC-20261111-0001" in exc.value.message
    with pytest.raises(DomainError) as exc:
        online_order_merge(orders=[order, other], actor=cs)
    assert "BC-20261111-0001" in exc.value.message
    result = orders_set_courier(orders=[order, other], courier=couriers["SF"], actor=cs)
    assert result.done == [other.pk] and result.refused[0].order_id == order.pk
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED and order.courier == couriers["STO"]
    # Taken out of the wave (parcel cancelled): allowed again.
    Parcel.objects.filter(order=order).update(state="cancelled")
    online.online_order_hold(order=order, actor=cs, reason="x")


def test_courier_warehouse_priority_and_address_confirmation(make_order, stocked, couriers, wh, wh2, cs):
    order = approved(make_order("1301"), cs)
    reserve(order)
    order.refresh_from_db()
    order = online.online_order_set_courier(order=order, courier=couriers["SF"], actor=cs,
                                            expected_version=order.version)
    assert order.courier == couriers["SF"]
    couriers["EMS"].active = False
    couriers["EMS"].save()
    with pytest.raises(ValidationFailed) as exc:
        online.online_order_set_courier(order=order, courier=couriers["EMS"], actor=cs)
    assert exc.value.field == "courier"
    order = online.online_order_set_warehouse(order=order, warehouse=wh2, actor=cs)
    assert order.warehouse == wh2 and order.allocation == "" and reserved(stocked["TX-BLK-M"], wh) == 0
    for bad in (100, -100, "3", True):
        with pytest.raises(ValidationFailed):
            online.online_order_set_priority(order=order, actor=cs, priority=bad)
    assert online.online_order_set_priority(order=order, actor=cs, priority=9).priority == 9
    order = online.online_order_confirm_address(order=order, actor=cs)
    assert order.address_confirmed
    order = online.online_order_correct_address(order=order, actor=cs, address="上海市浦东新区世纪大道100号")
    assert not order.address_confirmed and order.province == "上海市"  # a new address needs a new confirmation
    actions = set(AuditEvent.objects.filter(doc_type="sales.onlineorder", doc_id=order.pk)
                  .values_list("action", flat=True))
    assert {"set_courier", "set_warehouse", "set_priority", "confirm_address", "correct_address"} <= actions


def test_manual_approval_refused_without_a_courier_or_warehouse(make_order, stocked, shop, cs):
    shop.default_courier = None
    shop.save()
    order = make_order("1401")
    with pytest.raises(DomainError) as exc:
        online.online_order_approve(order=order, actor=cs)
    assert "courier" in exc.value.message.lower()


# ---------------------------------------------------------------- bulk


def test_bulk_approve_approves_what_it_can_and_says_why_not(make_order, stocked, cs,
                                                           django_capture_on_commit_callbacks):
    good = make_order("2001")
    held = make_order("2002", [("NOPE", 1)])
    shipped = make_order("2003")
    OnlineOrder.objects.filter(pk=shipped.pk).update(state="shipped")
    with django_capture_on_commit_callbacks() as callbacks:
        result = orders_approve_many(orders=[good, held, shipped], actor=cs)
    assert result.done == [good.pk]
    refused = {r.order_no: r.message for r in result.refused}
    assert "NOPE" in refused["2002"] and "Shipped" in refused["2003"]
    good.refresh_from_db()
    assert good.state == OrderState.APPROVED and good.version == 2
    assert any(getattr(cb, "args", None) == ([good.pk],) for cb in callbacks)  # fulfilment's listener


def test_bulk_flag_and_courier(make_order, stocked, couriers, cs):
    a, b = make_order("2101"), make_order("2102")
    with pytest.raises(ValidationFailed):
        orders_flag_many(orders=[a, b], flag="pink", actor=cs)
    with pytest.raises(ValidationFailed):
        orders_flag_many(orders=[], flag="red", actor=cs)
    assert orders_flag_many(orders=[a, b], flag="green", note="汇款已到", actor=cs).done == [a.pk, b.pk]
    assert orders_set_courier(orders=[a.pk, b.pk], courier=couriers["SF"], actor=cs).done == [a.pk, b.pk]
    a.refresh_from_db()
    assert (a.flag, a.note, a.courier, a.version) == ("green", "汇款已到", couriers["SF"], 3)


# ---------------------------------------------------------------- merge


def test_merge_moves_lines_to_the_first_paid_and_keeps_their_platform_order(make_order, stocked, wh, cs):
    later = make_order("3002", [("TX-WHT-L", 1)], paid_at=T0 + datetime.timedelta(hours=1))
    first = make_order("3001", [("TX-BLK-M", 2)], paid_at=T0)
    approved(first, cs)
    first.refresh_from_db()
    reserve(first)
    assert set(mergeable_ids()) == {first.pk, later.pk}
    assert [o.pk for o in merge_candidates(later)] == [first.pk]
    survivor = online_order_merge(orders=[later, first], actor=cs)
    later.refresh_from_db()
    assert survivor.pk == first.pk and survivor.state == OrderState.TO_REVIEW  # a part was not reviewed yet
    assert later.state == OrderState.MERGED and later.merged_into_id == first.pk
    lines = list(OnlineOrderLine.objects.filter(order=first).order_by("line_no"))
    assert [(x.line_no, x.sku_code, x.source_order_id) for x in lines] == [(1, "TX-BLK-M", None),
                                                                          (2, "TX-WHT-L", later.pk)]
    assert reserved(stocked["TX-BLK-M"], wh) == 0 and survivor.allocation == ""
    assert not StockReservation.objects.filter(origin_id=first.pk, open=True).exists()
    assert AuditEvent.objects.filter(doc_id=later.pk, action="merged").exists()
    assert merge_candidates(first) == []


def test_merge_of_approved_orders_goes_back_to_allocation(make_order, stocked, cs, django_capture_on_commit_callbacks):
    a, b = make_order("3101"), make_order("3102", paid_at=T0 + datetime.timedelta(minutes=1))
    orders_approve_many(orders=[a, b], actor=cs)
    with django_capture_on_commit_callbacks() as callbacks:
        survivor = online_order_merge(orders=[a, b], actor=cs)
    assert survivor.state == OrderState.APPROVED
    assert any(getattr(cb, "args", None) == ([a.pk],) for cb in callbacks)


def test_merge_refusals(make_order, stocked, shop, wh, couriers, cs):
    base = make_order("3201")
    other_address = make_order("3202", address="上海市浦东新区世纪大道100号")
    other_receiver = make_order("3203", receiver="李雷")
    other_shop_shop = type(shop).objects.create(code="JD01", name="京东店", warehouse=wh)
    other_shop = make_order("3204", in_shop=other_shop_shop)
    shipped = make_order("3205")
    OnlineOrder.objects.filter(pk=shipped.pk).update(state="shipped")
    unpaid = make_order("3206", status=PlatformStatus.UNPAID)
    for partner, words in ((other_address, "address"), (other_receiver, "receiver"), (other_shop, "shop"),
                           (shipped, "Shipped"), (unpaid, "Awaiting payment")):
        with pytest.raises(DomainError) as exc:
            online_order_merge(orders=[base, partner], actor=cs)
        assert words in exc.value.message, exc.value.message
    with pytest.raises(ValidationFailed):
        online_order_merge(orders=[base], actor=cs)
    with pytest.raises(ValidationFailed):
        online_order_merge(orders=[base, base], actor=cs)
    twin = make_order("3207")
    online_order_merge(orders=[base, twin], actor=cs)
    third = make_order("3208")
    with pytest.raises(DomainError) as exc:
        online_order_merge(orders=[twin, third], actor=cs)  # twin is merged already
    assert "Merged" in exc.value.message
    base.refresh_from_db()
    assert base.lines.count() == 2 and base.state == OrderState.TO_REVIEW


def test_merged_into_a_later_merge_follows_the_survivor(make_order, stocked, cs):
    a = make_order("3301", paid_at=T0 + datetime.timedelta(hours=2))
    b = make_order("3302", paid_at=T0 + datetime.timedelta(hours=1))
    online_order_merge(orders=[a, b], actor=cs)
    c = make_order("3303", paid_at=T0)
    survivor = online_order_merge(orders=[b, c], actor=cs)
    a.refresh_from_db()
    assert survivor.pk == c.pk and a.merged_into_id == c.pk
    assert sorted(OnlineOrderLine.objects.filter(order=c).values_list("source_order_id", flat=True),
                  key=lambda v: v or 0) == [None, a.pk, b.pk]


def test_merged_holds_union(make_order, stocked, cs):
    a = make_order("3401", [("NOPE", 1)])  # held: unknown SKU
    b = make_order("3402", paid_at=T0 - datetime.timedelta(minutes=1))
    survivor = online_order_merge(orders=[a, b], actor=cs)
    assert survivor.pk == b.pk and survivor.state == OrderState.HELD
    assert [h["code"] for h in survivor.holds] == ["unknown_sku"]


# ---------------------------------------------------------------- split


def test_split_by_quantities(make_order, stocked, wh2, cs):
    order = make_order("4001", [("TX-BLK-M", 3), ("TX-WHT-L", 1)])
    black, white = order.lines.order_by("line_no")
    child = online_order_split(order=order, quantities={black.pk: Decimal(1), white.pk: "1"}, actor=cs,
                               warehouse=wh2, expected_version=order.version)
    order.refresh_from_db()
    assert child.platform_order_no == order.platform_order_no and child.split_from_id == order.pk
    assert child.warehouse == wh2 and child.state == order.state and child.paid_amount == 0
    assert [(x.sku_code, x.quantity) for x in child.lines.order_by("line_no")] == [("TX-BLK-M", 1), ("TX-WHT-L", 1)]
    assert [(x.sku_code, x.quantity) for x in order.lines.all()] == [("TX-BLK-M", 2)]
    assert order.version == 2 and order.paid_amount == Decimal("89.00")
    # A part of a part points at the original; the platform number stays the key of the original only.
    grandchild = online_order_split(order=order, quantities={black.pk: 1}, actor=cs)
    assert grandchild.split_from_id == order.pk
    assert OnlineOrder.objects.filter(platform_order_no="4001").count() == 3


@pytest.mark.parametrize("quantities, code", [
    ({"LINE": "4"}, "exceeds_line"),
    ({"LINE": "-1"}, "not_positive"),
    ({"LINE": "abc"}, "not_a_number"),
    ({"LINE": "0.00001"}, "too_many_places"),
    ({999999: "1"}, "unknown_line"),
    ({}, "nothing_to_split"),
    ({"LINE": "0"}, "nothing_to_split"),
    ({"LINE": "3", "OTHER": "1"}, "whole_order"),
])
def test_split_refusals(make_order, stocked, cs, quantities, code):
    order = make_order("4101", [("TX-BLK-M", 3), ("TX-WHT-L", 1)])
    black, white = order.lines.order_by("line_no")
    ids = {"LINE": black.pk, "OTHER": white.pk}
    with pytest.raises(ValidationFailed) as exc:
        online_order_split(order=order, quantities={ids.get(k, k): v for k, v in quantities.items()}, actor=cs)
    assert exc.value.errors[0].code == code
    if code == "exceeds_line":
        assert exc.value.errors[0].field == f"quantities.{black.pk}"
    assert OnlineOrder.objects.filter(platform_order_no="4101").count() == 1
    assert [x.quantity for x in order.lines.order_by("line_no")] == [3, 1]


def test_split_of_shipped_or_stale_refused(make_order, stocked, cs):
    order = make_order("4201", [("TX-BLK-M", 3)])
    line = order.lines.get()
    with pytest.raises(DomainError) as exc:
        online_order_split(order=order, quantities={line.pk: 1}, actor=cs, expected_version=order.version + 1)
    assert exc.value.code == "stale_version"
    OnlineOrder.objects.filter(pk=order.pk).update(state="shipped")
    with pytest.raises(DomainError) as exc:
        online_order_split(order=order, quantities={line.pk: 1}, actor=cs)
    assert exc.value.code == "not_splittable"


def test_split_of_an_approved_order_lets_stock_go_and_reallocates_both(
        make_order, stocked, wh, cs, django_capture_on_commit_callbacks):
    order = approved(make_order("4301", [("TX-BLK-M", 3)]), cs)
    reserve(order)
    order.refresh_from_db()
    with django_capture_on_commit_callbacks() as callbacks:
        child = online_order_split(order=order, quantities={order.lines.get().pk: 2}, actor=cs)
    assert reserved(stocked["TX-BLK-M"], wh) == 0 and child.state == OrderState.APPROVED
    assert any(getattr(cb, "args", None) == ([order.pk, child.pk],) for cb in callbacks)


def test_split_by_availability_refusals(make_order, skus, wh, cs):
    put_stock(skus["TX-BLK-M"], wh, 5)
    everything = make_order("4401", [("TX-BLK-M", 2)])
    with pytest.raises(DomainError) as exc:
        split_by_availability(order=everything, actor=cs)
    assert exc.value.code == "all_available"
    nothing = make_order("4402", [("TX-WHT-L", 2)])
    with pytest.raises(DomainError) as exc:
        split_by_availability(order=nothing, actor=cs)
    assert exc.value.code == "none_available"
    mixed = make_order("4403", [("TX-BLK-M", 1), ("TX-WHT-L", 1)])
    child = split_by_availability(order=mixed, actor=cs)
    assert [x.sku_code for x in child.lines.all()] == ["TX-WHT-L"]
    assert [x.sku_code for x in mixed.lines.all()] == ["TX-BLK-M"]
