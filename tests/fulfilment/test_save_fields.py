"""save_fields writes what save(update_fields=…) writes: the named fields only, foreign keys by name,
JSON and decimals adapted, auto_now fields given the time now."""

import datetime
from decimal import Decimal

from django.utils import timezone

from shopflow.core.db import save_fields
from shopflow.sales.models import OnlineOrder, OrderFlag


def test_the_named_fields_are_written_and_nothing_else(make_order, sf):
    order = make_order("SF-1", [("TEE-BLK-M", 1)], approve=False)
    before = OnlineOrder.objects.get(pk=order.pk)
    order.holds = [{"code": "remark", "text": "买家留言：<b>要顺丰</b>"}]
    order.courier = sf
    order.seller_remark = "not saved"
    order.paid_amount = Decimal("128.50")
    save_fields(order, ["holds", "courier", "paid_amount", "updated_at"])
    after = OnlineOrder.objects.get(pk=order.pk)
    assert after.holds == order.holds and after.courier_id == sf.pk and after.paid_amount == Decimal("128.50")
    assert after.seller_remark == before.seller_remark  # not among the fields
    assert after.updated_at == order.updated_at > before.updated_at
    assert timezone.now() - after.updated_at < datetime.timedelta(seconds=5)


def test_auto_now_is_left_alone_unless_named(make_order):
    order = make_order("SF-2", [("TEE-BLK-M", 1)], approve=False)
    stamp = OnlineOrder.objects.get(pk=order.pk).updated_at
    order.flag = OrderFlag.RED
    save_fields(order, ["flag", "flag"])
    after = OnlineOrder.objects.get(pk=order.pk)
    assert after.flag == OrderFlag.RED and after.updated_at == stamp
