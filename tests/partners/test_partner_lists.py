"""Customers, subcontractors 外协厂 and processing categories as master-data lists: imports
(GBK CSV, Chinese headers) written through partners.services, row-level errors, re-imports that
update, each subcontractor's warehouse, pages and API per role."""

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from shopflow.core.imports import import_file
from shopflow.core.masterdata import export_rows, get_list, user_may_list
from shopflow.core.models import AuditEvent, ImportJob
from shopflow.core.roles import ROLE_CODES
from shopflow.core.tokens import api_token_create
from shopflow.core.xlsx import write_xlsx
from shopflow.inventory.models import Warehouse, WarehouseKind
from shopflow.partners import services
from shopflow.partners.models import Customer, CustomerKind, ProcessingCategory, Subcontractor
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db

API = "/api/v1/masterdata"
CUSTOMER_HEADERS = ["客户编码", "客户名称", "客户类型", "联系人", "手机", "地址", "信用额度", "账期(天)", "等级"]
CUSTOMER_ROWS = [
    ["KH001", "北京京东方服饰商贸有限公司", "B2B客户", "王建军", "138 0013 8000",
     "北京市朝阳区建国路88号SOHO现代城5号楼1201", "50000", "30", ""],
    ["KH002", "上海浦东零售买家", "零售买家", "李娜", "13912345678", "上海市浦东新区世纪大道100号", "", "", ""],
    ["KH003", "天津和平服装分销", "分销商", "赵磊", "15022223333", "天津市和平区南京路189号", "20000", "15", "2"],
    ["KH004", "重庆渝中代理商", "代理商", "陈静", "18623456789", "重庆市渝中区民族路166号", "", "", ""],
]
EDITORS = {
    "customers": {"manager", "sales", "customer_service"},
    "subcontractors": {"manager", "purchasing", "planning"},
    "processing-categories": {"manager", "purchasing", "planning"},
}
VIEWERS = {
    "customers": EDITORS["customers"] | {"finance", "operations", "warehouse", "legal"},
    "subcontractors": EDITORS["subcontractors"] | {"warehouse", "finance"},
    "processing-categories": EDITORS["processing-categories"] | {"warehouse", "finance"},
}


def run(list_key, rows, *, actor, encoding="gbk", filename="file.csv", **kwargs):
    return import_file(get_list(list_key), csv_bytes(rows, encoding), filename, actor=actor, **kwargs)


def errors_of(result) -> list[tuple]:
    return [(e.row, e.column, e.code) for e in result.errors]


class Api:
    def __init__(self, user):
        _token, key = api_token_create(user=user, name="tests")
        self.client = Client(headers={"Authorization": f"Bearer {key}"})

    def get(self, path, **params):
        return self.client.get(API + path, params)

    def post(self, path, body):
        return self.client.post(API + path, json.dumps(body), content_type="application/json")

    def patch(self, path, body):
        return self.client.patch(API + path, json.dumps(body), content_type="application/json")

    def upload(self, path, content, name="file.csv", **data):
        return self.client.post(API + path, {"file": SimpleUploadedFile(name, content), **data})


@pytest.fixture
def client_of():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


# ---------------------------------------------------------------- customers: import


