"""Purchasing in the API: the supplier file, a statement, payments recorded and voided, goods
awaiting exchange — the same numbers as the selectors behind the pages, the same permissions,
errors with field paths. And the push-down header fields on the document types."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from shopflow.core import services
from shopflow.core.models import AuditEvent
from shopflow.purchasing.models import SupplierPayment
from shopflow.purchasing.selectors import exchange_outstanding, supplier_balances, supplier_statement
from shopflow.purchasing.services import supplier_payment_create
from tests.api.conftest import Api
from tests.factories import SkuFactory, SupplierFactory
from tests.purchasing.conftest import PR, REQ, RT, approve, days, make_requisition

BASE = "/api/v1/purchasing"


class PurchasingApi:
    """JSON calls to /api/v1/purchasing with a user's bearer token (`user=None`: none)."""

    def __init__(self, user=None):
        self.client = Api(user).client

    def get(self, path, **params):
        return self.client.get(BASE + path, params)

    def post(self, path, body=None):
        data = b"" if body is None else json.dumps(body)
        return self.client.post(BASE + path, data, content_type="application/json")


def cents(value) -> str:
    return f"{Decimal(value):.2f}"


@pytest.fixture
def accountant(role_user):
    return role_user("finance")


def _receipt(clerk, manager, supplier, warehouse, sku, *, day, qty, cost, freight="0", kind="purchase"):
    doc = services.document_create(doc_type=PR, actor=clerk, header={
        "supplier": supplier.pk, "warehouse": warehouse.pk, "doc_date": day.isoformat(), "freight": freight,
        "kind": kind}, lines=[{"sku": sku.pk, "quantity": str(qty), "unit_cost": str(cost)}])
    return approve(doc, by=manager, submitter=clerk)


@pytest.fixture
def scenario(clerk, buyer, manager, accountant, supplier, warehouse, sku):
    """Before the period (day −20): 125.00 goods + 10.00 freight → opening 135.00. In the period
    (days −10..−1): 13.32 goods + 5.50 freight (day −5), 20.00 paid (day −3), 50.00 paid and
    voided (day −2) → closing 133.82. Two pieces sent back for exchange (day −4), none replaced."""
    _receipt(clerk, manager, supplier, warehouse, sku, day=days(-20), qty=10, cost="12.50", freight="10")
    receipt = _receipt(clerk, manager, supplier, warehouse, sku, day=days(-5), qty=4, cost="3.33", freight="5.5")
    exchange = services.document_create(doc_type=RT, actor=buyer, header={
        "supplier": supplier.pk, "warehouse": warehouse.pk, "doc_date": days(-4).isoformat(), "kind": "exchange"},
        lines=[{"sku": sku.pk, "quantity": "2", "unit_cost": "12.50"}])
    approve(exchange, by=manager, submitter=buyer)
    api = PurchasingApi(accountant)
    paid = api.post(f"/suppliers/{supplier.pk}/payments", {
        "amount": "20.00", "pay_date": days(-3).isoformat(), "method": "alipay", "reference": "2026112200001",
        "remarks": "十一月货款"})
    assert paid.status_code == 201, paid.json()
    wrong = api.post(f"/suppliers/{supplier.pk}/payments", {"amount": "50", "pay_date": days(-2).isoformat()})
    assert wrong.status_code == 201, wrong.json()
    voided = api.post(f"/payments/{wrong.json()['id']}/void", {"reason": "重复录入"})
    assert voided.status_code == 200, voided.json()
    # another supplier's business never shows on this one's statement
    _receipt(clerk, manager, SupplierFactory(), warehouse, sku, day=days(-4), qty=1, cost="1000")
    return {"receipt": receipt, "paid": paid.json(), "voided": voided.json()}


# ---------------------------------------------------------------- the numbers


def test_supplier_file_rows_equal_the_selector(scenario, buyer, supplier):
    response = PurchasingApi(buyer).get("/suppliers")
    assert response.status_code == 200
    rows = {r["supplier"]["id"]: r for r in response.json()}
    expected = supplier_balances()
    assert set(rows) == {b.supplier.pk for b in expected}
    for b in expected:
        row = rows[b.supplier.pk]
        assert (row["purchases"], row["freight"], row["returns"], row["paid"], row["owed"]) == (
            cents(b.purchases), cents(b.freight), cents(b.returns), cents(b.paid), cents(b.owed))
        assert row["last_date"] == (b.last_date.isoformat() if b.last_date else None)
    mine = rows[supplier.pk]
    assert mine["supplier"] == {"id": supplier.pk, "code": supplier.code, "name": supplier.name}
    assert (mine["purchases"], mine["freight"], mine["returns"], mine["paid"], mine["owed"]) == (
        "138.32", "15.50", "0.00", "20.00", "133.82")


