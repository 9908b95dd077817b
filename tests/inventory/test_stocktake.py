"""Stock-take 盘点: frozen book, counts, blind counts, variance review, posting, the window."""

import datetime
from decimal import Decimal

import pytest

from shopflow.core import services
from shopflow.core.errors import DomainError, PermissionDeniedError, TransitionNotAllowed, ValidationFailed
from shopflow.core.models import AuditEvent
from shopflow.inventory.models import StockMove, StockTake, StockTakeBook
from shopflow.inventory.selectors import (
    balance_of,
    cost_differences,
    stock_differences,
    stocktake_shows_book,
    stocktake_totals,
    stocktake_variance,
    stocktake_warnings,
    stocktake_window_warning,
)
from shopflow.inventory.services import stocktake_create, stocktake_freeze, stocktake_record_counts
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import STOCKTAKE, make_doc, put

D = Decimal


@pytest.fixture
def shelf(db):
    """A warehouse with three shirts and a pair of trousers on the book."""
    wh = WarehouseFactory(name="成品仓")
    skus = {code: SkuFactory(code=code) for code in ("TS01-BLK-M", "TS01-BLK-L", "TS02-WHT-M", "PT01-BLU-32")}
    for n, (code, qty) in enumerate({"TS01-BLK-M": 10, "TS01-BLK-L": 5, "TS02-WHT-M": 8, "PT01-BLU-32": 3}.items()):
        put(skus[code], wh, qty, cost="20.00", origin_id=n)
    return wh, skus


def lines_of(doc):
    return [(line.sku.code, line.quantity) for line in doc.lines.select_related("sku")]


def test_create_freezes_the_book_and_prefills_the_counts(clerk, shelf):
    wh, skus = shelf
    doc = stocktake_create(warehouse_id=wh.pk, actor=clerk)
    assert doc.state == "draft" and doc.frozen_at is not None
    assert sorted(StockTakeBook.objects.filter(document=doc).values_list("sku__code", "quantity")) == [
        ("PT01-BLU-32", D(3)), ("TS01-BLK-L", D(5)), ("TS01-BLK-M", D(10)), ("TS02-WHT-M", D(8))]
    assert sorted(lines_of(doc)) == [("PT01-BLU-32", D(3)), ("TS01-BLK-L", D(5)), ("TS01-BLK-M", D(10)),
                                     ("TS02-WHT-M", D(8))]
    assert list(AuditEvent.objects.filter(doc_type=STOCKTAKE, doc_id=doc.pk).values_list("action", flat=True)) \
        == ["create"]


def test_a_prefix_limits_the_count(clerk, shelf):
    wh, skus = shelf
    doc = stocktake_create(warehouse_id=wh.pk, sku_prefix="TS01", actor=clerk)
    assert sorted(doc.book.values_list("sku__code", flat=True)) == ["TS01-BLK-L", "TS01-BLK-M"]
    with pytest.raises(ValidationFailed) as exc:
        stocktake_record_counts(doc=doc, counts={skus["PT01-BLU-32"].pk: D(1)}, actor=clerk)
    assert exc.value.errors[0].code == "out_of_scope" and "PT01-BLU-32" in exc.value.errors[0].message


def test_a_blind_count_starts_empty_and_hides_the_book(clerk, manager, shelf):
    wh, skus = shelf
    doc = stocktake_create(warehouse_id=wh.pk, blind=True, prefill=True, actor=clerk)
    assert doc.lines.count() == 0 and doc.book.count() == 4
    assert stocktake_shows_book(doc, clerk) is False
    assert stocktake_shows_book(doc, manager) is True
    rows = stocktake_variance(doc, show_book=False)
    assert {(r.sku_code, r.book, r.difference, r.value, r.book_now) for r in rows} == {
        (code, None, None, None, None) for code in skus}
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(doc, "submit", actor=clerk)
    assert exc.value.reasons == ["No counts have been entered yet."]


