"""Re-import updates instead of duplicating; unchanged rows write nothing; only the columns
in the file change; references by code or path; an export imports back unchanged."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from shopflow.catalog import services as catalog
from shopflow.catalog.models import Sku
from shopflow.core.masterdata import export_rows, get_list, master_lists
from shopflow.core.models import AuditEvent
from shopflow.core.xlsx import write_csv, write_xlsx
from shopflow.inventory.models import Warehouse
from shopflow.partners.models import Courier, Supplier
from tests.factories import SkuFactory
from tests.imports.conftest import SKU_HEADERS, csv_bytes

ROWS = [SKU_HEADERS, ["A-1", "T恤", "黑色", "M", "件", "", "35", "89"],
        ["A-2", "卫衣", "灰色", "L", "件", "", "62", "199"]]


def imports_of(code):
    return AuditEvent.objects.filter(doc_type="catalog.sku", payload__source="import",
                                     doc_id=Sku.objects.get(code=code).pk)


def test_reimport_updates_instead_of_duplicating(importer, manager):
    first = importer(csv_bytes(ROWS))
    assert (first.created, first.updated) == (2, 0)
    changed = [SKU_HEADERS, ["A-1", "T恤", "黑色", "M", "件", "", "36.5", "89"], ROWS[2]]
    second = importer(csv_bytes(changed))
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    assert Sku.objects.count() == 2
    assert Sku.objects.get(code="A-1").cost == Decimal("36.50")
    events = list(imports_of("A-1").order_by("id"))
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].payload["changes"] == {"cost": ["35", "36.5"]}
    assert events[1].actor == manager


def test_the_same_file_twice_changes_nothing_the_second_time(importer):
    importer(csv_bytes(ROWS))
    events = AuditEvent.objects.count()
    result = importer(csv_bytes(ROWS))
    assert (result.created, result.updated, result.unchanged, result.written) == (0, 0, 2, False)
    assert AuditEvent.objects.count() == events


def test_only_the_columns_in_the_file_change(importer):
    importer(csv_bytes(ROWS))
    result = importer(csv_bytes([["商家编码", "吊牌价"], ["A-1", "99"]]))
    assert result.updated == 1
    sku = Sku.objects.get(code="A-1")
    assert (sku.name, sku.cost, sku.list_price) == ("T恤", Decimal("35.00"), Decimal("99.00"))


def test_an_empty_cell_leaves_the_field_as_it_is(importer):
    importer(csv_bytes(ROWS))
    result = importer(csv_bytes([SKU_HEADERS, ["A-1", "T恤", "", "", "", "", "", "79"]]))
    assert result.updated == 1
    sku = Sku.objects.get(code="A-1")
    assert (sku.colour, sku.size, sku.cost, sku.list_price) == ("黑色", "M", Decimal("35.00"), Decimal("79.00"))


def test_new_records_take_the_model_defaults(importer):
    importer(csv_bytes([["商家编码", "名称"], ["B-1", "布料"]]))
    sku = Sku.objects.get(code="B-1")
    assert (sku.unit, sku.kind, sku.cost, sku.active) == ("件", "bought", 0, True)


def test_category_by_code_or_path(importer, manager):
    top = catalog.category_create(code="C1", name="服装", actor=manager)
    tee = catalog.category_create(code="C11", name="T恤", parent=top, actor=manager)
    rows = [["商家编码", "名称", "分类"], ["A-1", "x", "C11"], ["A-2", "y", "服装 / T恤"], ["A-3", "z", "服装"]]
    assert importer(csv_bytes(rows)).ok
    assert dict(Sku.objects.values_list("code", "category_id")) == {"A-1": tee.pk, "A-2": tee.pk, "A-3": top.pk}


def test_choices_by_chinese_or_english_label_or_value(importer):
    rows = [["仓库编码", "仓库名称", "仓库类型", "允许负库存"], ["W1", "原料仓", "原材料仓", "是"],
            ["W2", "Samples", "samples", "no"], ["W3", "次品仓", "Returns / defective", "1"]]
    result = importer(csv_bytes(rows), list_key="warehouses")
    assert result.ok, result.errors
    assert dict(Warehouse.objects.filter(code__in=["W1", "W2", "W3"]).values_list("code", "kind")) == {
        "W1": "raw", "W2": "samples", "W3": "defective"}
    assert Warehouse.objects.get(code="W1").allow_negative is True


def test_suppliers_and_couriers(importer):
    rows = [["供应商编码", "供应商名称", "联系人", "电话", "启用"], ["S1", "杭州织造厂", "王经理", "13800138000", "否"]]
    assert importer(csv_bytes(rows, "gbk"), list_key="suppliers").ok
    assert Supplier.objects.get(code="S1").active is False
    rows = [["快递编码", "快递公司", "单号规则", "排序"], ["SFX", "顺丰特快", r"SF\d{12}", "3"]]
    assert importer(csv_bytes(rows), list_key="couriers").ok
    assert Courier.objects.get(code="SFX").sort_order == 3


def test_courier_pattern_is_validated(importer):
    rows = [["快递编码", "快递公司", "单号规则"], ["BAD", "坏规则", "SF(\\d"]]
    result = importer(csv_bytes(rows), list_key="couriers")
    assert [(e.row, e.column) for e in result.errors] == [(2, "单号规则")]
    assert not Courier.objects.filter(code="BAD").exists()


# ---------------------------------------------------------------- exports


@pytest.fixture
def catalogue(manager):
    """A category tree, a style with SKUs, a BOM and a bundle, so the catalogue's lists have records
    to export."""
    top = catalog.category_create(code="C1", name="服装", actor=manager)
    tee = catalog.category_create(code="C11", name="T恤", parent=top, actor=manager)
    style = catalog.style_create(code="TX24", name="T恤", category=tee, actor=manager)
    catalog.style_generate_skus(style=style, colours=[("BLK", "黑色")], sizes=["M"], actor=manager)
    fabric = catalog.sku_create(code="ML-01", name="汗布", unit="米", actor=manager)
    catalog.bom_create(product=Sku.objects.get(code="TX24-BLK-M"), version="V1", actor=manager,
                       lines=[catalog.BomLineSpec(fabric, "1.2", "5")])
    catalog.bundle_create(code="TZ-01", name="套装", components=[(fabric, 2)], actor=manager)


@pytest.fixture
def partner_records(manager):
    """A customer and a subcontractor (with categories), so the partners' lists have records to export."""
    from shopflow.partners import services as partners

    partners.customer_create(code="KH1", name="杭州客户", mobile="13800138000", address="浙江省杭州市西湖区文三路90号",
                             actor=manager)
    partners.subcontractor_create(code="WX1", name="外协厂", processing_categories="CUT;SEW", actor=manager)