def test_supplier_file_search_and_cut_off_day(scenario, buyer, supplier):
    api = PurchasingApi(buyer)
    found = api.get("/suppliers", search=supplier.code).json()
    assert [r["supplier"]["id"] for r in found] == [supplier.pk]
    before = {r["supplier"]["id"]: r for r in api.get("/suppliers", upto=days(-10).isoformat()).json()}
    assert before[supplier.pk]["owed"] == "135.00"


def test_statement_equals_the_selector(scenario, buyer, supplier):
    period = {"date_from": days(-10).isoformat(), "date_to": days(-1).isoformat()}
    response = PurchasingApi(buyer).get(f"/suppliers/{supplier.pk}/statement", **period)
    assert response.status_code == 200, response.json()
    body = response.json()
    st = supplier_statement(supplier_id=supplier.pk, date_from=days(-10), date_to=days(-1))
    assert (body["date_from"], body["date_to"]) == (period["date_from"], period["date_to"])
    assert (body["opening"], body["goods"], body["freight"], body["paid"], body["closing"]) == (
        cents(st.opening), cents(st.goods), cents(st.freight), cents(st.paid), cents(st.closing))
    assert [(m["date"], m["kind"], m["number"], m["amount"], m["balance"]) for m in body["movements"]] == [
        (r.date.isoformat(), r.kind, r.number, cents(r.change), cents(r.balance)) for r in st.rows]
    # and the numbers themselves
    assert (body["opening"], body["closing"]) == ("135.00", "133.82")
    receipt, exchange_out, payment = body["movements"]
    assert (receipt["kind"], receipt["goods"], receipt["freight"], receipt["amount"], receipt["balance"]) == (
        "receipt", "13.32", "5.50", "18.82", "153.82")
    assert receipt["doc_type"] == PR and receipt["doc_id"] == scenario["receipt"].pk
    assert receipt["number"] == scenario["receipt"].display_number
    assert (exchange_out["kind"], exchange_out["amount"], exchange_out["balance"]) == ("exchange_out", "0.00", "153.82")
    assert (payment["kind"], payment["paid"], payment["amount"], payment["balance"]) == (
        "payment", "20.00", "-20.00", "133.82")
    assert payment["number"] == scenario["paid"]["number"] and "2026112200001" in payment["remarks"]
    assert scenario["voided"]["number"] not in [m["number"] for m in body["movements"]]


def test_statement_default_period_is_this_month_to_today(accountant, supplier):
    supplier_payment_create(supplier_id=supplier.pk, amount="7.10", pay_date=days(0), actor=accountant)
    body = PurchasingApi(accountant).get(f"/suppliers/{supplier.pk}/statement").json()
    today = days(0)
    assert (body["date_from"], body["date_to"]) == (today.replace(day=1).isoformat(), today.isoformat())
    assert [(m["kind"], m["amount"]) for m in body["movements"]] == [("payment", "-7.10")]
    assert (body["opening"], body["closing"]) == ("0.00", "-7.10")


def test_statement_swaps_reversed_dates(scenario, buyer, supplier):
    body = PurchasingApi(buyer).get(f"/suppliers/{supplier.pk}/statement", date_from=days(-1).isoformat(),
                                    date_to=days(-10).isoformat()).json()
    assert (body["date_from"], body["date_to"]) == (days(-10).isoformat(), days(-1).isoformat())
    assert body["closing"] == "133.82"


def test_exchanges_equal_the_selector(scenario, clerk, supplier, sku):
    response = PurchasingApi(clerk).get("/exchanges")  # the warehouse sees returns, not statements
    assert response.status_code == 200
    expected = exchange_outstanding()
    assert [(r["supplier"]["id"], r["sku"], r["returned"], r["exchanged_in"], r["outstanding"])
            for r in response.json()] == [
        (r.supplier.pk, r.sku.pk, f"{r.returned:.4f}", f"{r.exchanged_in:.4f}", f"{r.outstanding:.4f}")
        for r in expected]
    assert [(r["sku_code"], r["outstanding"]) for r in response.json()] == [(sku.code, "2.0000")]
    assert PurchasingApi(clerk).get("/exchanges", supplier=supplier.pk).json()[0]["supplier"]["id"] == supplier.pk
    assert PurchasingApi(clerk).get("/exchanges", supplier=SupplierFactory().pk).json() == []


# ---------------------------------------------------------------- payments


