"""The import page's column mapping for the generic order sheet 通用订单表: a sheet with the
seller's own headers plus `字段=表头` lines becomes orders (at once or in the background); a
mapping naming no field, or a header the file lacks, or given for a format with fixed headers is
refused with a message naming it, and nothing is stored or imported."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shopflow.channels import tasks
from shopflow.channels.models import Shop
from shopflow.core.models import ImportJob
from shopflow.sales.models import OnlineOrder, OrderState
from tests.factories import SkuFactory

URL = "/orders/import/"
# An own-site export: none of its headers is one the generic sheet knows.
SHEET = ("Ref,Item,Pieces,Paid on,Ship to,Recipient,Note\n"
         "W-1,GS-1,2,2026-11-21 09:00,浙江省杭州市西湖区文三路90号,李雷,\n"
         "W-1,GS-2,1,2026-11-21 09:00,浙江省杭州市西湖区文三路90号,李雷,\n"
         "W-2,GS-1,1,2026-11-21 09:05,上海市浦东新区世纪大道100号,韩梅梅,请发顺丰\n")
MAPPING = "订单编号=Ref\r\n商家编码 = Item\r\nquantity=Pieces\r\n\r\n付款时间=Paid on\r\n收货地址=Ship to\r\n" \
          "收货人=Recipient\r\n买家留言=Note"


@pytest.fixture
def shop(db):
    for code in ("GS-1", "GS-2"):
        SkuFactory(code=code)
    return Shop.objects.create(code="OWN", name="官网", platform="own_site", auto_review=False)


@pytest.fixture
def cs(role_user):
    return role_user("customer_service", "cs-1")


def upload(client, shop, content: bytes, mapping: str, *, fmt="generic", name="官网订单.csv", follow=True, **extra):
    data = {"shop": shop.pk, "format": fmt, "orders_file": SimpleUploadedFile(name, content), "mapping": mapping,
            **extra}
    return client.post(URL, data, follow=follow)


def test_the_page_offers_the_mapping_with_the_fields(shop, cs, client_of):
    page = client_of(cs).get(URL).content.decode()
    assert 'id="sf-import-mapping" data-format="generic"' in page and 'name="mapping"' in page
    assert 'data-field="order_no"' in page and "<code>订单编号</code>" in page and "<code>数量</code>" in page
    assert page.count('data-field="') == 23


def test_a_sheet_with_its_own_headers_and_a_mapping_becomes_orders(shop, cs, client_of):
    page = upload(client_of(cs), shop, SHEET.encode(), MAPPING).content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.summary["created"] == 2 and job.errors == []
    assert job.summary["mapping"]["order_no"] == "Ref" and job.summary["mapping"]["quantity"] == "Pieces"
    assert 'data-count="created">2<' in page and "order_no=Ref" in page  # the mapping used, on the job's page
    orders = {o.platform_order_no: o for o in OnlineOrder.objects.prefetch_related("lines")}
    w1, w2 = orders["W-1"], orders["W-2"]
    assert [(line.sku_code, line.quantity) for line in w1.lines.order_by("line_no")] == [("GS-1", 2), ("GS-2", 1)]
    assert w1.state == OrderState.TO_REVIEW and w1.receiver_name == "李雷" and w1.city == "杭州市"
    assert w2.buyer_message == "请发顺丰" and w2.province == "上海市"
    # the same file again with the same mapping: nothing twice
    upload(client_of(cs), shop, SHEET.encode(), MAPPING)
    assert ImportJob.objects.latest("id").summary["unchanged"] == 2 and OnlineOrder.objects.count() == 2


def test_without_the_mapping_the_file_is_not_understood(shop, cs, client_of):
    upload(client_of(cs), shop, SHEET.encode(), "")
    job = ImportJob.objects.get()
    assert job.summary["created"] == 0 and {e["code"] for e in job.errors} == {"missing_column"}
    assert not OnlineOrder.objects.exists()


def test_an_xlsx_sheet_with_a_mapping(shop, cs, client_of):
    book = Workbook()
    for row in SHEET.splitlines():
        book.active.append(row.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    upload(client_of(cs), shop, buffer.getvalue(), MAPPING, name="官网订单.xlsx")
    assert set(OnlineOrder.objects.values_list("platform_order_no", flat=True)) == {"W-1", "W-2"}


@pytest.mark.parametrize(("mapping", "named"), [
    ("订单编号=Ref\n颜色=Colour\n数量=Pieces", "颜色"),  # not a field of the sheet
    ("订单编号=Reference\n数量=Pieces", "Reference"),  # a header the file does not have
    ("订单编号=Ref\n数量 Pieces", "数量 Pieces"),  # not field=header
    ("订单编号=Ref\n单号=Item\n数量=Pieces", "Item"),  # the order number mapped twice
    ("订单编号=Ref", "数量"),  # the quantity still has no column
])
def test_a_bad_mapping_is_refused_naming_the_problem(shop, cs, client_of, mapping, named):
    response = upload(client_of(cs), shop, SHEET.encode(), mapping, follow=False)
    assert response.status_code == 400
    page = response.content.decode()
    errors = page[page.index('id="sf-import-mapping"'):page.index('id="sf-mapping-fields"')]
    assert "sf-mapping-error" in errors and named in errors
    assert "<details id=\"sf-mapping-fields\" open>" in page  # the list of fields is opened to help
    assert not ImportJob.objects.exists() and not OnlineOrder.objects.exists()


def test_a_mapping_for_a_format_with_fixed_headers_is_refused(shop, cs, client_of):
    response = upload(client_of(cs), shop, SHEET.encode(), MAPPING, fmt="taobao", follow=False,
                      items_file=SimpleUploadedFile("宝贝报表.csv", b"x"))
    assert response.status_code == 400 and "sf-mapping-error" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_service_checks_the_mapping_too(shop, cs):
    from shopflow.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        tasks.order_import_job_create(shop=shop, format_key="generic", files=[("x.csv", SHEET.encode())], actor=cs,
                                      mapping={"order_no": "Ref", "quantity": "Stück"})
    assert [(e.field, e.code) for e in exc.value.errors] == [("mapping", "no_column")]
    assert "Stück" in exc.value.errors[0].message
    with pytest.raises(ValidationFailed):
        tasks.order_import_job_create(shop=shop, format_key="taobao", files=[("a.csv", b"a"), ("b.csv", b"b")],
                                      actor=cs, mapping={"order_no": "Ref"})
    assert not ImportJob.objects.exists()


def test_a_queued_job_keeps_its_mapping(shop, cs, client_of, settings, django_capture_on_commit_callbacks):
    settings.SHOPFLOW = {"IMPORT_BACKGROUND_BYTES": 100}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_of(cs), shop, SHEET.encode(), MAPPING)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED and not OnlineOrder.objects.exists()
    tasks.run_order_import.call(job.pk)  # a worker, later
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.summary["created"] == 2 and job.errors == []
