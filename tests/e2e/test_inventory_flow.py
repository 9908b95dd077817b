"""Issue 3 in a real browser: a new warehouse clerk loads the catalogue from Excel, receives
the opening stock (the manager approves it), transfers part of it to the shop's second
warehouse (a colleague approves), counts that warehouse (one T-shirt short), the manager
approves the count, and the valuation shows what the ledger holds.

Only the people and the two warehouses are made in Python; everything else is done through
the pages, in Chinese. The numbers, worked out by hand:

    catalogue     TS-BLK-M cost ¥35, TS-BLK-L cost ¥35 (HD-GRY-XL is never received)
    receipt FG01  TS-BLK-M 100 at ¥36 (typed)  = ¥3,600.00
                  TS-BLK-L  50, no cost typed → at the catalogue cost ¥35 = ¥1,750.00
    transfer      FG01 → SH01: TS-BLK-M 30, TS-BLK-L 20 (at the average: values move unchanged)
    count SH01    TS-BLK-M 30 (as booked), TS-BLK-L 19 (−1, −¥35.00)
    afterwards    FG01: M 70 × 36 + L 30 × 35 = 100 pcs, ¥3,570.00
                  SH01: M 30 × 36 + L 19 × 35 =  49 pcs, ¥1,745.00
                  total 149 pcs, ¥5,315.00
"""

from decimal import Decimal

import pytest
from openpyxl import Workbook

from shopflow.catalog.models import Sku
from shopflow.inventory.models import OtherReceipt, SkuCost, StockBalance, StockTake, TransferOrder
from tests.factories import UserFactory, WarehouseFactory

pytestmark = pytest.mark.e2e

RECEIPT = "inventory-otherreceipt"
TRANSFER = "inventory-transferorder"
STOCKTAKE = "inventory-stocktake"


@pytest.fixture
def shop(roles):
    return {
        "clerk": UserFactory(username="liu", first_name="仓管小刘", roles=["warehouse"]),
        "keeper": UserFactory(username="zhao", first_name="门店仓管小赵", roles=["warehouse"]),
        "manager": UserFactory(username="boss", first_name="店长老李", roles=["manager"]),
        "main": WarehouseFactory(code="FG01", name="成品仓"),
        "store": WarehouseFactory(code="SH01", name="门店仓"),
    }


def catalogue_xlsx(path) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "商品资料"
    sheet.append(["商家编码", "名称", "颜色", "尺码", "单位", "成本价"])
    sheet.append(["TS-BLK-M", "纯棉T恤", "黑色", "M", "件", 35])
    sheet.append(["TS-BLK-L", "纯棉T恤", "黑色", "L", "件", "35.00"])
    sheet.append(["HD-GRY-XL", "连帽卫衣", "灰色", "XL", "件", 88])
    wb.save(path)


# ---------------------------------------------------------------- page helpers


def open_menu(page, area: str, item: str, title: str) -> None:
    """Area menu → item; waits for the page whose heading is `title`."""
    page.click(f'#sf-nav a.dropdown-toggle:has-text("{area}")')
    page.click(f'#sf-nav .dropdown-menu.show a.dropdown-item:text-is("{item}")')
    page.wait_for_selector(f'h2.page-title:has-text("{title}")')


def pick_sku(page, index: int, code: str) -> None:
    """The SKU picker of line `index`: type the code, choose the highlighted match with Enter."""
    page.wait_for_load_state()  # htmx wires the picker up when the page has loaded
    page.fill(f"#id_lines-{index}-sku", code)
    page.wait_for_selector(f"#id_lines-{index}-sku-menu .sf-picker-option.active")
    page.keyboard.press("Enter")
    assert page.input_value(f"input[name='lines-{index}-sku']") == str(Sku.objects.get(code=code).pk)
    assert page.input_value(f"#id_lines-{index}-sku").startswith(f"{code} — 纯棉T恤")


def act(page, action: str, state: str) -> None:
    page.click(f'#sf-actions button[data-action="{action}"]')
    page.wait_for_selector(f"#sf-doc-state >> text={state}")


