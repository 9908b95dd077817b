"""Stock-take scope by category (with sub-categories) and by bin; count sheets in walking order
(bin, then SKU code); counts recorded per SKU with errors that name the SKU."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import translation

from shopflow.catalog import services as catalog
from shopflow.core import services
from shopflow.core.errors import DomainError, ValidationFailed
from shopflow.inventory.models import Bin, SkuLocation, StockTake
from shopflow.inventory.pdf import stocktake_sheet_pdf
from shopflow.inventory.selectors import balance_of, stocktake_outside, stocktake_scope_label, stocktake_sheet
from shopflow.inventory.services import stocktake_create, stocktake_record_counts
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import put

D = Decimal


@pytest.fixture
def store(db, manager):
    """A warehouse with bins B-02 (walked first), A-01 and C-03, and five SKUs:

        code        category          bin    on hand
        TS01-BLK-M  服装/上装/T恤     A-01   10
        TS01-BLK-L  服装/上装/T恤     B-02    5
        HD01-GRY-M  服装/上装/卫衣    B-02    4
        PT01-BLU-32 服装/下装         C-03    3
        BOX-01      包材              —       50
    """
    wh = WarehouseFactory(code="WH-A", name="成品仓")
    other = WarehouseFactory(code="WH-B", name="退货仓")
    clothes = catalog.category_create(code="C1", name="服装", actor=manager)
    tops = catalog.category_create(code="C11", name="上装", parent=clothes, actor=manager)
    tees = catalog.category_create(code="C111", name="T恤", parent=tops, actor=manager)
    hoodies = catalog.category_create(code="C112", name="卫衣", parent=tops, actor=manager)
    bottoms = catalog.category_create(code="C12", name="下装", parent=clothes, actor=manager)
    packing = catalog.category_create(code="C2", name="包材", actor=manager)
    bins = {code: Bin.objects.create(warehouse=wh, code=code, sort_order=order)
            for code, order in (("B-02", 1), ("A-01", 2), ("C-03", 3))}
    other_bin = Bin.objects.create(warehouse=other, code="A-01")
    layout = [("TS01-BLK-M", tees, "A-01", 10), ("TS01-BLK-L", tees, "B-02", 5), ("HD01-GRY-M", hoodies, "B-02", 4),
              ("PT01-BLU-32", bottoms, "C-03", 3), ("BOX-01", packing, None, 50)]
    skus = {}
    for n, (code, category, bin_code, qty) in enumerate(layout):
        skus[code] = SkuFactory(code=code, category=category, barcode=f"20000000000{n}")
        put(skus[code], wh, qty, cost="10.00", origin_id=n)
        if bin_code:
            SkuLocation.objects.create(sku=skus[code], warehouse=wh, bin=bins[bin_code])
    return {"wh": wh, "other": other, "bins": bins, "other_bin": other_bin, "skus": skus,
            "cats": {"clothes": clothes, "tops": tops, "tees": tees, "bottoms": bottoms, "packing": packing}}


def book_codes(doc) -> list[str]:
    return sorted(doc.book.values_list("sku__code", flat=True))


def test_a_category_includes_its_sub_categories(clerk, store):
    doc = stocktake_create(warehouse_id=store["wh"].pk, category_id=store["cats"]["tops"].pk, actor=clerk)
    assert book_codes(doc) == ["HD01-GRY-M", "TS01-BLK-L", "TS01-BLK-M"]
    doc = stocktake_create(warehouse_id=store["wh"].pk, category_id=store["cats"]["clothes"].pk, actor=clerk)
    assert book_codes(doc) == ["HD01-GRY-M", "PT01-BLU-32", "TS01-BLK-L", "TS01-BLK-M"]


def test_bins_limit_the_count_to_the_skus_located_there(clerk, store):
    bins = store["bins"]
    doc = stocktake_create(warehouse_id=store["wh"].pk, bin_ids=[bins["B-02"].pk, bins["C-03"].pk], actor=clerk)
    assert book_codes(doc) == ["HD01-GRY-M", "PT01-BLU-32", "TS01-BLK-L"]
    assert sorted(doc.bins.values_list("code", flat=True)) == ["B-02", "C-03"]
    assert stocktake_scope_label(doc) == "bins B-02, C-03"


def test_every_criterion_applies(clerk, store):
    doc = stocktake_create(warehouse_id=store["wh"].pk, category_id=store["cats"]["tops"].pk,
                           bin_ids=[store["bins"]["B-02"].pk], sku_prefix="TS", actor=clerk)
    assert book_codes(doc) == ["TS01-BLK-L"]
    assert stocktake_scope_label(doc) == "SKU code prefix TS; category 服装/上装 (with sub-categories); bins B-02"


def test_a_bin_of_another_warehouse_or_an_unknown_category_is_refused(clerk, store):
    with pytest.raises(ValidationFailed) as exc:
        stocktake_create(warehouse_id=store["wh"].pk, bin_ids=[store["other_bin"].pk], actor=clerk)
    assert [(e.field, e.code) for e in exc.value.errors] == [("header.bins", "bin_other_warehouse")]
    with pytest.raises(ValidationFailed) as exc:
        stocktake_create(warehouse_id=store["wh"].pk, category_id=987654, actor=clerk)
    assert exc.value.errors[0].field == "header.category"
    assert not StockTake.objects.exists()


def test_the_sheet_walks_the_bins_in_their_order_then_the_codes(clerk, store):
    doc = stocktake_create(warehouse_id=store["wh"].pk, actor=clerk)
    rows = stocktake_sheet(doc)
    assert [(r.bin_code, r.sku_code) for r in rows] == [
        ("B-02", "HD01-GRY-M"), ("B-02", "TS01-BLK-L"), ("A-01", "TS01-BLK-M"), ("C-03", "PT01-BLU-32"),
        ("", "BOX-01")]
    assert [r.book for r in rows] == [D(4), D(5), D(10), D(3), D(50)]
    assert [r.book for r in stocktake_sheet(doc, show_book=False)] == [None] * 5


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext")
def test_the_count_sheet_pdf_shows_the_bins_in_walking_order(clerk, store):
    doc = stocktake_create(warehouse_id=store["wh"].pk, actor=clerk)
    with translation.override("en"):
        pdf = stocktake_sheet_pdf(doc)
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    assert "Bin" in text and "bins" not in text  # the whole warehouse: "All SKUs"
    order = [text.index(code) for code in ("HD01-GRY-M", "TS01-BLK-L", "TS01-BLK-M", "PT01-BLU-32", "BOX-01")]
    assert order == sorted(order)
    line = next(x for x in text.splitlines() if "TS01-BLK-M" in x)
    assert "A-01" in line and "10" in line


def test_counts_of_skus_outside_the_scope_are_refused_per_sku(clerk, store):
    skus = store["skus"]
    doc = stocktake_create(warehouse_id=store["wh"].pk, bin_ids=[store["bins"]["B-02"].pk], actor=clerk)
    with pytest.raises(ValidationFailed) as exc:
        stocktake_record_counts(doc=doc, actor=clerk, counts={skus["TS01-BLK-L"].pk: D(5),
                                                              skus["PT01-BLU-32"].pk: D(3)})
    assert [(e.field, e.code) for e in exc.value.errors] == [(f"counts.{skus['PT01-BLU-32'].pk}", "out_of_scope")]
    assert "PT01-BLU-32" in exc.value.errors[0].message and "B-02" in exc.value.errors[0].message
    assert sorted(doc.lines.values_list("sku__code", "quantity")) == [("HD01-GRY-M", D(4)), ("TS01-BLK-L", D(5))]


def test_an_sku_on_the_book_stays_in_the_count_when_its_bin_changes(clerk, store):
    skus, bins = store["skus"], store["bins"]
    doc = stocktake_create(warehouse_id=store["wh"].pk, bin_ids=[bins["B-02"].pk], actor=clerk)
    SkuLocation.objects.filter(sku=skus["TS01-BLK-L"]).update(bin=bins["A-01"])
    assert stocktake_outside(doc, {skus["TS01-BLK-L"].pk, skus["TS01-BLK-M"].pk}) == [skus["TS01-BLK-M"].pk]
    doc = stocktake_record_counts(doc=doc, actor=clerk, counts={skus["TS01-BLK-L"].pk: D(6)})
    assert doc.lines.get(sku=skus["TS01-BLK-L"]).quantity == D(6)


@pytest.mark.parametrize(("raw", "ok"), [("7", True), ("0", True), ("", True), ("-1", False), ("abc", False),
                                         ("NaN", False), ("1.23456", False)])
def test_a_counted_quantity_is_checked_per_sku(clerk, store, raw, ok):
    shirt = store["skus"]["TS01-BLK-M"]
    doc = stocktake_create(warehouse_id=store["wh"].pk, actor=clerk, blind=True)
    if ok:
        doc = stocktake_record_counts(doc=doc, actor=clerk, counts={shirt.pk: raw, store["skus"]["BOX-01"].pk: "1"})
        assert doc.lines.filter(sku=shirt).count() == (1 if raw not in ("", "0") else 0)
    else:
        with pytest.raises(ValidationFailed) as exc:
            stocktake_record_counts(doc=doc, actor=clerk, counts={shirt.pk: raw})
        assert [e.field.split(".")[:2] for e in exc.value.errors] == [["counts", str(shirt.pk)]]
        assert doc.lines.count() == 0


def test_an_unknown_sku_is_named(clerk, store):
    doc = stocktake_create(warehouse_id=store["wh"].pk, actor=clerk)
    with pytest.raises(ValidationFailed) as exc:
        stocktake_record_counts(doc=doc, actor=clerk, counts={999999: D(1)})
    assert [(e.field, e.code) for e in exc.value.errors] == [("counts.999999", "unknown_sku")]


def test_a_stale_version_is_refused(clerk, store):
    shirt = store["skus"]["TS01-BLK-M"]
    doc = stocktake_create(warehouse_id=store["wh"].pk, actor=clerk)
    loaded = doc.version
    stocktake_record_counts(doc=doc, actor=clerk, counts={shirt.pk: D(9)}, expected_version=loaded)
    with pytest.raises(DomainError) as exc:
        stocktake_record_counts(doc=doc, actor=clerk, counts={shirt.pk: D(1)}, expected_version=loaded)
    assert exc.value.code == "stale_version"
    assert doc.lines.get(sku=shirt).quantity == D(9)


def test_the_category_of_a_frozen_count_cannot_change(clerk, store):
    doc = stocktake_create(warehouse_id=store["wh"].pk, category_id=store["cats"]["tops"].pk, actor=clerk)
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=doc, actor=clerk, header={"category": store["cats"]["bottoms"].pk},
                                       lines=[{"id": line.pk, "quantity": line.quantity} for line in doc.lines.all()])
    assert [(e.field, e.code) for e in exc.value.errors] == [("header.category", "scope_frozen")]


def test_a_count_by_bin_posts_only_its_skus(clerk, manager, store):
    skus = store["skus"]
    doc = stocktake_create(warehouse_id=store["wh"].pk, bin_ids=[store["bins"]["B-02"].pk], actor=clerk)
    doc = stocktake_record_counts(doc=doc, actor=clerk, counts={skus["TS01-BLK-L"].pk: D(4)})
    services.document_transition(doc, "submit", actor=clerk)
    services.document_transition(doc, "approve", actor=manager)
    wh = store["wh"]
    assert {code: balance_of(sku_id=s.pk, warehouse_id=wh.pk) for code, s in skus.items()} == {
        "TS01-BLK-M": D(10), "TS01-BLK-L": D(4), "HD01-GRY-M": D(4), "PT01-BLU-32": D(3), "BOX-01": D(50)}
