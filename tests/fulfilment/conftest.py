"""Fixtures for fulfilment: a catalogue with barcodes, a warehouse with stock put in through the
ledger, a shop with a default courier, the built-in couriers, and online orders imported through
channels' intake and approved through sales' review services."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shopflow.channels.formats import PlatformLine, PlatformOrder, PlatformStatus, ReadResult
from shopflow.channels.models import Shop
from shopflow.channels.services import orders_import
from shopflow.fulfilment import allocation
from shopflow.inventory.services import MoveSpec, register_arrival_listener, stock_post, unregister_arrival_listener
from shopflow.partners.couriers import courier_seed_defaults
from shopflow.partners.models import Courier
from shopflow.sales import online
from shopflow.sales.models import OnlineOrder
from tests.factories import SkuFactory, WarehouseFactory

PAID = timezone.make_aware(datetime.datetime(2026, 11, 11, 9, 0, 0))
ADDRESS = "浙江省杭州市西湖区文三路90号东部软件园2号楼"


def receive(warehouse, quantities: dict, origin_id: int = 1):
    """Stock in through the ledger: {sku: qty}."""
    return stock_post(moves=[MoveSpec(sku_id=s.pk, warehouse_id=warehouse.pk, quantity=Decimal(str(q)),
                                      unit_cost=Decimal("20.00")) for s, q in quantities.items()],
                      origin_type="test.setup", origin_id=origin_id, actor=None)


def platform_order(no: str, items, *, paid_at=PAID, buyer="tb_小美", name="王小美", mobile="13800138000",
                   address=ADDRESS, message="", status=PlatformStatus.PAID) -> PlatformOrder:
    return PlatformOrder(
        order_no=no, status=status, buyer_nick=buyer, goods_amount=Decimal("89.00"),
        total_amount=Decimal("89.00"), paid_amount=Decimal("89.00"), buyer_message=message, receiver_name=name,
        receiver_address=address, receiver_mobile=mobile, created_at=paid_at, paid_at=paid_at,
        lines=[PlatformLine(title=f"商品 {code}", quantity=Decimal(str(qty)), price=Decimal("89.00"), sku_code=code)
               for code, qty in items])


@pytest.fixture
def couriers(db):
    courier_seed_defaults()  # migration 0003 seeds them; transactional tests flush them away
    return {c.code: c for c in Courier.objects.all()}


@pytest.fixture
def zto(couriers):
    return couriers["ZTO"]


@pytest.fixture
def sf(couriers):
    return couriers["SF"]


@pytest.fixture
def wh(db):
    return WarehouseFactory(code="FG01", name="成品仓")


@pytest.fixture
def skus(db):
    """Three barcoded SKUs: tee (black M), tee (white L), socks."""
    return {
        "tee": SkuFactory(code="TEE-BLK-M", name="纯棉T恤 黑色 M", barcode="6970000000011", weight=Decimal("0.2")),
        "tee_w": SkuFactory(code="TEE-WHT-L", name="纯棉T恤 白色 L", barcode="6970000000028", weight=Decimal("0.2")),
        "sock": SkuFactory(code="SOCK-GRY-F", name="运动袜 灰色", barcode="6970000000035", weight=Decimal("0.05")),
    }


@pytest.fixture
def stocked(skus, wh):
    receive(wh, {skus["tee"]: 10, skus["tee_w"]: 10, skus["sock"]: 10})
    return skus


@pytest.fixture
def shop(wh, zto):
    return Shop.objects.create(code="TB01", name="悦衣旗舰店", warehouse=wh, default_courier=zto, auto_review=False)


@pytest.fixture
def cs(role_user):
    return role_user("customer_service", "cs-1")


@pytest.fixture
def packer(role_user):
    return role_user("warehouse", "packer-1")


@pytest.fixture
def quiet():
    """Allocation only when a test asks for it: the approval and arrival listeners are off
    (they run on commit, which transactional tests would trigger)."""
    online.unregister_approval_listener(allocation.allocate_approved)
    unregister_arrival_listener(allocation.reallocate_arrived)
    yield
    online.register_approval_listener(allocation.allocate_approved)
    register_arrival_listener(allocation.reallocate_arrived)


@pytest.fixture
def make_order(shop, cs):
    """make_order("1001", [("TEE-BLK-M", 2)], approve=True, **platform fields) → the OnlineOrder."""

    def make(no: str, items, *, approve: bool = True, the_shop=None, **kwargs) -> OnlineOrder:
        target = the_shop or shop
        orders_import(shop=target, result=ReadResult(orders=[platform_order(no, items, **kwargs)], problems=[]),
                      actor=None, source="test")
        order = OnlineOrder.objects.get(shop=target, platform_order_no=no, split_from__isnull=True)
        if approve:
            order = online.online_order_approve(order=order, actor=cs)
        return OnlineOrder.objects.get(pk=order.pk)

    return make