def test_counts_variance_and_posting(clerk, manager, shelf):
    wh, skus = shelf
    doc = stocktake_create(warehouse_id=wh.pk, actor=clerk)
    found = SkuFactory(code="TS03-RED-S")  # on the shelf, not on the book
    doc = stocktake_record_counts(doc=doc, actor=clerk, counts={
        skus["TS01-BLK-M"].pk: D(9), skus["TS01-BLK-L"].pk: D(0), found.pk: D(2)})
    assert sorted(lines_of(doc)) == [("PT01-BLU-32", D(3)), ("TS01-BLK-M", D(9)), ("TS02-WHT-M", D(8)),
                                     ("TS03-RED-S", D(2))]
    rows = {r.sku_code: r for r in stocktake_variance(doc)}
    assert {code: (r.book, r.counted, r.difference, r.value) for code, r in rows.items()} == {
        "PT01-BLU-32": (D(3), D(3), D(0), D("0.00")),
        "TS01-BLK-L": (D(5), D(0), D(-5), D("-100.00")),
        "TS01-BLK-M": (D(10), D(9), D(-1), D("-20.00")),
        "TS02-WHT-M": (D(8), D(8), D(0), D("0.00")),
        "TS03-RED-S": (D(0), D(2), D(2), D("70.00")),  # never costed: the catalogue cost, 35.00
    }
    totals = stocktake_totals(list(rows.values()))
    assert (totals["gain_quantity"], totals["gain_value"], totals["loss_quantity"], totals["loss_value"],
            totals["net_value"], totals["not_found"]) == (D(2), D("70.00"), D(6), D("120.00"), D("-50.00"), 1)
    assert stocktake_warnings(doc)[-1] == "1 SKU(s) with 5 on the book were not counted; approval sets them to zero."
    services.document_transition(doc, "submit", actor=clerk)
    doc = services.document_transition(doc, "approve", actor=manager)
    assert doc.number.startswith("ST-")
    assert sorted(StockMove.objects.filter(origin_type=STOCKTAKE, origin_id=doc.pk)
                  .values_list("sku__code", "quantity")) == [("TS01-BLK-L", D(-5)), ("TS01-BLK-M", D(-1)),
                                                            ("TS03-RED-S", D(2))]
    assert {code: balance_of(sku_id=s.pk, warehouse_id=wh.pk) for code, s in {**skus, "TS03-RED-S": found}.items()} \
        == {"TS01-BLK-M": 9, "TS01-BLK-L": 0, "TS02-WHT-M": 8, "PT01-BLU-32": 3, "TS03-RED-S": 2}
    services.document_transition(doc, "unapprove", actor=manager, reason="数错了")
    assert balance_of(sku_id=skus["TS01-BLK-L"].pk, warehouse_id=wh.pk) == 5
    assert balance_of(sku_id=found.pk, warehouse_id=wh.pk) == 0
    assert stock_differences() == [] and cost_differences() == []


def test_moves_after_the_freeze_are_kept(clerk, manager, shelf):
    """The count describes the shelf at the freeze; approval adds counted − frozen book to the
    stock as it is then, so a receipt during counting is not written off."""
    wh, skus = shelf
    shirt = skus["TS01-BLK-M"]
    doc = stocktake_create(warehouse_id=wh.pk, actor=clerk)
    doc = stocktake_record_counts(doc=doc, counts={shirt.pk: D(7)}, actor=clerk)  # 3 missing
    put(shirt, wh, 20, cost="20.00", origin_id=99)  # arrives while the sheet waits for approval
    row = next(r for r in stocktake_variance(doc) if r.sku_code == shirt.code)
    assert (row.book, row.counted, row.difference, row.book_now, row.moved_since_freeze) == (
        D(10), D(7), D(-3), D(30), D(20))
    assert any("TS01-BLK-M" in w and "moved after the book was frozen" in w for w in stocktake_warnings(doc))
    services.document_transition(doc, "submit", actor=clerk)
    services.document_transition(doc, "approve", actor=manager)
    assert balance_of(sku_id=shirt.pk, warehouse_id=wh.pk) == 27


def test_a_loss_that_the_stock_no_longer_covers_is_refused(clerk, manager, shelf):
    wh, skus = shelf
    shirt = skus["TS01-BLK-L"]
    doc = stocktake_create(warehouse_id=wh.pk, actor=clerk)
    doc = stocktake_record_counts(doc=doc, counts={shirt.pk: D(0)}, actor=clerk)  # −5
    put(shirt, wh, -4, origin_id=98)  # shipped meanwhile: 1 left
    doc = services.document_transition(doc, "submit", actor=clerk)
    with pytest.raises(DomainError) as exc:
        services.document_transition(doc, "approve", actor=manager)
    assert exc.value.code == "negative_stock"
    assert StockMove.objects.filter(origin_type=STOCKTAKE).count() == 0


