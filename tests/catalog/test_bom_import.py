"""Import and export of BOMs and bundles as grouped master-data lists: `bom-lines` (one row per
BOM line, grouped by product + version) and `bundle-components` (one row per component, grouped
by bundle). Rows go through the catalogue's services, so cycles and retired components are
refused on the row and column that caused them; a file imported twice changes nothing."""

import io
import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from shopflow.catalog import selectors, services
from shopflow.catalog.models import Bom, BomLine, BundleLine, ProductKind, Sku
from shopflow.catalog.services import BomLineSpec as Line
from shopflow.core.imports import import_file
from shopflow.core.masterdata import export_rows, get_list, user_may_list
from shopflow.core.models import AuditEvent, ImportJob
from shopflow.core.tokens import api_token_create
from shopflow.core.xlsx import write_xlsx
from tests.imports.conftest import csv_bytes, errors_of, xlsx_bytes

D = Decimal
HEADERS = ["产品商家编码", "BOM版本", "子件商家编码", "用量", "损耗率(%)", "备注"]
# The tee (two levels: its printed panel has a BOM of its own) and the panel.
ROWS = [
    HEADERS,
    ["TX2401-BLK-M", "V1", "ML-JB180", "1.2", "5", "大身"],
    ["TX2401-BLK-M", "V1", "XS-01", "50", "10%", ""],
    ["BJ-01", "V1", "YM-01", "0.015", "20", ""],
    ["TX2401-BLK-M", "V1", "BJ-01", "2", "2.5", "印花前片"],
    ["BJ-01", "V1", "ML-JB180", "0.3", "", ""],
]
BUNDLE_HEADERS = ["套餐商家编码", "套餐名称", "子件商家编码", "数量"]


