"""BOMs: versions with one default, multi-level explosion with scrap against hand-computed
figures, rounding only at the end, and refusal of BOMs that contain themselves."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from shopflow.catalog import selectors, services
from shopflow.catalog.models import Bom, BomLine, ProductKind
from shopflow.catalog.services import BomLineSpec as Line
from shopflow.core.errors import DomainError, ValidationFailed
from shopflow.core.models import AuditEvent

D = Decimal


@pytest.fixture
def parts(make_sku):
    made = ProductKind.MADE
    return {
        "tee": make_sku("TX2401-BLK-M", kind=made),
        "panel": make_sku("BJ-01", name="印花前片", kind=made),
        "fabric": make_sku("ML-JB180", name="汗布", unit="米"),
        "thread": make_sku("XS-01", name="缝纫线", unit="米"),
        "label": make_sku("BQ-01", name="领标"),
        "ink": make_sku("YM-01", name="水浆油墨", unit="千克"),
    }


@pytest.fixture
def boms(parts, actor):
    """The tee: 1.2 m fabric +5 %, 50 m thread +10 %, a label, 2 printed panels +2.5 %;
    a panel: 0.015 kg ink +20 %, 0.3 m fabric."""
    p = parts
    panel = services.bom_create(product=p["panel"], version="V1", actor=actor, lines=[
        Line(p["ink"], "0.015", "20"), Line(p["fabric"], "0.3")])
    tee = services.bom_create(product=p["tee"], version="V1", actor=actor, lines=[
        Line(p["fabric"], "1.2", "5"), Line(p["thread"], 50, 10), Line(p["label"], 1),
        Line(p["panel"], 2, "2.5")])
    return {"tee": tee, "panel": panel}


def rows(requirements):
    return [(r.path, r.level, r.quantity, r.has_bom) for r in requirements]


def test_multi_level_explosion_against_hand_computed_figures(boms, parts):
    assert rows(selectors.bom_explode(sku=parts["tee"], quantity=100)) == [
        (("TX2401-BLK-M", "ML-JB180"), 1, D("126.0000"), False),  # 100 × 1.2 × 1.05
        (("TX2401-BLK-M", "XS-01"), 1, D("5500.0000"), False),  # 100 × 50 × 1.10
        (("TX2401-BLK-M", "BQ-01"), 1, D("100.0000"), False),
        (("TX2401-BLK-M", "BJ-01"), 1, D("205.0000"), True),  # 100 × 2 × 1.025
        (("TX2401-BLK-M", "BJ-01", "YM-01"), 2, D("3.6900"), False),  # 205 × 0.015 × 1.20
        (("TX2401-BLK-M", "BJ-01", "ML-JB180"), 2, D("61.5000"), False),  # 205 × 0.3
    ]


def test_totals_sum_the_leaves_over_every_path(boms, parts):
    totals = [(s.code, q) for s, q in selectors.bom_totals(sku=parts["tee"], quantity=100)]
    assert totals == [("ML-JB180", D("187.5000")), ("XS-01", D("5500.0000")), ("BQ-01", D("100.0000")),
                      ("YM-01", D("3.6900"))]


def test_one_level_stops_at_the_direct_components(boms, parts):
    assert [(r.sku.code, r.quantity, r.has_bom) for r in selectors.bom_explode(sku=parts["tee"], quantity=10,
                                                                               levels=1)] == [
        ("ML-JB180", D("12.6000"), False), ("XS-01", D("550.0000"), False), ("BQ-01", D("10.0000"), False),
        ("BJ-01", D("20.5000"), True)]
    assert [(s.code, q) for s, q in selectors.bom_totals(sku=parts["tee"], quantity=10, levels=1)][-1] == (
        "BJ-01", D("20.5000"))


def test_rounding_happens_once_at_the_end(make_sku, actor):
    top, middle, leaf = make_sku("P2"), make_sku("A"), make_sku("B")
    services.bom_create(product=top, version="V1", lines=[Line(middle, "0.3333", "1.5")], actor=actor)
    services.bom_create(product=middle, version="V1", lines=[Line(leaf, 250)], actor=actor)
    exploded = selectors.bom_explode(sku=top, quantity=3)
    # A: 3 × 0.3333 × 1.015 = 1.0148985; B: 1.0148985 × 250 = 253.724625. Rounding A first
    # would give 1.0149 × 250 = 253.7250.
    assert [r.quantity for r in exploded] == [D("1.0149"), D("253.7246")]


def test_the_first_version_is_the_default_and_versions_can_be_exploded_by_name(boms, parts, actor):
    assert boms["tee"].is_default is True
    v2 = services.bom_create(product=parts["tee"], version="V2", actor=actor,
                             lines=[Line(parts["fabric"], "1.1", "3")])
    assert v2.is_default is False
    assert [r.quantity for r in selectors.bom_explode(sku=parts["tee"], quantity=10, version="V2")] == [D("11.3300")]
    services.bom_set_default(bom=v2, actor=actor)
    boms["tee"].refresh_from_db()
    assert (boms["tee"].is_default, selectors.bom_default(parts["tee"])) == (False, v2)
    assert len(selectors.bom_explode(sku=parts["tee"], quantity=1)) == 1


def test_asking_for_a_default_on_create_moves_it(boms, parts, actor):
    v2 = services.bom_create(product=parts["tee"], version="V2", is_default=True, actor=actor,
                             lines=[Line(parts["fabric"], 1)])
    assert list(Bom.objects.filter(product=parts["tee"], is_default=True)) == [v2]


def test_missing_or_retired_boms_are_named(boms, parts, actor):
    with pytest.raises(DomainError) as exc:
        selectors.bom_explode(sku=parts["label"], quantity=1)
    assert (exc.value.code, exc.value.message) == ("bom_not_found", "BQ-01 has no default BOM.")
    with pytest.raises(DomainError) as exc:
        selectors.bom_explode(sku=parts["tee"], quantity=1, version="V9")
    assert exc.value.code == "bom_not_found"
    v2 = services.bom_create(product=parts["tee"], version="V2", lines=[Line(parts["fabric"], 1)], actor=actor)
    services.bom_retire(bom=v2, actor=actor)
    with pytest.raises(DomainError) as exc:
        selectors.bom_explode(sku=parts["tee"], quantity=1, version="V2")
    assert exc.value.code == "bom_inactive"


@pytest.mark.parametrize(("quantity", "levels"), [(0, "all"), ("-1", "all"), ("abc", "all"), (1, 0), (1, "2"),
                                                  (1, True)])
def test_bad_quantity_or_levels(boms, parts, quantity, levels):
    with pytest.raises(DomainError) as exc:
        selectors.bom_explode(sku=parts["tee"], quantity=quantity, levels=levels)
    assert exc.value.code == "invalid_quantity"


def test_a_bom_that_would_contain_itself_is_refused_naming_the_path(boms, parts, actor):
    with pytest.raises(DomainError) as exc:
        services.bom_create(product=parts["fabric"], version="V1", actor=actor, lines=[Line(parts["tee"], 1)])
    assert exc.value.code == "bom_cycle"
    assert exc.value.message == "The BOM would contain itself: ML-JB180 → TX2401-BLK-M → ML-JB180."
    assert not Bom.objects.filter(product=parts["fabric"]).exists()


def test_a_cycle_through_a_non_default_version_is_refused_too(boms, parts, actor):
    services.bom_create(product=parts["ink"], version="V1", lines=[Line(parts["label"], 1)], actor=actor)
    services.bom_create(product=parts["ink"], version="V2", lines=[Line(parts["thread"], 1)], actor=actor)
    with pytest.raises(DomainError) as exc:
        services.bom_update(bom=Bom.objects.get(product=parts["ink"], version="V2"), actor=actor,
                            lines=[Line(parts["panel"], 1)])
    assert exc.value.message == "The BOM would contain itself: YM-01 → BJ-01 → YM-01."


def test_restoring_a_version_is_checked_against_todays_boms(boms, parts, actor):
    old = services.bom_create(product=parts["fabric"], version="V1", lines=[Line(parts["thread"], 1)], actor=actor)
    services.bom_update(bom=old, actor=actor, lines=[Line(parts["label"], 1)])
    services.bom_retire(bom=old, actor=actor)
    services.bom_update(bom=old, actor=actor, lines=[Line(parts["tee"], 1)])  # retired: not checked yet
    with pytest.raises(DomainError) as exc:
        services.bom_restore(bom=old, actor=actor)
    assert exc.value.code == "bom_cycle"


def test_explosion_refuses_a_cycle_written_behind_the_services_back(boms, parts):
    BomLine.objects.create(bom=boms["panel"], line_no=9, component=parts["tee"], quantity=1)
    with pytest.raises(DomainError) as exc:
        selectors.bom_explode(sku=parts["tee"], quantity=1)
    assert exc.value.code == "bom_cycle"
    assert exc.value.message == "The BOM contains itself: TX2401-BLK-M → BJ-01 → TX2401-BLK-M."


def test_bad_lines_are_named_and_nothing_is_saved(parts, actor, make_sku):
    p = parts
    bundle = make_sku("TC-01", kind=ProductKind.BUNDLE)
    retired = make_sku("OLD")
    services.sku_retire(sku=retired, actor=actor)
    with pytest.raises(ValidationFailed) as exc:
        services.bom_create(product=p["tee"], version="V1", actor=actor, lines=[
            Line(p["tee"], 1), Line(p["fabric"], 0), Line(p["thread"], 1, "100"), Line(p["label"], 1, "-1"),
            Line(p["label"], 1), Line(bundle, 1), Line(retired, 1), {"component": p["ink"], "qty": 1},
            Line(p["ink"], "1.23456"), Line(None, 1), "x",
        ])
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("lines[0].component", "bom_cycle"), ("lines[1].quantity", "invalid_quantity"),
        ("lines[2].scrap_percent", "scrap_out_of_range"), ("lines[3].scrap_percent", "scrap_out_of_range"),
        ("lines[4].component", "duplicate_line"), ("lines[5].component", "invalid"),
        ("lines[6].component", "inactive"), ("lines[7]", "unknown_field"), ("lines[8].quantity", "invalid_quantity"),
        ("lines[9].component", "required"), ("lines[10]", "invalid"),
    ]
    assert not Bom.objects.exists()


def test_header_errors(boms, parts, actor, make_sku):
    with pytest.raises(ValidationFailed) as exc:
        services.bom_create(product=parts["tee"], version="V1", lines=[], actor=actor)
    assert [(e.field, e.code) for e in exc.value.errors] == [("version", "duplicate_code"), ("lines", "required")]
    with pytest.raises(ValidationFailed) as exc:
        services.bom_create(product=make_sku("TC-02", kind=ProductKind.BUNDLE), version="V1",
                            lines=[Line(parts["label"], 1)], actor=actor)
    assert [e.field for e in exc.value.errors] == ["product"]


def test_the_default_is_retired_last(boms, parts, actor):
    v2 = services.bom_create(product=parts["tee"], version="V2", lines=[Line(parts["fabric"], 1)], actor=actor)
    with pytest.raises(DomainError) as exc:
        services.bom_retire(bom=boms["tee"], actor=actor)
    assert exc.value.code == "bom_default_retire"
    services.bom_retire(bom=v2, actor=actor)
    services.bom_retire(bom=boms["tee"], actor=actor)
    assert selectors.bom_default(parts["tee"]) is None
    services.bom_restore(bom=v2, actor=actor)
    v2.refresh_from_db()
    assert (v2.active, v2.is_default) == (True, True)
    with pytest.raises(DomainError) as exc:
        services.bom_set_default(bom=boms["tee"], actor=actor)
    assert exc.value.code == "bom_inactive"


def test_copy_and_update_a_version(boms, parts, actor):
    v2 = services.bom_copy(bom=boms["tee"], version="V2", actor=actor)
    assert (v2.is_default, v2.lines.count()) == (False, 4)
    services.bom_update(bom=v2, actor=actor, remarks="换供应商", lines=[
        Line(parts["fabric"], "1.15", "4"), Line(parts["thread"], 48, 10)])
    assert [(r.sku.code, r.quantity) for r in selectors.bom_explode(sku=parts["tee"], quantity=1, version="V2")] == [
        ("ML-JB180", D("1.1960")), ("XS-01", D("52.8000"))]
    event = AuditEvent.objects.get(doc_type="catalog.bom", doc_id=v2.pk, action="update")
    assert event.payload["changes"]["remarks"] == ["", "换供应商"]
    assert event.payload["changes"]["lines"][1] == [["ML-JB180", "1.1500", "4.0000"], ["XS-01", "48.0000", "10.0000"]]


def test_where_used(boms, parts):
    assert {b.product.code for b in selectors.bom_where_used(parts["fabric"])} == {"TX2401-BLK-M", "BJ-01"}
    assert list(selectors.bom_list(product=parts["panel"], active=True)) == [boms["panel"]]


def test_database_allows_one_default_per_product(boms, parts):
    with pytest.raises(IntegrityError), transaction.atomic():
        Bom.objects.create(product=parts["tee"], version="V2", is_default=True)


def test_database_refuses_a_retired_default_and_scrap_out_of_range(boms, parts):
    with pytest.raises(IntegrityError), transaction.atomic():
        Bom.objects.filter(pk=boms["tee"].pk).update(active=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        BomLine.objects.filter(bom=boms["tee"]).update(scrap_percent=100)


def test_huge_numbers_are_refused_on_lines_and_rounded_when_exploding(parts, actor):
    with pytest.raises(ValidationFailed) as exc:
        services.bom_create(product=parts["panel"], version="V1", lines=[Line(parts["ink"], "1E+20")], actor=actor)
    assert [(e.field, e.code) for e in exc.value.errors] == [("lines[0].quantity", "invalid_quantity")]
    services.bom_create(product=parts["panel"], version="V1", lines=[Line(parts["ink"], "99999999999.9999", "1.5")],
                        actor=actor)
    [req] = selectors.bom_explode(sku=parts["panel"], quantity="99999999999999.9999")
    # 30 significant digits: more than Decimal's default 28, still rounded exactly
    assert req.quantity == D("10149999999999989839850000.0000")
