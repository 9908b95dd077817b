"""Bins 库位 and default SKU locations 默认库位: unique codes per warehouse, a location's bin always
in its warehouse (services, the database, imports), who may keep them."""

import io

import pytest
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from shopflow.core.errors import PermissionDeniedError, ValidationFailed
from shopflow.core.imports import import_file
from shopflow.core.masterdata import export_rows, get_list, record_create, record_update
from shopflow.core.models import AuditEvent
from shopflow.core.xlsx import write_xlsx
from shopflow.inventory.models import Bin, SkuLocation
from shopflow.inventory.services import bin_create, bin_update, sku_location_set
from tests.factories import SkuFactory, WarehouseFactory
from tests.imports.conftest import csv_bytes


@pytest.fixture
def two_warehouses(db):
    return WarehouseFactory(code="WH-A", name="成品仓"), WarehouseFactory(code="WH-B", name="退货仓")


def codes(result) -> list[tuple]:
    return [(e.row, e.column, e.code) for e in result.errors]


# ---------------------------------------------------------------- bins


def test_a_bin_code_is_unique_in_its_warehouse_only(clerk, two_warehouses):
    a, b = two_warehouses
    bin_create(actor=clerk, warehouse=a, code="A-01", name="A区1排")
    bin_create(actor=clerk, warehouse=b, code="A-01")  # the same code elsewhere is fine
    with pytest.raises(ValidationFailed) as exc:
        bin_create(actor=clerk, warehouse=a, code="A-01")
    assert [(e.field, e.code) for e in exc.value.errors] == [("code", "duplicate_bin")]
    assert Bin.objects.count() == 2
    assert AuditEvent.objects.filter(doc_type="inventory.bin", action="create").count() == 2