@pytest.fixture
def client_of():
    """client_of(user) → a test client signed in as that user (Chinese, the default)."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def parts(make_sku):
    made = ProductKind.MADE
    return {
        "tee": make_sku("TX2401-BLK-M", kind=made),
        "panel": make_sku("BJ-01", name="印花前片", kind=made),
        "fabric": make_sku("ML-JB180", name="汗布", unit="米"),
        "thread": make_sku("XS-01", name="缝纫线", unit="米"),
        "ink": make_sku("YM-01", name="水浆油墨", unit="千克"),
        "label": make_sku("BQ-01", name="领标"),
    }


@pytest.fixture
def run(actor):
    """run(rows, encoding="gbk", list_key="bom-lines", **kwargs) → ImportResult of a CSV file."""

    def go(rows, encoding="gbk", list_key="bom-lines", **kwargs):
        kwargs.setdefault("actor", actor)
        return import_file(get_list(list_key), csv_bytes(rows, encoding), "bom.csv", **kwargs)

    return go


def lines_of(code: str, version: str = "V1") -> list[tuple]:
    bom = Bom.objects.get(product__code=code, version=version)
    return [(line.component.code, line.quantity, line.scrap_percent, line.remarks)
            for line in bom.lines.select_related("component").order_by("line_no")]


def bom_events(code: str, version: str = "V1"):
    bom = Bom.objects.get(product__code=code, version=version)
    return AuditEvent.objects.filter(doc_type="catalog.bom", doc_id=bom.pk).order_by("id")


def snapshot():
    """Everything an import could touch: BOMs, their lines (with ids) and the audit trail."""
    return (list(Bom.objects.values_list("pk", "product_id", "version", "is_default", "active").order_by("pk")),
            list(BomLine.objects.values_list("pk", "bom_id", "component_id", "quantity", "scrap_percent")
                 .order_by("pk")),
            AuditEvent.objects.count())


# ---------------------------------------------------------------- BOMs: create, re-import, update


def test_gbk_csv_with_chinese_headers_creates_two_boms(parts, run, actor):
    result = run(ROWS)
    assert result.ok, result.errors
    assert (result.encoding, result.rows, result.created, result.updated, result.written) == ("gb18030", 5, 5, 0, True)
    assert lines_of("TX2401-BLK-M") == [("ML-JB180", D("1.2"), D("5"), "大身"), ("XS-01", D("50"), D("10"), ""),
                                        ("BJ-01", D("2"), D("2.5"), "印花前片")]
    assert lines_of("BJ-01") == [("YM-01", D("0.015"), D("20"), ""), ("ML-JB180", D("0.3"), D("0"), "")]
    assert Bom.objects.get(product=parts["tee"]).is_default  # a product's first version is its default
    # two levels: the tee's panel explodes into ink and fabric
    totals = {s.code: q for s, q in selectors.bom_totals(sku=parts["tee"], quantity=100)}
    assert totals["YM-01"] == D("3.6900")  # 100 × 2 × 1.025 × 0.015 × 1.20
    assert totals["ML-JB180"] == D("187.5000")  # 126 + 205 × 0.3
    created = bom_events("TX2401-BLK-M").get()
    assert (created.action, created.actor) == ("create", actor)


def test_the_same_file_again_changes_nothing(parts, run):
    run(ROWS)
    before = snapshot()
    result = run(ROWS)
    assert result.ok
    assert (result.created, result.updated, result.unchanged, result.written) == (0, 0, 5, False)
    assert snapshot() == before  # not even the lines were rewritten


def test_a_changed_quantity_updates_that_bom_only_and_is_audited(parts, run, actor):
    run(ROWS)
    panel_before = snapshot()[1]
    rows = [list(r) for r in ROWS]
    rows[1][3] = "1.25"
    result = run(rows, encoding="utf-8-sig")
    assert result.ok
    assert (result.created, result.updated, result.unchanged, result.written) == (0, 3, 2, True)
    assert lines_of("TX2401-BLK-M")[0] == ("ML-JB180", D("1.25"), D("5"), "大身")
    update = bom_events("TX2401-BLK-M").last()
    assert (update.action, update.actor) == ("update", actor)
    before, after = update.payload["changes"]["lines"]
    assert before[0] == ["ML-JB180", "1.2000", "5.0000"] and after[0] == ["ML-JB180", "1.2500", "5.0000"]
    panel = Bom.objects.get(product=parts["panel"])
    assert [r for r in snapshot()[1] if r[1] == panel.pk] == [r for r in panel_before if r[1] == panel.pk]


def test_the_file_replaces_the_lines_and_a_missing_column_keeps_its_values(parts, run):
    run(ROWS)
    # no scrap and remarks columns: the tee keeps them on the lines that stay; XS-01 goes, BQ-01 comes
    rows = [["产品商家编码", "BOM版本", "子件商家编码", "用量"], ["TX2401-BLK-M", "V1", "ML-JB180", "1.2"],
            ["TX2401-BLK-M", "V1", "BJ-01", "2"], ["TX2401-BLK-M", "V1", "BQ-01", "1"]]
    assert run(rows).updated == 3
    assert lines_of("TX2401-BLK-M") == [("ML-JB180", D("1.2"), D("5"), "大身"), ("BJ-01", D("2"), D("2.5"), "印花前片"),
                                        ("BQ-01", D("1"), D("0"), "")]
    # an empty cell is the default: no scrap, no remarks
    rows = [HEADERS, ["TX2401-BLK-M", "V1", "ML-JB180", "1.2", "", ""]]
    assert run(rows).updated == 1
    assert lines_of("TX2401-BLK-M") == [("ML-JB180", D("1.2"), D("0"), "")]


def test_xlsx_english_headers_and_aliases(parts, actor):
    rows = [["Product code", "version", "Component code", "Quantity per unit", "scrap"],
            ["BJ-01", "V1", "YM-01", 0.015, 20]]
    result = import_file(get_list("bom-lines"), xlsx_bytes(rows), "bom.xlsx", actor=actor)
    assert result.ok, result.errors
    rows = [["父项编码", "版本号", "子项物料编码", "单位用量", "损耗率"], ["BJ-01", "V1", "YM-01", "0.015", "20%"]]
    result = import_file(get_list("bom-lines"), csv_bytes(rows, "gbk"), "金蝶BOM.csv", actor=actor)
    assert (result.ok, result.unchanged) == (True, 1)


def test_default_version_column(parts, run, actor):
    services.bom_create(product=parts["panel"], version="V1", actor=actor, lines=[Line(parts["ink"], "0.02")])
    rows = [["产品商家编码", "BOM版本", "默认版本", "子件商家编码", "用量"], ["BJ-01", "V2", "是", "YM-01", "0.015"],
            ["BJ-01", "V2", "", "ML-JB180", "0.3"]]
    result = run(rows)
    assert result.ok and result.created == 2
    assert dict(Bom.objects.filter(product=parts["panel"]).values_list("version", "is_default")) == {
        "V1": False, "V2": True}
    # 否 never takes the default away; 是 on the old version makes it the default again
    same = [rows[0], ["BJ-01", "V2", "否", "YM-01", "0.015"], ["BJ-01", "V2", "否", "ML-JB180", "0.3"]]
    assert run(same).unchanged == 2
    assert run([rows[0], ["BJ-01", "V1", "是", "YM-01", "0.02"]]).updated == 1
    assert Bom.objects.get(product=parts["panel"], is_default=True).version == "V1"


def test_two_default_versions_of_one_product_are_refused(parts, run):
    rows = [["产品商家编码", "BOM版本", "默认版本", "子件商家编码", "用量"], ["BJ-01", "V1", "是", "YM-01", "1"],
            ["BJ-01", "V2", "是", "YM-01", "2"], ["BJ-01", "V2", "否", "ML-JB180", "2"]]
    result = run(rows)
    assert errors_of(result) == [(3, "默认版本", "bom_default_twice"), (4, "默认版本", "group_disagrees")]
    assert not Bom.objects.exists()


# ---------------------------------------------------------------- bad rows


def test_unknown_component_and_scrap_out_of_range_are_row_errors_and_nothing_is_written(parts, run):
    rows = [HEADERS, ["TX2401-BLK-M", "V1", "ML-JB180", "1.2", "5", ""], ["TX2401-BLK-M", "V1", "NOPE-1", "1", "", ""],
            ["BJ-01", "V1", "YM-01", "0.015", "150", ""], ["BJ-01", "V1", "ML-JB180", "0", "", ""],
            ["NOPE-2", "V1", "YM-01", "1", "", ""], ["BJ-01", "V 2", "YM-01", "1", "", ""]]
    result = run(rows)
    assert errors_of(result) == [(3, "子件商家编码", "unknown_reference"), (4, "损耗率(%)", "scrap_out_of_range"),
                                 (5, "用量", "not_positive"), (6, "产品商家编码", "unknown_reference"),
                                 (7, "BOM版本", "invalid_code")]
    assert result.errors[0].value == "NOPE-1" and "NOPE-1" in result.errors[0].message
    assert "100" in result.errors[1].message
    assert (result.written, result.bad_rows) == (False, 5)
    assert not Bom.objects.exists() and not AuditEvent.objects.filter(doc_type="catalog.bom").exists()


def test_required_cells_columns_and_duplicate_components(parts, run):
    result = run([["产品商家编码", "BOM版本", "子件商家编码"], ["BJ-01", "V1", "YM-01"]])
    assert result.file_error and errors_of(result) == [(1, "用量", "missing_column")]
    rows = [HEADERS, ["BJ-01", "V1", "YM-01", "", "", ""], ["BJ-01", "", "YM-01", "1", "", ""],
            ["TX2401-BLK-M", "V1", "XS-01", "1", "", ""], ["TX2401-BLK-M", "V1", "XS-01", "2", "", ""]]
    result = run(rows)
    assert errors_of(result) == [(2, "用量", "required"), (3, "BOM版本", "required"),
                                 (4, "子件商家编码", "duplicate_key"), (5, "子件商家编码", "duplicate_key")]
    assert not Bom.objects.exists()


def test_a_cycle_is_refused_on_the_row_that_closes_it(parts, run):
    rows = [HEADERS, ["TX2401-BLK-M", "V1", "BJ-01", "2", "", ""], ["BJ-01", "V1", "YM-01", "0.015", "", ""],
            ["BJ-01", "V1", "TX2401-BLK-M", "1", "", ""]]
    result = run(rows)
    assert errors_of(result) == [(4, "子件商家编码", "bom_cycle")]
    assert "TX2401-BLK-M" in result.errors[0].message and result.errors[0].value == "TX2401-BLK-M"
    assert not result.written and not Bom.objects.exists()  # all or nothing: the tee's BOM is not kept either


def test_cycle_against_a_stored_bom_and_retired_components(parts, run, actor):
    services.bom_create(product=parts["panel"], version="V1", actor=actor, lines=[Line(parts["tee"], "1")])
    services.sku_retire(sku=parts["label"], actor=actor)
    rows = [HEADERS, ["TX2401-BLK-M", "V1", "ML-JB180", "1", "", ""], ["TX2401-BLK-M", "V1", "BJ-01", "1", "", ""],
            ["TX2401-BLK-M", "V1", "BQ-01", "1", "", ""]]
    result = run(rows)
    # the service reports every line problem it sees first (the retired label); the cycle comes once they are fixed
    assert errors_of(result) == [(4, "子件商家编码", "inactive")]
    result = run(rows[:3])
    assert errors_of(result) == [(3, "子件商家编码", "bom_cycle")]


def test_a_retired_version_or_a_bundle_as_product_is_refused(parts, run, actor, make_sku):
    old = services.bom_create(product=parts["panel"], version="V0", actor=actor, lines=[Line(parts["ink"], "1")])
    services.bom_create(product=parts["panel"], version="V1", actor=actor, lines=[Line(parts["ink"], "1")],
                        is_default=True)
    services.bom_retire(bom=old, actor=actor)
    make_sku("TZ-01", kind=ProductKind.BUNDLE)
    result = run([HEADERS, ["BJ-01", "V0", "YM-01", "2", "", ""], ["TZ-01", "V1", "YM-01", "1", "", ""]])
    assert errors_of(result) == [(2, "BOM版本", "bom_inactive"), (3, "产品商家编码", "invalid")]


def test_good_rows_mode_writes_only_the_good_groups(parts, run):
    rows = [HEADERS, ["TX2401-BLK-M", "V1", "ML-JB180", "1.2", "5", ""], ["BJ-01", "V1", "YM-01", "0.015", "", ""],
            ["BJ-01", "V1", "NOPE", "1", "", ""], ["XS-01", "V1", "ML-JB180", "0.01", "", ""],
            ["YM-01", "V1", "XS-01", "1", "", ""], ["XS-01", "V2", "YM-01", "1", "", ""]]
    result = run(rows, mode="good")
    # BJ-01 has a bad row, so its good row 3 is skipped with it; XS-01 V2 → YM-01 → XS-01 closes a cycle
    assert errors_of(result) == [(3, "", "group_has_errors"), (4, "子件商家编码", "unknown_reference"),
                                 (7, "子件商家编码", "bom_cycle")]
    assert (result.written, result.created, result.bad_rows) == (True, 3, 3)
    assert set(Bom.objects.values_list("product__code", "version")) == {
        ("TX2401-BLK-M", "V1"), ("XS-01", "V1"), ("YM-01", "V1")}
    # the same file in all-or-nothing mode on a fresh catalogue would have written nothing
    Bom.objects.all().delete()
    assert not run(rows).written and not Bom.objects.exists()


def test_good_rows_mode_reports_the_cycle_and_keeps_the_rest(parts, run):
    rows = [HEADERS, ["TX2401-BLK-M", "V1", "BJ-01", "2", "", ""], ["TX2401-BLK-M", "V1", "XS-01", "1", "", ""],
            ["BJ-01", "V1", "TX2401-BLK-M", "1", "", ""], ["BJ-01", "V1", "YM-01", "1", "", ""]]
    result = run(rows, mode="good")
    assert errors_of(result) == [(4, "子件商家编码", "bom_cycle"), (5, "", "group_has_errors")]
    assert (result.written, result.created, result.bad_rows) == (True, 2, 2)
    assert lines_of("TX2401-BLK-M") == [("BJ-01", D("2"), D("0"), ""), ("XS-01", D("1"), D("0"), "")]
    assert not Bom.objects.filter(product=parts["panel"]).exists()


def test_dry_run_reports_service_errors_and_writes_nothing(parts, run):
    result = run(ROWS, dry_run=True)
    assert (result.ok, result.created, result.written) == (True, 5, False)
    assert not Bom.objects.exists()


# ---------------------------------------------------------------- export, template, command line


def test_export_imports_back_and_restores_a_changed_bom(parts, run, actor, manager, client_of):
    run(ROWS)
    services.bom_create(product=parts["thread"], version="OLD", actor=actor, lines=[Line(parts["ink"], "1")])
    services.bom_retire(bom=Bom.objects.get(version="OLD"), actor=actor)
    response = client_of(manager).get("/m/bom-lines/export.xlsx")
    sheet = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert sheet[0] == ("产品商家编码", "产品名称", "BOM版本", "默认版本", "子件商家编码", "子件名称", "用量",
                        "损耗率(%)", "备注")
    # active BOMs only (the retired XS-01 OLD is left out), by product code
    assert [r[0] for r in sheet[1:]] == ["BJ-01", "BJ-01", "TX2401-BLK-M", "TX2401-BLK-M", "TX2401-BLK-M"]
    assert sheet[1][3] == "是"
    tee = Bom.objects.get(product=parts["tee"])
    services.bom_update(bom=tee, actor=actor, lines=[Line(parts["fabric"], "9")])
    result = import_file(get_list("bom-lines"), response.content, "export.xlsx", actor=actor)
    assert result.ok, result.errors
    assert (result.updated, result.unchanged) == (3, 2)
    assert lines_of("TX2401-BLK-M") == [("ML-JB180", D("1.2"), D("5"), "大身"), ("XS-01", D("50"), D("10"), ""),
                                        ("BJ-01", D("2"), D("2.5"), "印花前片")]
    again = import_file(get_list("bom-lines"), response.content, "export.xlsx", actor=actor)
    assert (again.updated, again.unchanged, again.written) == (0, 5, False)


def test_export_neutralises_formulas(parts, run, actor):
    run([HEADERS, ["BJ-01", "V1", "YM-01", "1", "", "=cmd|' /C calc'!A0"]])
    ml = get_list("bom-lines")
    content, _n, _t = write_xlsx(title="x", headers=[c.header() for c in ml.columns],
                                 rows=export_rows(ml, ml.all_records(), ml.columns), max_rows=10)
    row = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))[1]
    assert row[-1] == "'=cmd|' /C calc'!A0"


def test_template_names_the_columns_and_the_grouping(manager, client_of):
    response = client_of(manager).get("/m/bom-lines/template.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook.worksheets[0][1]] == ["产品商家编码", "BOM版本", "默认版本", "子件商家编码",
                                                           "用量", "损耗率(%)", "备注"]
    notes = " ".join(str(c.value) for row in workbook.worksheets[1].iter_rows() for c in row if c.value)
    assert "产品商家编码 + BOM版本" in notes


def test_command_line(parts, tmp_path):
    path = tmp_path / "BOM.csv"
    path.write_bytes(csv_bytes(ROWS, "gbk"))
    out = io.StringIO()
    call_command("import", "bom-lines", str(path), "--no-progress", stdout=out, stderr=io.StringIO())
    assert "5 rows — 5 new" in out.getvalue()
    assert Bom.objects.count() == 2


# ---------------------------------------------------------------- bundles


@pytest.fixture
def bundle_parts(make_sku):
    return {"tee": make_sku("TS-01"), "sock": make_sku("WZ-01"), "cap": make_sku("MZ-01"),
            "box": make_sku("LH-01", kind=ProductKind.BUNDLE, name="礼盒")}


def components_of(code: str) -> list[tuple]:
    return list(BundleLine.objects.filter(bundle__code=code).order_by("line_no")
                .values_list("component__code", "quantity"))


def test_bundles_are_created_updated_and_reimported_unchanged(bundle_parts, run, actor):
    rows = [BUNDLE_HEADERS, ["TZ-01", "夏季套装", "TS-01", "1"], ["TZ-01", "夏季套装", "WZ-01", "2"],
            ["LH-01", "", "MZ-01", "1"], ["LH-01", "", "TS-01", "1"]]
    result = run(rows, list_key="bundle-components")
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 2)  # rows: TZ-01 is new, the gift box LH-01 gets components
    new = Sku.objects.get(code="TZ-01")
    assert (new.kind, new.name) == (ProductKind.BUNDLE, "夏季套装")
    assert components_of("TZ-01") == [("TS-01", D("1")), ("WZ-01", D("2"))]
    events = AuditEvent.objects.count()
    again = run(rows, list_key="bundle-components")
    assert (again.unchanged, again.written, AuditEvent.objects.count()) == (4, False, events)
    rows[2][3] = "3"
    assert run(rows, list_key="bundle-components").updated == 2
    assert components_of("TZ-01") == [("TS-01", D("1")), ("WZ-01", D("3"))]
    assert AuditEvent.objects.filter(doc_type="catalog.sku", doc_id=new.pk, action="components").count() == 2


def test_a_non_bundle_parent_and_a_nameless_new_bundle_are_refused(bundle_parts, run):
    rows = [BUNDLE_HEADERS, ["TS-01", "", "WZ-01", "1"], ["TZ-09", "", "WZ-01", "1"], ["LH-01", "", "LH-01", "1"],
            ["LH-01", "", "MZ-01", "1"]]
    result = run(rows, list_key="bundle-components")
    assert errors_of(result) == [(2, "套餐商家编码", "not_a_bundle"), (3, "套餐名称", "required"),
                                 (4, "子件商家编码", "bundle_cycle")]
    assert "TS-01" in result.errors[0].message
    assert not BundleLine.objects.exists() and not Sku.objects.filter(code="TZ-09").exists()
    assert Sku.objects.get(code="TS-01").kind == ProductKind.BOUGHT


def test_bundle_export_round_trip(bundle_parts, run, manager, client_of):
    rows = [BUNDLE_HEADERS, ["TZ-01", "夏季套装", "TS-01", "1"], ["TZ-01", "夏季套装", "WZ-01", "2"]]
    run(rows, list_key="bundle-components")
    response = client_of(manager).get("/m/bundle-components/export.csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "套餐商家编码,套餐名称,子件商家编码,子件名称,数量"
    result = import_file(get_list("bundle-components"), response.content, "export.csv", actor=manager)
    assert (result.ok, result.unchanged) == (True, 2)


# ---------------------------------------------------------------- pages, API and access


def test_access_follows_the_bom_pages_and_the_sku_list(role_user):
    boms, bundles = get_list("bom-lines"), get_list("bundle-components")
    for role in ("manager", "planning", "warehouse", "finance", "designer"):
        user = role_user(role)
        assert user_may_list(user, boms, "view")
        assert user_may_list(user, boms, "import") is (role in ("manager", "planning"))
        assert user_may_list(user, boms, "import") is user.has_perm("catalog.change_bom")
        assert user_may_list(user, bundles, "import") is user_may_list(user, get_list("skus"), "import")


def test_list_page_shows_lines_and_links_to_the_bom(parts, run, manager, client_of):
    run(ROWS)
    client = client_of(manager)
    page = client.get("/m/bom-lines/").content.decode()
    assert "印花前片" in page and "TX2401-BLK-M" in page and 'id="sf-import"' in page
    assert 'id="sf-new"' not in page  # lines are added on the BOM page or imported
    searched = client.get("/m/bom-lines/", {"q": "BJ-01 汗布"}).content.decode()
    wanted = BomLine.objects.filter(bom__product=parts["panel"], component=parts["fabric"])
    assert [int(pk) for pk in re.findall(r'<a href="/m/bom-lines/(\d+)/"', searched)] == [line.pk for line in wanted]
    line = BomLine.objects.filter(bom__product=parts["tee"]).first()
    response = client.get(f"/m/bom-lines/{line.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/catalog/boms/{line.bom_id}/"
    assert client.get("/m/bom-lines/new/").status_code == 404
    assert client.get("/m/bom-lines/import/").status_code == 200


def test_import_page_upload_and_errors_file(parts, manager, client_of):
    client = client_of(manager)
    bad = [HEADERS, ["BJ-01", "V1", "NOPE", "1", "", ""]]
    upload = SimpleUploadedFile("BOM.csv", csv_bytes(bad, "gbk"))
    response = client.post("/m/bom-lines/import/", {"file": upload, "mode": "all"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.summary["bad_rows"] == 1
    report = client.get(f"/m/bom-lines/import/{job.pk}/errors.xlsx")
    rows = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert rows[1][:4] == ("BOM.csv", 2, "子件商家编码", "NOPE")


@pytest.mark.parametrize("role", ["warehouse", "finance", "customer_service"])
def test_roles_without_bom_editing_get_403_on_the_page_and_the_api(parts, role, role_user, client_of):
    user = role_user(role)
    client = client_of(user)
    assert client.get("/m/bom-lines/").status_code == 200  # everyone views BOMs
    assert client.get("/m/bom-lines/import/").status_code == 403
    upload = SimpleUploadedFile("BOM.csv", csv_bytes(ROWS, "gbk"))
    assert client.post("/m/bom-lines/import/", {"file": upload, "mode": "all"}).status_code == 403
    _token, key = api_token_create(user=user, name="tests")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    response = api.post("/api/v1/masterdata/bom-lines/imports",
                        {"file": SimpleUploadedFile("BOM.csv", csv_bytes(ROWS, "gbk"))})
    assert response.status_code == 403
    assert not Bom.objects.exists() and not ImportJob.objects.exists()


def test_bundle_import_refused_for_roles_that_may_not_edit_skus(bundle_parts, role_user, client_of):
    client = client_of(role_user("finance"))
    assert client.get("/m/bundle-components/").status_code == 200
    assert client.get("/m/bundle-components/import/").status_code == 403


def test_api_reads_lines_imports_and_refuses_single_line_writes(parts, manager):
    _token, key = api_token_create(user=manager, name="tests")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    response = api.post("/api/v1/masterdata/bom-lines/imports",
                        {"file": SimpleUploadedFile("BOM.csv", csv_bytes(ROWS, "gbk")), "mode": "all"})
    assert response.status_code == 201 and response.json()["summary"]["created"] == 5
    body = api.get("/api/v1/masterdata/bom-lines", {"search": "BJ-01 YM-01"}).json()
    assert body["count"] == 1
    assert body["items"][0]["values"] == {
        "bom__product": "BJ-01", "bom__product__name": "印花前片", "bom__version": "V1", "bom__is_default": True,
        "component": "YM-01", "component__name": "水浆油墨", "quantity": "0.0150", "scrap_percent": "20.0000",
        "remarks": ""}
    line = BomLine.objects.get(component=parts["ink"])
    assert api.get(f"/api/v1/masterdata/bom-lines/{line.pk}").json()["values"]["bom__version"] == "V1"
    assert api.get("/api/v1/masterdata/bom-lines", {"bom__is_default": "1", "ordering": "-bom__product"}).json()[
        "count"] == 5
    assert api.get("/api/v1/masterdata/bom-lines", {"bom__is_default": "maybe"}).status_code == 400
    response = api.post("/api/v1/masterdata/bom-lines", json.dumps({"values": {"quantity": "1"}}),
                        content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "grouped_list"
    line = BomLine.objects.first()
    response = api.patch(f"/api/v1/masterdata/bom-lines/{line.pk}", json.dumps({"values": {"quantity": "9"}}),
                         content_type="application/json")
    assert response.status_code == 400 and BomLine.objects.get(pk=line.pk).quantity != 9


# ---------------------------------------------------------------- the generic part: grouped lists


def test_registry_checks_grouped_lists():
    from shopflow.core.masterdata import Column, MasterList

    columns = (Column("bom__version", "版本", "Version"), Column("component", "子件", "Component"))
    write = get_list("bom-lines").write_group
    with pytest.raises(ValueError, match="group_by"):  # the group must lead the key
        MasterList(key="x", model=BomLine, area="catalog", columns=columns, key_fields=("component", "bom__version"),
                   group_by=("bom__version",), write_group=write)
    with pytest.raises(ValueError, match="group_by"):  # and a line key must follow it
        MasterList(key="x", model=BomLine, area="catalog", columns=columns, key_fields=("bom__version",),
                   group_by=("bom__version",), write_group=write)
    with pytest.raises(ValueError, match="group_by"):  # grouped lists write through write_group
        MasterList(key="x", model=BomLine, area="catalog", columns=columns, key_fields=("bom__version", "component"),
                   group_by=("bom__version",))
    with pytest.raises(ValueError, match="foreign keys"):  # a path follows foreign keys only
        MasterList(key="x", model=Bom, area="catalog", columns=(Column("lines__quantity", "用量", "Qty"),),
                   key_fields=("lines__quantity",))


def test_group_errors_land_on_the_row_and_column_they_name(parts, actor):
    """write_group reports "rows[i].<column>" or a column name; the importer puts them on the file's rows."""
    from dataclasses import replace

    def refuse(*, actor, key, rows):
        from shopflow.core.errors import FieldError, ValidationFailed

        raise ValidationFailed([FieldError("rows[1].quantity", "too much", "too_much"),
                                FieldError("bom__version", "bad version", "bad_version"),
                                FieldError("lines", "no column", "whole")])

    ml = replace(get_list("bom-lines"), key="x-refuse", write_group=refuse)
    rows = [HEADERS, ["BJ-01", "V1", "YM-01", "1", "", ""], ["BJ-01", "V1", "ML-JB180", "2", "", ""]]
    result = import_file(ml, csv_bytes(rows, "gbk"), "x.csv", actor=actor)
    assert errors_of(result) == [(2, "BOM版本", "bad_version"), (2, "", "whole"), (3, "用量", "too_much")]
    assert result.errors[2].value == "2" and not result.written
