"""Remarks are hostile input (buyer and supplier text): every page shows them escaped."""

import pytest

from tests.web.conftest import PO

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def hostile_po(make_po):
    return make_po("submitted", remarks=HOSTILE)


def assert_escaped(page: str) -> None:
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert ESCAPED in page


def test_list_page_escapes_remarks(hostile_po, manager, client_of):
    assert_escaped(client_of(manager).get(f"/d/{PO}/").content.decode())


def test_detail_page_escapes_remarks(hostile_po, manager, client_of):
    assert_escaped(client_of(manager).get(f"/d/{PO}/{hostile_po.pk}/").content.decode())


def test_home_page_escapes_remarks_of_waiting_documents(hostile_po, manager, client_of):
    page = client_of(manager).get("/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_edit_page_escapes_remarks(make_po, author, client_of):
    po = make_po("draft", remarks=HOSTILE)
    assert_escaped(client_of(author).get(f"/d/{PO}/{po.pk}/edit/").content.decode())


def test_search_term_is_escaped(manager, client_of):
    page = client_of(manager).get(f"/d/{PO}/", {"q": HOSTILE}).content.decode()
    assert "<script>alert(1)" not in page


def test_reasons_in_the_history_are_escaped(make_po, manager, client_of):
    po = make_po("approved")
    client = client_of(manager)
    client.post(f"/d/{PO}/{po.pk}/do/unapprove/", {"reason": HOSTILE})
    assert_escaped(client.get(f"/d/{PO}/{po.pk}/").content.decode())
