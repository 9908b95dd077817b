"""Supplier file 供应商档案 and statement 对账单: purchases with freight, returns, payments and
what is owed, for a period with opening and closing balances; payments recorded and voided."""

import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from shopflow.core import services
from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.core.models import AuditEvent
from shopflow.purchasing.models import SupplierPayment
from shopflow.purchasing.selectors import supplier_balances, supplier_statement
from shopflow.purchasing.services import supplier_payment_create, supplier_payment_void
from tests.factories import SupplierFactory
from tests.purchasing.conftest import PR, RT, approve, days


@pytest.fixture
def accountant(role_user):
    return role_user("finance")


def _receipt(clerk, manager, supplier, warehouse, sku, *, day, qty, cost, freight="0", kind="purchase", post=True):
    doc = services.document_create(doc_type=PR, actor=clerk, header={
        "supplier": supplier.pk, "warehouse": warehouse.pk, "doc_date": day.isoformat(), "freight": freight,
        "kind": kind}, lines=[{"sku": sku.pk, "quantity": str(qty), "unit_cost": str(cost)}])
    return approve(doc, by=manager, submitter=clerk) if post else doc


def _return(buyer, manager, supplier, warehouse, sku, *, day, qty, cost, kind="return"):
    doc = services.document_create(doc_type=RT, actor=buyer, header={
        "supplier": supplier.pk, "warehouse": warehouse.pk, "doc_date": day.isoformat(), "kind": kind},
        lines=[{"sku": sku.pk, "quantity": str(qty), "unit_cost": str(cost)}])
    return approve(doc, by=manager, submitter=buyer)


@pytest.fixture
def history(clerk, buyer, manager, accountant, supplier, warehouse, sku):
    """Before the period (days −40..−11): 125.00 goods + 10.00 freight, 100.00 paid → 35.00 owed.
    In the period (days −10..−1): 13.32 goods + 5.50 freight, 3.33 credited, an exchange out and
    in (2.00 freight only), 20.00 paid, a voided 50.00, a draft → closing 32.49.
    After the period (day 0): another 99.00."""
    _receipt(clerk, manager, supplier, warehouse, sku, day=days(-40), qty=10, cost="12.50", freight="10")
    supplier_payment_create(supplier_id=supplier.pk, amount="100", pay_date=days(-30), actor=accountant)
    _receipt(clerk, manager, supplier, warehouse, sku, day=days(-8), qty=4, cost="3.33", freight="5.5")
    _return(buyer, manager, supplier, warehouse, sku, day=days(-7), qty=1, cost="3.33")
    _return(buyer, manager, supplier, warehouse, sku, day=days(-6), qty=2, cost="12.50", kind="exchange")
    _receipt(clerk, manager, supplier, warehouse, sku, day=days(-5), qty=2, cost="12.50", freight="2",
             kind="exchange")
    supplier_payment_create(supplier_id=supplier.pk, amount="20.00", pay_date=days(-3), method="alipay",
                            reference="2026112200001", actor=accountant)
    wrong = supplier_payment_create(supplier_id=supplier.pk, amount="50", pay_date=days(-2), actor=accountant)
    supplier_payment_void(payment=wrong, actor=accountant, reason="重复录入")
    _receipt(clerk, manager, supplier, warehouse, sku, day=days(-2), qty=100, cost="1", post=False)
    _receipt(clerk, manager, supplier, warehouse, sku, day=days(0), qty=9, cost="11")
    # another supplier's business never shows on this one's statement
    _receipt(clerk, manager, SupplierFactory(), warehouse, sku, day=days(-4), qty=1, cost="1000")


def test_statement_opening_movements_and_closing(history, supplier):
    st = supplier_statement(supplier_id=supplier.pk, date_from=days(-10), date_to=days(-1))
    assert st.opening == Decimal("35.00")
    assert [(r.kind, r.goods, r.freight, r.paid, r.balance) for r in st.rows] == [
        ("receipt", Decimal("13.32"), Decimal("5.50"), 0, Decimal("53.82")),
        ("return", Decimal("-3.33"), 0, 0, Decimal("50.49")),
        ("exchange_out", 0, 0, 0, Decimal("50.49")),
        ("exchange_in", 0, Decimal("2.00"), 0, Decimal("52.49")),
        ("payment", 0, 0, Decimal("20.00"), Decimal("32.49")),
    ]
    assert (st.goods, st.freight, st.paid, st.closing) == (
        Decimal("9.99"), Decimal("7.50"), Decimal("20.00"), Decimal("32.49"))
    assert st.rows[-1].number.startswith("FK-") and "2026112200001" in st.rows[-1].remarks


def test_the_next_period_opens_with_the_last_closing(history, supplier):
    st = supplier_statement(supplier_id=supplier.pk, date_from=days(0), date_to=days(0))
    assert st.opening == Decimal("32.49")
    assert st.closing == Decimal("131.49")


def test_supplier_file_totals(history, supplier):
    row = next(b for b in supplier_balances() if b.supplier == supplier)
    assert (row.purchases, row.freight, row.returns, row.paid, row.owed) == (
        Decimal("237.32"), Decimal("17.50"), Decimal("3.33"), Decimal("120.00"), Decimal("131.49"))
    assert row.last_date == days(0)
    upto = next(b for b in supplier_balances(upto=days(-1)) if b.supplier == supplier)
    assert upto.owed == Decimal("32.49")
    found = supplier_balances(search=supplier.name[-3:])
    assert [b.supplier for b in found] == [supplier] and found[0].owed == Decimal("131.49")


