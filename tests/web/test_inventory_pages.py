"""The inventory pages: stock inquiry, valuation, low stock, slow-moving, the stock-take work pages
(new count sheet, counting, variance review) and the printed documents — numbers checked
against the ledger, exports, and who may open what (403 for everyone else)."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shopflow.catalog import services as catalog
from shopflow.core import services
from shopflow.core.roles import ROLE_CODES
from shopflow.inventory.models import Bin, SafetyStock, SkuCost, SkuLocation, StockTake
from shopflow.inventory.selectors import stock_valuation
from shopflow.inventory.services import safety_stock_set, stock_reserve, stocktake_create, stocktake_record_counts
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import TRANSFER, make_doc, put

D = Decimal
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOODS_ROLES = {"manager", "warehouse", "purchasing", "planning", "operations", "customer_service", "sales", "finance"}
VALUE_ROLES = {"manager", "finance", "planning", "purchasing"}
SAFETY_ROLES = {"manager", "warehouse", "planning", "purchasing"}


@pytest.fixture
def stock(db, manager):
    """Two warehouses, a category tree, bins and stock at known costs:

        TS01-BLK-M  T恤   WH-A 10 @ 20.00 (3 reserved), WH-B 5 @ 26.00 → average 22.00, bin A-01
        JN01-BLU-32 裤装  WH-A 4 @ 55.50, bin B-01
        BOX-01      包材  WH-A 0 (never received)
    """
    a, b = WarehouseFactory(code="WH-A", name="成品仓"), WarehouseFactory(code="WH-B", name="退货仓")
    clothes = catalog.category_create(code="C1", name="服装", actor=manager)
    tees = catalog.category_create(code="C11", name="T恤", parent=clothes, actor=manager)
    pants = catalog.category_create(code="C12", name="裤装", parent=clothes, actor=manager)
    packing = catalog.category_create(code="C2", name="包材", actor=manager)
    shirt = SkuFactory(code="TS01-BLK-M", name="纯棉圆领T恤", barcode="6901234567892", category=tees)
    jeans = SkuFactory(code="JN01-BLU-32", name="直筒牛仔裤", colour="蓝色", size="32", category=pants)
    box = SkuFactory(code="BOX-01", name="快递纸箱", category=packing)
    put(shirt, a, 10, cost="20.00", origin_id=1)
    put(shirt, b, 5, cost="26.00", origin_id=2)
    put(jeans, a, 4, cost="55.50", origin_id=3)
    stock_reserve(sku_id=shirt.pk, warehouse_id=a.pk, quantity=D(3), origin_type="sales.salesorder", origin_id=1,
                  actor=None)
    bins = {code: Bin.objects.create(warehouse=a, code=code, sort_order=n) for n, code in enumerate(("B-01", "A-01"))}
    SkuLocation.objects.create(sku=shirt, warehouse=a, bin=bins["A-01"])
    SkuLocation.objects.create(sku=jeans, warehouse=a, bin=bins["B-01"])
    return {"a": a, "b": b, "shirt": shirt, "jeans": jeans, "box": box, "bins": bins,
            "cats": {"clothes": clothes, "tees": tees, "packing": packing}}


def row(page: str, sku: str, warehouse: str | None = None) -> str:
    """The <tr> of one SKU (and warehouse) in a page's table."""
    where = f' data-warehouse="{warehouse}"' if warehouse else ""
    match = re.search(rf'<tr data-sku="{re.escape(sku)}"{where}.*?</tr>', page, re.S)
    assert match, f"no row for {sku} {warehouse or ''}"
    return match.group(0)


def cell(html: str, col: str) -> str:
    match = re.search(rf'data-col="{col}"[^>]*>\s*(.*?)\s*</td>', html, re.S)
    assert match, col
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def sheet_rows(response) -> list[tuple]:
    assert response["Content-Type"] == XLSX
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


# ---------------------------------------------------------------- who may open what