def test_gbk_customer_import_parses_addresses_of_the_four_municipalities(manager):
    content = csv_bytes([CUSTOMER_HEADERS, *CUSTOMER_ROWS], "gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really GBK, not UTF-8 in disguise
    result = import_file(get_list("customers"), content, "客户.csv", actor=manager)
    assert result.ok, result.errors
    assert (result.encoding, result.created, result.written) == ("gb18030", 4, True)
    regions = {c.code: (c.province, c.city, c.district, c.address_needs_confirmation)
               for c in Customer.objects.all()}
    assert regions == {
        "KH001": ("北京市", "北京市", "朝阳区", False),
        "KH002": ("上海市", "上海市", "浦东新区", False),
        "KH003": ("天津市", "天津市", "和平区", False),
        "KH004": ("重庆市", "重庆市", "渝中区", False),
    }
    b2b = Customer.objects.get(code="KH001")
    assert b2b.kind == CustomerKind.B2B and b2b.mobile == "13800138000"  # normalised by the service
    assert (b2b.credit_limit, b2b.payment_terms_days) == (Decimal("50000.00"), 30)
    assert b2b.address_detail == "建国路88号SOHO现代城5号楼1201"
    # Resellers get the service's defaults: level 1 and the 4000 first-order minimum when not given.
    agent = Customer.objects.get(code="KH004")
    assert (agent.kind, agent.level, agent.first_order_minimum) == (CustomerKind.AGENT, 1, Decimal("4000.00"))
    assert Customer.objects.get(code="KH003").level == 2
    # The services wrote the audit trail, one create per customer, by the importing user.
    events = AuditEvent.objects.filter(doc_type="partners.customer", action="create")
    assert events.count() == 4 and set(events.values_list("actor", flat=True)) == {manager.pk}


def test_bad_mobile_is_a_row_error_with_row_and_column_and_nothing_is_saved(manager):
    rows = [CUSTOMER_HEADERS, *CUSTOMER_ROWS]
    rows[3] = [*rows[3][:4], "1502222", *rows[3][5:]]  # KH003, spreadsheet row 4
    result = run("customers", rows, actor=manager)
    assert errors_of(result) == [(4, "手机", "phone_invalid")]
    assert result.errors[0].value == "1502222" and "1502222" in result.errors[0].message
    assert not result.written and not Customer.objects.exists()
    assert not AuditEvent.objects.filter(doc_type="partners.customer").exists()
    # Mode "good" keeps the good rows and still reports the bad one.
    result = run("customers", rows, actor=manager, mode="good")
    assert [(e.row, e.column) for e in result.errors] == [(4, "手机")]
    assert (result.created, result.bad_rows, result.written) == (3, 1, True)
    assert sorted(Customer.objects.values_list("code", flat=True)) == ["KH001", "KH002", "KH004"]


def test_service_rules_are_checked_on_a_dry_run_too(manager):
    rows = [CUSTOMER_HEADERS, CUSTOMER_ROWS[0],
            ["KH009", "零售买家带账期", "零售买家", "", "", "", "1000", "", ""],  # retail buyers have no credit
            ["KH010", "B2B 带等级", "B2B客户", "", "", "", "", "", "3"]]  # only resellers have a level
    result = run("customers", rows, actor=manager, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(3, "信用额度"), (4, "等级")]
    assert (result.created, result.bad_rows, result.written) == (1, 2, False)
    assert not Customer.objects.exists()


def test_reimport_updates_instead_of_duplicating(manager):
    rows = [CUSTOMER_HEADERS, *CUSTOMER_ROWS]
    assert run("customers", rows, actor=manager).created == 4
    again = run("customers", rows, actor=manager)
    # "138 0013 8000" normalises to what is stored: unchanged, not "updated" on every import.
    assert (again.created, again.updated, again.unchanged, again.written) == (0, 0, 4, False)
    rows[1] = [*rows[1][:5], "上海市浦东新区张江路500号", "80000", *rows[1][7:]]
    rows[2] = [*rows[2][:4], "13912345678", *rows[2][5:]]
    changed = run("customers", rows, actor=manager)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 3)
    assert Customer.objects.count() == 4
    kh001 = Customer.objects.get(code="KH001")
    assert kh001.credit_limit == Decimal("80000.00") and kh001.address_detail == "张江路500号"
    assert (kh001.province, kh001.district) == ("上海市", "浦东新区")  # parsed again by the service
    update = AuditEvent.objects.get(doc_type="partners.customer", doc_id=kh001.pk, action="update")
    assert set(update.payload["changes"]) >= {"credit_limit", "address", "province", "district"}


def test_customer_export_imports_back_unchanged(manager):
    run("customers", [CUSTOMER_HEADERS, *CUSTOMER_ROWS], actor=manager)
    ml = get_list("customers")
    headers = [c.header() for c in ml.columns]
    content, _n, _t = write_xlsx(title="x", headers=headers, rows=export_rows(ml, Customer.objects.all(), ml.columns),
                                 max_rows=10)
    result = import_file(ml, content, "export.xlsx", actor=manager)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert set(result.ignored_columns) == {"Province", "City", "District", "Address needs confirmation"}


def test_an_unclear_address_is_flagged_for_confirmation_and_filterable(manager, client_of):
    rows = [CUSTOMER_HEADERS, CUSTOMER_ROWS[0],
            ["KH005", "鼓楼区客户", "B2B客户", "", "", "鼓楼区中山北路1号", "", "", ""]]
    assert run("customers", rows, actor=manager).ok
    flagged = Customer.objects.get(code="KH005")
    assert flagged.address_needs_confirmation and flagged.province == ""
    page = client_of(manager).get("/m/customers/", {"address_needs_confirmation": "1"}).content.decode()
    assert "KH005" in page and "KH001" not in page
    for header in ("省份", "城市", "区县", "地址待确认"):
        assert header in page