def actions(page) -> dict[str, bool]:
    """The document's action buttons: {action: enabled}."""
    return dict(page.locator("#sf-actions button[data-action]").evaluate_all(
        "els => els.map(e => [e.dataset.action, !e.disabled])"))


def table_rows(page, selector: str) -> list[list[str]]:
    return page.locator(f"{selector} tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))")


def stock_table(page) -> dict[tuple[str, str], dict[str, str]]:
    """The stock inquiry's rows: {(warehouse code, item code): {on_hand, available, value}}."""
    rows = page.locator("#sf-stock-table tbody tr[data-sku]").evaluate_all("""rows => rows.map(r => [
        r.dataset.warehouse, r.dataset.sku, r.cells[6].innerText.trim(),
        r.querySelector('[data-col=available]').innerText.trim(),
        (r.querySelector('[data-col=value]') || {innerText: ''}).innerText.trim()])""")
    return {(wh, sku): {"on_hand": on_hand, "available": available, "value": value}
            for wh, sku, on_hand, available, value in rows}


def ledger() -> dict[tuple[str, str], Decimal]:
    return {(b.warehouse.code, b.sku.code): b.on_hand
            for b in StockBalance.objects.select_related("warehouse", "sku").exclude(on_hand=0)}


# ---------------------------------------------------------------- the flow


