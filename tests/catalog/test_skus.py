"""Stand-alone SKUs (materials, tooling, services), their validation, retiring, and the lookups
and picker search."""

from decimal import Decimal

import pytest

from shopflow.catalog import selectors, services
from shopflow.catalog.models import ProductKind, Sku
from shopflow.core.errors import ValidationFailed
from shopflow.core.models import AuditEvent
from tests.factories import SkuFactory


def test_create_a_raw_material(actor):
    fabric = services.category_create(code="ML", name="面料", actor=actor)
    sku = services.sku_create(code=" ML-JB180-WHT ", name="精梳棉汗布 180g", kind=ProductKind.BOUGHT, unit="米",
                              colour="本白", category=fabric, cost="18", weight="0.18", actor=actor)
    sku.refresh_from_db()
    assert (sku.code, sku.unit, sku.cost, sku.style, sku.category) == ("ML-JB180-WHT", "米", Decimal("18.00"), None,
                                                                        fabric)
    event = AuditEvent.objects.get(doc_type="catalog.sku", doc_id=sku.pk)
    assert event.action == "create" and event.actor == actor and event.payload["values"]["cost"] == "18"


def test_every_bad_field_is_named(make_sku, actor):
    make_sku("GZ-001", kind=ProductKind.TOOLING)
    with pytest.raises(ValidationFailed) as exc:
        services.sku_create(code="GZ-001", name="", kind="gadget", cost="-1", list_price="abc", actor=actor)
    assert sorted((e.field, e.code) for e in exc.value.errors) == [
        ("code", "duplicate_code"), ("cost", "negative"), ("kind", "invalid_choice"), ("list_price", "invalid"),
        ("name", "blank"),
    ]
    assert Sku.objects.count() == 1


def test_code_with_spaces_is_refused(actor):
    with pytest.raises(ValidationFailed) as exc:
        services.sku_create(code="ML 01", name="x", actor=actor)
    assert [(e.field, e.code) for e in exc.value.errors] == [("code", "invalid_code")]


def test_update_writes_the_change_to_the_audit_trail(make_sku, actor):
    sku = make_sku("FW-001", kind=ProductKind.SERVICE, name="印花加工费")
    services.sku_update(sku=sku, list_price="3.50", unit="次", actor=actor)
    event = AuditEvent.objects.get(doc_type="catalog.sku", doc_id=sku.pk, action="update")
    assert event.payload == {"changes": {"unit": ["件", "次"], "list_price": ["0", "3.5"]}}


def test_retire_and_restore(make_sku, actor):
    sku = make_sku("GZ-002")
    services.sku_retire(sku=sku, actor=actor)
    sku.refresh_from_db()
    assert sku.active is False
    services.sku_restore(sku=sku, actor=actor)
    sku.refresh_from_db()
    assert sku.active is True
    history = selectors.catalog_history(sku)
    assert [(e.action, e.actor) for e in history] == [("create", actor), ("retire", actor), ("restore", actor)]


def test_existing_factory_skus_still_work(db):
    sku = SkuFactory()
    assert sku.kind == "bought" and sku.style is None and sku.colour == "黑色"


@pytest.fixture
def pickable(make_sku, actor):
    tops = services.category_create(code="SY", name="上装", actor=actor)
    tees = services.category_create(code="TX", name="T恤", parent=tops, actor=actor)
    style = services.style_create(code="TX2401", name="纯棉圆领T恤", category=tees, actor=actor)
    services.style_generate_skus(style=style, colours=[("BLK", "黑色"), ("WHT", "白色")], sizes=["M", "L"],
                                 actor=actor)
    make_sku("MTX2401", name="T恤包装袋", barcode="6901234567892")
    make_sku("ML-JB180-BLK", name="精梳棉汗布", colour="黑色", unit="米")
    old = make_sku("TX2401-OLD", name="旧款T恤")
    services.sku_retire(sku=old, actor=actor)
    return {"tops": tops, "tees": tees, "style": style}


def test_search_ranks_exact_then_prefix_then_contains(pickable):
    assert [s.code for s in selectors.sku_search("TX2401-BLK-M")] == ["TX2401-BLK-M"]
    assert [s.code for s in selectors.sku_search("tx2401")] == [
        "TX2401-BLK-L", "TX2401-BLK-M", "TX2401-WHT-L", "TX2401-WHT-M", "MTX2401"]


def test_search_matches_every_word_across_name_colour_and_size(pickable):
    assert [s.code for s in selectors.sku_search("T恤 黑色 m")] == ["TX2401-BLK-M"]
    assert [s.code for s in selectors.sku_search("黑色")] == ["ML-JB180-BLK", "TX2401-BLK-L", "TX2401-BLK-M"]


def test_search_by_barcode_and_including_retired(pickable):
    assert [s.code for s in selectors.sku_search("6901234567892")] == ["MTX2401"]
    assert [s.code for s in selectors.sku_search("6901234")] == ["MTX2401"]
    assert selectors.sku_search("旧款") == []
    assert [s.code for s in selectors.sku_search("旧款", active_only=False)] == ["TX2401-OLD"]
    assert selectors.sku_search("  ") == []
    assert [s.code for s in selectors.sku_search("TX2401", kinds=["bought"], limit=2)] == ["TX2401-BLK-L",
                                                                                          "TX2401-BLK-M"]


def test_lookups(pickable):
    assert selectors.sku_by_code("TX2401-WHT-L").size == "L"
    assert selectors.sku_by_code("nope") is None
    assert selectors.sku_by_barcode("6901234567892").code == "MTX2401"
    assert selectors.sku_by_barcode("") is None
    assert selectors.sku_by_scan("6901234567892").code == "MTX2401"
    assert selectors.sku_by_scan(" TX2401-WHT-L ").code == "TX2401-WHT-L"
    assert selectors.style_by_code("TX2401") == pickable["style"]


def test_lists_filter_by_category_including_subcategories(pickable):
    assert selectors.sku_list(category=pickable["tops"]).count() == 4
    assert selectors.sku_list(search="汗布").get().code == "ML-JB180-BLK"
    assert selectors.sku_list(active=False).get().code == "TX2401-OLD"
    assert selectors.sku_list(style=pickable["style"], kind="bought").count() == 4
    assert list(selectors.style_list(category=pickable["tops"])) == [pickable["style"]]
    assert list(selectors.style_list(search="圆领", active=True)) == [pickable["style"]]