def test_deactivating_through_the_active_column(manager):
    rows = [CUSTOMER_HEADERS + ["启用"], CUSTOMER_ROWS[0] + ["是"]]
    run("customers", rows, actor=manager)
    rows[1][-1] = "否"
    assert run("customers", rows, actor=manager).updated == 1
    customer = Customer.objects.get(code="KH001")
    assert not customer.active
    assert AuditEvent.objects.filter(doc_type="partners.customer", doc_id=customer.pk, action="deactivate").exists()


# ---------------------------------------------------------------- subcontractors


SUB_HEADERS = ["外协厂编码", "外协厂名称", "联系人", "电话", "地址", "加工类别"]


def test_subcontractor_import_creates_its_warehouse_and_categories(manager):
    rows = [SUB_HEADERS,
            ["WX001", "东莞虎门锦华制衣厂", "李厂长", "0769-85123456", "广东省东莞市虎门镇连升路18号", "CUT、SEW"],
            ["WX002", "杭州萧山印绣加工厂", "沈师傅", "13905712345", "浙江省杭州市萧山区衙前镇明华路8号",
             "印花, 绣花；FINISH"]]
    result = run("subcontractors", rows, actor=manager)
    assert result.ok, result.errors
    assert result.created == 2
    for code, categories in (("WX001", {"CUT", "SEW"}), ("WX002", {"PRINT", "EMBROIDER", "FINISH"})):
        sub = Subcontractor.objects.get(code=code)
        assert set(sub.processing_categories.values_list("code", flat=True)) == categories
        warehouse = Warehouse.objects.get(subcontractor=sub)
        assert (warehouse.code, warehouse.kind, warehouse.active) == (f"WX-{code}", WarehouseKind.SUBCONTRACTOR, True)
    assert Subcontractor.objects.get(code="WX001").phone == "0769-85123456"
    # Again: nothing new, no second warehouse.
    again = run("subcontractors", rows, actor=manager)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Warehouse.objects.filter(subcontractor__isnull=False).count() == 2
    # A changed set of categories replaces the old one; deactivating closes the warehouse too.
    rows = [SUB_HEADERS + ["启用"], rows[1][:5] + ["CUT、SEW、WASH", "否"]]
    assert run("subcontractors", rows, actor=manager).updated == 1
    sub = Subcontractor.objects.get(code="WX001")
    assert set(sub.processing_categories.values_list("code", flat=True)) == {"CUT", "SEW", "WASH"}
    assert not sub.active and not Warehouse.objects.get(subcontractor=sub).active


def test_unknown_processing_category_is_an_error_on_its_row_and_column(manager):
    rows = [SUB_HEADERS, ["WX001", "好厂", "", "", "", "CUT"], ["WX002", "坏厂", "", "", "", "CUT、XYZ、镭射"]]
    result = run("subcontractors", rows, actor=manager)
    assert errors_of(result) == [(3, "加工类别", "unknown_reference")]
    assert "XYZ" in result.errors[0].message and "镭射" in result.errors[0].message
    assert result.errors[0].value == "CUT、XYZ、镭射"
    assert not Subcontractor.objects.exists() and not Warehouse.objects.filter(kind="subcontractor").exists()


def test_a_retired_category_cannot_be_given_to_a_subcontractor(manager):
    services.processing_category_deactivate(category=ProcessingCategory.objects.get(code="DYE"), actor=manager)
    result = run("subcontractors", [SUB_HEADERS, ["WX001", "染厂", "", "", "", "DYE"]], actor=manager)
    assert [(e.row, e.column) for e in result.errors] == [(2, "加工类别")]
    assert not Subcontractor.objects.exists()


def test_bad_subcontractor_phone_is_reported_and_no_warehouse_made(manager):
    result = run("subcontractors", [SUB_HEADERS, ["WX001", "某厂", "", "12345", "", "SEW"]], actor=manager)
    assert [(e.row, e.column) for e in result.errors] == [(2, "电话")]
    assert not Warehouse.objects.filter(kind=WarehouseKind.SUBCONTRACTOR).exists()