def pages(stock, clerk) -> dict[str, tuple[str, set[str]]]:
    """url → the roles that may open it."""
    count = stocktake_create(warehouse_id=stock["a"].pk, actor=clerk)
    transfer = make_doc(TRANSFER, clerk, {"from_warehouse": stock["a"].pk, "to_warehouse": stock["b"].pk},
                        [{"sku": stock["jeans"].pk, "quantity": "1"}])
    stocktake_viewers = {"manager", "warehouse", "purchasing", "planning", "finance"}
    return {
        "/inventory/stock/": GOODS_ROLES,
        "/inventory/stock/export.xlsx": GOODS_ROLES,
        "/inventory/valuation/": VALUE_ROLES,
        "/inventory/valuation/export.xlsx": VALUE_ROLES,
        "/inventory/low-stock/": SAFETY_ROLES,
        "/inventory/low-stock/export.xlsx": SAFETY_ROLES,
        "/inventory/slow-moving/": GOODS_ROLES,
        "/inventory/slow-moving/export.xlsx": GOODS_ROLES,
        "/inventory/stocktake/new/": {"manager", "warehouse"},
        f"/inventory/stocktake/{count.pk}/count/": stocktake_viewers,
        f"/inventory/stocktake/{count.pk}/variance/": stocktake_viewers,
        f"/inventory/stocktake/{count.pk}/variance/export.xlsx": stocktake_viewers,
        f"/inventory/stocktake/{count.pk}/sheet.pdf": stocktake_viewers,
        f"/inventory/transfer/{transfer.pk}/print.pdf": {"manager", "warehouse", "purchasing", "planning", "finance"},
    }


@pytest.mark.parametrize("role", ROLE_CODES)
def test_every_page_answers_403_to_roles_without_access(role, role_user, client_of, stock, clerk):
    client = client_of(role_user(role))
    for url, allowed in pages(stock, clerk).items():
        response = client.get(url)
        assert response.status_code == (200 if role in allowed else 403), (role, url)


def test_pages_need_a_login(client, stock, clerk):
    for url in pages(stock, clerk):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.parametrize("role", ROLE_CODES)
def test_the_menu_shows_the_pages_a_role_may_open(role, role_user, client_of, db):
    page = client_of(role_user(role)).get("/").content.decode()
    for url, allowed in (("/inventory/stock/", GOODS_ROLES), ("/inventory/valuation/", VALUE_ROLES),
                         ("/inventory/low-stock/", SAFETY_ROLES), ("/inventory/slow-moving/", GOODS_ROLES),
                         ("/inventory/stocktake/new/", {"manager", "warehouse"})):
        assert (f'href="{url}"' in page) is (role in allowed), (role, url)


# ---------------------------------------------------------------- stock inquiry 库存查询


def test_stock_inquiry_numbers_follow_the_ledger(manager, client_of, stock):
    page = client_of(manager).get("/inventory/stock/").content.decode()
    shirt_a = row(page, "TS01-BLK-M", "WH-A")
    assert ">10<" in shirt_a and ">3<" in shirt_a and "A-01" in shirt_a
    assert cell(shirt_a, "available") == "7"
    assert SkuCost.objects.get(sku=stock["shirt"]).average == D("22")
    assert cell(shirt_a, "average") == "¥22.00" and cell(shirt_a, "value") == "¥220.00"
    assert cell(row(page, "TS01-BLK-M", "WH-B"), "value") == "¥110.00"
    assert cell(row(page, "JN01-BLU-32", "WH-A"), "value") == "¥222.00"
    assert 'data-sku="BOX-01"' not in page  # nothing on hand, nothing reserved
    assert re.search(r'id="sf-total-on-hand">\s*19<', page)


def test_stock_inquiry_hides_money_from_roles_without_value(role_user, client_of, stock):
    page = client_of(role_user("warehouse")).get("/inventory/stock/").content.decode()
    shirt_a = row(page, "TS01-BLK-M", "WH-A")
    assert cell(shirt_a, "available") == "7"
    assert 'data-col="value"' not in page and "¥" not in page
    sheet = sheet_rows(client_of(role_user("warehouse")).get("/inventory/stock/export.xlsx"))
    assert len(sheet[0]) == 11 and all("¥" not in str(c) for r in sheet for c in r)


