"""The order workbench: list with state tabs and filters, an order's page (hostile text shown
escaped), review actions with their rules, the import page; roles without access refused."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shopflow.channels.formats import ReadResult
from shopflow.channels.models import Shop
from shopflow.channels.services import orders_import
from shopflow.partners.couriers import courier_seed_defaults
from shopflow.partners.models import Courier
from shopflow.sales.models import OnlineOrder, OrderState
from tests.factories import SkuFactory, WarehouseFactory
from tests.sales.test_online_import import order

XSS = "<script>alert('x')</script>"


@pytest.fixture
def shop(db):
    SkuFactory(code="TX-BLK-M")
    courier_seed_defaults()
    # Approval needs a ship-from warehouse and a courier (the shop's default here).
    return Shop.objects.create(code="TB01", name="悦衣旗舰店", warehouse=WarehouseFactory(),
                               default_courier=Courier.objects.get(code="ZTO"))


@pytest.fixture
def orders(shop):
    orders_import(shop=shop, result=ReadResult(orders=[
        order("9001", message=XSS), order("9002", codes=("NOPE",)), order("9003", address="中山路18号")],
        problems=[]), actor=None)
    return {o.platform_order_no: o for o in OnlineOrder.objects.all()}


def test_list_tabs_filters_and_escaping(orders, role_user, client_of):
    client = client_of(role_user("customer_service", "cs"))
    page = client.get(reverse("web:order_list")).content.decode()
    assert "9001" in page and XSS not in page and "&lt;script&gt;" in page
    held = client.get(reverse("web:order_list"), {"state": "held"}).content.decode()
    assert "9002" in held and "9003" in held and 'data-order="9001"' not in held
    by_reason = client.get(reverse("web:order_list"), {"hold": "unknown_sku"}).content.decode()
    assert 'data-order="9002"' in by_reason and 'data-order="9003"' not in by_reason
    assert 'data-order="9001"' in client.get(reverse("web:order_list"), {"q": "9001"}).content.decode()


def test_detail_shows_remark_escaped_and_blocks_approval_until_fixed(orders, role_user, client_of):
    client = client_of(role_user("customer_service", "cs"))
    page = client.get(reverse("web:order_detail", args=[orders["9001"].pk])).content.decode()
    assert XSS not in page and "&lt;script&gt;" in page
    held = orders["9003"]
    page = client.get(reverse("web:order_detail", args=[held.pk])).content.decode()
    assert 'data-action="approve" disabled' in page
    client.post(reverse("web:order_action", args=[held.pk, "address"]),
                {"address": "广东省中山市石岐区中山路18号", "version": held.version})
    held.refresh_from_db()
    assert held.address_edited and held.province == "广东省" and held.holds == []
    client.post(reverse("web:order_action", args=[held.pk, "approve"]), {"version": held.version})
    held.refresh_from_db()
    assert held.state == OrderState.APPROVED


def test_unknown_sku_cannot_be_approved_and_stale_version_refused(orders, role_user, client_of):
    client = client_of(role_user("customer_service", "cs"))
    bad = orders["9002"]
    client.post(reverse("web:order_action", args=[bad.pk, "approve"]), {"version": bad.version})
    bad.refresh_from_db()
    assert bad.state == OrderState.HELD
    good = orders["9001"]
    response = client.post(reverse("web:order_action", args=[good.pk, "flag"]),
                           {"flag": "red", "note": "要发黑色", "version": good.version - 1}, follow=True)
    good.refresh_from_db()
    assert good.flag == "" and "重新" in response.content.decode()  # reload and try again
    client.post(reverse("web:order_action", args=[good.pk, "flag"]), {"flag": "red", "note": "要发黑色",
                                                                       "version": good.version})
    good.refresh_from_db()
    assert (good.flag, good.note) == ("red", "要发黑色")
    client.post(reverse("web:order_action", args=[good.pk, "hold"]), {"reason": "等买家确认颜色",
                                                                       "version": good.version})
    good.refresh_from_db()
    assert good.state == OrderState.HELD and good.holds[-1]["message"] == "等买家确认颜色"


def test_import_page_with_a_generated_taobao_pair(shop, role_user, client_of):
    from shopflow.channels.taobao import generate_taobao_pair

    orders_csv, items_csv = generate_taobao_pair(20, seed=3, sku_codes=["TX-BLK-M"])
    client = client_of(role_user("operations", "ops"))
    data = {"shop": shop.pk, "format": "taobao", "orders_file": SimpleUploadedFile("订单报表.csv", orders_csv),
            "items_file": SimpleUploadedFile("宝贝报表.csv", items_csv)}
    page = client.post(reverse("web:order_import"), data, follow=True).content.decode()
    assert 'id="sf-import-summary"' in page and OnlineOrder.objects.filter(shop=shop).count() == 20
    data = {**data, "orders_file": SimpleUploadedFile("订单报表.csv", orders_csv),
            "items_file": SimpleUploadedFile("宝贝报表.csv", items_csv)}
    client.post(reverse("web:order_import"), data, follow=True)
    assert OnlineOrder.objects.filter(shop=shop).count() == 20  # again: nothing twice


@pytest.mark.parametrize("role", ["designer", "legal", "purchasing"])
def test_roles_without_access(orders, role_user, client_of, role):
    client = client_of(role_user(role, f"{role}-1"))
    assert client.get(reverse("web:order_list")).status_code == 403
    assert client.get(reverse("web:order_detail", args=[orders["9001"].pk])).status_code == 403
    assert client.get(reverse("web:order_import")).status_code == 403


def test_warehouse_may_look_but_not_change(orders, role_user, client_of):
    client = client_of(role_user("warehouse", "wh"))
    assert client.get(reverse("web:order_list")).status_code == 200
    target = orders["9001"]
    assert client.post(reverse("web:order_action", args=[target.pk, "flag"]),
                       {"flag": "red", "version": target.version}).status_code == 403
    assert Decimal(target.paid_amount) == Decimal("89.00")