def test_recorded_payment_is_returned_audited_and_counts(accountant, supplier):
    response = PurchasingApi(accountant).post(f"/suppliers/{supplier.pk}/payments", {
        "amount": "1200.50", "pay_date": days(0).isoformat(), "method": "wechat", "remarks": "定金"})
    assert response.status_code == 201, response.json()
    body = response.json()
    payment = SupplierPayment.objects.get()
    assert body["id"] == payment.pk and body["number"] == payment.number and body["number"].startswith("FK-")
    assert (body["amount"], body["method"], body["remarks"], body["voided"]) == ("1200.50", "wechat", "定金", False)
    assert body["supplier"]["id"] == supplier.pk and body["created_by"] == accountant.username
    assert payment.amount == Decimal("1200.50") and payment.created_by == accountant
    assert AuditEvent.objects.filter(doc_type="purchasing.supplierpayment", doc_id=payment.pk, action="create").exists()
    owed = next(b for b in supplier_balances() if b.supplier == supplier).owed
    assert owed == Decimal("-1200.50")


def test_payment_date_defaults_to_today(accountant, supplier):
    body = PurchasingApi(accountant).post(f"/suppliers/{supplier.pk}/payments", {"amount": 3}).json()
    assert body["pay_date"] == days(0).isoformat() and body["amount"] == "3.00" and body["method"] == "bank"


def test_void_keeps_the_payment_with_who_and_why(scenario, accountant, supplier):
    voided = scenario["voided"]
    assert voided["voided"] is True and voided["voided_by"] == accountant.username
    assert voided["void_reason"] == "重复录入" and voided["amount"] == "50.00"
    listed = PurchasingApi(accountant).get(f"/suppliers/{supplier.pk}/payments").json()
    assert [(p["number"], p["voided"]) for p in listed] == [
        (scenario["voided"]["number"], True), (scenario["paid"]["number"], False)]
    again = PurchasingApi(accountant).post(f"/payments/{voided['id']}/void", {"reason": "again"})
    assert again.status_code == 400 and again.json()["code"] == "payment_voided"


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("amount", ["-5", "0", "1.234", "1e20"])
def test_bad_amounts_are_refused_on_the_field(amount, accountant, supplier):
    response = PurchasingApi(accountant).post(f"/suppliers/{supplier.pk}/payments", {"amount": amount})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed" and body["field"] == "amount"
    assert [e["field"] for e in body["errors"]] == ["amount"]
    assert SupplierPayment.objects.count() == 0


@pytest.mark.parametrize("amount", ["abc", "NaN", None])
def test_amounts_that_are_not_numbers_are_refused_on_the_field(amount, accountant, supplier):
    response = PurchasingApi(accountant).post(f"/suppliers/{supplier.pk}/payments", {"amount": amount})
    assert response.status_code == 400 and response.json()["field"] == "amount"
    assert SupplierPayment.objects.count() == 0


def test_every_bad_field_is_listed(accountant, supplier):
    response = PurchasingApi(accountant).post(f"/suppliers/{supplier.pk}/payments", {
        "amount": "-1", "method": "bitcoin", "reference": "x" * 101})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"amount", "method", "reference"}
    bad_date = PurchasingApi(accountant).post(f"/suppliers/{supplier.pk}/payments",
                                              {"amount": "1", "pay_date": "2026-02-30"})
    assert bad_date.status_code == 400 and bad_date.json()["field"] == "pay_date"
    assert SupplierPayment.objects.count() == 0


def test_unstorable_text_is_refused_on_the_field(accountant, supplier):
    response = PurchasingApi(accountant).post(f"/suppliers/{supplier.pk}/payments",
                                              {"amount": "1", "remarks": "a\x00b"})
    assert response.status_code == 400 and response.json()["field"] == "remarks"
    assert SupplierPayment.objects.count() == 0


@pytest.mark.parametrize("body", [None, {}, {"reason": "  "}])
def test_void_needs_a_reason(body, accountant, supplier):
    payment = supplier_payment_create(supplier_id=supplier.pk, amount="5", pay_date=days(0), actor=accountant)
    response = PurchasingApi(accountant).post(f"/payments/{payment.pk}/void", body)
    assert response.status_code == 400
    assert response.json()["field"] == "reason" and response.json()["errors"][0]["code"] == "reason_required"
    payment.refresh_from_db()
    assert not payment.voided


def test_buyer_reads_but_may_not_pay_or_void(buyer, accountant, supplier):
    payment = supplier_payment_create(supplier_id=supplier.pk, amount="5", pay_date=days(0), actor=accountant)
    api = PurchasingApi(buyer)
    assert api.get(f"/suppliers/{supplier.pk}/statement").status_code == 200
    response = api.post(f"/suppliers/{supplier.pk}/payments", {"amount": "10"})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    refused = api.post(f"/payments/{payment.pk}/void", {"reason": "不对"})
    assert refused.status_code == 403
    payment.refresh_from_db()
    assert SupplierPayment.objects.count() == 1 and not payment.voided


