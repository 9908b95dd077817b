"""The stock inquiry's 库存查询 count and totals: counted on the balances without the listing's joins,
they must still equal the rows the page lists, for every filter combination the page offers
(search words, warehouse, category with its sub-categories, zero rows); the page's pager and
totals line come from them, and the balance index they read exists."""

import itertools
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shopflow.catalog import services as catalog
from shopflow.core.errors import PermissionDeniedError
from shopflow.core.roles import ROLE_CODES
from shopflow.inventory import selectors
from shopflow.inventory.models import Bin, SkuLocation, StockBalance
from shopflow.inventory.services import stock_reserve
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import put

D = Decimal
STOCK_ROLES = {"manager", "warehouse", "purchasing", "planning", "operations", "customer_service", "sales", "finance"}


@pytest.fixture
def world(db, manager):
    """Three warehouses (one may go negative), a two-level category tree, an empty category and a
    category-less SKU; balances with stock, with reserved stock, taken back to zero, never posted
    to, and negative; bins on some."""
    a = WarehouseFactory(code="WH-A", name="成品仓")
    b = WarehouseFactory(code="WH-B", name="退货仓")
    neg = WarehouseFactory(code="WH-N", name="样品仓", allow_negative=True)
    clothes = catalog.category_create(code="C1", name="服装", actor=manager)
    tees = catalog.category_create(code="C11", name="T恤", parent=clothes, actor=manager)
    pants = catalog.category_create(code="C12", name="裤装", parent=clothes, actor=manager)
    packing = catalog.category_create(code="C2", name="包材", actor=manager)
    empty = catalog.category_create(code="C3", name="配饰", actor=manager)
    skus = {
        "tee_m": SkuFactory(code="TS01-BLK-M", name="纯棉圆领T恤", barcode="6901234567892", category=tees),
        "tee_l": SkuFactory(code="TS01-BLK-L", name="纯棉圆领T恤", barcode="6901234567908", category=tees),
        "tee_w": SkuFactory(code="TS02-WHT-M", name="莫代尔T恤", colour="白色", category=tees),
        "jeans": SkuFactory(code="JN01-BLU-32", name="直筒牛仔裤", colour="蓝色", size="32", category=pants),
        "box": SkuFactory(code="BOX-01", name="快递纸箱", category=packing),
        "tape": SkuFactory(code="TAPE-01", name="封箱胶带 TS", category=None),  # "TS" in the name only
    }
    put(skus["tee_m"], a, 10, cost="20.00", origin_id=1)
    put(skus["tee_m"], b, 5, cost="26.00", origin_id=2)
    put(skus["tee_l"], a, 3, cost="20.00", origin_id=3)
    put(skus["tee_l"], a, -3, origin_id=4)  # back to zero
    put(skus["tee_w"], b, 2, cost="18.00", origin_id=5)
    put(skus["jeans"], a, 4, cost="55.50", origin_id=6)
    put(skus["box"], a, 1, cost="0.80", origin_id=7)
    put(skus["box"], a, -1, origin_id=8)  # back to zero
    put(skus["box"], neg, -6, origin_id=9)  # negative stock where the warehouse allows it
    put(skus["tape"], neg, 7, cost="3.00", origin_id=10)
    put(skus["tape"], b, 1, cost="3.00", origin_id=11)
    stock_reserve(sku_id=skus["tee_m"].pk, warehouse_id=a.pk, quantity=D(3), origin_type="sales.salesorder",
                  origin_id=1, actor=None)
    stock_reserve(sku_id=skus["tape"].pk, warehouse_id=b.pk, quantity=D(1), origin_type="sales.salesorder",
                  origin_id=2, actor=None)  # nothing available, but reserved: listed
    # A balance row that was never posted to (on hand 0, reserved 0): the zero filter leaves it out.
    StockBalance.objects.create(sku=skus["jeans"], warehouse=b)
    bin_a = Bin.objects.create(warehouse=a, code="A-01")
    SkuLocation.objects.create(sku=skus["tee_m"], warehouse=a, bin=bin_a)
    SkuLocation.objects.create(sku=skus["jeans"], warehouse=a, bin=bin_a)
    return {"wh": {"a": a, "b": b, "neg": neg}, "skus": skus,
            "cats": {"clothes": clothes, "tees": tees, "pants": pants, "packing": packing, "empty": empty}}


SEARCHES = ["", "TS01", "ts", "牛仔", "6901234", "BLK M", "  BLK   L  ", "T恤", "nothing-like-this", "%", "_"]
WAREHOUSES = [None, "a", "b", "neg"]
CATEGORIES = [None, "clothes", "tees", "pants", "packing", "empty", "missing"]


def _expected(world, *, search, warehouse_id, category_id, include_zero) -> set[tuple[str, str]]:
    """The (SKU code, warehouse code) pairs the inquiry should list, worked out in Python."""
    subtree = {
        world["cats"]["clothes"].pk: {world["cats"][k].pk for k in ("clothes", "tees", "pants")},
        world["cats"]["tees"].pk: {world["cats"]["tees"].pk},
        world["cats"]["pants"].pk: {world["cats"]["pants"].pk},
        world["cats"]["packing"].pk: {world["cats"]["packing"].pk},
        world["cats"]["empty"].pk: {world["cats"]["empty"].pk},
    }
    out = set()
    for bal in StockBalance.objects.select_related("sku", "warehouse"):
        sku = bal.sku
        if not include_zero and bal.on_hand == 0 and bal.reserved == 0:
            continue
        if warehouse_id and bal.warehouse_id != warehouse_id:
            continue
        if category_id and sku.category_id not in subtree.get(category_id, set()):
            continue
        if not all(w.lower() in sku.code.lower() or w.lower() in sku.name.lower() or sku.barcode.startswith(w)
                   for w in search.split()):
            continue
        out.add((sku.code, bal.warehouse.code))
    return out


