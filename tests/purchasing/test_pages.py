"""The generic pages of the new purchasing documents and the open-exchange page, per role."""

import pytest
from django.test import Client

from shopflow.core import services
from shopflow.core.registry import get_type
from shopflow.core.roles import ROLE_CODES
from tests.purchasing.conftest import PR, REQ, RT, approve, days, make_requisition, receive


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def docs(approved_po, planner, buyer, clerk, manager, boss, sku, defective):
    """One document of each new type: a requisition, a receipt with rejects, an exchange return."""
    req = make_requisition(planner, [(sku, 4, days(5))], business_type="subcontract", plan_category="mts")
    receipt = receive(approved_po, clerk=clerk, approver=manager, rejected={approved_po.lines.get().pk: "2"},
                      freight="12")
    ret = services.document_push_down(source=receipt, target_type=RT, actor=buyer, header={"kind": "exchange"},
                                      quantities={receipt.lines.get().pk: "2"})
    ret = approve(ret, by=boss, submitter=buyer)
    return {REQ: req, PR: receipt, RT: ret}


@pytest.mark.parametrize("role", ROLE_CODES)
@pytest.mark.parametrize("key", [REQ, RT])
def test_list_detail_and_new_pages_by_role(key, role, role_user, docs):
    dt = get_type(key)
    client = client_of(role_user(role))
    may_view = "view" in dt.access.get(role, ())
    assert client.get(f"/d/{dt.slug}/").status_code == (200 if may_view else 403)
    assert client.get(f"/d/{dt.slug}/{docs[key].pk}/").status_code == (200 if may_view else 403)
    assert client.get(f"/d/{dt.slug}/new/").status_code == (200 if "create" in dt.access.get(role, ()) else 403)


def test_receipt_detail_shows_rejected_quantity_and_freight(docs, clerk):
    page = client_of(clerk).get(f"/d/{get_type(PR).slug}/{docs[PR].pk}/").content.decode()
    assert "不合格数量" in page or "rejected" in page.lower()
    assert "¥12.00" in page


def test_push_pages_ask_for_the_chosen_header_fields(docs, buyer, clerk):
    receipt, ret = docs[PR], docs[RT]
    page = client_of(buyer).get(f"/d/{get_type(PR).slug}/{receipt.pk}/push/{get_type(RT).slug}/")
    assert page.status_code == 200
    assert 'name="h-kind"' in page.content.decode() and 'name="h-warehouse"' in page.content.decode()
    page = client_of(clerk).get(f"/d/{get_type(RT).slug}/{ret.pk}/push/{get_type(PR).slug}/")
    assert page.status_code == 200 and 'name="h-warehouse"' in page.content.decode()


def test_push_menu_offers_exchange_in_only_for_exchange_returns(docs, clerk):
    page = client_of(clerk).get(f"/d/{get_type(RT).slug}/{docs[RT].pk}/").content.decode()
    assert f"/push/{get_type(PR).slug}/" in page


@pytest.mark.parametrize(("role", "status"), [("manager", 200), ("purchasing", 200), ("warehouse", 200),
                                              ("finance", 200), ("designer", 403), ("planning", 403)])
def test_exchange_page_by_role(role, status, role_user, docs):
    response = client_of(role_user(role)).get("/purchasing/exchanges/")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert 'class="text-end sf-num fw-semibold sf-awaiting">2<' in page


def test_pages_need_a_login(db):
    for url in ("/purchasing/suppliers/", "/purchasing/exchanges/"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
