"""Fixtures of the web shell tests: logged-in clients and documents in each state."""

from decimal import Decimal

import pytest
from django.test import Client

from shopflow.core import services
from tests.factories import UserFactory, make_purchase_order

PO = "purchasing-purchaseorder"
PR = "purchasing-purchasereceipt"


@pytest.fixture
def client_of():
    """client_of(user) → a test client signed in as that user (Chinese, the default)."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def author(db):
    """A manager who creates the documents, so every role user may approve them (segregation
    of duties would otherwise block the role user from approving their own)."""
    return UserFactory(username="author", roles=["manager"])


@pytest.fixture
def make_po(author, supplier, warehouse, sku):
    """make_po("submitted", remarks="…") → a purchase order by `author` in that state."""

    def make(state: str = "draft", *, partner=None, **header):
        po = make_purchase_order(actor=author, supplier=partner or supplier, warehouse=warehouse,
                                 lines=[(sku, Decimal("10"), Decimal("12.50"))], **header)
        approver = UserFactory(username="approver", roles=["manager"])
        steps = {"draft": [], "submitted": [("submit", author)],
                 "approved": [("submit", author), ("approve", approver)]}[state]
        for action, actor in steps:
            po = services.document_transition(po, action, actor=actor)
        return po

    return make
