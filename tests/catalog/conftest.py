"""Catalogue fixtures: a user to act, and SKUs made through the services."""

import pytest

from shopflow.catalog import services
from shopflow.catalog.models import ProductKind


@pytest.fixture
def actor(role_user):
    return role_user("manager")


@pytest.fixture
def make_sku(actor):
    """make_sku("ML-01", kind="bought", unit="米") → a stand-alone SKU made by sku_create."""

    def make(code: str, *, name: str | None = None, kind: str = ProductKind.BOUGHT, **values):
        return services.sku_create(code=code, name=name or code, kind=kind, actor=actor, **values)

    return make