def test_a_sheet_made_on_the_generic_page_is_frozen_when_submitted(clerk, manager, shelf):
    wh, skus = shelf
    doc = make_doc(STOCKTAKE, clerk, {"warehouse": wh.pk, "sku_prefix": "TS02"},
                   [{"sku": skus["TS02-WHT-M"].pk, "quantity": "6"}])
    assert doc.frozen_at is None and doc.book.count() == 0
    assert "not frozen yet" in stocktake_warnings(doc)[-1]
    doc = services.document_transition(doc, "submit", actor=clerk)
    assert doc.frozen_at is not None
    assert list(doc.book.values_list("sku__code", "quantity")) == [("TS02-WHT-M", D(8))]
    services.document_transition(doc, "approve", actor=manager)
    assert balance_of(sku_id=skus["TS02-WHT-M"].pk, warehouse_id=wh.pk) == 6


def test_the_scope_of_a_frozen_count_cannot_change(clerk, shelf):
    wh, skus = shelf
    doc = stocktake_create(warehouse_id=wh.pk, sku_prefix="TS", actor=clerk)
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=doc, actor=clerk, header={"warehouse": WarehouseFactory().pk,
                                                                     "sku_prefix": "PT", "blind": True},
                                       lines=[{"id": line.pk} for line in doc.lines.all()])
    assert [(e.field, e.code) for e in exc.value.errors] == [("header.warehouse", "scope_frozen"),
                                                             ("header.sku_prefix", "scope_frozen"),
                                                             ("header.blind", "scope_frozen")]


def test_freezing_again_takes_the_book_anew(clerk, shelf):
    wh, skus = shelf
    doc = stocktake_create(warehouse_id=wh.pk, actor=clerk, blind=True)
    put(skus["PT01-BLU-32"], wh, 1, origin_id=97)
    doc = stocktake_freeze(doc=doc, actor=clerk, expected_version=doc.version)
    assert doc.book.get(sku=skus["PT01-BLU-32"]).quantity == 4
    assert AuditEvent.objects.filter(doc_type=STOCKTAKE, doc_id=doc.pk, action="freeze").count() == 1


def test_only_creators_may_start_a_count(role_user, shelf):
    wh, _skus = shelf
    with pytest.raises(PermissionDeniedError):
        stocktake_create(warehouse_id=wh.pk, actor=role_user("purchasing"))
    assert StockTake.objects.count() == 0


def test_an_inactive_warehouse_cannot_be_counted(clerk, shelf):
    wh, _skus = shelf
    wh.active = False
    wh.save()
    with pytest.raises(ValidationFailed) as exc:
        stocktake_create(warehouse_id=wh.pk, actor=clerk)
    assert exc.value.errors[0].field == "header.warehouse"


@pytest.mark.parametrize(("day", "warns"), [
    ("2026-01-27", True), ("2026-01-28", False), ("2026-01-31", False), ("2026-02-01", True),
    ("2026-02-28", False), ("2026-04-30", False), ("2026-04-15", True),
])
def test_the_monthly_count_window_warns_but_never_refuses(day, warns):
    assert (stocktake_window_warning(datetime.date.fromisoformat(day)) is not None) is warns


def test_the_window_is_a_setting(settings):
    settings.SHOPFLOW = {"STOCKTAKE_WINDOW_DAYS": (1, 3)}
    assert stocktake_window_warning(datetime.date(2026, 5, 2)) is None
    assert stocktake_window_warning(datetime.date(2026, 5, 28)) == (
        "Stock-takes are counted from day 1 to day 3 of the month; 2026-05-28 is outside that window.")


def test_a_count_outside_the_window_is_still_approved(clerk, manager, shelf):
    wh, skus = shelf
    doc = stocktake_create(warehouse_id=wh.pk, actor=clerk, doc_date=datetime.date(2026, 3, 10))
    assert stocktake_warnings(doc)[0].startswith("Stock-takes are counted from day 28 to day 31")
    services.document_transition(doc, "submit", actor=clerk)
    assert services.document_transition(doc, "approve", actor=manager).state == "approved"
