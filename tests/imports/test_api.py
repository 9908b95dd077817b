"""The master-data API: lists, records, create, update, import — with the same parsers and
permissions as the pages, and 403 that changes nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shopflow.catalog import services as catalog
from shopflow.catalog.models import Sku
from shopflow.core.models import AuditEvent, ImportJob
from shopflow.core.tokens import api_token_create
from shopflow.partners.models import Supplier
from tests.factories import SkuFactory
from tests.imports.conftest import SKU_HEADERS, csv_bytes

BASE = "/api/v1/masterdata"


class Api:
    def __init__(self, user):
        _token, key = api_token_create(user=user, name="tests")
        self.client = Client(headers={"Authorization": f"Bearer {key}"})

    def get(self, path, **params):
        return self.client.get(BASE + path, params)

    def post(self, path, body):
        return self.client.post(BASE + path, json.dumps(body), content_type="application/json")

    def patch(self, path, body):
        return self.client.patch(BASE + path, json.dumps(body), content_type="application/json")

    def upload(self, path, content, name="skus.csv", **data):
        return self.client.post(BASE + path, {"file": SimpleUploadedFile(name, content), **data})


@pytest.fixture
def api(manager):
    return Api(manager)


def test_lists_say_what_the_caller_may_do(role_user):
    body = Api(role_user("designer")).get("").json()
    by_key = {item["key"]: item for item in body}
    assert by_key["skus"]["actions"] == ["view"]
    assert by_key["suppliers"]["actions"] == []
    assert by_key["skus"]["columns"][0] == {"name": "code", "zh": "商家编码", "en": "Item code", "required": True,
                                            "importable": True, "unique": False}


def test_list_records_with_search_filters_and_paging(api, manager):
    top = catalog.category_create(code="C1", name="服装", actor=manager)
    SkuFactory(code="A-1", name="T恤", category=top)
    SkuFactory(code="A-2", name="卫衣", active=False)
    SkuFactory(code="B-1", name="T恤 加厚")
    body = api.get("/skus", search="T恤", ordering="-code").json()
    assert [i["values"]["code"] for i in body["items"]] == ["B-1", "A-1"]
    assert body["items"][1]["values"]["category"] == "服装"
    assert body["items"][1]["values"]["cost"] == "35.00"
    assert [i["values"]["code"] for i in api.get("/skus", active="否").json()["items"]] == ["A-2"]
    assert [i["values"]["code"] for i in api.get("/skus", category="服装").json()["items"]] == ["A-1"]
    page = api.get("/skus", limit=1, offset=1).json()
    assert (page["count"], len(page["items"])) == (3, 1)


def test_a_bad_filter_is_a_400_on_it(api):
    response = api.get("/skus", kind="冷冻")
    assert response.status_code == 400 and response.json()["field"] == "kind"


def test_create_update_and_get(api):
    response = api.post("/skus", {"values": {"code": "N-1", "name": "新品", "cost": 12.5, "kind": "自制"}})
    assert response.status_code == 201, response.json()
    record = response.json()
    assert record["values"]["cost"] == "12.50" and record["values"]["kind"] == "made"
    response = api.patch(f"/skus/{record['id']}", {"values": {"list_price": "99", "colour": "红色"}})
    assert response.status_code == 200
    assert api.get(f"/skus/{record['id']}").json()["values"]["list_price"] == "99.00"
    assert AuditEvent.objects.filter(doc_type="catalog.sku", doc_id=record["id"]).count() == 2


def test_validation_errors_name_every_field(api):
    response = api.post("/skus", {"values": {"code": "N 1", "name": "", "cost": "abc", "nonsense": 1}})
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"cost", "nonsense"} <= fields
    assert not Sku.objects.exists()


def test_generic_lists_validate_too(api):
    response = api.post("/suppliers", {"values": {"code": "S1", "name": "供应商", "active": "也许"}})
    assert response.status_code == 400 and response.json()["field"] == "active"
    response = api.post("/suppliers", {"values": {"code": "S1", "name": "供应商", "active": True}})
    assert response.status_code == 201
    response = api.post("/suppliers", {"values": {"code": "S1", "name": "重复"}})
    assert response.status_code == 400 and response.json()["field"] == "code"
    assert Supplier.objects.count() == 1


def test_forbidden_writes_are_403_and_change_nothing(role_user, sku):
    designer = Api(role_user("designer"))
    before = (Sku.objects.count(), AuditEvent.objects.count(), Sku.objects.get(pk=sku.pk).name)
    assert designer.post("/skus", {"values": {"code": "N-1", "name": "x"}}).status_code == 403
    assert designer.patch(f"/skus/{sku.pk}", {"values": {"name": "改名"}}).status_code == 403
    response = designer.upload("/skus/imports", csv_bytes([SKU_HEADERS, ["N-2", "x", "", "", "", "", "1", "1"]]))
    assert response.status_code == 403
    assert (Sku.objects.count(), AuditEvent.objects.count(), Sku.objects.get(pk=sku.pk).name) == before
    assert not ImportJob.objects.exists()
    assert Api(role_user("designer")).get("/suppliers").status_code == 403


def test_import_upload(api):
    content = csv_bytes([SKU_HEADERS, ["N-1", "x", "", "", "", "", "1", "1"], ["N-2", "y", "", "", "", "", "贵", "1"]],
                        "gbk")
    response = api.upload("/skus/imports", content, mode="good")
    assert response.status_code == 201
    job = response.json()
    assert job["status"] == "done" and job["summary"]["created"] == 1
    assert job["errors"] == [{"row": 3, "column": "成本价", "value": "贵", "message": "“贵”不是数字。",
                              "code": "not_a_number"}]
    assert api.get(f"/skus/imports/{job['id']}").json()["id"] == job["id"]


def test_import_upload_in_the_background(api, settings):
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 10}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    response = api.upload("/skus/imports", csv_bytes([SKU_HEADERS, ["N-1", "x", "", "", "", "", "1", "1"]]))
    assert response.status_code == 202 and response.json()["status"] == "queued"


def test_import_refuses_a_bad_mode_and_an_oversized_file(api, settings):
    content = csv_bytes([SKU_HEADERS, ["N-1", "x", "", "", "", "", "1", "1"]])
    assert api.upload("/skus/imports", content, mode="some").json()["field"] == "mode"
    settings.SHOPFLOW = {"IMPORT_MAX_BYTES": 10}
    response = api.upload("/skus/imports", content)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "too_large"
    assert not ImportJob.objects.exists()


def test_unknown_list_and_record(api):
    assert api.get("/nolist").status_code == 404
    assert api.get("/skus/999999").status_code == 404