def test_count_and_totals_equal_the_listed_rows_for_every_filter_combination(world, manager):
    missing_category = max(c.pk for c in world["cats"].values()) + 100
    seen_counts = set()
    for search, wh, cat, zero in itertools.product(SEARCHES, WAREHOUSES, CATEGORIES, (False, True)):
        filters = {
            "search": search,
            "warehouse_id": world["wh"][wh].pk if wh else None,
            "category_id": missing_category if cat == "missing" else (world["cats"][cat].pk if cat else None),
            "include_zero": zero,
        }
        where = f"filters {search=!r} {wh=} {cat=} {zero=}"
        listed = list(selectors.stock_inquiry(user=manager, **filters))
        keys = [(r["sku__code"], r["warehouse__code"]) for r in listed]
        assert len(keys) == len(set(keys)), f"{where}: a balance listed twice"
        assert set(keys) == _expected(world, **filters), where
        count = selectors.stock_inquiry_count(user=manager, **filters)
        totals = selectors.stock_inquiry_totals(user=manager, **filters)
        assert count == len(listed) == totals.count, where
        assert totals.on_hand == sum((D(r["on_hand"]) for r in listed), D(0)), where
        assert totals.reserved == sum((D(r["reserved"]) for r in listed), D(0)), where
        assert totals.available == totals.on_hand - totals.reserved
        seen_counts.add(count)
    # The filters really filter: empty, partial and full listings all occurred.
    assert {0, 1}.issubset(seen_counts) and max(seen_counts) == StockBalance.objects.count()


def test_the_unfiltered_count_reads_the_balances_only(world, manager):
    """No join for a count without a search or category: that join is what made it slow."""
    with CaptureQueriesContext(connection) as queries:
        selectors.stock_inquiry_count(user=manager)
        selectors.stock_inquiry_count(user=manager, warehouse_id=world["wh"]["a"].pk, include_zero=True)
        selectors.stock_inquiry_totals(user=manager, warehouse_id=world["wh"]["b"].pk)
    counts = [q["sql"] for q in queries if "inventory_stockbalance" in q["sql"]]
    assert len(counts) == 3
    for sql in counts:
        assert "JOIN" not in sql.upper() and "catalog_sku" not in sql, sql
    with CaptureQueriesContext(connection) as queries:
        selectors.stock_inquiry_count(user=manager, search="TS", category_id=world["cats"]["clothes"].pk)
    [sql] = [q["sql"] for q in queries if "inventory_stockbalance" in q["sql"]]
    assert "catalog_sku" in sql and "inventory_warehouse" not in sql, sql


def test_the_inquiry_index_is_on_sqlite_only_and_sqlite_counts_from_it(world, manager):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, StockBalance._meta.db_table)
    if connection.vendor != "sqlite":
        # Not on PostgreSQL: balance updates stay HOT there (see migration 0008).
        assert "inv_balance_inquiry_idx" not in constraints
        return
    index = constraints["inv_balance_inquiry_idx"]
    assert index["index"] and not index["unique"]
    assert index["columns"] == ["sku_id", "warehouse_id", "on_hand", "reserved"]
    count = selectors.stock_inquiry_count(user=manager)  # warm up; the SQL below is the one just run
    with CaptureQueriesContext(connection) as queries:
        assert selectors.stock_inquiry_count(user=manager) == count
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + queries[0]["sql"])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "COVERING INDEX inv_balance_inquiry_idx" in plan, plan


@pytest.mark.parametrize("role", sorted(set(ROLE_CODES) - STOCK_ROLES))
def test_count_and_totals_refuse_a_role_that_may_not_see_stock(role, role_user, world):
    user = role_user(role)
    for selector in (selectors.stock_inquiry_count, selectors.stock_inquiry_totals):
        with pytest.raises(PermissionDeniedError):
            selector(user=user)


def test_the_page_pager_and_totals_follow_the_filters(manager, client, world, settings):
    settings.SHOPFLOW = {"LIST_PAGE_SIZE": 2}
    client.force_login(manager)
    a, neg = world["wh"]["a"].pk, world["wh"]["neg"].pk
    cases = [  # query → rows listed, on hand in total
        ("", 7, "23"), (f"warehouse={a}", 2, "14"), (f"warehouse={a}&zero=on", 4, "14"), ("q=TS", 5, "25"),
        (f"category={world['cats']['clothes'].pk}", 4, "21"), (f"category={world['cats']['empty'].pk}", 0, None),
        (f"q=BOX&warehouse={neg}", 1, "-6"), (f"q=BOX&warehouse={neg}&page=9", 1, "-6"),
    ]
    for query, expected, on_hand in cases:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/inventory/stock/?{query}")
        assert response.status_code == 200, query
        page = response.context["page"]
        assert page.paginator.count == expected and page.paginator.num_pages == max(1, -(-expected // 2)), query
        html = response.content.decode()
        assert len(re.findall(r"<tr data-sku=", html)) == len(page.object_list) == min(expected, 2), query
        if on_hand is None:  # no rows: no totals line
            assert 'id="sf-total-on-hand"' not in html and response.context["totals"].count == 0
        else:
            assert re.search(rf'id="sf-total-on-hand">\s*{re.escape(on_hand)}<', html), (query, on_hand)
        # One query for the pager and the totals, one for the rows (none when there are none):
        # the listing with its joins is not counted or summed again.
        balance_queries = [q["sql"] for q in queries if "inventory_stockbalance" in q["sql"]]
        assert len(balance_queries) == (2 if expected else 1), (query, balance_queries)
