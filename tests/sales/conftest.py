"""Fixtures of the review tests: a shop with a warehouse and a default courier, couriers, SKUs
with stock, and orders made through the intake (the service that creates them in real life)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shopflow.channels.formats import PlatformLine, PlatformOrder, PlatformStatus, ReadResult
from shopflow.channels.models import Shop
from shopflow.channels.services import orders_import
from shopflow.inventory.services import MoveSpec, ReserveGroup, ReserveSpec, stock_post, stock_reserve_groups
from shopflow.partners.models import Courier
from shopflow.sales.models import OnlineOrder
from tests.factories import SkuFactory, WarehouseFactory

T0 = timezone.make_aware(datetime.datetime(2026, 11, 11, 0, 0, 5))
ADDRESS = "浙江省杭州市西湖区文三路90号"
_origin = iter(range(900_000, 10_000_000))


@pytest.fixture
def couriers(db):
    return {code: Courier.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in (("STO", "申通快递"), ("SF", "顺丰速运"), ("EMS", "EMS"))}


@pytest.fixture
def wh(db):
    return WarehouseFactory(code="WH-A", name="成品仓A")


@pytest.fixture
def wh2(db):
    return WarehouseFactory(code="WH-B", name="成品仓B")


@pytest.fixture
def shop(wh, couriers):
    return Shop.objects.create(code="TB01", name="悦衣旗舰店", warehouse=wh, default_courier=couriers["STO"])


@pytest.fixture
def skus(db):
    return {code: SkuFactory(code=code) for code in ("TX-BLK-M", "TX-WHT-L", "SOCKS-GIFT")}


@pytest.fixture
def cs(role_user):
    return role_user("customer_service", "cs-1")


def put_stock(sku, warehouse, qty) -> None:
    """Stock in through the ledger (an opening balance)."""
    stock_post(moves=[MoveSpec(sku.pk, warehouse.pk, Decimal(qty), unit_cost=Decimal("30"))],
               origin_type="tests.opening", origin_id=next(_origin), actor=None)


def reserve(order: OnlineOrder) -> None:
    """What allocation does (fulfilment's job): reserve every line of the order."""
    warehouse = order.warehouse_id or order.shop.warehouse_id
    specs = tuple(ReserveSpec(line.sku_id, warehouse, line.quantity, line.pk) for line in order.lines.all())
    assert stock_reserve_groups(groups=[ReserveGroup("sales.onlineorder", order.pk, specs)], actor=None) == [[]]
    OnlineOrder.objects.filter(pk=order.pk).update(allocation="allocated")


def platform_order(no, lines, *, message="", remark="", address=ADDRESS, paid=Decimal("89.00"), paid_at=None,
                   status=PlatformStatus.PAID, buyer="tb_小美", receiver="王小美", mobile="13800138000"):
    return PlatformOrder(
        order_no=no, status=status, buyer_nick=buyer, goods_amount=paid, total_amount=paid, paid_amount=paid,
        buyer_message=message, seller_remark=remark, receiver_name=receiver, receiver_address=address,
        receiver_mobile=mobile, created_at=paid_at or T0,
        paid_at=None if status == PlatformStatus.UNPAID else (paid_at or T0),
        lines=[PlatformLine(title="纯棉T恤", quantity=Decimal(q), price=Decimal("89.00"), sku_code=code)
               for code, q in lines])


@pytest.fixture
def make_order(shop):
    """make_order("1001", [("TX-BLK-M", 2)], message=…, paid_at=…) → the imported OnlineOrder."""

    def make(no, lines=(("TX-BLK-M", 1),), *, in_shop=None, **kwargs):
        target = in_shop or shop
        orders_import(shop=target, result=ReadResult(orders=[platform_order(no, lines, **kwargs)], problems=[]),
                      actor=None, source="test")
        return OnlineOrder.objects.select_related("shop").get(shop=target, platform_order_no=no, split_from=None)

    return make
