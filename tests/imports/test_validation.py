"""Bad rows: every problem reported as row / column / value / reason, and in all-or-nothing
mode nothing changes — not the records, not the audit trail."""

from decimal import Decimal

import pytest

from shopflow.catalog import services as catalog
from shopflow.catalog.models import Sku
from shopflow.core.imports import MODE_GOOD
from shopflow.core.models import AuditEvent
from shopflow.inventory.models import Warehouse
from tests.factories import SkuFactory
from tests.imports.conftest import SKU_HEADERS, csv_bytes, errors_of

GOOD = ["TS-001-BLK-M", "纯棉圆领T恤", "黑色", "M", "件", "", "35", "89"]


def snapshot():
    return (list(Sku.objects.order_by("code").values_list("code", "name", "cost", "list_price", "barcode")),
            AuditEvent.objects.count())


@pytest.fixture
def existing(db):
    return SkuFactory(code="OLD-1", name="老款", cost=Decimal("10.00"))


def nothing_changed(importer, rows, **kwargs):
    before = snapshot()
    result = importer(csv_bytes(rows, "gbk"), **kwargs)
    assert not result.ok and not result.written
    assert snapshot() == before
    return result


def test_missing_required_column(importer, existing):
    """Without 名称 the existing SKU could be updated, but the new one cannot be created."""
    rows = [["商家编码", "颜色", "成本价"], ["OLD-1", "黑", "1"], ["NEW-1", "黑", "1"]]
    result = nothing_changed(importer, rows)
    assert errors_of(result) == [(3, "名称", "missing_column")]
    assert "名称" in result.errors[0].message and "Name" in result.errors[0].message


def test_missing_key_column(importer, existing):
    result = nothing_changed(importer, [["名称", "成本价"], ["老款", "1"]])
    assert errors_of(result) == [(1, "商家编码", "missing_column")]


def test_the_same_column_twice(importer):
    result = nothing_changed(importer, [["商家编码", "名称", "Name"], ["A", "x", "y"]])
    assert errors_of(result) == [(1, "Name", "duplicate_column")]


def test_text_in_a_number_column(importer, existing):
    result = nothing_changed(importer, [SKU_HEADERS, GOOD, ["OLD-1", "老款", "", "", "", "", "十元", "89"]])
    assert errors_of(result) == [(3, "成本价", "not_a_number")]
    error = result.errors[0]
    assert error.value == "十元" and "十元" in error.message


@pytest.mark.parametrize(("cost", "code"), [
    ("-5", "negative"), ("1.234", "too_many_places"), ("1e30", "too_large"), ("NaN", "not_a_number"),
])
def test_bad_numbers(importer, cost, code):
    result = nothing_changed(importer, [SKU_HEADERS, [*GOOD[:6], cost, "89"]])
    assert errors_of(result) == [(2, "成本价", code)]


@pytest.mark.parametrize("cost", ["¥1,234.50", "１２３４.５", " 1234.5 "])
def test_numbers_as_people_type_them(importer, cost):
    result = importer(csv_bytes([SKU_HEADERS, [*GOOD[:6], cost, "89"]]))
    assert result.ok, result.errors
    assert Sku.objects.get(code=GOOD[0]).cost == Decimal("1234.50")


def test_duplicate_codes_within_the_file(importer, existing):
    rows = [SKU_HEADERS, GOOD, ["B-1", "x", "", "", "", "", "1", "1"], [*GOOD[:1], "另一个", *GOOD[2:]]]
    result = nothing_changed(importer, rows)
    assert errors_of(result) == [(2, "商家编码", "duplicate_key"), (4, "商家编码", "duplicate_key")]
    assert "4" in result.errors[0].message and "2" in result.errors[1].message


