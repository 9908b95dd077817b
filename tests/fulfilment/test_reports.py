"""Tracking export in Taobao's bulk-shipping format, the service-level board (frozen clocks) and
the daily shipped report."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from shopflow.channels.models import Shop
from shopflow.fulfilment import services
from shopflow.fulfilment.allocation import orders_allocate
from shopflow.fulfilment.models import Parcel
from shopflow.fulfilment.selectors import (
    TAOBAO_EXPORT_HEADERS,
    service_board,
    shipped_report,
    tracking_export,
    tracking_export_csv,
)

TZ = timezone.get_fixed_timezone(8 * 60)  # Asia/Shanghai has no daylight saving
TEE = "6970000000011"


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def clock(monkeypatch):
    """clock.set(moment): timezone.now() returns it (shipping stamps, numbering days)."""

    class Clock:
        now = at(11, 12)

        def set(self, moment):
            self.now = moment

    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


def ship(order_no, wh, packer, zto, number):
    parcel = Parcel.objects.get(order__platform_order_no=order_no)
    services.parcel_set_tracking(parcel=parcel, tracking_no=number, actor=packer)
    return services.parcel_pack(parcel=parcel, scans=[TEE], weight="0.2", actor=packer)


def test_service_board_classifies_by_deadline_and_cutoff(quiet, stocked, make_order, cs):
    now = at(11, 15)  # 15:00 on 11 Nov; cut-off 16:00, 24 h to ship, at risk within 4 h
    make_order("LATE", [("TEE-BLK-M", 1)], paid_at=at(10, 14))  # deadline 11th 14:00: late
    make_order("RISK", [("TEE-BLK-M", 1)], paid_at=at(10, 17, 30), approve=False)  # deadline 17:30 today
    make_order("TODAY", [("TEE-BLK-M", 1)], paid_at=at(11, 9))  # paid before the cut-off: due today
    make_order("TOMORROW", [("TEE-BLK-M", 1)], paid_at=at(11, 16, 30))  # paid after the cut-off
    board = service_board(now=now)
    names = {kind: [r.platform_order_no for r in getattr(board, kind)] for kind in ("late", "at_risk", "due_today")}
    assert names == {"late": ["LATE"], "at_risk": ["RISK"], "due_today": ["LATE", "RISK", "TODAY"]}
    assert (board.late_count, board.at_risk_count, board.due_today_count) == (1, 1, 3)
    late = board.late[0]
    assert late.deadline == at(11, 14) and late.hours_left == Decimal("-1.0") and late.late
    assert board.at_risk[0].hours_left == Decimal("2.5") and board.cutoff == at(11, 16)
    with override_settings(SHOPFLOW={"SHIP_AT_RISK_HOURS": 1, "SHIP_CUTOFF_TIME": "08:30"}):
        board = service_board(now=now)
    assert board.at_risk_count == 0 and [r.platform_order_no for r in board.due_today] == ["LATE", "RISK"]


def test_shipped_orders_leave_the_board_and_fill_the_report(quiet, stocked, wh, make_order, cs, packer, zto,
                                                            clock, shop):
    make_order("ON-TIME", [("TEE-BLK-M", 1)], paid_at=at(10, 20))
    make_order("LATE", [("TEE-BLK-M", 1)], paid_at=at(10, 9))
    make_order("OTHER-DAY", [("TEE-BLK-M", 1)], paid_at=at(10, 8))
    orders_allocate(actor=cs)
    services.wave_create(warehouse=wh, actor=packer)
    clock.set(at(11, 10))
    ship("ON-TIME", wh, packer, zto, "751234567890001")  # 14 h after payment
    ship("LATE", wh, packer, zto, "751234567890002")  # 25 h after payment
    clock.set(at(12, 0, 30))
    ship("OTHER-DAY", wh, packer, zto, "751234567890003")  # shipped on the 12th
    assert service_board(now=at(12, 1)).late_count == 0
    report = shipped_report(day=datetime.date(2026, 11, 11))
    assert [(r.shop_name, r.courier_name, r.parcels, r.within) for r in report.rows] == [
        ("悦衣旗舰店", zto.name, 2, 1)]
    assert report.within_share == Decimal("0.50") and report.weight == Decimal("0.400")
    assert shipped_report(day=datetime.date(2026, 11, 12)).parcels == 1
    other = Shop.objects.create(code="JD01", name="京东店", warehouse=wh, default_courier=zto, auto_review=False)
    assert shipped_report(day=datetime.date(2026, 11, 11), shop=other).parcels == 0
    rows = tracking_export(shop=shop, day=datetime.date(2026, 11, 11))
    assert [(r.platform_order_no, r.tracking_no) for r in rows] == [("LATE", "751234567890002"),  # same moment:
                                                                    ("ON-TIME", "751234567890001")]  # by parcel
    assert tracking_export(shop=other, day=datetime.date(2026, 11, 11)) == []


def test_tracking_export_csv_is_taobao_gbk(quiet, stocked, wh, make_order, cs, packer, zto, shop):
    make_order("2365000000000001", [("TEE-BLK-M", 1)])
    orders_allocate(actor=cs)
    services.wave_create(warehouse=wh, actor=packer)
    ship("2365000000000001", wh, packer, zto, "751234567890001")
    data = tracking_export_csv(tracking_export(shop=shop, since=timezone.now() - datetime.timedelta(hours=1)))
    text = data.decode("gbk")
    assert text.splitlines() == [",".join(TAOBAO_EXPORT_HEADERS), f"2365000000000001,{zto.name},751234567890001"]
    assert text.endswith("\r\n") and TAOBAO_EXPORT_HEADERS == ("订单编号", "物流公司", "运单号")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GBK, not UTF-8