def test_the_database_refuses_a_duplicate_bin_too(two_warehouses):
    a, _b = two_warehouses
    Bin.objects.create(warehouse=a, code="A-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        Bin.objects.create(warehouse=a, code="A-01")


@pytest.mark.parametrize("code", ["", "A 01", "A-01-01-01-01-01-01-01-01-01-01-01"])
def test_a_bin_code_must_be_a_code(clerk, two_warehouses, code):
    with pytest.raises(ValidationFailed) as exc:
        bin_create(actor=clerk, warehouse=two_warehouses[0], code=code)
    assert exc.value.errors[0].field == "code"
    assert not Bin.objects.exists()


def test_a_bin_stays_in_its_warehouse(clerk, two_warehouses):
    a, b = two_warehouses
    shelf = bin_create(actor=clerk, warehouse=a, code="A-01")
    with pytest.raises(ValidationFailed) as exc:
        bin_update(bin=shelf, actor=clerk, warehouse=b)
    assert exc.value.errors[0].code == "bin_warehouse_fixed"
    shelf = bin_update(bin=shelf, actor=clerk, name="A区", sort_order=3, active=False)
    shelf.refresh_from_db()
    assert (shelf.warehouse_id, shelf.name, shelf.sort_order, shelf.active) == (a.pk, "A区", 3, False)


@pytest.mark.parametrize("role", ["designer", "sales", "purchasing"])
def test_only_the_warehouse_keeps_bins_and_locations(role, role_user, two_warehouses, sku):
    user = role_user(role)
    with pytest.raises(PermissionDeniedError):
        bin_create(actor=user, warehouse=two_warehouses[0], code="A-01")
    shelf = Bin.objects.create(warehouse=two_warehouses[0], code="A-01")
    with pytest.raises(PermissionDeniedError):
        sku_location_set(actor=user, sku=sku, warehouse=two_warehouses[0], bin=shelf)
    assert not SkuLocation.objects.exists()
    assert user.has_perm("inventory.view_bin") and user.has_perm("inventory.view_skulocation")


# ---------------------------------------------------------------- SKU locations


def test_a_location_is_set_moved_and_removed(clerk, two_warehouses, sku):
    a, _b = two_warehouses
    first, second = (Bin.objects.create(warehouse=a, code=c) for c in ("A-01", "A-02"))
    loc = sku_location_set(actor=clerk, sku=sku, warehouse=a, bin=first)
    assert (loc.sku_id, loc.warehouse_id, loc.bin_id) == (sku.pk, a.pk, first.pk)
    sku_location_set(actor=clerk, sku=sku, warehouse=a, bin=second.pk)
    assert SkuLocation.objects.get().bin == second
    assert sku_location_set(actor=clerk, sku=sku, warehouse=a, bin=None) is None
    assert not SkuLocation.objects.exists()
    actions = list(AuditEvent.objects.filter(doc_type="inventory.skulocation").values_list("action", flat=True))
    assert actions == ["create", "update", "delete"]


def test_a_bin_of_another_warehouse_is_refused(clerk, two_warehouses, sku):
    a, b = two_warehouses
    elsewhere = Bin.objects.create(warehouse=b, code="B-01")
    with pytest.raises(ValidationFailed) as exc:
        sku_location_set(actor=clerk, sku=sku, warehouse=a, bin=elsewhere)
    assert [(e.field, e.code) for e in exc.value.errors] == [("bin", "bin_other_warehouse")]
    assert "B-01" in exc.value.errors[0].message
    assert not SkuLocation.objects.exists()


def test_an_inactive_bin_is_refused(clerk, two_warehouses, sku):
    shelf = Bin.objects.create(warehouse=two_warehouses[0], code="A-09", active=False)
    with pytest.raises(ValidationFailed) as exc:
        sku_location_set(actor=clerk, sku=sku, warehouse=two_warehouses[0], bin=shelf)
    assert exc.value.errors[0].code == "bin_inactive"


@pytest.mark.django_db(transaction=True)
def test_the_database_keeps_a_location_in_its_bins_warehouse(two_warehouses):
    """Even a raw write cannot point a location at another warehouse's bin (PostgreSQL: a
    composite foreign key; SQLite: triggers), nor move a bin that is in use."""
    a, b = two_warehouses
    sku = SkuFactory()
    here, there = Bin.objects.create(warehouse=a, code="A-01"), Bin.objects.create(warehouse=b, code="B-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        SkuLocation.objects.create(sku=sku, warehouse=a, bin=there)
    loc = SkuLocation.objects.create(sku=sku, warehouse=a, bin=here)
    with pytest.raises(IntegrityError), transaction.atomic():
        SkuLocation.objects.filter(pk=loc.pk).update(bin=there)
    with pytest.raises(IntegrityError), transaction.atomic():
        SkuLocation.objects.filter(pk=loc.pk).update(warehouse=b)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bin.objects.filter(pk=here.pk).update(warehouse=b)
    Bin.objects.filter(pk=there.pk).update(warehouse=a, code="B-01-moved")  # not in use: may move
    assert SkuLocation.objects.get().bin_id == here.pk


# ---------------------------------------------------------------- master data: import, export, forms

BIN_HEADERS = ["仓库编码", "库位编码", "库位名称", "排序", "启用"]
LOCATION_HEADERS = ["商家编码", "仓库编码", "库位编码"]


def run_import(actor, key, rows, **kwargs):
    return import_file(get_list(key), csv_bytes(rows), f"{key}.csv", actor=actor, **kwargs)


def test_bins_import_by_warehouse_and_code_and_update_on_reimport(manager, two_warehouses):
    rows = [BIN_HEADERS, ["WH-A", "A-01", "A区1排", "1", "是"], ["WH-A", "A-02", "A区2排", "2", "是"],
            ["WH-B", "A-01", "退货A", "1", "是"]]
    first = run_import(manager, "bins", rows)
    assert first.ok and (first.created, first.updated) == (3, 0)
    rows[2][2] = "A区第2排"
    second = run_import(manager, "bins", rows)
    assert second.ok and (second.created, second.updated, second.unchanged) == (0, 1, 2)
    assert Bin.objects.count() == 3
    assert Bin.objects.get(warehouse__code="WH-A", code="A-02").name == "A区第2排"


def test_bins_import_reports_an_unknown_warehouse_and_duplicates(manager, two_warehouses):
    rows = [BIN_HEADERS, ["WH-X", "A-01", "", "", ""], ["WH-A", "A 01", "", "", ""], ["WH-A", "A-03", "", "", ""],
            ["WH-A", "A-03", "", "", ""]]
    result = run_import(manager, "bins", rows)
    assert codes(result) == [(2, "仓库编码", "unknown_reference"), (3, "库位编码", "invalid_code"),
                             (4, "仓库编码", "duplicate_key"), (5, "仓库编码", "duplicate_key")]
    assert not Bin.objects.exists()  # mode "all": nothing written


def test_locations_import_finds_the_bin_in_the_rows_warehouse(manager, two_warehouses):
    a, b = two_warehouses
    other = Bin.objects.create(warehouse=b, code="A-01")  # the same code in the other warehouse, made first
    here = Bin.objects.create(warehouse=a, code="A-01")
    only_b = Bin.objects.create(warehouse=b, code="B-07")
    shirt, jeans = SkuFactory(code="TS01-BLK-M", barcode="6901234567892"), SkuFactory(code="JN01-BLU-32")
    rows = [LOCATION_HEADERS, ["TS01-BLK-M", "WH-A", "A-01"], ["6901234567892", "WH-B", "A-01"],
            ["JN01-BLU-32", "WH-A", "B-07"], ["NOPE-1", "WH-A", "A-01"], ["JN01-BLU-32", "WH-B", "Z-99"]]
    result = run_import(manager, "sku-locations", rows, mode="good")
    assert codes(result) == [(4, "库位编码", "bin_other_warehouse"), (5, "商家编码", "unknown_reference"),
                             (6, "库位编码", "unknown_reference")]
    assert sorted(SkuLocation.objects.values_list("sku__code", "warehouse__code", "bin_id")) == [
        ("TS01-BLK-M", "WH-A", here.pk), ("TS01-BLK-M", "WH-B", other.pk)]
    assert only_b.locations.count() == 0 and jeans.pk not in SkuLocation.objects.values_list("sku_id", flat=True)
    assert shirt.pk in SkuLocation.objects.values_list("sku_id", flat=True)


def test_locations_reimport_moves_the_bin(manager, two_warehouses):
    a, _b = two_warehouses
    Bin.objects.create(warehouse=a, code="A-01")
    target = Bin.objects.create(warehouse=a, code="A-02")
    SkuFactory(code="TS01-BLK-M")
    run_import(manager, "sku-locations", [LOCATION_HEADERS, ["TS01-BLK-M", "WH-A", "A-01"]])
    result = run_import(manager, "sku-locations", [LOCATION_HEADERS, ["TS01-BLK-M", "WH-A", "A-02"]])
    assert result.ok and (result.created, result.updated) == (0, 1)
    assert SkuLocation.objects.get().bin == target


def test_bins_and_locations_export_and_import_back(manager, two_warehouses):
    a, b = two_warehouses
    for wh in (a, b):
        Bin.objects.create(warehouse=wh, code="A-01", name=f"{wh.code} 第一排")
    sku = SkuFactory(code="TS01-BLK-M")
    for wh in (a, b):
        SkuLocation.objects.create(sku=sku, warehouse=wh, bin=Bin.objects.get(warehouse=wh))
    for key in ("bins", "sku-locations"):
        ml = get_list(key)
        content, written, _t = write_xlsx(title="x", headers=[c.header() for c in ml.columns],
                                          rows=export_rows(ml, ml.model.objects.all(), ml.columns), max_rows=100)
        assert written == 2
        result = import_file(ml, content, "export.xlsx", actor=manager)
        assert result.ok, result.errors
        assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    ml = get_list("sku-locations")
    content, _w, _t = write_xlsx(title="x", headers=[c.header() for c in ml.columns],
                                 rows=export_rows(ml, ml.model.objects.all(), ml.columns), max_rows=100)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert sorted(rows[1:]) == [("TS01-BLK-M", "WH-A", "A-01"), ("TS01-BLK-M", "WH-B", "A-01")]


def test_the_record_form_path_uses_the_services(clerk, two_warehouses, sku):
    a, b = two_warehouses
    ml = get_list("sku-locations")
    Bin.objects.create(warehouse=b, code="A-01")
    mine = Bin.objects.create(warehouse=a, code="A-01")
    foreign = Bin.objects.create(warehouse=b, code="B-01")
    loc = record_create(ml, actor=clerk, values={"sku": sku, "warehouse": a, "bin": Bin.objects.get(
        warehouse=b, code="A-01")})  # the API resolves a code to some bin; the hook finds the one in WH-A
    assert loc.bin == mine
    with pytest.raises(ValidationFailed) as exc:
        record_update(ml, obj=loc, actor=clerk, changes={"bin": foreign})
    assert exc.value.errors[0].code == "bin_other_warehouse"
    with pytest.raises(ValidationFailed) as exc:
        record_update(ml, obj=loc, actor=clerk, changes={"warehouse": b})
    assert exc.value.errors[0].code == "location_key_fixed"
    assert SkuLocation.objects.get().bin == mine