@pytest.mark.parametrize(("query", "expected"), [
    ("q=TS01", {"TS01-BLK-M"}), ("q=牛仔", {"JN01-BLU-32"}), ("q=690123", {"TS01-BLK-M"}),
    ("q=BLK+M", {"TS01-BLK-M"}), ("category={clothes}", {"TS01-BLK-M", "JN01-BLU-32"}),
    ("category={packing}&zero=on", set()), ("warehouse={b}", {"TS01-BLK-M"}), ("q=nothing-like-this", set()),
])
def test_stock_inquiry_searches_and_filters(query, expected, manager, client_of, stock):
    query = query.format(clothes=stock["cats"]["clothes"].pk, packing=stock["cats"]["packing"].pk, b=stock["b"].pk)
    page = client_of(manager).get(f"/inventory/stock/?{query}").content.decode()
    assert set(re.findall(r'<tr data-sku="([^"]+)"', page)) == expected


def test_stock_inquiry_shows_zero_rows_on_request(manager, client_of, stock):
    put(stock["box"], stock["a"], 2, origin_id=9)
    put(stock["box"], stock["a"], -2, origin_id=10)
    url = "/inventory/stock/?q=BOX"
    assert 'data-sku="BOX-01"' not in client_of(manager).get(url).content.decode()
    assert 'data-sku="BOX-01"' in client_of(manager).get(url + "&zero=on").content.decode()


def test_stock_inquiry_paginates(manager, client_of, stock, settings):
    settings.SHOPFLOW = {"LIST_PAGE_SIZE": 2}
    client = client_of(manager)
    first = client.get("/inventory/stock/").content.decode()
    second = client.get("/inventory/stock/?page=2").content.decode()
    assert len(re.findall(r"<tr data-sku=", first)) == 2 and len(re.findall(r"<tr data-sku=", second)) == 1
    assert 'rel="next"' in first


def test_stock_export_follows_the_filters_and_neutralises_formulas(manager, client_of, stock):
    evil = SkuFactory(code="EVIL-1", name="=HYPERLINK(\"http://x\")")
    put(evil, stock["a"], 1, cost="1.00", origin_id=11)
    sheet = sheet_rows(client_of(manager).get(f"/inventory/stock/export.xlsx?warehouse={stock['a'].pk}"))
    by_code = {r[2]: r for r in sheet[1:]}
    assert set(by_code) == {"TS01-BLK-M", "JN01-BLU-32", "EVIL-1"}
    assert by_code["TS01-BLK-M"][8:] == (10, 3, 7, 22, 220)
    assert by_code["EVIL-1"][3].startswith("'=")


# ---------------------------------------------------------------- valuation 库存估值


def test_valuation_page_totals_match_the_ledger(manager, client_of, stock):
    page = client_of(manager).get("/inventory/valuation/").content.decode()
    report = stock_valuation()
    assert report.total_value == D("552.00") == sum(SkuCost.objects.values_list("value", flat=True))
    assert re.search(r'id="sf-total-value">\s*¥552.00<', page)
    assert re.search(r'id="sf-total-quantity">19<', page)
    assert cell(row(page, "TS01-BLK-M", "WH-A"), "value") == "¥220.00"
    assert cell(row(page, "TS01-BLK-M", "WH-B"), "value") == "¥110.00"
    filtered = client_of(manager).get(f"/inventory/valuation/?warehouse={stock['b'].pk}").content.decode()
    assert re.search(r'id="sf-total-value">\s*¥110.00<', filtered)
    by_prefix = client_of(manager).get("/inventory/valuation/?prefix=JN").content.decode()
    assert re.search(r'id="sf-total-value">\s*¥222.00<', by_prefix)


def test_valuation_export_has_the_rows_and_the_total(manager, client_of, stock):
    sheet = sheet_rows(client_of(manager).get("/inventory/valuation/export.xlsx"))
    assert [(r[0], r[2], r[7], r[9]) for r in sheet[1:-1]] == [
        ("WH-A", "JN01-BLU-32", 4, 222), ("WH-A", "TS01-BLK-M", 10, 220), ("WH-B", "TS01-BLK-M", 5, 110)]
    assert sheet[-1][7] == 19 and sheet[-1][9] == 552


def test_the_valuation_selector_refuses_a_role_without_value(role_user, stock):
    from shopflow.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        stock_valuation(user=role_user("warehouse"))
    assert stock_valuation(user=role_user("purchasing")).total_value == D("552.00")


