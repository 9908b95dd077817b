"""core.db.update_ids writes what the ORM's filter(pk__any=ids).update(...) writes."""

import datetime
from decimal import Decimal

from shopflow.core.db import update_ids
from shopflow.sales.models import Allocation, OnlineOrder, OrderFlag


def _row(order_id):
    return OnlineOrder.objects.values("allocation", "shortages", "flag", "paid_amount", "paid_at", "version").get(
        pk=order_id)


def test_values_of_every_kind_are_adapted_and_only_the_given_rows_change(make_order):
    a, b, untouched = make_order("U1"), make_order("U2"), make_order("U3")
    paid_at = datetime.datetime(2026, 11, 11, 0, 0, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    before = _row(untouched.pk)
    update_ids(OnlineOrder, [a.pk, str(b.pk)], {
        "allocation": Allocation.SHORT, "shortages": [{"sku": "TX-BLK-M", "missing": "1"}], "flag": OrderFlag.YELLOW,
        "paid_amount": Decimal("123.45"), "paid_at": paid_at}, bump="version")
    for order in (a, b):
        row = _row(order.pk)
        assert row == {"allocation": "short", "shortages": [{"sku": "TX-BLK-M", "missing": "1"}], "flag": "yellow",
                       "paid_amount": Decimal("123.45"), "paid_at": paid_at, "version": order.version + 1}
    assert _row(untouched.pk) == before


def test_no_ids_writes_nothing_and_none_is_written_as_null(make_order):
    order = make_order("U4")
    update_ids(OnlineOrder, [], {"paid_at": None})
    assert _row(order.pk)["paid_at"] is not None
    update_ids(OnlineOrder, [order.pk], {"paid_at": None})
    assert _row(order.pk)["paid_at"] is None and _row(order.pk)["version"] == order.version