def test_unapproving_a_receipt_takes_it_off_the_statement(clerk, manager, supplier, warehouse, sku):
    receipt = _receipt(clerk, manager, supplier, warehouse, sku, day=days(-1), qty=2, cost="5", freight="1")
    assert supplier_statement(supplier_id=supplier.pk, date_from=days(-1), date_to=days(0)).closing == Decimal("11")
    services.document_transition(receipt, "unapprove", actor=manager, reason="价格不对")
    assert supplier_statement(supplier_id=supplier.pk, date_from=days(-1), date_to=days(0)).closing == 0


# ---------------------------------------------------------------- payments


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.234", "", "NaN", "1e20"])
def test_bad_payment_amounts_are_refused(amount, accountant, supplier):
    with pytest.raises(ValidationFailed) as exc:
        supplier_payment_create(supplier_id=supplier.pk, amount=amount, pay_date=days(0), actor=accountant)
    assert [e.field for e in exc.value.errors] == ["amount"]
    assert SupplierPayment.objects.count() == 0


def test_unknown_supplier_and_method_are_refused(accountant):
    with pytest.raises(ValidationFailed) as exc:
        supplier_payment_create(supplier_id=999999, amount="1", pay_date=days(0), method="bitcoin", actor=accountant)
    assert {e.field for e in exc.value.errors} == {"supplier", "method"}


@pytest.mark.parametrize("role", ["purchasing", "warehouse", "planning", "customer_service"])
def test_only_finance_and_the_manager_record_payments(role, role_user, supplier):
    with pytest.raises(PermissionDeniedError):
        supplier_payment_create(supplier_id=supplier.pk, amount="1", pay_date=days(0), actor=role_user(role))
    assert SupplierPayment.objects.count() == 0


def test_payments_are_numbered_audited_and_voided_once(accountant, manager, buyer, supplier):
    first = supplier_payment_create(supplier_id=supplier.pk, amount="1200.50", pay_date=days(0), actor=accountant)
    second = supplier_payment_create(supplier_id=supplier.pk, amount="1", pay_date=days(0), actor=manager)
    assert first.number.endswith("-0001") and second.number.endswith("-0002")
    with pytest.raises(PermissionDeniedError):
        supplier_payment_void(payment=first, actor=buyer, reason="x")
    with pytest.raises(ValidationFailed):
        supplier_payment_void(payment=first, actor=accountant, reason=" ")
    supplier_payment_void(payment=first, actor=accountant, reason="金额录错")
    with pytest.raises(DomainError) as exc:
        supplier_payment_void(payment=first, actor=manager, reason="again")
    assert exc.value.code == "payment_voided"
    actions = AuditEvent.objects.filter(doc_type="purchasing.supplierpayment", doc_id=first.pk)
    assert list(actions.values_list("action", flat=True)) == ["create", "void"]


# ---------------------------------------------------------------- pages


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("role", "status"), [("manager", 200), ("finance", 200), ("purchasing", 200),
                                              ("warehouse", 403), ("designer", 403), ("operations", 403)])
def test_supplier_pages_by_role(role, status, role_user, supplier):
    client = _client(role_user(role))
    assert client.get("/purchasing/suppliers/").status_code == status
    assert client.get(f"/purchasing/suppliers/{supplier.pk}/").status_code == status
    assert client.get(f"/purchasing/suppliers/{supplier.pk}/statement.xlsx").status_code == status


def test_statement_page_shows_the_numbers(history, accountant, supplier):
    url = f"/purchasing/suppliers/{supplier.pk}/?date_from={days(-10).isoformat()}&date_to={days(-1).isoformat()}"
    page = _client(accountant).get(url).content.decode()
    assert "¥35.00" in page and "¥32.49" in page
    assert 'id="sf-payment-form"' in page
    assert "text-decoration-line-through" in page  # the voided payment, struck through


def test_supplier_file_page_lists_what_is_owed(history, role_user, supplier):
    page = _client(role_user("purchasing")).get("/purchasing/suppliers/").content.decode()
    assert f'data-supplier="{supplier.code}"' in page and "¥131.49" in page
    assert 'href="/purchasing/suppliers/"' in page  # the menu entry


def test_statement_export(history, accountant, supplier):
    response = _client(accountant).get(f"/purchasing/suppliers/{supplier.pk}/statement.xlsx",
                                       {"date_from": days(-10).isoformat(), "date_to": days(-1).isoformat()})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][7] == 35 and rows[-1][7] == pytest.approx(32.49)
    assert len(rows) == 1 + 1 + 5 + 1


def test_recording_and_voiding_a_payment_on_the_page(accountant, role_user, supplier):
    client = _client(accountant)
    url = f"/purchasing/suppliers/{supplier.pk}/payments/"
    bad = client.post(url, {"pay_date": days(0).isoformat(), "amount": "-3", "method": "bank"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    ok = client.post(url, {"pay_date": days(0).isoformat(), "amount": "880.00", "method": "wechat",
                           "reference": "WX123"})
    assert ok.status_code == 302
    payment = SupplierPayment.objects.get()
    assert (payment.amount, payment.method, payment.created_by) == (Decimal("880.00"), "wechat", accountant)
    buyer_client = _client(role_user("purchasing"))
    assert buyer_client.post(url, {"pay_date": days(0).isoformat(), "amount": "1", "method": "bank"}).status_code == 403
    assert buyer_client.post(f"/purchasing/payments/{payment.pk}/void/", {"reason": "x"}).status_code == 403
    assert client.post(f"/purchasing/payments/{payment.pk}/void/", {"reason": "重复"}).status_code == 302
    payment.refresh_from_db()
    assert payment.voided and payment.void_reason == "重复"
    assert SupplierPayment.objects.count() == 1


def test_unknown_supplier_is_404(accountant):
    assert _client(accountant).get("/purchasing/suppliers/999999/").status_code == 404
