"""Fixtures shared by every test: one user per role, master data, an approved purchase order."""

from decimal import Decimal

import pytest
from django.utils import translation

from shopflow.core import services
from tests.factories import (
    SkuFactory,
    SupplierFactory,
    UserFactory,
    WarehouseFactory,
    make_purchase_order,
)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests make many users; PBKDF2 would cost half a second each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english():
    """Service-level messages in English, so assertions read the msgids. Pages still follow
    the request's language (LocaleMiddleware), zh-hans by default."""
    with translation.override("en"):
        yield


@pytest.fixture
def role_user(db):
    """role_user("manager") → a user in that role (created once per test)."""

    def make(role: str, username: str | None = None):
        return UserFactory(username=username or f"{role}-user", roles=[role])

    return make


@pytest.fixture
def buyer(role_user):
    return role_user("purchasing")


@pytest.fixture
def manager(role_user):
    return role_user("manager")


@pytest.fixture
def clerk(role_user):
    return role_user("warehouse")


@pytest.fixture
def sku(db):
    return SkuFactory()


@pytest.fixture
def supplier(db):
    return SupplierFactory()


@pytest.fixture
def warehouse(db):
    return WarehouseFactory()


@pytest.fixture
def draft_po(buyer, supplier, warehouse, sku):
    return make_purchase_order(actor=buyer, supplier=supplier, warehouse=warehouse,
                               lines=[(sku, Decimal("10"), Decimal("12.50"))])


@pytest.fixture
def approved_po(buyer, manager, supplier, warehouse, sku):
    """An approved order of its own (not the draft_po object), 10 × sku at 12.50."""
    po = make_purchase_order(actor=buyer, supplier=supplier, warehouse=warehouse,
                             lines=[(sku, Decimal("10"), Decimal("12.50"))])
    services.document_transition(po, "submit", actor=buyer)
    return services.document_transition(po, "approve", actor=manager)