# ---------------------------------------------------------------- low stock 警戒库存


def test_low_stock_page_and_setting_safety_stock(role_user, client_of, stock):
    planner = role_user("planning")
    client = client_of(planner)
    response = client.post("/inventory/low-stock/safety-stock/",
                           {"sku": "6901234567892", "warehouse": stock["a"].pk, "minimum": "12"})
    assert response.status_code == 302
    assert SafetyStock.objects.get(sku=stock["shirt"], warehouse=stock["a"]).minimum == D(12)
    page = client.get("/inventory/low-stock/").content.decode()
    assert cell(row(page, "TS01-BLK-M"), "shortfall") == "5"  # available 7 < 12
    safety_stock_set(sku_id=stock["jeans"].pk, warehouse_id=stock["a"].pk, minimum=D(4), actor=planner)
    page = client.get("/inventory/low-stock/").content.decode()
    assert 'data-sku="JN01-BLU-32"' not in page  # 4 available is not below 4
    sheet = sheet_rows(client.get("/inventory/low-stock/export.xlsx"))
    assert [r[1:] for r in sheet[1:]] == [("TS01-BLK-M", "纯棉圆领T恤", 12, 10, 3, 7, 5)]


@pytest.mark.parametrize(("data", "field"), [
    ({"sku": "NOPE", "minimum": "3"}, "No SKU has the item code"),
    ({"sku": "TS01-BLK-M", "minimum": "-1"}, "minimum"),
    ({"sku": "TS01-BLK-M", "minimum": "lots"}, "minimum"),
])
def test_safety_stock_form_errors_say_what_is_wrong(data, field, clerk, client_of, stock):
    response = client_of(clerk).post("/inventory/low-stock/safety-stock/", {**data, "warehouse": stock["a"].pk})
    assert response.status_code == 400
    assert b"invalid-feedback" in response.content
    assert not SafetyStock.objects.exists()


def test_safety_stock_cannot_be_set_by_a_role_that_only_views_it(role_user, client_of, stock):
    response = client_of(role_user("purchasing")).post(
        "/inventory/low-stock/safety-stock/", {"sku": "TS01-BLK-M", "warehouse": stock["a"].pk, "minimum": "5"})
    assert response.status_code == 403
    assert not SafetyStock.objects.exists()
    page = client_of(role_user("purchasing")).get("/inventory/low-stock/").content.decode()
    assert 'id="sf-safety"' not in page


# ---------------------------------------------------------------- slow-moving 呆滞


def test_slow_moving_page_uses_the_days_setting_and_parameter(manager, role_user, client_of, stock, settings):
    settings.SHOPFLOW = {"SLOW_MOVING_DAYS": 0}  # everything was received today: idle 0 days
    page = client_of(manager).get("/inventory/slow-moving/").content.decode()
    assert {"TS01-BLK-M", "JN01-BLU-32"} <= set(re.findall(r'<tr data-sku="([^"]+)"', page))
    assert cell(row(page, "JN01-BLU-32"), "value") == "¥222.00"
    assert re.search(r'id="sf-total-value">\s*¥552.00<', page)
    page = client_of(manager).get("/inventory/slow-moving/?days=30").content.decode()
    assert not re.findall(r'<tr data-sku="', page)  # everything moved in today
    settings.SHOPFLOW = {}
    page = client_of(manager).get("/inventory/slow-moving/").content.decode()
    assert 'value="90"' in page
    clerk_page = client_of(role_user("warehouse")).get("/inventory/slow-moving/?days=1").content.decode()
    assert "¥" not in clerk_page


def test_slow_moving_export(manager, client_of, stock):
    sheet = sheet_rows(client_of(manager).get("/inventory/slow-moving/export.xlsx?days=0"))
    assert sheet[0][-1] is not None and len(sheet) == 4  # header + shirt in two warehouses + jeans
    assert {r[1] for r in sheet[1:]} == {"TS01-BLK-M", "JN01-BLU-32"}


# ---------------------------------------------------------------- new count sheet