def test_subcontractor_export_writes_categories_as_text_and_imports_back_unchanged(manager):
    run("subcontractors", [SUB_HEADERS, ["WX001", "某厂", "", "", "江苏省苏州市吴江区盛泽镇", "SEW、CUT"]],
        actor=manager)
    ml = get_list("subcontractors")
    headers = [c.header() for c in ml.columns]
    rows = list(export_rows(ml, Subcontractor.objects.all(), ml.columns))
    assert rows[0][headers.index("Processing categories")] == "CUT、SEW"
    assert rows[0][headers.index("City")] == "苏州市"
    content, _n, _t = write_xlsx(title="x", headers=headers, rows=rows, max_rows=10)
    result = import_file(ml, content, "export.xlsx", actor=manager)
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 1)


def test_subcontractor_form_and_api_make_the_warehouse(manager, client_of):
    cut, sew = ProcessingCategory.objects.filter(code__in=["CUT", "SEW"]).order_by("code")
    response = client_of(manager).post("/m/subcontractors/new/", {
        "code": "WX010", "name": "佛山张槎针织厂", "phone": "0757-82345678",
        "address": "广东省佛山市禅城区张槎街道", "processing_categories": [cut.pk, sew.pk], "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    sub = Subcontractor.objects.get(code="WX010")
    assert set(sub.processing_categories.values_list("code", flat=True)) == {"CUT", "SEW"}
    assert Warehouse.objects.filter(subcontractor=sub, code="WX-WX010").exists()
    assert sub.district == "禅城区"

    api = Api(manager)
    response = api.post("/subcontractors", {"values": {"code": "WX011", "name": "南通印花厂",
                                                       "processing_categories": "PRINT;WASH"}})
    assert response.status_code == 201, response.json()
    record = response.json()
    assert record["values"]["processing_categories"] == "PRINT、WASH"
    assert Warehouse.objects.filter(subcontractor__code="WX011").exists()
    response = api.patch(f"/subcontractors/{record['id']}", {"values": {"processing_categories": ["CUT"]}})
    assert response.json()["values"]["processing_categories"] == "CUT"
    response = api.post("/subcontractors", {"values": {"code": "WX012", "name": "x", "processing_categories": "NOPE"}})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "processing_categories"
    assert not Subcontractor.objects.filter(code="WX012").exists()


# ---------------------------------------------------------------- processing categories


def test_processing_category_import_creates_and_updates(manager):
    headers = ["类别编码", "加工类别", "排序"]
    result = run("processing-categories", [headers, ["PLEAT", "压褶", "120"], ["SEW", "车缝（平车）", "20"]],
                 actor=manager)
    assert result.ok and (result.created, result.updated) == (1, 1)
    assert ProcessingCategory.objects.get(code="PLEAT").sort_order == 120
    assert ProcessingCategory.objects.get(code="SEW").name == "车缝（平车）"
    result = run("processing-categories", [headers, ["BAD CODE", "x", ""]], actor=manager)
    assert [(e.row, e.column) for e in result.errors] == [(2, "类别编码")]


# ---------------------------------------------------------------- customers: pages and API


def test_customer_form_goes_through_the_service(manager, client_of):
    client = client_of(manager)
    response = client.post("/m/customers/new/", {
        "code": "KH100", "name": "成都春熙路女装店", "kind": "b2b", "mobile": "+86 139-1234-5678",
        "address": "四川省成都市锦江区春熙路18号", "credit_limit": "30000", "payment_terms_days": "30",
        "deposit_percent": "", "active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(code="KH100")
    assert (customer.mobile, customer.city, customer.district) == ("13912345678", "成都市", "锦江区")
    response = client.post(f"/m/customers/{customer.pk}/", {
        "code": "KH100", "name": "成都春熙路女装店", "kind": "b2b", "mobile": "1391234", "active": "on"})
    assert response.status_code == 400
    assert 'data-error-for="mobile"' in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).mobile == "13912345678"


def test_customer_api_create_and_the_parsed_address(manager):
    api = Api(manager)
    response = api.post("/customers", {"values": {"code": "KH200", "name": "天猫买家", "kind": "零售买家",
                                                  "mobile": "138****1234", "address": "天津市南开区鞍山西道100号"}})
    assert response.status_code == 201, response.json()
    values = response.json()["values"]
    assert (values["province"], values["city"], values["district"]) == ("天津市", "天津市", "南开区")
    assert values["address_needs_confirmation"] is False and values["mobile"] == "138****1234"
    response = api.post("/customers", {"values": {"code": "KH201", "name": "B2B", "mobile": "138****1234"}})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "mobile"
    # The computed fields are read-only.
    response = api.patch(f"/customers/{Customer.objects.get(code='KH200').pk}", {"values": {"province": "河北省"}})
    assert response.status_code == 400


# ---------------------------------------------------------------- who may do what


@pytest.mark.parametrize("key", sorted(EDITORS))
@pytest.mark.parametrize("role", ROLE_CODES)
def test_access_table(role_user, role, key):
    user, ml = role_user(role), get_list(key)
    assert user_may_list(user, ml, "view") is (role in VIEWERS[key])
    for action in ("add", "change", "import"):
        assert user_may_list(user, ml, action) is (role in EDITORS[key]), action


def test_viewer_who_may_not_edit_gets_403_on_pages_and_api(role_user, manager, client_of):
    customer = services.customer_create(actor=manager, code="KH001", name="北京客户", kind="b2b")
    finance = role_user("finance")
    client, api = client_of(finance), Api(finance)
    before = (Customer.objects.count(), AuditEvent.objects.count())
    assert client.get("/m/customers/").status_code == 200
    page = client.get(f"/m/customers/{customer.pk}/")
    assert page.status_code == 200 and 'id="sf-save"' not in page.content.decode()  # read-only
    assert client.get("/m/customers/new/").status_code == 403
    assert client.post("/m/customers/new/", {"code": "KH9", "name": "x", "kind": "b2b"}).status_code == 403
    assert client.post(f"/m/customers/{customer.pk}/", {"code": "KH001", "name": "改名", "kind": "b2b"}).status_code \
        == 403
    assert client.get("/m/customers/import/").status_code == 403
    upload = SimpleUploadedFile("c.csv", csv_bytes([CUSTOMER_HEADERS, CUSTOMER_ROWS[0]], "gbk"))
    assert client.post("/m/customers/import/", {"file": upload, "mode": "all"}).status_code == 403
    assert api.get("/customers").status_code == 200
    assert api.post("/customers", {"values": {"code": "KH9", "name": "x"}}).status_code == 403
    assert api.patch(f"/customers/{customer.pk}", {"values": {"name": "改名"}}).status_code == 403
    assert api.upload("/customers/imports", csv_bytes([CUSTOMER_HEADERS, CUSTOMER_ROWS[0]], "gbk")).status_code == 403
    assert (Customer.objects.count(), AuditEvent.objects.count()) == before
    assert Customer.objects.get(pk=customer.pk).name == "北京客户"
    assert not ImportJob.objects.exists()


def test_roles_without_view_get_403_everywhere(role_user, manager, client_of):
    sub = services.subcontractor_create(actor=manager, code="WX001", name="某厂")
    designer = role_user("designer")
    client, api = client_of(designer), Api(designer)
    for path in ("/m/customers/", "/m/subcontractors/", "/m/processing-categories/", f"/m/subcontractors/{sub.pk}/",
                 "/m/subcontractors/export.xlsx"):
        assert client.get(path).status_code == 403, path
    for path in ("/customers", "/subcontractors", "/processing-categories", f"/subcontractors/{sub.pk}"):
        assert api.get(path).status_code == 403, path
    # The warehouse sees subcontractors but may not add one.
    clerk = role_user("warehouse")
    assert client_of(clerk).get("/m/subcontractors/").status_code == 200
    assert client_of(clerk).post("/m/subcontractors/new/", {"code": "WX9", "name": "x"}).status_code == 403
    assert Api(clerk).post("/subcontractors", {"values": {"code": "WX9", "name": "x"}}).status_code == 403
    assert not Subcontractor.objects.filter(code="WX9").exists()
    assert not Warehouse.objects.filter(code="WX-WX9").exists()


def test_editors_get_the_pages(role_user, client_of):
    sales = client_of(role_user("sales"))
    assert sales.get("/m/customers/new/").status_code == 200
    assert sales.get("/m/customers/import/").status_code == 200
    template = sales.get("/m/customers/template.xlsx")
    headers = next(load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows(values_only=True))
    assert "客户编码" in headers and "省份" not in headers  # computed columns are not in the template
    planner = client_of(role_user("planning"))
    page = planner.get("/m/subcontractors/new/").content.decode()
    assert 'name="processing_categories"' in page and "车缝" in page