@pytest.mark.parametrize("role", ["warehouse", "planning", "customer_service"])
def test_roles_without_the_supplier_file_are_refused(role, role_user, accountant, supplier):
    payment = supplier_payment_create(supplier_id=supplier.pk, amount="5", pay_date=days(0), actor=accountant)
    api = PurchasingApi(role_user(role))
    for response in (api.get("/suppliers"), api.get(f"/suppliers/{supplier.pk}/statement"),
                     api.get(f"/suppliers/{supplier.pk}/payments"),
                     api.get("/suppliers/999999/statement"),  # 403 before 404: ids reveal nothing
                     api.post(f"/suppliers/{supplier.pk}/payments", {"amount": "10"}),
                     api.post(f"/payments/{payment.pk}/void", {"reason": "x"})):
        assert response.status_code == 403, response.json()
    payment.refresh_from_db()
    assert SupplierPayment.objects.count() == 1 and not payment.voided


def test_exchanges_refuse_roles_without_returns(role_user):
    assert PurchasingApi(role_user("customer_service")).get("/exchanges").status_code == 403


def test_unknown_ids_are_404(accountant):
    api = PurchasingApi(accountant)
    assert api.get("/suppliers/999999/statement").status_code == 404
    assert api.post("/suppliers/999999/payments", {"amount": "1"}).status_code == 404
    assert api.post("/payments/999999/void", {"reason": "x"}).status_code == 404
    assert SupplierPayment.objects.count() == 0


def test_bad_query_values_name_the_parameter(buyer, supplier):
    api = PurchasingApi(buyer)
    response = api.get(f"/suppliers/{supplier.pk}/statement", date_from="yesterday")
    assert response.status_code == 400 and response.json()["field"] == "date_from"
    assert api.get("/exchanges", supplier="abc").json()["field"] == "supplier"


def test_not_signed_in_is_401(supplier):
    api = PurchasingApi()
    for response in (api.get("/suppliers"), api.get(f"/suppliers/{supplier.pk}/statement"),
                     api.get(f"/suppliers/{supplier.pk}/payments"), api.get("/exchanges"),
                     api.post(f"/suppliers/{supplier.pk}/payments", {"amount": "10"}),
                     api.post("/payments/1/void", {"reason": "x"})):
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert SupplierPayment.objects.count() == 0


def test_session_writes_need_csrf(accountant, supplier):
    client = Client(enforce_csrf_checks=True)
    client.force_login(accountant)
    url = f"{BASE}/suppliers/{supplier.pk}/payments"
    assert client.get(f"{BASE}/suppliers").status_code == 200
    refused = client.post(url, {"amount": "1"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    assert SupplierPayment.objects.count() == 0
    token = client.get("/account/tokens/").cookies["csrftoken"].value
    ok = client.post(url, {"amount": "1"}, content_type="application/json", headers={"X-CSRFToken": token})
    assert ok.status_code == 201


def test_routes_are_in_the_openapi_document(buyer):
    paths = Api(buyer).client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/purchasing/suppliers", "/api/v1/purchasing/suppliers/{id}/statement",
            "/api/v1/purchasing/suppliers/{id}/payments", "/api/v1/purchasing/payments/{id}/void",
            "/api/v1/purchasing/exchanges"} <= set(paths)


# ---------------------------------------------------------------- push-down header fields


def test_document_types_tell_which_header_fields_a_push_down_asks_for(buyer):
    types = {t["key"]: t for t in Api(buyer).get("").json()}
    requisition = types[REQ]
    assert requisition["push_ask_header"]["purchasing.purchaseorder"] == ["supplier", "warehouse"]
    assert set(requisition["push_ask_header"]) == set(requisition["push_targets"])
    assert types["purchasing.purchaseorder"]["push_ask_header"] == {"purchasing.purchasereceipt": []}
    assert types[PR]["push_ask_header"][RT] == ["kind", "warehouse"]


def test_a_documents_push_targets_carry_their_header_fields(planner, manager):
    requisition = approve(make_requisition(planner, [(SkuFactory(), 5, days(10))]), by=manager, submitter=planner)
    body = Api(manager).get(f"/purchasing-purchaserequisition/{requisition.pk}").json()
    targets = {t["key"]: t for t in body["push_targets"]}
    assert targets["purchasing.purchaseorder"]["ask_header"] == ["supplier", "warehouse"]