def test_new_count_sheet_by_category_and_bin(clerk, client_of, stock):
    client = client_of(clerk)
    page = client.get(f"/inventory/stocktake/new/?warehouse={stock['a'].pk}").content.decode()
    assert f'value="{stock["bins"]["A-01"].pk}"' in page
    partial = client.get(f"/inventory/stocktake/bins/?warehouse={stock['a'].pk}").content.decode()
    assert "B-01" in partial and "A-01" in partial
    response = client.post("/inventory/stocktake/new/", {
        "warehouse": stock["a"].pk, "category": stock["cats"]["clothes"].pk, "bins": [stock["bins"]["A-01"].pk],
        "sku_prefix": "", "doc_date": "2026-11-28", "remarks": "月底盘点", "blind": "on"})
    doc = StockTake.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inventory/stocktake/{doc.pk}/count/"
    assert (doc.category_id, doc.blind, doc.remarks) == (stock["cats"]["clothes"].pk, True, "月底盘点")
    assert list(doc.bins.values_list("code", flat=True)) == ["A-01"]
    assert list(doc.book.values_list("sku__code", "quantity")) == [("TS01-BLK-M", D(10))]


def test_new_count_sheet_refuses_a_bin_of_another_warehouse(clerk, client_of, stock):
    elsewhere = Bin.objects.create(warehouse=stock["b"], code="X-01")
    response = client_of(clerk).post("/inventory/stocktake/new/", {
        "warehouse": stock["a"].pk, "bins": [elsewhere.pk], "doc_date": "2026-11-28"})
    assert response.status_code == 400
    assert "X-01" in response.content.decode() and "invalid-feedback" in response.content.decode()
    assert not StockTake.objects.exists()


def test_new_count_sheet_is_refused_to_viewers(role_user, client_of, stock):
    response = client_of(role_user("purchasing")).post("/inventory/stocktake/new/", {
        "warehouse": stock["a"].pk, "doc_date": "2026-11-28"})
    assert response.status_code == 403
    assert not StockTake.objects.exists()


# ---------------------------------------------------------------- counting


@pytest.fixture
def count(clerk, stock):
    return stocktake_create(warehouse_id=stock["a"].pk, actor=clerk)


def count_url(doc) -> str:
    return f"/inventory/stocktake/{doc.pk}/count/"


def post_counts(client, doc, counts: dict, *, was: dict | None = None, version=None, **extra):
    data = {"version": doc.version if version is None else version, "action": "save", **extra}
    for sku, value in counts.items():
        data[f"count-{sku.pk}"] = value
        data[f"was-{sku.pk}"] = (was or {}).get(sku, "")
    return client.post(count_url(doc), data)


def test_the_counting_page_lists_the_sheet_by_bin(clerk, client_of, count, stock):
    page = client_of(clerk).get(count_url(count)).content.decode()
    order = [m for m in re.findall(r'data-code="([^"]+)"', page)]
    assert order == ["JN01-BLU-32", "TS01-BLK-M"]  # bin B-01 is walked before A-01
    assert f'name="count-{stock["shirt"].pk}" value="10"' in page  # prefilled with the book


def test_saving_counts_writes_only_the_changed_rows(clerk, client_of, count, stock):
    shirt, jeans = stock["shirt"], stock["jeans"]
    before, jeans_line = count.version, count.lines.get(sku=jeans)
    response = post_counts(client_of(clerk), count, {shirt: "8", jeans: "4"}, was={shirt: "10", jeans: "4"})
    assert response.status_code == 302
    count.refresh_from_db()
    assert sorted(count.lines.values_list("sku__code", "quantity")) == [("JN01-BLU-32", D(4)), ("TS01-BLK-M", D(8))]
    assert count.version == before + 1
    assert count.lines.get(sku=jeans).pk == jeans_line.pk  # the unchanged row was not rewritten


def test_a_stale_version_is_refused_and_nothing_is_saved(clerk, client_of, count, stock):
    shirt = stock["shirt"]
    loaded = count.version
    stocktake_record_counts(doc=count, counts={shirt.pk: D(9)}, actor=clerk)  # another counter saved first
    response = post_counts(client_of(clerk), count, {shirt: "7"}, was={shirt: "10"}, version=loaded)
    assert response.status_code == 409
    assert 'id="sf-errors"' in response.content.decode()
    assert count.lines.get(sku=shirt).quantity == D(9)
    assert f'name="count-{shirt.pk}" value="7"' in response.content.decode()  # what was typed is kept


