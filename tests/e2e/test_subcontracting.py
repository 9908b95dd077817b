"""Seed 000, section 1 in a real browser, each step by the role that does it: the planner raises
a 订单委外 requisition, the manager approves it, the planner pushes it down to a subcontract
order (choosing the subcontractor) and gives the fee, the manager approves, the planner checks
the issue list (removes a line not needed) and approves it, pushes down the transfer into the
subcontractor's warehouse, the warehouse approves it, receives the goods back, and the manager
sees the order reconciled and closes it."""

import datetime
from decimal import Decimal

import pytest

from shopflow.catalog.models import ProductKind
from shopflow.catalog.services import BomLineSpec, bom_create, sku_create
from shopflow.inventory.models import Warehouse, WarehouseKind
from shopflow.inventory.selectors import balance_of
from shopflow.inventory.services import MoveSpec, stock_post, subcontractor_warehouse_ensure
from shopflow.partners.services import subcontractor_create
from shopflow.subcontracting.models import MaterialIssueList, SubcontractOrder
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(roles):
    people = {
        "planner": UserFactory(username="planner", first_name="计划小陈", roles=["planning"]),
        "manager": UserFactory(username="boss", first_name="店长老李", roles=["manager"]),
        "keeper": UserFactory(username="keeper", first_name="仓管阿强", roles=["warehouse"]),
        "keeper2": UserFactory(username="keeper2", first_name="仓管阿珍", roles=["warehouse"]),
    }
    raw = Warehouse.objects.create(code="YL01", name="原料仓", kind=WarehouseKind.RAW)
    finished = Warehouse.objects.create(code="CP01", name="成品仓", kind=WarehouseKind.FINISHED)
    factory = subcontractor_create(actor=people["manager"], code="WX001", name="东莞华艺制衣厂")
    at_factory = subcontractor_warehouse_ensure(subcontractor=factory, actor=people["manager"])
    fabric = sku_create(actor=people["manager"], code="ML-JC-01", name="精梳棉汗布", unit="米")
    label = sku_create(actor=people["manager"], code="FL-SB-01", name="水洗标", unit="个")
    tee = sku_create(actor=people["manager"], code="TX2401-BLK-M", name="纯棉圆领T恤 黑色 M",
                     kind=ProductKind.OUTSOURCED)
    bom_create(product=tee, version="V1", actor=people["manager"], lines=[
        BomLineSpec(component=fabric, quantity=Decimal("1.2"), scrap_percent=Decimal("5")),
        BomLineSpec(component=label, quantity=Decimal("1"))])
    stock_post(moves=[MoveSpec(sku_id=fabric.pk, warehouse_id=raw.pk, quantity=Decimal(500), unit_cost=Decimal(18))],
               origin_type="test.opening", origin_id=1, actor=None)
    return {**people, "raw": raw, "finished": finished, "factory": factory, "at_factory": at_factory,
            "fabric": fabric, "label": label, "tee": tee}


def _act(page, action: str, state_text: str):
    page.click(f'#sf-actions button[data-action="{action}"]')
    page.wait_for_selector(f"#sf-doc-state >> text={state_text}")


def _pick_sku(page, index: int, text: str):
    page.wait_for_load_state()  # htmx wires the picker up when the page has loaded
    page.fill(f"#id_lines-{index}-sku", text)
    page.wait_for_selector(f"#id_lines-{index}-sku-menu .sf-picker-option.active")
    page.keyboard.press("Enter")


