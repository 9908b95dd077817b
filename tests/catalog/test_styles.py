"""Styles 款号 and their colour × size grid: generation is idempotent and extensible, retiring
keeps every SKU (and the documents that refer to it), style changes reach the SKUs."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from shopflow.catalog import barcodes, selectors, services
from shopflow.catalog.models import ProductKind, Sku, StyleColour
from shopflow.core.errors import DomainError, ValidationFailed
from shopflow.core.models import AuditEvent
from tests.factories import SupplierFactory, WarehouseFactory, make_purchase_order

BLACK, WHITE, RED = ("BLK", "黑色"), ("WHT", "白色"), ("RED", "红色")


@pytest.fixture
def tees(actor):
    return services.category_create(code="TX", name="T恤", actor=actor)


@pytest.fixture
def style(actor, tees):
    return services.style_create(code="TX2401", name="纯棉圆领T恤", category=tees, kind=ProductKind.OUTSOURCED,
                                 unit="件", weight="0.180", cost="28.50", list_price="89.00", actor=actor)


def codes(style):
    return sorted(style.skus.values_list("code", flat=True))


def test_grid_creates_every_colour_size_cell(style, actor, tees):
    result = services.style_generate_skus(style=style, colours=[BLACK, WHITE], sizes=["S", "M", "L"], actor=actor)
    assert sorted(s.code for s in result.created) == [
        "TX2401-BLK-L", "TX2401-BLK-M", "TX2401-BLK-S", "TX2401-WHT-L", "TX2401-WHT-M", "TX2401-WHT-S",
    ]
    sku = Sku.objects.get(code="TX2401-WHT-M")
    assert (sku.name, sku.colour, sku.size, sku.unit, sku.kind) == ("纯棉圆领T恤", "白色", "M", "件", "outsourced")
    assert (sku.cost, sku.list_price, sku.weight) == (Decimal("28.50"), Decimal("89.00"), Decimal("0.180"))
    assert (sku.style, sku.category, sku.style_colour.code, sku.style_size.code) == (style, tees, "WHT", "M")
    assert str(sku) == "TX2401-WHT-M 纯棉圆领T恤 (白色/M)"
    assert AuditEvent.objects.filter(doc_type="catalog.sku", action="create").count() == 6


def test_running_again_adds_nothing(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK, WHITE], sizes=["S", "M"], actor=actor)
    ids = sorted(style.skus.values_list("id", flat=True))
    again = services.style_generate_skus(style=style, colours=[BLACK, WHITE], sizes=["S", "M"], actor=actor)
    assert (again.created, again.colours_added, again.sizes_added, len(again.existing)) == ([], [], [], 4)
    assert sorted(style.skus.values_list("id", flat=True)) == ids
    assert services.style_generate_skus(style=style, actor=actor).created == []


def test_a_new_colour_adds_its_row_and_a_new_size_its_column(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK, WHITE], sizes=["S", "M"], actor=actor)
    row = services.style_generate_skus(style=style, colours=[RED], actor=actor)
    assert sorted(s.code for s in row.created) == ["TX2401-RED-M", "TX2401-RED-S"]
    column = services.style_generate_skus(style=style, sizes=["XL"], actor=actor)
    assert sorted(s.code for s in column.created) == ["TX2401-BLK-XL", "TX2401-RED-XL", "TX2401-WHT-XL"]
    grid = selectors.style_grid(style)
    assert [c.code for c in grid.colours] == ["BLK", "WHT", "RED"]
    assert [s.code for s in grid.sizes] == ["S", "M", "XL"]
    assert [[sku.code for sku in cells] for _colour, cells in grid.rows()][2] == [
        "TX2401-RED-S", "TX2401-RED-M", "TX2401-RED-XL"]


def test_retiring_a_colour_deactivates_its_skus_and_keeps_them(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK, WHITE], sizes=["S", "M"], actor=actor)
    black_m = Sku.objects.get(code="TX2401-BLK-M")
    order = make_purchase_order(actor=actor, supplier=SupplierFactory(), warehouse=WarehouseFactory(),
                                lines=[(black_m, Decimal("12"), Decimal("28.50"))])
    colour = StyleColour.objects.get(style=style, code="BLK")
    services.style_colour_retire(colour=colour, actor=actor)
    black = Sku.objects.filter(style_colour=colour)
    assert black.count() == 2 and not black.filter(active=True).exists()
    assert Sku.objects.filter(style=style, active=True).count() == 2
    assert order.lines.get().sku == black_m  # documents keep pointing at it
    assert AuditEvent.objects.filter(doc_type="catalog.sku", doc_id=black_m.pk, action="retire").count() == 1
    # Later sizes do not bring the retired colour back…
    assert sorted(s.code for s in services.style_generate_skus(style=style, sizes=["L"], actor=actor).created) == [
        "TX2401-WHT-L"]
    # …and naming it again is refused, not silently revived.
    with pytest.raises(ValidationFailed) as exc:
        services.style_generate_skus(style=style, colours=[BLACK], actor=actor)
    assert [(e.field, e.code) for e in exc.value.errors] == [("colours[0].code", "grid_cell_retired")]
    with pytest.raises(DomainError) as exc:
        services.sku_restore(sku=black_m, actor=actor)
    assert exc.value.code == "grid_cell_retired"


def test_restoring_a_colour_reactivates_its_skus_and_generation_fills_the_gaps(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK, WHITE], sizes=["S", "M"], actor=actor)
    colour = StyleColour.objects.get(style=style, code="BLK")
    services.style_colour_retire(colour=colour, actor=actor)
    services.style_generate_skus(style=style, sizes=["L"], actor=actor)
    services.style_colour_restore(colour=colour, actor=actor)
    assert Sku.objects.filter(style_colour=colour, active=True).count() == 2
    filled = services.style_generate_skus(style=style, actor=actor)
    assert [s.code for s in filled.created] == ["TX2401-BLK-L"]


def test_retiring_a_size_deactivates_its_column(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK, WHITE], sizes=["S", "M"], actor=actor)
    size = style.sizes.get(code="S")
    services.style_size_retire(size=size, actor=actor)
    assert sorted(Sku.objects.filter(style=style, active=False).values_list("code", flat=True)) == [
        "TX2401-BLK-S", "TX2401-WHT-S"]
    assert len(selectors.style_grid(style, include_retired=False).sizes) == 1
    services.style_size_restore(size=size, actor=actor)
    assert Sku.objects.filter(style=style, active=False).count() == 0


def test_retiring_the_style_retires_every_sku(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK], sizes=["S", "M"], actor=actor)
    services.style_retire(style=style, actor=actor)
    assert Sku.objects.filter(style=style, active=True).count() == 0
    with pytest.raises(DomainError) as exc:
        services.style_generate_skus(style=style, sizes=["L"], actor=actor)
    assert exc.value.code == "style_inactive"
    services.style_restore(style=style, actor=actor)
    assert Sku.objects.filter(style=style, active=True).count() == 2


def test_standalone_sku_with_the_grid_code_is_adopted(style, actor, make_sku):
    imported = make_sku("TX2401-BLK-M", name="圆领T恤 黑 M", cost="30.00")
    result = services.style_generate_skus(style=style, colours=[BLACK], sizes=["M", "L"], actor=actor)
    assert [s.code for s in result.created] == ["TX2401-BLK-L"]
    assert result.adopted == [imported]
    imported.refresh_from_db()
    assert (imported.style, imported.colour, imported.size, imported.cost) == (style, "黑色", "M", Decimal("30.00"))
    assert Sku.objects.filter(code="TX2401-BLK-M").count() == 1


def test_grid_code_used_by_another_style_is_refused_and_nothing_is_created(style, actor):
    other = services.style_create(code="TX2401-BLK", name="x", actor=actor)
    services.style_generate_skus(style=other, colours=[("M", "中黑")], sizes=["L"], actor=actor)
    # TX2401 + BLK + M-L would be "TX2401-BLK-M-L"; the other style made exactly that code.
    with pytest.raises(ValidationFailed) as exc:
        services.style_generate_skus(style=style, colours=[BLACK], sizes=["M-L", "S"], actor=actor)
    assert [e.code for e in exc.value.errors] == ["grid_code_taken"]
    assert "TX2401-BLK-M-L" in exc.value.errors[0].message
    assert style.skus.count() == 0 and style.colours.count() == 0 and style.sizes.count() == 0


def test_bad_colours_and_sizes_are_named_by_position(style, actor):
    with pytest.raises(ValidationFailed) as exc:
        services.style_generate_skus(style=style, colours=[("BL K", "黑色"), ("B-K", "黑"), ("", "灰"), "RED"],
                                     sizes=["M", " ", "X L"], actor=actor)
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("colours[0].code", "invalid_code"), ("colours[1].code", "invalid_code"), ("colours[2]", "required"),
        ("colours[3]", "invalid"), ("sizes[1]", "required"), ("sizes[2]", "invalid_code"),
    ]
    assert style.colours.count() == 0


def test_a_colour_code_cannot_change_its_name_by_regenerating(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK], sizes=["M"], actor=actor)
    with pytest.raises(ValidationFailed) as exc:
        services.style_generate_skus(style=style, colours=[("BLK", "墨黑")], actor=actor)
    assert exc.value.errors[0].message == "Colour BLK is already called 黑色."
    with pytest.raises(ValidationFailed) as exc:
        services.style_generate_skus(style=style, colours=[("INK", "黑色")], actor=actor)
    assert exc.value.errors[0].message == "Colour 黑色 already has the code BLK."


def test_renaming_a_colour_renames_its_skus(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK], sizes=["M"], actor=actor)
    services.style_colour_rename(colour=style.colours.get(), name="墨黑", actor=actor)
    assert Sku.objects.get(code="TX2401-BLK-M").colour == "墨黑"


def test_generated_ean13_barcodes_are_valid_and_unique(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK, WHITE], sizes=["S", "M"], actor=actor,
                                 barcode="ean13")
    codes_ = list(Sku.objects.filter(style=style).values_list("barcode", flat=True))
    assert len(set(codes_)) == 4 and all(barcodes.is_ean13(c) and c.startswith("200") for c in codes_)


def test_code128_barcodes_are_the_item_codes(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK], sizes=["M"], actor=actor, barcode="code128")
    assert Sku.objects.get(code="TX2401-BLK-M").barcode == "TX2401-BLK-M"


def test_style_changes_reach_the_skus_that_inherit_them(style, actor, tees):
    services.style_generate_skus(style=style, colours=[BLACK], sizes=["M", "XXL"], actor=actor)
    xxl = Sku.objects.get(code="TX2401-BLK-XXL")
    services.sku_update(sku=xxl, cost="31.00", actor=actor)  # priced on its own
    polos = services.category_create(code="POLO", name="Polo衫", actor=actor)
    services.style_update(style=style, cost="29.00", list_price="99.00", category=polos, unit="条", actor=actor)
    m = Sku.objects.get(code="TX2401-BLK-M")
    xxl.refresh_from_db()
    assert (m.cost, m.list_price, m.category, m.unit) == (Decimal("29.00"), Decimal("99.00"), polos, "条")
    assert (xxl.cost, xxl.list_price, xxl.category, xxl.unit) == (Decimal("31.00"), Decimal("99.00"), polos, "条")
    event = AuditEvent.objects.filter(doc_type="catalog.sku", doc_id=m.pk, action="update").get()
    assert event.payload["changes"]["cost"] == ["28.5", "29"] and event.payload["via"] == "style"


def test_style_code_is_fixed_once_skus_exist(style, actor):
    services.style_update(style=style, code="TX2401A", actor=actor)
    services.style_generate_skus(style=style, colours=[BLACK], sizes=["M"], actor=actor)
    with pytest.raises(ValidationFailed) as exc:
        services.style_update(style=style, code="TX2402", actor=actor)
    assert [(e.field, e.code) for e in exc.value.errors] == [("code", "style_code_locked")]


def test_grid_sku_fields_that_come_from_the_style_are_refused(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK], sizes=["M"], actor=actor)
    sku = Sku.objects.get(code="TX2401-BLK-M")
    with pytest.raises(ValidationFailed) as exc:
        services.sku_update(sku=sku, code="X", size="L", name="新名", actor=actor)
    assert [(e.field, e.code) for e in exc.value.errors] == [("code", "grid_sku_field"), ("size", "grid_sku_field")]
    sku.refresh_from_db()
    assert sku.name == "纯棉圆领T恤"
    assert selectors.sku_locked_fields(sku) == ("code", "kind", "category", "colour", "size", "unit")
    services.sku_update(sku=sku, name="纯棉圆领T恤 黑M", list_price="79", actor=actor)


def test_style_field_errors_name_the_field(actor):
    with pytest.raises(ValidationFailed) as exc:
        services.style_create(code="", name="x", cost="-1", weight="abc", kind="bundle", actor=actor)
    assert {e.field for e in exc.value.errors} == {"code", "cost", "weight", "kind"}


def test_database_refuses_two_skus_in_one_cell(style, actor):
    services.style_generate_skus(style=style, colours=[BLACK], sizes=["M"], actor=actor)
    cell = Sku.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.create(code="X", name="x", style=style, style_colour=cell.style_colour, style_size=cell.style_size)


def test_database_refuses_a_half_linked_sku(style, actor):
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.create(code="X", name="x", style=style)
