"""Order intake into online orders: created once per (shop, platform number), updated only in
what the platform owns, held with reasons instead of dropped, in whole batches."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shopflow.channels import services
from shopflow.channels.formats import PlatformLine, PlatformOrder, PlatformStatus, ReadResult
from shopflow.channels.models import Shop
from shopflow.core.errors import PermissionDeniedError
from shopflow.core.models import AuditEvent
from shopflow.sales.models import OnlineOrder, OrderState
from tests.factories import SkuFactory

PAID_AT = timezone.make_aware(datetime.datetime(2026, 11, 11, 0, 0, 5))


def order(no: str, *, status=PlatformStatus.PAID, codes=("TX-BLK-M",), address="浙江省杭州市西湖区文三路90号",
          message="", paid=True) -> PlatformOrder:
    return PlatformOrder(
        order_no=no, status=status, buyer_nick="tb_小美", goods_amount=Decimal("89.00"), postage=Decimal(0),
        total_amount=Decimal("89.00"), paid_amount=Decimal("89.00") if paid else Decimal(0),
        buyer_message=message, receiver_name="王小美", receiver_address=address, receiver_mobile="13800138000",
        created_at=PAID_AT, paid_at=PAID_AT if paid else None,
        lines=[PlatformLine(title="纯棉T恤", quantity=Decimal(1), price=Decimal("89.00"), sku_code=c) for c in codes])


@pytest.fixture
def shop(db):
    SkuFactory(code="TX-BLK-M")
    return Shop.objects.create(code="TB01", name="悦衣旗舰店")


@pytest.fixture
def cs(role_user):
    return role_user("customer_service", "cs-1")


def run(shop, orders, actor=None):
    return services.orders_import(shop=shop, result=ReadResult(orders=orders, problems=[]), actor=actor,
                                  source="test")


def test_import_creates_once_and_reimport_changes_nothing(shop, cs):
    first = run(shop, [order("1001"), order("1002", codes=("TX-BLK-M", "TX-BLK-M"))], actor=cs)
    assert (first.created, first.updated, first.unchanged, first.held) == (2, 0, 0, 0)
    again = run(shop, [order("1001"), order("1002", codes=("TX-BLK-M", "TX-BLK-M"))], actor=cs)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert OnlineOrder.objects.count() == 2
    o = OnlineOrder.objects.get(platform_order_no="1002")
    assert o.state == OrderState.TO_REVIEW and o.lines.count() == 2
    assert (o.province, o.city, o.district) == ("浙江省", "杭州市", "西湖区")
    assert AuditEvent.objects.filter(doc_type="sales.onlineorder", action="import").count() == 2


def test_unknown_sku_and_bad_address_hold_with_reasons(shop):
    run(shop, [order("2001", codes=("NOPE-1",)), order("2002", address="中山路18号")])
    unknown = OnlineOrder.objects.get(platform_order_no="2001")
    assert unknown.state == OrderState.HELD and unknown.holds[0]["code"] == "unknown_sku"
    assert "NOPE-1" in unknown.hold_messages[0] and unknown.lines.get().sku is None
    address = OnlineOrder.objects.get(platform_order_no="2002")
    assert address.state == OrderState.HELD and address.holds[0]["code"] == "address"


def test_later_files_update_status_without_losing_local_work(shop):
    run(shop, [order("3001", status=PlatformStatus.UNPAID, paid=False), order("3002")])
    assert OnlineOrder.objects.get(platform_order_no="3001").state == OrderState.AWAITING_PAYMENT
    local = OnlineOrder.objects.get(platform_order_no="3002")
    local.flag, local.note, local.state = "red", "要黑色", OrderState.APPROVED
    local.save()
    summary = run(shop, [order("3001"), order("3002", status=PlatformStatus.REFUNDING)])
    assert summary.updated == 2
    paid = OnlineOrder.objects.get(platform_order_no="3001")
    assert paid.state == OrderState.TO_REVIEW and paid.paid_at == PAID_AT
    refund = OnlineOrder.objects.get(platform_order_no="3002")
    assert refund.state == OrderState.HELD and refund.holds[-1]["code"] == "refund"
    assert (refund.flag, refund.note) == ("red", "要黑色")  # our work stays
    run(shop, [order("3002", status=PlatformStatus.CLOSED)])
    assert OnlineOrder.objects.get(platform_order_no="3002").state == OrderState.CANCELLED
    changes = AuditEvent.objects.filter(doc_type="sales.onlineorder", action="platform_update")
    assert "state" in changes.last().payload["changed"]


def test_corrected_address_is_kept(shop):
    run(shop, [order("4001", address="中山路18号")])
    o = OnlineOrder.objects.get()
    o.address, o.province, o.city, o.district, o.address_edited = "广东省中山市石岐区中山路18号", "广东省", "中山市", \
        "石岐区", True
    o.save()
    run(shop, [order("4001", address="中山路18号", message="请尽快发货")])
    o.refresh_from_db()
    assert (o.province, o.buyer_message) == ("广东省", "请尽快发货")


def test_same_order_twice_in_one_file_is_one_order(shop):
    summary = run(shop, [order("5001"), order("5001", message="改了留言")])
    assert summary.created == 1 and OnlineOrder.objects.get().buyer_message == "改了留言"


def test_batches_are_whole(shop, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 3)
    calls = []
    summary = services.orders_import(shop=shop, result=ReadResult(orders=[order(str(6000 + i)) for i in range(7)],
                                                                   problems=[]),
                                     actor=None, on_progress=lambda done, total: calls.append((done, total)))
    assert summary.created == 7 and calls == [(3, 7), (6, 7), (7, 7)]


def test_roles_without_permission_may_not_import(shop, role_user):
    with pytest.raises(PermissionDeniedError):
        run(shop, [order("7001")], actor=role_user("designer", "d-1"))
    assert not OnlineOrder.objects.exists()