def test_catalogue_to_valuation(open_as, shop, tmp_path):
    clerk = open_as(shop["clerk"])
    boss = open_as(shop["manager"])

    # 1. The catalogue from Excel, on the SKU import page.
    path = tmp_path / "商品资料.xlsx"
    catalogue_xlsx(path)
    open_menu(clerk, "商品", "SKU", "SKU")
    clerk.click("#sf-import")
    clerk.wait_for_selector('h2.page-title:has-text("导入SKU")')
    clerk.set_input_files("#id_file", str(path))
    clerk.click("#sf-import-submit")
    clerk.wait_for_selector("#sf-job-result .alert-success")
    assert "导入成功：新增 3 条，更新 0 条。" in clerk.inner_text("#sf-job-result")
    assert dict(Sku.objects.values_list("code", "cost")) == {
        "TS-BLK-M": Decimal("35"), "TS-BLK-L": Decimal("35"), "HD-GRY-XL": Decimal("88")}

    # 2. Opening stock: an other receipt 其他入库单, made and submitted by the clerk ...
    open_menu(clerk, "库存", "其他入库单", "其他入库单")
    clerk.click("#sf-new")
    clerk.wait_for_selector('h2.page-title:has-text("新建其他入库单")')
    clerk.select_option("#id_warehouse", str(shop["main"].pk))
    clerk.fill("#id_remarks", "期初库存")
    pick_sku(clerk, 0, "TS-BLK-M")
    clerk.fill("#id_lines-0-quantity", "100")
    clerk.fill("#id_lines-0-unit_cost", "36")
    pick_sku(clerk, 1, "TS-BLK-L")
    clerk.fill("#id_lines-1-quantity", "50")  # no cost: received at the catalogue's ¥35
    clerk.click("#sf-save")
    clerk.wait_for_selector("#sf-doc-state >> text=草稿")
    lines = table_rows(clerk, "#sf-lines")
    assert [(r[1], r[2]) for r in lines] == [("TS-BLK-M 纯棉T恤 (黑色/M)", "100"), ("TS-BLK-L 纯棉T恤 (黑色/L)", "50")]
    act(clerk, "submit", "已提交")
    assert "approve" not in actions(clerk)  # only the manager approves other receipts
    receipt = OtherReceipt.objects.get()
    assert ledger() == {}

    # ... and approved by the manager, who finds it waiting on the home page.
    boss.goto("/")
    boss.click(f'a[href="/d/{RECEIPT}/{receipt.pk}/"]')
    act(boss, "approve", "已审核")
    assert boss.inner_text("#sf-doc-number").startswith("QR-")
    assert ledger() == {("FG01", "TS-BLK-M"): Decimal("100"), ("FG01", "TS-BLK-L"): Decimal("50")}

    open_menu(clerk, "库存", "库存查询", "库存查询")
    stock = stock_table(clerk)
    assert {k: v["on_hand"] for k, v in stock.items()} == {("FG01", "TS-BLK-M"): "100", ("FG01", "TS-BLK-L"): "50"}
    assert {v["value"] for v in stock.values()} == {""}  # the warehouse sees no money
    assert clerk.inner_text("#sf-total-on-hand") == "150"

    # 3. A transfer 调拨单 to the store: the clerk makes and submits it, may not approve it ...
    open_menu(clerk, "库存", "调拨单", "调拨单")
    clerk.click("#sf-new")
    clerk.wait_for_selector('h2.page-title:has-text("新建调拨单")')
    clerk.select_option("#id_from_warehouse", str(shop["main"].pk))
    clerk.select_option("#id_to_warehouse", str(shop["store"].pk))
    pick_sku(clerk, 0, "TS-BLK-M")
    clerk.fill("#id_lines-0-quantity", "30")
    pick_sku(clerk, 1, "TS-BLK-L")
    clerk.fill("#id_lines-1-quantity", "20")
    clerk.click("#sf-save")
    clerk.wait_for_selector("#sf-doc-state >> text=草稿")
    act(clerk, "submit", "已提交")
    assert actions(clerk).get("approve") is False  # shown, but not for one's own transfer
    assert "此单据由您创建，须由另一个人审核" in clerk.inner_text(".sf-blocked")
    transfer = TransferOrder.objects.get()

    # ... the store keeper approves it.
    keeper = open_as(shop["keeper"])
    keeper.click(f'a[href="/d/{TRANSFER}/{transfer.pk}/"]')
    act(keeper, "approve", "已审核")
    assert keeper.inner_text("#sf-doc-number").startswith("TO-")
    assert ledger() == {("FG01", "TS-BLK-M"): Decimal("70"), ("FG01", "TS-BLK-L"): Decimal("30"),
                        ("SH01", "TS-BLK-M"): Decimal("30"), ("SH01", "TS-BLK-L"): Decimal("20")}

    boss.goto("/inventory/stock/")
    stock = stock_table(boss)
    assert {k: (v["on_hand"], v["value"]) for k, v in stock.items()} == {
        ("FG01", "TS-BLK-M"): ("70", "¥2,520.00"), ("FG01", "TS-BLK-L"): ("30", "¥1,050.00"),
        ("SH01", "TS-BLK-M"): ("30", "¥1,080.00"), ("SH01", "TS-BLK-L"): ("20", "¥700.00")}
    boss.select_option("#id_warehouse", str(shop["store"].pk))  # the filter submits itself
    boss.wait_for_url("**/inventory/stock/?*warehouse=*")
    boss.wait_for_function("document.querySelectorAll('#sf-stock-table tr[data-warehouse=FG01]').length === 0")
    assert set(stock_table(boss)) == {("SH01", "TS-BLK-M"), ("SH01", "TS-BLK-L")}
    assert boss.inner_text("#sf-total-on-hand") == "50"

    # 4. The count of the store: a count sheet, the counts, the variance, the manager's approval.
    open_menu(clerk, "库存", "新建盘点表", "新建盘点表")
    clerk.select_option("#id_warehouse", str(shop["store"].pk))
    clerk.wait_for_selector("#sf-bins >> text=该仓库还没有库位")
    clerk.click("#sf-create")
    clerk.wait_for_selector('h2.page-title:has-text("录入盘点数")')
    assert "SH01 门店仓" in clerk.inner_text(".page-header")
    assert "盘点表已生成：账面共 2 个SKU，已冻结。" in clerk.inner_text(".sf-messages")
    assert clerk.locator("#sf-count-table tbody tr").count() == 2
    clerk.fill('#sf-count-table tr[data-code="TS-BLK-M"] input.sf-count', "30")
    clerk.fill('#sf-count-table tr[data-code="TS-BLK-L"] input.sf-count', "19")
    assert clerk.inner_text('#sf-count-table tr[data-code="TS-BLK-L"] [data-col=difference]') == "-1"
    clerk.click("#sf-save")
    clerk.wait_for_selector(".sf-messages >> text=已保存 1 个SKU的盘点数。")
    assert clerk.inner_text("#sf-progress") == "已盘 2 / 2 个SKU"
    assert clerk.inner_text('#sf-count-table tr[data-code="TS-BLK-L"] [data-col=difference]') == "-1"

    clerk.click("#sf-doc-number")
    act(clerk, "submit", "已提交")
    assert "approve" not in actions(clerk)  # stock-takes: the manager's
    stocktake = StockTake.objects.get()

    boss.goto(f"/d/{STOCKTAKE}/{stocktake.pk}/")
    boss.click(f'#sf-actions a[href="/inventory/stocktake/{stocktake.pk}/variance/"]')
    boss.wait_for_selector('h2.page-title:has-text("盘点差异")')
    assert boss.inner_text("#sf-differences") == "1"
    assert boss.inner_text("#sf-loss") == "−1"
    assert boss.inner_text("#sf-loss-value") == "¥35.00"  # 盘亏 as an amount lost
    assert boss.inner_text("#sf-net-value") == "-¥35.00"
    variance = {r[1]: r for r in table_rows(boss, "#sf-variance-table")}
    assert variance["TS-BLK-L"][5:10] == ["20", "19", "-1", "¥35.00", "-¥35.00"]  # book, counted, diff, cost, value
    assert variance["TS-BLK-M"][5:8] == ["30", "30", "0"]
    boss.click("#sf-doc-number")
    act(boss, "approve", "已审核")
    assert boss.inner_text("#sf-doc-number").startswith("ST-")
    history = [t.split("\n")[0] for t in boss.locator("#sf-audit .sf-timeline-item").all_inner_texts()]
    assert history[0] == "创建" and history[-2:] == ["提交", "审核"]
    assert ledger() == {("FG01", "TS-BLK-M"): Decimal("70"), ("FG01", "TS-BLK-L"): Decimal("30"),
                        ("SH01", "TS-BLK-M"): Decimal("30"), ("SH01", "TS-BLK-L"): Decimal("19")}

    # 5. The valuation: per warehouse and in total, quantity × moving-average cost.
    assert clerk.goto("/inventory/valuation/").status == 403  # the warehouse sees no money
    open_menu(boss, "库存", "库存估值", "库存估值")
    assert boss.inner_text("#sf-total-quantity") == "149"
    assert boss.inner_text("#sf-total-value") == "¥5,315.00"
    assert table_rows(boss, "#sf-by-warehouse") == [["FG01 成品仓", "100", "¥3,570.00"],
                                                    ["SH01 门店仓", "49", "¥1,745.00"]]
    detail = {(r[0], r[1]): (r[5], r[6], r[7]) for r in table_rows(boss, "#sf-valuation-table")}
    assert detail == {
        ("成品仓", "TS-BLK-M"): ("70", "¥36.00", "¥2,520.00"), ("成品仓", "TS-BLK-L"): ("30", "¥35.00", "¥1,050.00"),
        ("门店仓", "TS-BLK-M"): ("30", "¥36.00", "¥1,080.00"), ("门店仓", "TS-BLK-L"): ("19", "¥35.00", "¥665.00")}
    # What the page shows is what the ledger says: balances per warehouse, value per SKU.
    book = ledger()
    costs = {c.sku.code: c for c in SkuCost.objects.select_related("sku")}
    for (wh, sku), (quantity, cost, value) in detail.items():
        on_hand = book[({"成品仓": "FG01", "门店仓": "SH01"}[wh], sku)]
        assert Decimal(quantity) == on_hand
        assert cost == f"¥{costs[sku].average:.2f}"
        assert value == f"¥{on_hand * costs[sku].average:,.2f}"
    assert {code: (c.quantity, c.value) for code, c in costs.items() if c.quantity} == {
        "TS-BLK-M": (Decimal("100"), Decimal("3600.00")), "TS-BLK-L": (Decimal("49"), Decimal("1715.00"))}