def test_row_errors_are_shown_on_the_row(clerk, client_of, count, stock):
    shirt = stock["shirt"]
    response = post_counts(client_of(clerk), count, {shirt: "-3"}, was={shirt: "10"})
    assert response.status_code == 400
    html = response.content.decode()
    tr = re.search(rf'<tr data-sku-id="{shirt.pk}".*?</tr>', html, re.S).group(0)
    assert "table-danger" in tr and "invalid-feedback" in tr
    assert count.lines.get(sku=shirt).quantity == D(10)


def test_a_blind_count_hides_the_book_from_the_counter(clerk, manager, client_of, stock):
    doc = stocktake_create(warehouse_id=stock["a"].pk, actor=clerk, blind=True)
    counter_page = client_of(clerk).get(count_url(doc)).content.decode()
    assert 'data-book="' not in counter_page and 'data-col="difference"' not in counter_page
    assert 'data-code="TS01-BLK-M"' in counter_page and f'name="count-{stock["shirt"].pk}" value=""' in counter_page
    manager_page = client_of(manager).get(count_url(doc)).content.decode()
    assert 'data-book="10"' in manager_page
    variance = client_of(clerk).get(f"/inventory/stocktake/{doc.pk}/variance/").content.decode()
    assert 'data-col="book"' not in variance and 'id="sf-blind-note"' in variance
    sheet = sheet_rows(client_of(clerk).get(f"/inventory/stocktake/{doc.pk}/variance/export.xlsx"))
    assert len(sheet[0]) == 7  # no book, difference or value


def test_scanning_an_unknown_code_says_so(clerk, client_of, count):
    response = client_of(clerk).post(count_url(count), {"version": count.version, "scan": "NO-SUCH-CODE"})
    assert response.status_code == 400
    assert "NO-SUCH-CODE" in response.content.decode() and 'id="sf-scan-error"' in response.content.decode()


