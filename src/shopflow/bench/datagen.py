"""The deterministic data set: users, warehouses, categories, the style × colour × size
catalogue and safety stock, written set-wise (bulk_create in chunks) because they are the
ground the measurements stand on, not what is measured. Stock is never written here: it goes
into the ledger through inventory.services in the scenarios.

The same size and seed give the same rows (codes, costs, quantities) on every run and database."""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from shopflow.bench.sizes import Size
from shopflow.catalog.models import Category, Sku, Style, StyleColour, StyleSize
from shopflow.channels.models import Platform, Shop
from shopflow.inventory.models import SafetyStock, Warehouse
from shopflow.partners.models import Courier

COLOURS = (("BLK", "黑色"), ("WHT", "白色"))
SIZES = ("S", "M", "L", "XL", "XXL")
CATEGORIES = ("T恤", "衬衫", "卫衣", "毛衣", "外套", "连衣裙", "半身裙", "牛仔裤", "休闲裤", "配饰")
STYLE_CHUNK = 2_000  # styles per bulk_create round (20,000 SKUs)


@dataclass
class DataSet:
    """What the scenarios work on: ids only, so a 1M-SKU run does not hold 1M model objects."""

    size: Size
    seed: int
    clerk: object = None  # warehouse role: creates and submits documents
    manager: object = None  # shop manager: approves, sees every report
    main: int = 0  # warehouse ids: main finished-goods warehouse (receipts, issues),
    second: int = 0  # the second one (documents),
    hot: int = 0  # and the live-stream warehouse the reservation clients fight over
    ecommerce: int = 0  # the online shop's ship-from warehouse (the order scenarios put their stock there)
    shop: int = 0  # the Taobao shop the generated exports are imported into
    courier: int = 0  # its default courier (ZTO, seeded by the partners migration)
    service: object = None  # customer service: imports and reviews online orders
    sku_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)

    def rng(self, salt: str) -> random.Random:
        """A random stream of its own per use, so adding a scenario does not shift the others' data."""
        return random.Random(f"{self.seed}:{salt}")


def ean13(number: int) -> str:
    """A valid EAN-13 under the 69 (China) prefix for a running number."""
    body = f"69{number:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _user(username: str, role: str):
    User = get_user_model()
    user = User(username=username, email=f"{username}@bench.invalid", is_active=True)
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


def generate(size: Size, *, seed: int = 1, progress=None) -> DataSet:
    ds = DataSet(size=size, seed=seed)
    ds.clerk = _user("bench-clerk", "warehouse")
    ds.manager = _user("bench-manager", "manager")
    ds.main = Warehouse.objects.create(code="FG01", name="成品仓").pk
    ds.second = Warehouse.objects.create(code="FG02", name="成品二仓").pk
    ds.hot = Warehouse.objects.create(code="LIVE", name="直播仓").pk
    ds.ecommerce = Warehouse.objects.create(code="EC01", name="电商仓").pk
    ds.service = _user("bench-service", "customer_service")
    ds.courier = Courier.objects.get(code="ZTO").pk
    ds.shop = Shop.objects.create(code="BENCH-TB", name="衣橱小铺旗舰店", platform=Platform.TAOBAO,
                                  warehouse_id=ds.ecommerce, default_courier_id=ds.courier).pk
    categories = Category.objects.bulk_create(
        [Category(code=f"BC{i:02d}", name=name, sort_order=i) for i, name in enumerate(CATEGORIES, 1)])
    ds.category_ids = [c.pk for c in categories]

    rng = ds.rng("catalogue")
    styles_total = max(size.skus // (len(COLOURS) * len(SIZES)), 1)
    for start in range(0, styles_total, STYLE_CHUNK):
        numbers = range(start + 1, min(start + STYLE_CHUNK, styles_total) + 1)
        costs = {n: Decimal(rng.randrange(1500, 30000)) / 100 for n in numbers}
        styles = Style.objects.bulk_create([
            Style(code=f"S{n:07d}", name=f"{CATEGORIES[n % len(CATEGORIES)]} 款{n}", category_id=ds.category_ids[
                n % len(CATEGORIES)], cost=costs[n], list_price=(costs[n] * Decimal("2.5")).quantize(Decimal("1")))
            for n in numbers])
        colours = StyleColour.objects.bulk_create([
            StyleColour(style=s, code=code, name=name, sort_order=i)
            for s in styles for i, (code, name) in enumerate(COLOURS)])
        sizes = StyleSize.objects.bulk_create([
            StyleSize(style=s, code=code, sort_order=i) for s in styles for i, code in enumerate(SIZES)])
        colours_of, sizes_of = defaultdict(list), defaultdict(list)
        for c in colours:
            colours_of[c.style_id].append(c)
        for z in sizes:
            sizes_of[z.style_id].append(z)
        skus = []
        for n, s in zip(numbers, styles, strict=True):
            for c in colours_of[s.pk]:
                for z in sizes_of[s.pk]:
                    skus.append(Sku(
                        code=f"{s.code}-{c.code}-{z.code}", name=s.name, category_id=s.category_id, style=s,
                        style_colour=c, style_size=z, colour=c.name, size=z.code,
                        barcode=ean13(len(ds.sku_ids) + len(skus) + 1), cost=costs[n], list_price=s.list_price,
                        weight=Decimal("0.300")))
        ds.sku_ids.extend(s.pk for s in Sku.objects.bulk_create(skus, batch_size=5_000))
        if progress:
            progress(f"catalogue: {len(ds.sku_ids):,} SKUs")

    # Safety stock on every tenth SKU in the main warehouse, some of it above what will be there.
    SafetyStock.objects.bulk_create(
        [SafetyStock(sku_id=pk, warehouse_id=ds.main, minimum=Decimal(rng.randrange(5, 150)), updated_by=ds.manager)
         for pk in ds.sku_ids[::10]], batch_size=5_000)
    return ds
