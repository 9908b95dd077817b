"""Master-data pages: the list (search, filters, sort, pages, export), the record form, the
template and the import page with its error report — per role, in Chinese and English."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from shopflow.catalog import services as catalog
from shopflow.catalog.models import Sku
from shopflow.core.models import AuditEvent, ImportJob
from shopflow.core.roles import ROLE_CODES
from shopflow.partners.models import Supplier
from tests.factories import SkuFactory, SupplierFactory
from tests.imports.conftest import SKU_HEADERS, csv_bytes

SKUS = "/m/skus/"
SKU_EDITORS = {"manager", "operations", "warehouse", "purchasing", "planning"}


def sheet(response):
    return list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))


def codes_on(page: str) -> list[str]:
    return re.findall(r'<a href="/m/skus/\d+/" class="fw-medium">([^<]+)</a>', page)


@pytest.fixture
def skus(db):
    return [SkuFactory(code=f"TS-{i:02d}", name=f"T恤 {i}", cost=10 + i) for i in range(5)]


# ---------------------------------------------------------------- the list


def test_list_shows_records_with_chinese_headers(skus, manager, client_of):
    page = client_of(manager).get(SKUS).content.decode()
    assert codes_on(page) == [s.code for s in skus]
    for header in ("商家编码", "名称", "颜色", "尺码", "成本价", "吊牌价"):
        assert header in page
    assert "¥14.00" in page and 'id="sf-import"' in page and 'id="sf-new"' in page


def test_list_in_english(skus, manager, client_of):
    client = client_of(manager)
    client.post("/i18n/setlang/", {"language": "en", "next": SKUS})
    page = client.get(SKUS).content.decode()
    assert "Item code" in page and "List price" in page and "商家编码" not in page


def test_search_filter_sort_and_pages(skus, manager, client_of, settings):
    client = client_of(manager)
    SkuFactory(code="HD-01", name="卫衣", active=False)
    assert codes_on(client.get(SKUS, {"q": "卫衣"}).content.decode()) == ["HD-01"]
    assert codes_on(client.get(SKUS, {"active": "0"}).content.decode()) == ["HD-01"]
    assert codes_on(client.get(SKUS, {"o": "-cost", "active": "1"}).content.decode())[0] == "TS-04"
    settings.SHOPFLOW = {"LIST_PAGE_SIZE": 2}
    page = client.get(SKUS, {"page": 2}).content.decode()
    assert codes_on(page) == ["TS-00", "TS-01"] or len(codes_on(page)) == 2
    assert 'rel="next"' in page and 'rel="prev"' in page


def test_htmx_request_gets_the_same_results_block(skus, manager, client_of):
    response = client_of(manager).get(SKUS, {"q": "TS-03"}, headers={"HX-Request": "true"})
    assert 'id="sf-results"' in response.content.decode() and codes_on(response.content.decode()) == ["TS-03"]


def test_category_column_shows_the_path(manager, client_of):
    top = catalog.category_create(code="C1", name="服装", actor=manager)
    tee = catalog.category_create(code="C11", name="T恤", parent=top, actor=manager)
    SkuFactory(code="A-1", category=tee)
    assert "服装/T恤" in client_of(manager).get(SKUS).content.decode()


def test_list_escapes_hostile_text(manager, client_of):
    SupplierFactory(name="<script>alert(1)</script>")
    page = client_of(manager).get("/m/suppliers/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("role", ROLE_CODES)
def test_buttons_and_pages_follow_the_role(role, role_user, client_of, skus):
    client = client_of(role_user(role))
    page = client.get(SKUS).content.decode()
    editor = role in SKU_EDITORS
    assert ('id="sf-new"' in page) is editor and ('id="sf-import"' in page) is editor
    assert (client.get(SKUS + "import/").status_code == 200) is editor
    assert client.get(SKUS + "new/").status_code == (200 if editor else 403)
    assert ("/m/skus/" in client.get("/").content.decode())  # every role finds SKUs in the menu


def test_suppliers_hidden_from_roles_without_view(role_user, client_of):
    client = client_of(role_user("designer"))
    assert client.get("/m/suppliers/").status_code == 403
    assert "/m/suppliers/" not in client.get("/").content.decode()


def test_unknown_list_is_404(manager, client_of):
    assert client_of(manager).get("/m/nolist/").status_code == 404


# ---------------------------------------------------------------- export and template


def test_export_xlsx_follows_the_filters_and_neutralises_formulas(manager, client_of):
    SkuFactory(code="EVIL", name="=cmd|' /C calc'!A0")
    SkuFactory(code="PLAIN", name="普通", active=False)
    response = client_of(manager).get(SKUS + "export.xlsx", {"active": "1"})
    rows = sheet(response)
    assert rows[0][:2] == ("商家编码", "名称")
    assert [r[0] for r in rows[1:]] == ["EVIL"]
    assert rows[1][1] == "'=cmd|' /C calc'!A0"


def test_export_csv_has_a_bom_and_neutralises(manager, client_of):
    SkuFactory(code="EVIL", name="@SUM(A1)", colour="-2+3", size="+1")
    response = client_of(manager).get(SKUS + "export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("商家编码,名称")
    assert "'@SUM(A1)" in text and "'-2+3" in text and "'+1" in text


def test_export_reimports_unchanged(manager, client_of, skus):
    client = client_of(manager)
    content = client.get(SKUS + "export.xlsx").content
    response = client.post(SKUS + "import/", {"file": SimpleUploadedFile("export.xlsx", content), "mode": "all"})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.summary["unchanged"] == len(skus) and not job.summary["written"]


def test_template_has_headers_and_notes(manager, client_of):
    response = client_of(manager).get(SKUS + "template.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    header = next(workbook.worksheets[0].iter_rows(values_only=True))
    assert header[:8] == tuple(SKU_HEADERS)
    notes = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert any(row[0] == "商家编码" for row in notes)


# ---------------------------------------------------------------- import page


def upload(client, rows, *, mode="all", name="skus.csv", encoding="gbk", **extra):
    content = csv_bytes(rows, encoding)
    return client.post(SKUS + "import/", {"file": SimpleUploadedFile(name, content), "mode": mode, **extra})


BAD = [SKU_HEADERS, ["N-1", "新品", "黑色", "M", "件", "", "35", "89"],
       ["N-2", "新品2", "", "", "", "", "三十五", "89"], ["N-1", "重复", "", "", "", "", "1", "1"]]


def test_import_page_explains_the_columns(manager, client_of):
    page = client_of(manager).get(SKUS + "import/").content.decode()
    assert "商家编码" in page and "Item code" in page and 'name="mode"' in page and 'value="good"' in page


def test_import_with_errors_shows_them_and_saves_nothing(manager, client_of):
    client = client_of(manager)
    response = upload(client, BAD)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{SKUS}import/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert Sku.objects.count() == 0
    assert 'id="sf-error-table"' in page
    rows = re.findall(r"<tr>\s*<td class=\"sf-num[^\"]*\">(\d+)</td>\s*<td[^>]*>([^<]+)</td>", page)
    assert rows == [("2", "商家编码"), ("3", "成本价"), ("4", "商家编码")]
    assert "三十五" in page


def test_error_report_download(manager, client_of):
    client = client_of(manager)
    upload(client, BAD)
    job = ImportJob.objects.get()
    rows = sheet(client.get(f"{SKUS}import/{job.pk}/errors.xlsx"))
    assert rows[0] == ("文件", "行", "列", "值", "原因")
    assert rows[2][:4] == ("skus.csv", 3, "成本价", "三十五")


def test_import_good_rows(manager, client_of):
    client = client_of(manager)
    page = client.get(upload(client, BAD, mode="good")["Location"]).content.decode()
    assert list(Sku.objects.values_list("code", flat=True)) == []  # N-1 twice: both bad
    upload(client, [SKU_HEADERS, BAD[1], BAD[2]], mode="good")
    assert list(Sku.objects.values_list("code", flat=True)) == ["N-1"]
    assert "sf-job-result" in page


def test_import_dry_run(manager, client_of):
    client = client_of(manager)
    page = client.get(upload(client, [SKU_HEADERS, BAD[1]], dry_run="on")["Location"]).content.decode()
    assert Sku.objects.count() == 0 and "alert-info" in page


def test_import_of_an_unreadable_file(manager, client_of):
    client = client_of(manager)
    response = client.post(SKUS + "import/", {"file": SimpleUploadedFile("x.xlsx", b"\x00garbage"), "mode": "all"})
    page = client.get(response["Location"]).content.decode()
    assert "alert-danger" in page and Sku.objects.count() == 0


def test_oversized_upload_is_refused_on_the_form(manager, client_of, settings):
    settings.SHOPFLOW = {"IMPORT_MAX_BYTES": 50}
    response = upload(client_of(manager), BAD)
    assert response.status_code == 400 and "invalid-feedback" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_forbidden_import_is_403_and_changes_nothing(role_user, client_of):
    response = upload(client_of(role_user("designer")), [SKU_HEADERS, BAD[1]])
    assert response.status_code == 403
    assert Sku.objects.count() == 0 and not ImportJob.objects.exists()


def test_job_page_polls_while_running(manager, client_of):
    job = ImportJob.objects.create(list_key="skus", filename="big.csv", status="running", phase="check", done=25,
                                   total=100, created_by=manager)
    client = client_of(manager)
    page = client.get(f"{SKUS}import/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'style="width: 25%"' in page
    partial = client.get(f"{SKUS}import/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="sf-job"') and "<html" not in partial
    job.status, job.summary = "done", {"rows": 100, "created": 100, "written": True, "error_count": 0}
    job.save()
    partial = client.get(f"{SKUS}import/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial and "alert-success" in partial


def test_job_of_another_list_is_404(manager, client_of):
    job = ImportJob.objects.create(list_key="suppliers", filename="x.csv", created_by=manager)
    assert client_of(manager).get(f"{SKUS}import/{job.pk}/").status_code == 404


def test_recent_imports_are_listed(manager, client_of):
    client = client_of(manager)
    upload(client, [SKU_HEADERS, BAD[1]], name="第一批.csv")
    assert "第一批.csv" in client.get(SKUS + "import/").content.decode()


# ---------------------------------------------------------------- the record form


def test_create_a_record(manager, client_of):
    response = client_of(manager).post("/m/suppliers/new/", {"code": "S-9", "name": "宁波辅料", "active": "on"})
    assert response.status_code == 302
    assert Supplier.objects.get(code="S-9").name == "宁波辅料"
    assert AuditEvent.objects.filter(doc_type="partners.supplier", action="create").count() == 1


def test_edit_a_sku_through_the_catalogue_service(manager, client_of, sku):
    data = {"code": sku.code, "name": "新名字", "kind": "bought", "unit": "件", "cost": "40", "list_price": "",
            "weight": "", "colour": sku.colour, "size": sku.size, "barcode": ""}
    response = client_of(manager).post(f"/m/skus/{sku.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    sku.refresh_from_db()
    assert (sku.name, sku.cost, sku.list_price) == ("新名字", 40, 0)
    event = AuditEvent.objects.filter(doc_type="catalog.sku", doc_id=sku.pk).latest("id")
    assert event.action == "update" and "name" in event.payload["changes"]


def test_form_errors_are_shown_on_the_fields(manager, client_of, sku):
    SkuFactory(code="TAKEN", barcode="6901234567892")
    data = {"code": sku.code, "name": "", "kind": "bought", "unit": "件", "cost": "abc", "barcode": "6901234567892"}
    response = client_of(manager).post(f"/m/skus/{sku.pk}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-error-for="name"' in page and 'data-error-for="cost"' in page
    data.update(name="好名字", cost="1")
    page = client_of(manager).post(f"/m/skus/{sku.pk}/", data).content.decode()
    assert 'data-error-for="barcode"' in page
    sku.refresh_from_db()
    assert sku.name != "好名字"


def test_grid_sku_fields_are_read_only_on_the_form(manager, client_of):
    style = catalog.style_create(code="TX24", name="圆领T恤", actor=manager)
    catalog.style_generate_skus(style=style, colours=[("BLK", "黑色")], sizes=["M"], actor=manager)
    sku = Sku.objects.get(style=style)
    client = client_of(manager)
    page = client.get(f"/m/skus/{sku.pk}/").content.decode()
    assert re.search(r'name="colour"[^>]*disabled', page)
    data = {"code": "HACKED", "name": "新名字", "colour": "白色", "cost": "5"}
    assert client.post(f"/m/skus/{sku.pk}/", data).status_code == 302
    sku.refresh_from_db()
    assert (sku.code, sku.colour, sku.name) == ("TX24-BLK-M", "黑色", "新名字")


def test_viewers_get_a_read_only_form_and_403_on_post(role_user, client_of, sku):
    client = client_of(role_user("designer"))
    page = client.get(f"/m/skus/{sku.pk}/").content.decode()
    assert 'id="sf-save"' not in page and re.search(r'name="name"[^>]*disabled', page)
    assert client.post(f"/m/skus/{sku.pk}/", {"code": sku.code, "name": "改名"}).status_code == 403
    sku.refresh_from_db()
    assert sku.name != "改名"


def test_history_under_the_form(manager, client_of, sku):
    client = client_of(manager)
    upload(client, [["商家编码", "成本价"], [sku.code, "99"]], name="调价.csv")
    page = client.get(f"/m/skus/{sku.pk}/").content.decode()
    assert 'id="sf-md-history"' in page and "调价.csv" in page and "99" in page
