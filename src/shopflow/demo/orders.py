"""Demo online orders: a Taobao shop and 200 orders from a generated export pair (GBK, with the
real files' quirks), imported through the same intake as real files, then taken through the
day's work the way staff would: courier and gift rules, auto review (orders with a buyer
message, an unknown item code or an unreadable address wait for customer service with the
reason), allocation, one wave with tracking numbers from the pool, part of it packed and
shipped, and a handover list. Importing the same pair again changes nothing, and the day's
work is done only once, so running the demo twice creates nothing new."""

from decimal import Decimal
from importlib import import_module

from django.apps import apps

SHOP = ("TB01", "悦衣旗舰店（淘宝）", "taobao")
ORDERS = 200
# Remote provinces go by EMS (the other couriers charge extra or do not deliver there);
# a buyer who asks for 顺丰 gets SF. The shop's default is ZTO.
COURIER_RULES = [
    ("买家要求顺丰", 10, "remark", "顺丰、SF", "SF"),
    ("偏远地区走EMS", 20, "province", "新疆、西藏、青海、内蒙古、宁夏、甘肃", "EMS"),
]
GIFT_RULE = ("满199送袜子", Decimal("199.00"))
WAVE_SIZE = 30
SHIPPED_IN_DEMO = 12


def _service(module: str, name: str):
    return getattr(import_module(module), name)


def _tracking_numbers(prefix: str, start: int, count: int) -> list[str]:
    """Numbers in the courier's shape (ZTO: 14 digits starting 7; SF: SF + 13 digits; EMS: 13 digits)."""
    return [f"{prefix}{start + i}" for i in range(count)]


def ensure_online_orders(users, masters) -> None:
    Shop = apps.get_model("channels", "Shop")
    Courier = apps.get_model("partners", "Courier")
    shop = Shop.objects.filter(code=SHOP[0]).first()
    if shop is None:
        shop = Shop.objects.create(code=SHOP[0], name=SHOP[1], platform=SHOP[2],
                                   warehouse=masters["warehouses"]["FG01"],
                                   default_courier=Courier.objects.filter(code="ZTO").first())
    if apps.get_model("sales", "OnlineOrder").objects.filter(shop=shop).exists():
        return
    _rules(masters)
    codes = sorted(code for code, sku in masters["skus"].items() if sku.style_id)[:120]
    taobao = import_module("shopflow.channels.taobao")
    orders, items = taobao.generate_taobao_pair(ORDERS, seed=11, sku_codes=codes, unknown_sku_every=37)
    result = taobao.read_taobao_pair(orders, items, orders_name="订单报表.csv", items_name="宝贝报表.csv")
    _service("shopflow.channels.services", "orders_import")(shop=shop, result=result, actor=users["customer_service"],
                                                            source="订单报表.csv + 宝贝报表.csv")
    _service("shopflow.sales.review", "orders_auto_review")(actor=users["customer_service"], shop=shop)
    _fulfil(users, masters)


def _rules(masters) -> None:
    Courier = apps.get_model("partners", "Courier")
    CourierRule = apps.get_model("sales", "CourierRule")
    GiftRule = apps.get_model("sales", "GiftRule")
    for name, order, kind, values, code in COURIER_RULES:
        CourierRule.objects.get_or_create(name=name, defaults={
            "sort_order": order, "kind": kind, "values": values, "courier": Courier.objects.get(code=code)})
    socks = next((sku for code, sku in sorted(masters["skus"].items()) if code.startswith("WZ2401")), None)
    if socks is not None:
        GiftRule.objects.get_or_create(name=GIFT_RULE[0], defaults={"min_paid_amount": GIFT_RULE[1], "sku": socks})


def _fulfil(users, masters) -> None:
    """Allocate (after approval it runs on commit; the demo is one transaction, so it asks now);
    the warehouse makes a wave, prints, packs and ships part of it."""
    Courier = apps.get_model("partners", "Courier")
    warehouse = users["warehouse"]
    _service("shopflow.fulfilment.allocation", "orders_allocate")(actor=users["customer_service"])
    add = _service("shopflow.fulfilment.services", "tracking_numbers_add")
    add(courier=Courier.objects.get(code="ZTO"), numbers=_tracking_numbers("75", 311220000001, 300),
        actor=warehouse)
    add(courier=Courier.objects.get(code="SF"), numbers=_tracking_numbers("SF", 1402611220001, 50), actor=warehouse)
    add(courier=Courier.objects.get(code="EMS"), numbers=_tracking_numbers("", 9826112200001, 50), actor=warehouse)
    services = import_module("shopflow.fulfilment.services")
    wave = services.wave_create(warehouse=masters["warehouses"]["FG01"], courier=Courier.objects.get(code="ZTO"),
                                limit=WAVE_SIZE, actor=warehouse)
    services.wave_assign_tracking(wave=wave, actor=warehouse)
    services.wave_mark_printed(wave=wave, actor=warehouse)
    for parcel in list(wave.parcels.select_related("order"))[:SHIPPED_IN_DEMO]:
        scans = [line.sku.code for line in parcel.order.lines.select_related("sku")
                 for _unit in range(int(line.quantity))]
        services.parcel_pack(parcel=parcel, scans=scans, weight=Decimal("0.450"), actor=warehouse, ship=True)
    services.handover_create(courier=Courier.objects.get(code="ZTO"), warehouse=masters["warehouses"]["FG01"],
                             actor=warehouse)
