"""The automatic review 自动审单: what is approved, what is held with which code, gifts once per
order, couriers by the first matching rule, stock counted across the run, set-wise queries."""

import datetime
import functools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopflow.core.errors import PermissionDeniedError
from shopflow.core.models import AuditEvent
from shopflow.sales import online
from shopflow.sales.models import CourierRule, GiftRule, OnlineOrder, OnlineOrderLine, OrderState, hold_message
from shopflow.sales.review import online_order_split, orders_auto_review, split_by_availability
from tests.sales.conftest import T0, put_stock, reserve


@pytest.fixture
def stocked(skus, wh):
    put_stock(skus["TX-BLK-M"], wh, 10)
    put_stock(skus["TX-WHT-L"], wh, 10)
    put_stock(skus["SOCKS-GIFT"], wh, 5)
    return skus


def codes(order: OnlineOrder) -> list[str]:
    order.refresh_from_db()
    return [h["code"] for h in order.holds]


def test_clean_paid_order_is_approved_with_the_default_courier_and_goes_to_allocation(
        make_order, stocked, couriers, cs, django_capture_on_commit_callbacks):
    order = make_order("1001", [("TX-BLK-M", 2)])
    seen = []
    listener = functools.partial(seen.extend)  # a distinct callable, unregistered below
    online.register_approval_listener(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            summary = orders_auto_review(actor=cs)
    finally:
        online.unregister_approval_listener(listener)
    order.refresh_from_db()
    assert (summary.reviewed, summary.approved, summary.held) == (1, 1, 0)
    assert order.state == OrderState.APPROVED and order.courier == couriers["STO"] and order.holds == []
    assert seen == [order.pk]
    event = AuditEvent.objects.get(doc_type="sales.onlineorder", doc_id=order.pk, action="auto_review")
    assert (event.from_state, event.to_state, event.actor) == ("to_review", "approved", cs)


def test_buyer_message_holds_with_red_flag_unless_flagged(make_order, stocked, cs):
    plain = make_order("1002", message="要黑色，XL")
    flagged = make_order("1003", message="<b>尽快</b>")
    OnlineOrder.objects.filter(pk=flagged.pk).update(flag="blue")
    summary = orders_auto_review(actor=cs)
    assert summary.held == 2 and summary.holds == {"buyer_message": 2}
    plain.refresh_from_db()
    flagged.refresh_from_db()
    assert plain.state == OrderState.HELD and plain.flag == "red" and codes(plain) == ["buyer_message"]
    assert flagged.flag == "blue"  # a person's flag is kept
    assert "message" in str(hold_message(plain.holds[0]))


def test_stock_is_counted_across_the_run_in_payment_order_and_priority_first(make_order, skus, wh, cs):
    put_stock(skus["TX-BLK-M"], wh, 3)
    early = make_order("2001", [("TX-BLK-M", 2)], paid_at=T0)
    late = make_order("2002", [("TX-BLK-M", 2)], paid_at=T0 + datetime.timedelta(minutes=5))
    later_but_urgent = make_order("2003", [("TX-BLK-M", 1)], paid_at=T0 + datetime.timedelta(hours=1))
    OnlineOrder.objects.filter(pk=later_but_urgent.pk).update(priority=5)
    summary = orders_auto_review(actor=cs)
    assert (summary.approved, summary.held) == (2, 1)
    for o in (early, late, later_but_urgent):
        o.refresh_from_db()
    # The urgent one takes 1, the earliest payment 2; nothing is left for the later one.
    assert later_but_urgent.state == early.state == OrderState.APPROVED
    assert late.state == OrderState.HELD and late.holds == [{"code": "no_stock", "codes": ["TX-BLK-M"]}]
    assert late.flag == "yellow"
    assert "TX-BLK-M" in hold_message(late.holds[0])


def test_reserved_stock_is_not_available(make_order, skus, wh, cs):
    put_stock(skus["TX-BLK-M"], wh, 2)
    first = make_order("2101", [("TX-BLK-M", 2)])
    orders_auto_review(actor=cs)
    reserve(first)  # allocation reserved both
    second = make_order("2102", [("TX-BLK-M", 1)])
    orders_auto_review(actor=cs)
    assert codes(second) == ["no_stock"]


def test_stock_promised_to_approved_orders_waiting_for_allocation_is_not_available(make_order, skus, wh, cs):
    put_stock(skus["TX-BLK-M"], wh, 2)
    first = make_order("2201", [("TX-BLK-M", 2)])
    assert orders_auto_review(actor=cs).approved == 1  # allocation has not run yet (nothing reserved)
    second = make_order("2202", [("TX-BLK-M", 1)])
    orders_auto_review(actor=cs)
    assert codes(second) == ["no_stock"]
    first.refresh_from_db()
    assert first.allocation == ""


def test_each_hold_code(make_order, stocked, shop, cs):
    no_province = make_order("3001")
    OnlineOrder.objects.filter(pk=no_province.pk).update(province="")
    unknown = make_order("3002")
    OnlineOrderLine.objects.filter(order=unknown).update(sku=None, sku_code="NOPE-1")
    refund = make_order("3003")
    OnlineOrder.objects.filter(pk=refund.pk).update(platform_status="refunding")
    no_lines = make_order("3004")
    OnlineOrderLine.objects.filter(order=no_lines).delete()
    unpaid = make_order("3005")
    OnlineOrder.objects.filter(pk=unpaid.pk).update(platform_status="unpaid")
    summary = orders_auto_review(actor=cs)
    assert summary.held == 5 and summary.approved == 0
    assert codes(no_province) == ["address"]
    assert codes(unknown) == ["unknown_sku"] and unknown.holds[0]["codes"] == ["NOPE-1"]
    assert codes(refund) == ["refund"]
    assert codes(no_lines) == ["no_lines"]
    assert codes(unpaid) == ["unpaid"]
    for order in (no_province, unknown, refund, no_lines, unpaid):
        assert all(hold_message(h) for h in order.holds)  # every code has words


def test_no_courier_and_no_warehouse(make_order, stocked, shop, cs):
    shop.default_courier = None
    shop.warehouse = None
    shop.save()
    order = make_order("3101")
    orders_auto_review(actor=cs)
    assert codes(order) == ["no_warehouse", "no_courier"]
    assert "courier" in hold_message(order.holds[1]).lower()


def test_held_for_stock_is_reviewed_again_when_stock_came_but_manual_holds_wait(make_order, skus, wh, cs):
    waiting = make_order("3201", [("TX-BLK-M", 1)])
    manual = make_order("3202", [("TX-BLK-M", 1)])
    orders_auto_review(actor=cs)
    assert codes(waiting) == ["no_stock"] and waiting.flag == "yellow"
    manual.refresh_from_db()
    online.online_order_hold(order=manual, actor=cs, reason="等买家确认")
    put_stock(skus["TX-BLK-M"], wh, 5)
    summary = orders_auto_review(actor=cs)
    waiting.refresh_from_db()
    manual.refresh_from_db()
    assert summary.approved == 1
    assert waiting.state == OrderState.APPROVED and waiting.flag == ""  # our yellow flag went with the hold
    assert manual.state == OrderState.HELD


def test_shops_without_auto_review_are_left_alone(make_order, stocked, shop, cs):
    order = make_order("3301")
    shop.auto_review = False
    shop.save()
    assert orders_auto_review(actor=cs).reviewed == 0
    order.refresh_from_db()
    assert order.state == OrderState.TO_REVIEW


def test_rerun_changes_nothing(make_order, stocked, cs):
    make_order("3401", message="急")
    orders_auto_review(actor=cs)
    again = orders_auto_review(actor=cs)
    assert again.reviewed == 0  # held for a message: waits for people


@pytest.mark.parametrize("role", ["warehouse", "designer", "finance"])
def test_wrong_role_refused_and_nothing_happens(make_order, stocked, role_user, role):
    order = make_order("3501")
    with pytest.raises(PermissionDeniedError):
        orders_auto_review(actor=role_user(role, f"{role}-x"))
    order.refresh_from_db()
    assert order.state == OrderState.TO_REVIEW and order.version == 1


def test_system_run_without_actor(make_order, stocked):
    order = make_order("3601")
    assert orders_auto_review(actor=None).approved == 1
    order.refresh_from_db()
    assert order.state == OrderState.APPROVED


def test_only_the_named_orders(make_order, stocked, cs):
    a, b = make_order("3701"), make_order("3702")
    assert orders_auto_review(actor=cs, order_ids=[b.pk]).approved == 1
    a.refresh_from_db()
    assert a.state == OrderState.TO_REVIEW


# ---------------------------------------------------------------- gifts


@pytest.fixture
def gift_rule(stocked):
    return GiftRule.objects.create(name="满150送袜子", min_paid_amount=Decimal("150"), sku=stocked["SOCKS-GIFT"],
                                   quantity=Decimal(1))


def gift_lines(order):
    return list(OnlineOrderLine.objects.filter(order=order, is_gift=True))


def test_gift_once_per_order(make_order, gift_rule, cs):
    big = make_order("4001", paid=Decimal("199.00"))
    small = make_order("4002", paid=Decimal("99.00"))
    summary = orders_auto_review(actor=cs)
    assert summary.gifts_added == 1
    [gift] = gift_lines(big)
    assert gift.sku_code == "SOCKS-GIFT" and gift.price == 0 and gift.line_no == 2 and gift.quantity == 1
    assert gift_lines(small) == []
    # Reviewed again (held, then back to review by hand): still one gift.
    OnlineOrder.objects.filter(pk=big.pk).update(state="to_review")
    assert orders_auto_review(actor=cs).gifts_added == 0
    assert len(gift_lines(big)) == 1


def test_gift_rule_dates_shop_and_active(make_order, gift_rule, shop, wh, couriers, cs):
    other = type(shop).objects.create(code="JD01", name="京东店", warehouse=wh, default_courier=couriers["STO"])
    gift_rule.shop = other
    gift_rule.save()
    order = make_order("4101", paid=Decimal("199.00"))
    orders_auto_review(actor=cs)
    assert gift_lines(order) == []  # the rule is for another shop
    gift_rule.shop = None
    gift_rule.ends_on = datetime.date(2026, 11, 10)  # ended the day before payment
    gift_rule.save()
    late = make_order("4102", paid=Decimal("199.00"))
    orders_auto_review(actor=cs)
    assert gift_lines(late) == []
    gift_rule.ends_on, gift_rule.active = None, False
    gift_rule.save()
    off = make_order("4103", paid=Decimal("199.00"))
    orders_auto_review(actor=cs)
    assert gift_lines(off) == []


def test_gift_without_stock_is_skipped_not_a_hold(make_order, skus, wh, cs):
    put_stock(skus["TX-BLK-M"], wh, 5)
    GiftRule.objects.create(name="满100送袜子", min_paid_amount=Decimal("100"), sku=skus["SOCKS-GIFT"])
    order = make_order("4201", paid=Decimal("199.00"))
    summary = orders_auto_review(actor=cs)
    assert (summary.approved, summary.gifts_added, summary.gifts_skipped) == (1, 0, 1)
    assert gift_lines(order) == []


def test_gift_not_given_again_after_the_order_was_split(make_order, gift_rule, skus, cs):
    order = make_order("4301", [("TX-BLK-M", 1), ("TX-WHT-L", 1)], paid=Decimal("199.00"), message="先发有货的")
    orders_auto_review(actor=cs)  # held for the message, gift added
    order.refresh_from_db()
    gift = gift_lines(order)[0]
    # Customer service splits the gift off with a shirt, then sends the original back to review.
    shirt = order.lines.get(sku_code="TX-WHT-L")
    online_order_split(order=order, quantities={gift.pk: 1, shirt.pk: 1}, actor=cs)
    OnlineOrder.objects.filter(shop=order.shop, platform_order_no="4301").update(state="to_review", buyer_message="")
    orders_auto_review(actor=cs)
    assert OnlineOrderLine.objects.filter(order__platform_order_no="4301", is_gift=True).count() == 1


# ---------------------------------------------------------------- courier rules


@pytest.fixture
def remote(couriers):
    return CourierRule.objects.create(name="偏远地区发EMS", sort_order=10, kind="province", values="新疆、西藏，青海",
                                      courier=couriers["EMS"])


@pytest.fixture
def asks_sf(couriers):
    return CourierRule.objects.create(name="买家要顺丰", sort_order=20, kind="remark", values="顺丰, SF",
                                      courier=couriers["SF"])


XJ = "新疆维吾尔自治区乌鲁木齐市天山区解放北路1号"


def test_courier_rules_first_by_sort_order_wins(make_order, stocked, remote, asks_sf, couriers, cs):
    in_xinjiang_asks_sf = make_order("5001", address=XJ, remark="客户要求发顺丰")
    only_sf = make_order("5002", remark="请发sf")
    plain = make_order("5003")
    in_tibet = make_order("5004", address="西藏自治区拉萨市城关区北京中路1号")
    orders_auto_review(actor=cs)
    for o in (in_xinjiang_asks_sf, only_sf, plain, in_tibet):
        o.refresh_from_db()
    # Remote province (sort 10) comes before the remark rule (20): EMS.
    assert in_xinjiang_asks_sf.courier == couriers["EMS"]
    assert only_sf.courier == couriers["SF"]  # keywords ignore case
    assert plain.courier == couriers["STO"]  # the shop's default
    assert in_tibet.courier == couriers["EMS"]


def test_swapping_the_sort_order_lets_the_remark_win(make_order, stocked, remote, asks_sf, couriers, cs):
    asks_sf.sort_order = 1
    asks_sf.save()
    order = make_order("5101", address=XJ, remark="顺丰到付")
    orders_auto_review(actor=cs)
    order.refresh_from_db()
    assert order.courier == couriers["SF"]


def test_rules_of_other_shops_inactive_rules_and_chosen_couriers(make_order, stocked, remote, shop, wh, couriers, cs):
    other = type(shop).objects.create(code="PDD1", name="拼多多店", warehouse=wh)
    remote.shop = other
    remote.save()
    order = make_order("5201", address=XJ)
    chosen = make_order("5202", address=XJ)
    OnlineOrder.objects.filter(pk=chosen.pk).update(courier=couriers["SF"])
    inactive = CourierRule.objects.create(name="全部发顺丰", sort_order=0, kind="province", values="新疆",
                                          courier=couriers["SF"], active=False)
    orders_auto_review(actor=cs)
    order.refresh_from_db()
    chosen.refresh_from_db()
    assert order.courier == couriers["STO"] and inactive.pk  # neither the other shop's nor the inactive rule
    assert chosen.courier == couriers["SF"]  # a courier chosen by a person stays


# ---------------------------------------------------------------- set-wise


def test_queries_do_not_grow_with_the_number_of_orders(make_order, stocked, remote, gift_rule, cs):
    for i in range(5):
        make_order(f"6{i:03d}", [("TX-BLK-M", 1)], paid=Decimal("199.00"))
    with CaptureQueriesContext(connection) as few:
        orders_auto_review(actor=cs)
    for i in range(5, 45):
        make_order(f"6{i:03d}", [("TX-BLK-M", 1)], paid=Decimal("199.00"), message="留言" if i % 2 else "")
    put_stock(stocked["TX-BLK-M"], OnlineOrder.objects.first().shop.warehouse, 100)
    with CaptureQueriesContext(connection) as many:
        summary = orders_auto_review(actor=cs)
    assert summary.reviewed == 40
    assert len(many.captured_queries) <= len(few.captured_queries) + 2


def test_split_by_availability_then_review(make_order, skus, wh, cs):
    put_stock(skus["TX-BLK-M"], wh, 1)
    order = make_order("7001", [("TX-BLK-M", 3)])
    orders_auto_review(actor=cs)
    order.refresh_from_db()
    child = split_by_availability(order=order, actor=cs, expected_version=order.version)
    order.refresh_from_db()
    assert order.lines.get().quantity == 1 and child.lines.get().quantity == 2
    assert order.holds == [] and [h["code"] for h in child.holds] == ["no_stock"]
    summary = orders_auto_review(actor=cs)
    order.refresh_from_db()
    assert summary.approved == 1 and order.state == OrderState.APPROVED