def test_scanning_a_code_off_the_sheet_adds_its_row_and_saving_counts_it(clerk, client_of, count, stock):
    found = SkuFactory(code="TS09-RED-S", barcode="6900000000016")
    client = client_of(clerk)
    response = client.post(count_url(count), {"version": count.version, "scan": "6900000000016",
                                              f"count-{stock['shirt'].pk}": "9", f"was-{stock['shirt'].pk}": "10"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-sku-id="{found.pk}"' in html and f'name="extra" value="{found.pk}"' in html
    assert f'name="count-{stock["shirt"].pk}" value="9"' in html  # the typed count survives
    response = post_counts(client, count, {found: "2", stock["shirt"]: "9"}, was={stock["shirt"]: "10"},
                           extra=[found.pk])
    assert response.status_code == 302
    assert count.lines.get(sku=found).quantity == D(2) and count.lines.get(sku=stock["shirt"]).quantity == D(9)


def test_scanning_a_code_outside_a_count_by_bin_is_refused(clerk, client_of, stock):
    doc = stocktake_create(warehouse_id=stock["a"].pk, bin_ids=[stock["bins"]["A-01"].pk], actor=clerk)
    response = client_of(clerk).post(count_url(doc), {"version": doc.version, "scan": "JN01-BLU-32"})
    assert response.status_code == 400 and "不在本次盘点范围内" in response.content.decode()


def test_the_counting_page_is_read_only_after_submission_and_for_viewers(clerk, role_user, client_of, count, stock):
    viewer = client_of(role_user("finance")).get(count_url(count)).content.decode()
    assert 'id="sf-read-only"' in viewer and 'name="count-' not in viewer
    response = post_counts(client_of(role_user("finance")), count, {stock["shirt"]: "1"})
    assert response.status_code == 403
    services.document_transition(count, "submit", actor=clerk)
    page = client_of(clerk).get(count_url(count)).content.decode()
    assert 'id="sf-read-only"' in page and 'name="count-' not in page
    count.refresh_from_db()
    response = post_counts(client_of(clerk), count, {stock["shirt"]: "1"}, was={stock["shirt"]: "10"})
    assert response.status_code == 409
    assert count.lines.get(sku=stock["shirt"]).quantity == D(10)


# ---------------------------------------------------------------- variance review


def test_variance_review_numbers(manager, client_of, count, stock):
    doc = stocktake_record_counts(doc=count, actor=manager, counts={stock["shirt"].pk: D(12), stock["jeans"].pk: D(1)})
    client = client_of(manager)
    page = client.get(f"/inventory/stocktake/{doc.pk}/variance/").content.decode()
    shirt, jeans = row(page, "TS01-BLK-M"), row(page, "JN01-BLU-32")
    assert (cell(shirt, "book"), cell(shirt, "counted"), cell(shirt, "difference"), cell(shirt, "value")) == (
        "10", "12", "+2", "¥44.00")
    assert (cell(jeans, "difference"), cell(jeans, "value")) == ("-3", "-¥166.50")
    assert re.search(r'id="sf-gain-value">\s*¥44.00<', page) and re.search(r'id="sf-loss-value">\s*¥166.50<', page)
    assert re.search(r'id="sf-net-value">\s*-¥122.50<', page)
    sheet = sheet_rows(client.get(f"/inventory/stocktake/{doc.pk}/variance/export.xlsx"))
    assert [r[1:] for r in sheet[1:]] == [
        ("JN01-BLU-32", "直筒牛仔裤", "蓝色", "32", "件", 1, 4, -3, 55.5, -166.5),
        ("TS01-BLK-M", "纯棉圆领T恤", "黑色", "M", "件", 12, 10, 2, 22, 44)]


def test_variance_review_filters_differences_and_hides_value_from_the_warehouse(clerk, client_of, count, stock):
    stocktake_record_counts(doc=count, actor=clerk, counts={stock["shirt"].pk: D(11)})
    page = client_of(clerk).get(f"/inventory/stocktake/{count.pk}/variance/?diff=1").content.decode()
    assert set(re.findall(r'<tr data-sku="([^"]+)"', page)) == {"TS01-BLK-M"}
    assert cell(row(page, "TS01-BLK-M"), "difference") == "+1"
    assert "¥" not in page  # the warehouse sees quantities, not money


def test_variance_review_shows_the_count_window_warning(manager, client_of, stock, clerk):
    doc = stocktake_create(warehouse_id=stock["a"].pk, actor=clerk, doc_date=datetime.date(2026, 3, 10))
    page = client_of(manager).get(f"/inventory/stocktake/{doc.pk}/variance/").content.decode()
    assert page.count("sf-warning") >= 1 and "2026-03-10" in page


# ---------------------------------------------------------------- printed documents and detail links


def test_pdfs_are_served_to_viewers(manager, client_of, count, stock, clerk):
    response = client_of(manager).get(f"/inventory/stocktake/{count.pk}/sheet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    transfer = make_doc(TRANSFER, clerk, {"from_warehouse": stock["a"].pk, "to_warehouse": stock["b"].pk},
                        [{"sku": stock["jeans"].pk, "quantity": "2"}])
    response = client_of(clerk).get(f"/inventory/transfer/{transfer.pk}/print.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client_of(clerk).get("/inventory/transfer/999999/print.pdf").status_code == 404


def test_detail_pages_link_to_the_work_pages_and_pdfs(clerk, role_user, client_of, count, stock):
    page = client_of(clerk).get(f"/d/inventory-stocktake/{count.pk}/").content.decode()
    for url in (f"/inventory/stocktake/{count.pk}/count/", f"/inventory/stocktake/{count.pk}/variance/",
                f"/inventory/stocktake/{count.pk}/sheet.pdf"):
        assert f'href="{url}"' in page
    viewer = client_of(role_user("finance")).get(f"/d/inventory-stocktake/{count.pk}/").content.decode()
    assert f'href="/inventory/stocktake/{count.pk}/count/"' not in viewer  # may view, not count
    assert f'href="/inventory/stocktake/{count.pk}/variance/"' in viewer
    transfer = make_doc(TRANSFER, clerk, {"from_warehouse": stock["a"].pk, "to_warehouse": stock["b"].pk},
                        [{"sku": stock["jeans"].pk, "quantity": "2"}])
    page = client_of(clerk).get(f"/d/inventory-transferorder/{transfer.pk}/").content.decode()
    assert f'href="/inventory/transfer/{transfer.pk}/print.pdf"' in page