@pytest.fixture
def inventory_records(warehouse):
    """A bin and an SKU located in it, so the inventory's lists have records to export."""
    from shopflow.inventory.models import Bin, SkuLocation

    shelf = Bin.objects.create(warehouse=warehouse, code="A-01", name="A区1排")
    SkuLocation.objects.create(sku=SkuFactory(code="LOC-1"), warehouse=warehouse, bin=shelf)


@pytest.fixture
def shop_records(warehouse):
    """A shop shipping from the warehouse, and a gift and a courier rule, so the channel and review
    lists have records to export."""
    from shopflow.channels.models import Shop
    from shopflow.partners.couriers import courier_seed_defaults
    from shopflow.partners.models import Courier
    from shopflow.sales.models import CourierRule, GiftRule

    courier_seed_defaults()
    shop = Shop.objects.create(code="TB01", name="悦衣旗舰店", warehouse=warehouse)
    GiftRule.objects.create(name="满199送袜子", shop=shop, min_paid_amount="199.00", sku=SkuFactory(code="GIFT-1"))
    CourierRule.objects.create(name="偏远走EMS", sort_order=10, kind="province", values="新疆、西藏",
                               courier=Courier.objects.get(code="EMS"))


@pytest.mark.parametrize("key", [ml.key for ml in master_lists()])
def test_export_imports_back_unchanged(importer, key, manager, supplier, warehouse, catalogue, partner_records,
                                       inventory_records, shop_records):
    """Every list: what an export writes, an import reads back as the same records."""
    importer(csv_bytes(ROWS))
    ml = get_list(key)
    columns = ml.columns
    headers = [c.header() for c in columns]
    content, _written, _truncated = write_xlsx(title="x", headers=headers, rows=export_rows(ml, ml.all_records(),
                                                                                             columns), max_rows=10**6)
    result = importer(content, "export.xlsx", list_key=key)
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 0) and result.unchanged == ml.all_records().count()


def test_export_of_references_uses_their_text(manager):
    top = catalog.category_create(code="C1", name="服装", actor=manager)
    tee = catalog.category_create(code="C11", name="T恤", parent=top, actor=manager)
    SkuFactory(code="A-1", category=tee)
    ml = get_list("skus")
    row = next(export_rows(ml, Sku.objects.all(), ml.columns))
    assert row[[c.name for c in ml.columns].index("category")] == "服装/T恤"


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"])
def test_exports_neutralise_formulas(db, name):
    SkuFactory(code="EVIL-1", name=name)
    ml = get_list("skus")
    headers = [c.header() for c in ml.columns]
    xlsx, _n, _t = write_xlsx(title="x", headers=headers, rows=export_rows(ml, Sku.objects.all(), ml.columns),
                              max_rows=10)
    cells = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))[1]
    assert cells[1] == "'" + name
    content, _n, _t = write_csv(headers=headers, rows=export_rows(ml, Sku.objects.all(), ml.columns), max_rows=10)
    assert content.startswith(b"\xef\xbb\xbf")
    assert ("'" + name) in content.decode("utf-8-sig")
