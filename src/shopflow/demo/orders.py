"""Demo online orders: a Taobao shop and 200 orders from a generated export pair (GBK, with the
real files' quirks), imported through the same intake as real files. Some item codes are
unknown and some addresses unreadable, so the workbench has held orders to look at. Importing
the same pair again changes nothing, so running the demo twice creates nothing new."""

from importlib import import_module

from django.apps import apps

SHOP = ("TB01", "悦衣旗舰店（淘宝）", "taobao")
ORDERS = 200


def ensure_online_orders(users, masters) -> None:
    Shop = apps.get_model("channels", "Shop")
    shop = Shop.objects.filter(code=SHOP[0]).first()
    if shop is None:
        shop = Shop.objects.create(code=SHOP[0], name=SHOP[1], platform=SHOP[2],
                                   warehouse=masters["warehouses"]["FG01"])
    if apps.get_model("sales", "OnlineOrder").objects.filter(shop=shop).exists():
        return
    codes = sorted(code for code, sku in masters["skus"].items() if sku.style_id)[:120]
    taobao = import_module("shopflow.channels.taobao")
    orders, items = taobao.generate_taobao_pair(ORDERS, seed=11, sku_codes=codes, unknown_sku_every=37)
    result = taobao.read_taobao_pair(orders, items, orders_name="订单报表.csv", items_name="宝贝报表.csv")
    import_module("shopflow.channels.services").orders_import(shop=shop, result=result,
                                                              actor=users["customer_service"],
                                                              source="订单报表.csv + 宝贝报表.csv")