def test_unknown_category(importer):
    catalog.category_create(code="C-TOP", name="上装", actor=None)
    rows = [[*SKU_HEADERS, "分类"], [*GOOD, "不存在的分类"], ["B-1", "x", "", "", "", "", "1", "1", "上装"]]
    result = nothing_changed(importer, rows)
    assert errors_of(result) == [(2, "分类", "unknown_reference")]
    assert "不存在的分类" in result.errors[0].message


def test_unknown_warehouse_kind(importer):
    rows = [["仓库编码", "仓库名称", "仓库类型"], ["WH-A", "成品仓", "成品仓"], ["WH-B", "冷库", "冷冻库"]]
    before = Warehouse.objects.count()
    result = importer(csv_bytes(rows), list_key="warehouses")
    assert errors_of(result) == [(3, "仓库类型", "unknown_choice")]
    assert "Finished goods" in result.errors[0].message  # lists the kinds one may use (English in tests)
    assert Warehouse.objects.count() == before


def test_unknown_boolean(importer):
    result = nothing_changed(importer, [["仓库编码", "仓库名称", "允许负库存"], ["WH-A", "仓", "也许"]],
                             list_key="warehouses")
    assert errors_of(result) == [(2, "允许负库存", "not_a_boolean")]


def test_text_too_long(importer):
    result = nothing_changed(importer, [SKU_HEADERS, [GOOD[0], "长" * 201, *GOOD[2:]]])
    assert errors_of(result) == [(2, "名称", "too_long")]


def test_code_with_spaces(importer):
    result = nothing_changed(importer, [SKU_HEADERS, ["TS 001", *GOOD[1:]]])
    assert errors_of(result) == [(2, "商家编码", "invalid_code")]


def test_empty_key(importer):
    result = nothing_changed(importer, [SKU_HEADERS, ["", *GOOD[1:]]])
    assert errors_of(result) == [(2, "商家编码", "required")]


def test_name_required_for_a_new_record_only(importer, existing):
    rows = [SKU_HEADERS, ["OLD-1", "", "", "", "", "", "12", ""], ["NEW-1", "", "", "", "", "", "12", ""]]
    result = nothing_changed(importer, rows)
    assert errors_of(result) == [(3, "名称", "required")]


def test_invalid_ean13(importer):
    result = nothing_changed(importer, [SKU_HEADERS, [*GOOD[:5], "6901234567891", "1", "1"]])
    assert errors_of(result) == [(2, "条码", "invalid_barcode")]
    assert "2" in result.errors[0].message  # the right check digit


def test_barcode_used_by_another_sku(importer):
    SkuFactory(code="OTHER", barcode="6901234567892")
    result = nothing_changed(importer, [SKU_HEADERS, [*GOOD[:5], "6901234567892", "1", "1"]])
    assert errors_of(result) == [(2, "条码", "duplicate_value")]
    assert "OTHER" in result.errors[0].message


def test_barcode_twice_in_the_file(importer):
    rows = [SKU_HEADERS, [*GOOD[:5], "6901234567892", "1", "1"], ["B-1", "x", "", "", "", "6901234567892", "1", "1"]]
    result = nothing_changed(importer, rows)
    assert errors_of(result) == [(2, "条码", "duplicate_value"), (3, "条码", "duplicate_value")]


def test_excel_scientific_notation_is_caught(importer):
    result = nothing_changed(importer, [SKU_HEADERS, [*GOOD[:5], "6.90123E+12", "1", "1"]])
    assert errors_of(result) == [(2, "条码", "scientific_notation")]


def test_unstorable_text(importer):
    """A NUL far into a text file (near the start the file counts as binary) cannot be stored."""
    filler = [[f"F-{i}", "正常的名称" * 5, "", "", "", "", "1", "1"] for i in range(200)]
    result = nothing_changed(importer, [SKU_HEADERS, *filler, [GOOD[0], "坏\x00字", *GOOD[2:]]])
    assert errors_of(result) == [(202, "名称", "invalid_text")]


