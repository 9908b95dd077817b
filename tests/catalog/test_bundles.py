"""Bundles 套餐: components, nested expansion, and refusal of bundles that contain themselves."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from shopflow.catalog import selectors, services
from shopflow.catalog.models import BundleLine, ProductKind
from shopflow.core.errors import DomainError, ValidationFailed
from shopflow.core.models import AuditEvent


@pytest.fixture
def items(make_sku):
    return {"tee": make_sku("TX2401-BLK-M"), "socks": make_sku("WZ01"), "bag": make_sku("BZ01")}


@pytest.fixture
def duo(items, actor):
    """A tee with two pairs of socks."""
    return services.bundle_create(code="TC-DUO", name="T恤袜子组合", list_price="99",
                                  components=[(items["tee"], 1), (items["socks"], "2")], actor=actor)


@pytest.fixture
def gift(duo, items, actor):
    """Two duos, one more pair of socks and a gift bag."""
    return services.bundle_create(code="TC-GIFT", name="礼盒", components=[(duo, 2), (items["socks"], 1),
                                                                           (items["bag"], "1")], actor=actor)


def flat(pairs):
    return [(sku.code, qty) for sku, qty in pairs]


def test_a_bundle_expands_to_its_components(duo):
    assert duo.kind == ProductKind.BUNDLE
    assert flat(selectors.bundle_components(duo)) == [("TX2401-BLK-M", Decimal("1")), ("WZ01", Decimal("2"))]
    assert flat(selectors.bundle_components(duo, quantity=3)) == [("TX2401-BLK-M", 3), ("WZ01", 6)]


def test_nested_bundles_are_flattened_and_summed(gift):
    # 2 × (1 tee + 2 socks) + 1 socks + 1 bag
    assert flat(selectors.bundle_components(gift)) == [("TX2401-BLK-M", 2), ("WZ01", 5), ("BZ01", 1)]
    assert flat(selectors.bundle_components(gift, quantity="1.5")) == [
        ("TX2401-BLK-M", Decimal("3.0000")), ("WZ01", Decimal("7.5000")), ("BZ01", Decimal("1.5000"))]


def test_an_ordinary_sku_expands_to_itself(items):
    assert flat(selectors.bundle_components(items["tee"], quantity=4)) == [("TX2401-BLK-M", 4)]


def test_a_bundle_inside_itself_is_refused_and_nothing_changes(gift, duo, items, actor):
    with pytest.raises(DomainError) as exc:
        services.bundle_set_components(bundle=duo, components=[(items["tee"], 1), (gift, 1)], actor=actor)
    assert exc.value.code == "bundle_cycle"
    assert exc.value.message == "Bundle contains itself: TC-DUO → TC-GIFT → TC-DUO."
    assert flat(selectors.bundle_components(duo)) == [("TX2401-BLK-M", 1), ("WZ01", 2)]


def test_bad_component_lines_are_named(duo, items, actor, make_sku):
    retired = make_sku("OLD")
    services.sku_retire(sku=retired, actor=actor)
    with pytest.raises(ValidationFailed) as exc:
        services.bundle_set_components(bundle=duo, actor=actor, components=[
            (duo, 1), (items["tee"], 0), (items["socks"], "x"), (items["bag"], 1), (items["bag"], 2), (retired, 1),
            (items["tee"], "0.00001"), "socks"])
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("components[0].component", "bundle_cycle"), ("components[1].quantity", "invalid_quantity"),
        ("components[2].quantity", "invalid_quantity"), ("components[4].component", "duplicate_line"),
        ("components[5].component", "inactive"), ("components[6].quantity", "invalid_quantity"),
        ("components[7]", "invalid"),
    ]
    assert duo.bundle_lines.count() == 2


def test_only_a_bundle_takes_components(items, actor):
    with pytest.raises(DomainError) as exc:
        services.bundle_set_components(bundle=items["tee"], components=[(items["socks"], 1)], actor=actor)
    assert exc.value.code == "not_a_bundle"


def test_a_bundle_needs_a_component(make_sku, actor):
    empty = make_sku("TC-EMPTY", kind=ProductKind.BUNDLE)
    with pytest.raises(ValidationFailed) as exc:
        services.bundle_set_components(bundle=empty, components=[], actor=actor)
    assert exc.value.errors[0].field == "components"
    with pytest.raises(DomainError) as exc:
        selectors.bundle_components(empty)
    assert exc.value.code == "bundle_empty"


def test_replacing_components_is_audited(duo, items, actor):
    services.bundle_set_components(bundle=duo, components=[(items["tee"], 1), (items["bag"], 1)], actor=actor)
    event = AuditEvent.objects.get(doc_type="catalog.sku", doc_id=duo.pk, action="components", payload__before__0=[
        "TX2401-BLK-M", "1.0000"], payload__after__1=["BZ01", "1"])
    assert event.actor == actor


def test_a_bundle_with_components_stays_a_bundle(duo, actor):
    with pytest.raises(ValidationFailed) as exc:
        services.sku_update(sku=duo, kind=ProductKind.BOUGHT, actor=actor)
    assert [(e.field, e.code) for e in exc.value.errors] == [("kind", "bundle_has_components")]


def test_expansion_refuses_a_cycle_written_behind_the_services_back(duo, gift):
    BundleLine.objects.create(bundle=duo, line_no=9, component=gift, quantity=1)
    with pytest.raises(DomainError) as exc:
        selectors.bundle_components(gift)
    assert exc.value.code == "bundle_cycle" and "TC-GIFT → TC-DUO → TC-GIFT" in exc.value.message


def test_invalid_quantity_to_expand(duo):
    with pytest.raises(DomainError) as exc:
        selectors.bundle_components(duo, quantity=0)
    assert exc.value.code == "invalid_quantity"


def test_database_refuses_a_bundle_in_itself(duo):
    with pytest.raises(IntegrityError), transaction.atomic():
        BundleLine.objects.create(bundle=duo, component=duo, quantity=1)
