"""A request body over DATA_UPLOAD_MAX_MEMORY_SIZE is the client's to fix: the API answers 413 in
its usual error shape, saying the limit (not a logged server error), and writes nothing; a page's
form over the limit — or with more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS — gets the same clear
413. Files uploaded with a form do not count."""

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shopflow.channels.models import Shop
from shopflow.purchasing.models import PurchaseOrder
from shopflow.sales.models import OnlineOrder
from tests.api.conftest import PO, Api, po_body
from tests.factories import SkuFactory

LIMIT = 10 * 1024
PUSH = "/api/v1/channels/shops/TB01/orders"
SHAPE = {"code", "message", "field", "errors"}
ADDRESS = "上海市浦东新区世纪大道100号"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT


@pytest.fixture
def shop(db):
    SkuFactory(code="TX-BLK-M")
    return Shop.objects.create(code="TB01", name="悦衣旗舰店", auto_review=False)


def orders(n: int) -> str:
    return json.dumps({"orders": [{"order_no": f"P{i}", "status": "paid", "receiver_address": ADDRESS,
                                   "lines": [{"sku_code": "TX-BLK-M", "quantity": "1", "price": "29.50"}]}
                                  for i in range(n)]})


def assert_too_large(response) -> None:
    assert response.status_code == 413
    error = response.json()
    assert set(error) == SHAPE and error["code"] == "request_too_large" and error["errors"] == []
    assert "10 KB" in error["message"]  # the limit


def test_an_order_push_over_the_limit_is_413_and_imports_nothing(shop, role_user, caplog):
    api = Api(role_user("operations", "ops"))
    small = api.client.post(PUSH, orders(5), content_type="application/json")
    assert small.status_code == 200 and small.json()["created"] == 5
    body = orders(200)
    assert len(body.encode()) > LIMIT
    with caplog.at_level(logging.ERROR):
        response = api.client.post(PUSH, body, content_type="application/json")
    assert_too_large(response)
    assert OnlineOrder.objects.count() == 5
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # not a server error


def test_a_document_create_over_the_limit_is_413(buyer, supplier, warehouse, sku):
    body = po_body(supplier, warehouse, [(sku, 1, 1)], remarks="备注" * LIMIT)
    response = Api(buyer).post(f"/{PO}", body)
    assert_too_large(response)
    assert not PurchaseOrder.objects.exists()


def test_the_message_follows_the_language(shop, role_user):
    api = Api(role_user("operations", "ops"), HTTP_ACCEPT_LANGUAGE="en")
    response = api.client.post(PUSH, orders(200), content_type="application/json")
    assert_too_large(response)
    assert "larger than the limit" in response.json()["message"]


def test_a_form_encoded_api_request_over_the_limit_is_413_json(shop, role_user):
    api = Api(role_user("operations", "ops"))
    response = api.client.post(PUSH, {"orders": "x" * (LIMIT + 1)})
    assert_too_large(response)


def test_a_page_form_over_the_limit_gets_a_clear_413(shop, role_user):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(role_user("customer_service", "cs"))
    response = client.post("/orders/import/", {"shop": shop.pk, "format": "generic", "mapping": "x" * (LIMIT + 1)})
    assert response.status_code == 413 and "10 KB" in response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    # Uploaded files do not count against the limit: a file larger than it imports.
    content = ("订单编号,数量,商家编码,备注\n" + "".join(f"F{i},1,TX-BLK-M,{'x' * 50}\n" for i in range(300))).encode()
    assert len(content) > LIMIT
    response = client.post("/orders/import/", {"shop": shop.pk, "format": "generic",
                                               "orders_file": SimpleUploadedFile("big.csv", content)})
    assert response.status_code == 302 and OnlineOrder.objects.count() == 300


def test_a_page_form_with_too_many_fields_gets_a_clear_413(shop, role_user, settings):
    from django.test import Client

    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(role_user("customer_service", "cs"))
    response = client.post("/orders/bulk/", {"action": "approve", "ids": [str(i) for i in range(51)]})
    assert response.status_code == 413 and "more than 50 fields" in response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    api = Api(role_user("operations", "ops"))
    response = api.client.post(PUSH, {f"f{i}": "1" for i in range(51)})
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert "超过 50 个字段" in response.json()["message"]  # the API speaks Chinese unless asked otherwise
    # At the limit the form is read as usual (and refused or not on its own merits).
    response = client.post("/orders/bulk/", {"action": "approve", "ids": [str(i) for i in range(40)]})
    assert response.status_code != 413
