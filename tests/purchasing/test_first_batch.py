"""First-batch warning 首单预警 (seed 001: "第一批新购品种控制在三套以内"): an order for more than
PURCHASE_FIRST_BATCH_MAX of a product never received before is warned about, never refused."""

from decimal import Decimal

import pytest
from django.test import Client

from shopflow.core import services
from shopflow.purchasing.selectors import first_batch_warnings
from tests.api.conftest import Api
from tests.factories import SkuFactory, make_purchase_order
from tests.purchasing.conftest import approve, receive

PO_SLUG = "purchasing-purchaseorder"


@pytest.fixture
def new_sku(db):
    return SkuFactory(code="NEW-JEANS-32")


def order(buyer, supplier, warehouse, *lines):
    return make_purchase_order(actor=buyer, supplier=supplier, warehouse=warehouse,
                               lines=[(sku, Decimal(q), Decimal("50")) for sku, q in lines])


def test_more_than_three_of_a_new_product_is_warned(buyer, supplier, warehouse, new_sku):
    po = order(buyer, supplier, warehouse, (new_sku, "10"))
    warnings = first_batch_warnings(po)
    assert len(warnings) == 1
    assert "NEW-JEANS-32" in warnings[0] and "3" in warnings[0] and "10" in warnings[0]


def test_three_or_fewer_is_not_warned(buyer, supplier, warehouse, new_sku):
    assert first_batch_warnings(order(buyer, supplier, warehouse, (new_sku, "3"))) == []


def test_lines_of_the_same_product_add_up(buyer, supplier, warehouse, new_sku):
    assert len(first_batch_warnings(order(buyer, supplier, warehouse, (new_sku, "2"), (new_sku, "2")))) == 1


def test_a_product_received_before_is_not_a_first_batch(approved_po, buyer, clerk, manager, supplier, warehouse, sku):
    assert len(first_batch_warnings(order(buyer, supplier, warehouse, (sku, "50")))) == 1
    receipt = receive(approved_po, clerk=clerk, approver=manager)
    assert first_batch_warnings(order(buyer, supplier, warehouse, (sku, "50"))) == []
    # an un-approved receipt brought nothing in after all
    services.document_transition(receipt, "unapprove", actor=manager, reason="录错")
    assert len(first_batch_warnings(order(buyer, supplier, warehouse, (sku, "50")))) == 1


def test_the_limit_is_a_setting(settings, buyer, supplier, warehouse, new_sku):
    settings.SHOPFLOW = {"PURCHASE_FIRST_BATCH_MAX": 20}
    assert first_batch_warnings(order(buyer, supplier, warehouse, (new_sku, "10"))) == []


def test_the_warning_blocks_nothing(buyer, manager, supplier, warehouse, new_sku):
    po = approve(order(buyer, supplier, warehouse, (new_sku, "10")), by=manager, submitter=buyer)
    assert po.state == "approved"


def test_warning_on_the_detail_page_and_in_the_api(buyer, supplier, warehouse, new_sku):
    warned = order(buyer, supplier, warehouse, (new_sku, "10"), (SkuFactory(), "2"))
    quiet = order(buyer, supplier, warehouse, (new_sku, "1"))
    client = Client()
    client.force_login(buyer)
    page = client.get(f"/d/{PO_SLUG}/{warned.pk}/").content.decode()
    assert 'id="sf-warnings"' in page and "NEW-JEANS-32" in page
    assert 'id="sf-warnings"' not in client.get(f"/d/{PO_SLUG}/{quiet.pk}/").content.decode()
    body = Api(buyer).get(f"/{PO_SLUG}/{warned.pk}").json()
    assert len(body["warnings"]) == 1 and "NEW-JEANS-32" in body["warnings"][0]
    assert Api(buyer).get(f"/{PO_SLUG}/{quiet.pk}").json()["warnings"] == []