def test_seed_000_subcontracting_in_the_browser(open_as, world):
    planner = open_as(world["planner"])
    # 1.2.1 新增采购申请: business type 订单委外, arrival after the requisition date
    planner.goto("/d/purchasing-purchaserequisition/new/")
    planner.select_option("#id_business_type", "subcontract")
    _pick_sku(planner, 0, "TX2401")
    planner.fill("#id_lines-0-quantity", "100")
    today = datetime.date.today()
    planner.fill("#id_lines-0-required_date", str(today - datetime.timedelta(days=3)))
    planner.click("#sf-save")
    assert planner.locator('[data-error-for="lines[0].required_date"]').count() == 1  # refused, on the line
    planner.fill("#id_lines-0-required_date", str(today + datetime.timedelta(days=20)))
    planner.click("#sf-save")
    planner.wait_for_selector("#sf-doc-state >> text=草稿")
    _act(planner, "submit", "已提交")
    requisition_url = planner.url

    boss = open_as(world["manager"])
    boss.goto(requisition_url)
    _act(boss, "approve", "已审核")

    # 1.2.4 下推生成委外订单, choosing the subcontractor on the push page
    planner.goto(requisition_url)
    planner.click('#sf-actions [data-action="pushdown"]')
    planner.click("#sf-actions .dropdown-menu >> text=委外订单")
    planner.select_option("#id_h-subcontractor", str(world["factory"].pk))
    planner.click("#sf-push-form button[type=submit]")
    planner.wait_for_selector("#sf-doc-state >> text=草稿")
    planner.click('#sf-actions [data-action="edit"]')
    planner.fill("#id_planner_number", "JH-2611-001")
    planner.fill("#id_lines-0-unit_fee", "6.5")
    planner.click("#sf-save")
    planner.wait_for_selector("#sf-doc-state >> text=草稿")
    _act(planner, "submit", "已提交")
    order = SubcontractOrder.objects.get()
    boss.goto(f"/d/subcontracting-subcontractorder/{order.pk}/")
    _act(boss, "approve", "已审核")

    # 1.2.5 审核投料单: the planner opens it from the order's trace, removes the labels (supplied
    # by the factory this time) and approves
    planner.goto(f"/d/subcontracting-subcontractorder/{order.pk}/")
    issue_list = MaterialIssueList.objects.get(order=order)
    planner.click(f'#sf-trace a[href="/d/subcontracting-materialissuelist/{issue_list.pk}/"]')
    planner.click('#sf-actions [data-action="edit"]')
    label_row = planner.locator("tr[data-line-row]").filter(has=planner.locator("input[value*='FL-SB-01']"))
    label_row.locator("label.btn-ghost-danger").click()
    planner.click("#sf-save")
    planner.wait_for_selector("#sf-doc-state >> text=草稿")
    assert [line.sku.code for line in issue_list.lines.all()] == ["ML-JC-01"]
    _act(planner, "submit", "已提交")
    _act(planner, "approve", "已审核")

    # 1.2.6 生成调拨单 (计划做单): 100 m now, then 1.2.7 补料 for the rest
    planner.click('#sf-actions [data-action="pushdown"]')
    planner.click("#sf-actions .dropdown-menu >> text=调拨单")
    planner.fill("#sf-push-form input[name^=qty-]", "100")
    planner.click("#sf-push-form button[type=submit]")
    planner.wait_for_selector("#sf-doc-state >> text=草稿")
    assert "WX-WX001" in planner.locator(".page-body").inner_text()  # into the subcontractor's own warehouse
    _act(planner, "submit", "已提交")
    first_transfer = planner.url
    planner.goto(f"/d/subcontracting-materialissuelist/{issue_list.pk}/")
    planner.click('#sf-actions [data-action="pushdown"]')
    planner.click("#sf-actions .dropdown-menu >> text=调拨单")
    assert planner.input_value("#sf-push-form input[name^=qty-]") == "26"
    planner.click("#sf-push-form button[type=submit]")
    planner.wait_for_selector("#sf-doc-state >> text=草稿")
    _act(planner, "submit", "已提交")
    second_transfer = planner.url

    keeper = open_as(world["keeper"])  # 仓库完成
    for url in (first_transfer, second_transfer):
        keeper.goto(url)
        _act(keeper, "approve", "已审核")
    assert balance_of(sku_id=world["fabric"].pk, warehouse_id=world["at_factory"].pk) == Decimal(126)

    # 委外入库: the goods come back into the finished-goods warehouse
    keeper.goto(f"/d/subcontracting-subcontractorder/{order.pk}/")
    keeper.click('#sf-actions [data-action="pushdown"]')
    keeper.click("#sf-actions .dropdown-menu >> text=委外入库单")
    keeper.click("#sf-push-form button[type=submit]")
    keeper.wait_for_selector("#sf-doc-state >> text=草稿")
    _act(keeper, "submit", "已提交")
    other = open_as(world["keeper2"])
    other.goto(keeper.url)
    _act(other, "approve", "已审核")
    assert balance_of(sku_id=world["tee"].pk, warehouse_id=world["finished"].pk) == Decimal(100)

    # 核销 and close
    boss.goto(f"/d/subcontracting-subcontractorder/{order.pk}/")
    boss.click("#sf-actions a:has-text('核销')")
    assert "已核销" in boss.locator("#sf-reconciled").inner_text()
    row = boss.locator('#sf-materials tr[data-sku="ML-JC-01"] .sf-at-sub')
    assert row.inner_text() == "0"
    assert boss.locator("#sf-fees").inner_text() == "¥650.00"
    boss.click('button[data-action="close"]')
    boss.wait_for_selector("#sf-doc-state >> text=已关闭")