def test_every_bad_row_is_reported_not_just_the_first(importer):
    rows = [SKU_HEADERS] + [[f"A-{i}", "x", "", "", "", "", "bad", "bad"] for i in range(30)]
    result = nothing_changed(importer, rows)
    assert result.bad_rows == 30 and result.error_count == 60
    assert {e.row for e in result.errors} == set(range(2, 32))


def test_grid_sku_fields_come_from_the_style(importer, manager):
    style = catalog.style_create(code="TX24", name="圆领T恤", actor=manager)
    catalog.style_generate_skus(style=style, colours=[("BLK", "黑色")], sizes=["M"], actor=manager)
    sku = Sku.objects.get(style=style)
    rows = [SKU_HEADERS, [sku.code, "新名字", "白色", "M", "件", "", "30", "99"]]
    result = nothing_changed(importer, rows)
    assert errors_of(result) == [(2, "颜色", "grid_sku_field")]
    assert "TX24" in result.errors[0].message
    # Name and prices may change on a grid SKU; an unchanged colour is fine.
    assert importer(csv_bytes([SKU_HEADERS, [sku.code, "新名字", "黑色", "M", "件", "", "30", "99"]])).ok
    sku.refresh_from_db()
    assert (sku.name, sku.cost) == ("新名字", Decimal("30.00"))


def test_bundle_with_components_stays_a_bundle(importer, manager):
    part = SkuFactory(code="PART")
    catalog.bundle_create(code="SET-1", name="套装", components=[(part, 1)], actor=manager)
    result = nothing_changed(importer, [["商家编码", "名称", "商品类型"], ["SET-1", "套装", "外购"]])
    assert errors_of(result) == [(2, "商品类型", "bundle_has_components")]


# ---------------------------------------------------------------- modes


def test_good_rows_mode_imports_the_good_and_reports_the_bad(importer, existing):
    rows = [SKU_HEADERS, GOOD, ["B-1", "x", "", "", "", "", "abc", "1"],
            ["OLD-1", "老款改名", "", "", "", "", "11", ""]]
    result = importer(csv_bytes(rows), mode=MODE_GOOD)
    assert result.written and (result.created, result.updated, result.bad_rows) == (1, 1, 1)
    assert errors_of(result) == [(3, "成本价", "not_a_number")]
    assert set(Sku.objects.values_list("code", flat=True)) == {"OLD-1", GOOD[0]}
    assert Sku.objects.get(code="OLD-1").name == "老款改名"


def test_good_rows_mode_with_only_bad_rows_writes_nothing(importer, existing):
    before = snapshot()
    result = importer(csv_bytes([SKU_HEADERS, ["B-1", "x", "", "", "", "", "abc", "1"]]), mode=MODE_GOOD)
    assert not result.written and snapshot() == before


def test_dry_run_checks_and_writes_nothing(importer, existing):
    before = snapshot()
    result = importer(csv_bytes([SKU_HEADERS, GOOD, ["OLD-1", "改名", "", "", "", "", "", ""]]), dry_run=True)
    assert result.ok and not result.written
    assert (result.created, result.updated) == (1, 1)
    assert snapshot() == before


def test_a_conflict_while_writing_rolls_everything_back(importer, monkeypatch):
    """Someone creates the same code between the check and the write: the unique index refuses
    it, the whole batch rolls back, and the import says to run it again."""
    from shopflow.core import imports

    real = imports._Checker.existing

    def existing_then_race(self, rows):
        found = real(self, rows)
        SkuFactory(code="RACE-2")
        return found

    monkeypatch.setattr(imports._Checker, "existing", existing_then_race)
    rows = [SKU_HEADERS, ["RACE-1", "x", "", "", "", "", "1", "1"], ["RACE-2", "y", "", "", "", "", "1", "1"]]
    result = importer(csv_bytes(rows))
    assert not result.written and errors_of(result) == [(0, "", "conflict")]
    assert not Sku.objects.filter(code="RACE-1").exists()
    assert not AuditEvent.objects.filter(doc_type="catalog.sku", action="create", payload__source="import").exists()
