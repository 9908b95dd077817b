"""The shell in a real browser: roles see only their actions, a purchase order goes from the
buyer's hands to the manager's approval, and the language switch works."""

from decimal import Decimal

import pytest

from shopflow.core import services
from shopflow.purchasing.models import PurchaseOrder
from tests.factories import SkuFactory, SupplierFactory, UserFactory, WarehouseFactory, make_purchase_order

pytestmark = pytest.mark.e2e

PO = "purchasing-purchaseorder"


@pytest.fixture
def people(roles):
    return {
        "buyer": UserFactory(username="buyer", first_name="采购小王", roles=["purchasing"]),
        "manager": UserFactory(username="boss", first_name="店长老李", roles=["manager"]),
    }


@pytest.fixture
def master_data(roles):
    return {"supplier": SupplierFactory(code="HZ001", name="杭州织造厂"),
            "warehouse": WarehouseFactory(code="FG01", name="成品仓"),
            "sku": SkuFactory(code="TS2401-BLK-M", name="纯棉T恤")}


def visible_actions(page) -> set[str]:
    return set(page.locator("#sf-actions [data-action]").evaluate_all("els => els.map(e => e.dataset.action)"))


def test_each_role_sees_only_its_actions(open_as, people, master_data):
    po = make_purchase_order(actor=people["buyer"], lines=[(master_data["sku"], Decimal("5"), Decimal("9"))],
                             supplier=master_data["supplier"], warehouse=master_data["warehouse"])
    services.document_transition(po, "submit", actor=people["buyer"])

    buyer_page = open_as(people["buyer"])
    buyer_page.goto(f"/d/{PO}/{po.pk}/")
    assert visible_actions(buyer_page) == {"withdraw", "cancel"}

    manager_page = open_as(people["manager"])
    manager_page.goto(f"/d/{PO}/{po.pk}/")
    assert visible_actions(manager_page) == {"withdraw", "cancel", "approve"}
    assert manager_page.locator('#sf-actions button[data-action="approve"]').is_enabled()


def test_buyer_creates_and_submits_manager_approves(open_as, people, master_data):
    buyer = open_as(people["buyer"])
    buyer.click('#sf-nav a.dropdown-toggle:has-text("采购")')  # the area menu
    buyer.click("#sf-nav >> text=采购订单")
    buyer.click("#sf-new")
    buyer.wait_for_load_state()  # htmx wires the picker up when the page has loaded (a CI run typed before it)
    buyer.select_option("#id_supplier", str(master_data["supplier"].pk))
    buyer.select_option("#id_warehouse", str(master_data["warehouse"].pk))
    buyer.fill("#id_remarks", "春季首单")
    buyer.fill("#id_lines-0-sku", "TS2401")  # the SKU picker: type part of the code, choose with Enter
    buyer.wait_for_selector("#id_lines-0-sku-menu .sf-picker-option.active")
    buyer.keyboard.press("Enter")
    assert buyer.input_value("input[name='lines-0-sku']") == str(master_data["sku"].pk)
    assert buyer.input_value("#id_lines-0-sku").startswith("TS2401-BLK-M — 纯棉T恤")
    buyer.fill("#id_lines-0-quantity", "120")
    buyer.fill("#id_lines-0-unit_price", "28.5")
    buyer.click("#sf-save")
    buyer.wait_for_selector("#sf-doc-state >> text=草稿")
    assert buyer.locator("#sf-total-amount").inner_text() == "¥3,420.00"
    buyer.click('#sf-actions button[data-action="submit"]')
    buyer.wait_for_selector("#sf-doc-state >> text=已提交")
    assert "approve" not in visible_actions(buyer)

    po = PurchaseOrder.objects.get()
    boss = open_as(people["manager"])
    assert boss.locator(f'a[href="/d/{PO}/{po.pk}/"]').count() == 1  # waiting for the manager
    boss.click(f'a[href="/d/{PO}/{po.pk}/"]')
    boss.click('#sf-actions button[data-action="approve"]')
    boss.wait_for_selector("#sf-doc-state >> text=已审核")
    assert boss.locator("#sf-doc-number").inner_text().startswith("PO-")

    history = boss.locator("#sf-audit .sf-timeline-item")
    texts = history.all_inner_texts()
    assert [t.split("\n")[0] for t in texts] == ["创建", "提交", "审核"]
    assert "采购小王" in texts[1] and "店长老李" in texts[2]


def test_language_switch(open_as, people):
    page = open_as(people["manager"])
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h2.page-title").inner_text() == "您好，店长老李"
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h2.page-title").inner_text() == "Hello, 店长老李"
    english = page.locator("#sf-nav").inner_text().split()
    assert english[:6] == ["Home", "Products", "Partners", "Purchasing", "Subcontracting", "Inventory"]
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    chinese = page.locator("#sf-nav").inner_text().split()
    assert chinese[:6] == ["首页", "商品", "往来单位", "采购", "委外", "库存"] and len(chinese) == len(english)
