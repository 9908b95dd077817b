"""Gift rules and courier rules as master-data lists: import (Chinese headers, dates, references,
checks across the row), the API, the list page, and who may edit them; the shop list's new
columns (default courier, auto review)."""

import datetime
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shopflow.channels.models import Shop
from shopflow.core.imports import import_file
from shopflow.core.masterdata import get_list
from shopflow.core.tokens import api_token_create
from shopflow.sales.models import CourierRule, GiftRule


def api_client(user) -> Client:
    _token, key = api_token_create(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_gift_rules_import_with_chinese_headers(skus, shop):
    csv = ("规则名称,店铺,实付满,赠品商家编码,赠送数量,开始日期,结束日期,启用\n"
           "双十一满199送袜子,TB01,199,SOCKS-GIFT,2,2026/11/01,2026年11月12日,是\n"
           "全店满99送袜子,,99,SOCKS-GIFT,,20261101,,是\n").encode()
    result = import_file(get_list("gift-rules"), csv, "赠品规则.csv")
    assert result.error_count == 0 and result.created == 2
    rule = GiftRule.objects.get(name="双十一满199送袜子")
    assert (rule.shop, rule.min_paid_amount, rule.quantity) == (shop, Decimal("199.00"), Decimal(2))
    assert (rule.starts_on, rule.ends_on) == (datetime.date(2026, 11, 1), datetime.date(2026, 11, 12))
    assert GiftRule.objects.get(name="全店满99送袜子").shop is None


def test_gift_rule_import_errors_name_row_and_column(skus, shop):
    csv = ("规则名称,店铺,实付满,赠品商家编码,开始日期,结束日期\n"
           "反了,TB01,10,SOCKS-GIFT,2026-11-12,2026-11-01\n"
           "坏日期,TB01,10,SOCKS-GIFT,11/12,\n"
           "无此店,XX,10,SOCKS-GIFT,,\n"
           "负数,,-5,SOCKS-GIFT,,\n").encode()
    result = import_file(get_list("gift-rules"), csv, "g.csv")
    problems = {(e.row, e.column) for e in result.errors}
    assert result.created == 0
    assert {(2, "结束日期"), (3, "开始日期"), (4, "店铺"), (5, "实付满")} <= problems, problems


def test_courier_rules_import_and_unknown_province(couriers):
    csv = ("规则名称,顺序,条件,省份或关键词,快递,启用\n"
           "偏远地区发EMS,10,省份,新疆、西藏、青海,EMS,是\n"
           "买家要顺丰,20,remark,顺丰;SF,顺丰速运,是\n").encode()
    result = import_file(get_list("courier-rules"), csv, "r.csv")
    assert result.error_count == 0, [e.message for e in result.errors]
    assert CourierRule.objects.get(name="买家要顺丰").courier == couriers["SF"]  # by name as well as code
    bad = "规则名称,条件,省份或关键词,快递\n错字,province,新彊,EMS\n空的,remark,,EMS\n".encode()
    result = import_file(get_list("courier-rules"), bad, "r.csv")
    assert result.created == 0 and {(e.row, e.column) for e in result.errors} == {(2, "省份或关键词"),
                                                                                 (3, "省份或关键词")}


def test_rules_through_the_masterdata_api(skus, couriers, role_user):
    c = api_client(role_user("customer_service", "cs-api"))
    r = c.post("/api/v1/masterdata/courier-rules", json.dumps({"values": {
        "name": "偏远发EMS", "kind": "province", "values": "新疆", "courier": "EMS", "sort_order": "5"}}),
        content_type="application/json")
    assert r.status_code == 201, r.content
    r = c.post("/api/v1/masterdata/gift-rules", json.dumps({"values": {
        "name": "送袜子", "sku": "SOCKS-GIFT", "starts_on": "2026-11-12", "ends_on": "2026-11-01"}}),
        content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "ends_on"
    assert c.get("/api/v1/masterdata/courier-rules").json()["count"] == 1


@pytest.mark.parametrize("role, may_edit", [("customer_service", True), ("operations", True), ("manager", True),
                                            ("warehouse", False), ("finance", False)])
def test_who_may_edit_the_rules(skus, role_user, role, may_edit):
    client = Client()
    client.force_login(role_user(role, f"{role}-r"))
    assert client.get(reverse("web:md_list", args=["gift-rules"])).status_code == 200
    assert client.get(reverse("web:md_list", args=["courier-rules"])).status_code == 200
    response = client.post(reverse("web:md_new", args=["gift-rules"]),
                           {"name": "送袜子", "sku": skus["SOCKS-GIFT"].pk, "quantity": "1", "min_paid_amount": "0"})
    assert GiftRule.objects.filter(name="送袜子").exists() == may_edit, response.status_code


def test_shop_list_has_default_courier_and_auto_review(wh, couriers):
    csv = "店铺编码,店铺名称,默认发货仓,默认快递,自动审单\nJD01,京东店,WH-A,SF,否\n".encode()
    result = import_file(get_list("shops"), csv, "shops.csv")
    assert result.error_count == 0, [e.message for e in result.errors]
    shop = Shop.objects.get(code="JD01")
    assert shop.default_courier == couriers["SF"] and shop.auto_review is False and shop.warehouse == wh
