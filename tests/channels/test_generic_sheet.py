"""The generic order sheet 通用订单表: known headers in Chinese or English, a user's column
mapping, one order per order number over several rows, every bad cell reported with file, row
and column (its order left out whole), GBK and .xlsx, and the command with --map."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from shopflow.channels.generic import read_generic
from shopflow.channels.models import Shop
from shopflow.sales.models import OnlineOrder, OrderState, PlatformStatus
from tests.factories import SkuFactory

SHEET = """单号,状态,买家,收货人,手机,省,市,区,详细地址,付款时间,商品编码,商品名称,数量,单价,实付金额,留言
JD1001,已付款,张三,张三,13800138000,浙江省,杭州市,西湖区,文三路100号,2026-11-20 10:00:00,GS-1,T恤,2,49.00,147.00,
JD1001,已付款,张三,张三,13800138000,浙江省,杭州市,西湖区,文三路100号,2026-11-20 10:00:00,GS-2,裤子,1,49,147.00,
JD1002,待付款,李四,李四,13900139000,,,,上海市浦东新区世纪大道1号,,GS-1,T恤,1,49,0,"要顺丰, 谢谢"
JD1003,已付款,王五,王五,13700137000,,,,北京市朝阳区建国路1号,2026-11-20 12:00:00,GS-1,T恤,x,49,49,
"""


def test_known_headers_group_rows_into_orders():
    result = read_generic(SHEET.encode("gbk"), "京东.csv")
    orders = {o.order_no: o for o in result.orders}
    assert set(orders) == {"JD1001", "JD1002"}
    jd1001 = orders["JD1001"]
    assert jd1001.status == PlatformStatus.PAID and jd1001.paid_amount == Decimal("147.00")
    assert jd1001.receiver_address == "浙江省 杭州市 西湖区 文三路100号"
    assert [(line.sku_code, line.quantity) for line in jd1001.lines] == [("GS-1", 2), ("GS-2", 1)]
    assert orders["JD1002"].status == PlatformStatus.UNPAID and orders["JD1002"].buyer_message == "要顺丰, 谢谢"
    # The bad quantity is reported where it is; its order is not imported short of a line.
    [problem] = result.problems
    assert (problem.file, problem.row, problem.column) == ("京东.csv", 5, "数量") and "x" in problem.message


def test_a_mapping_names_the_users_own_headers():
    sheet = "Ref,Qty,Item\nA-1,3,GS-1\n"
    result = read_generic(sheet.encode(), "own.csv", {"order_no": "Ref", "quantity": "Qty", "sku_code": "Item"})
    [order] = result.orders
    assert order.order_no == "A-1" and order.lines[0].quantity == 3 and order.lines[0].sku_code == "GS-1"
    assert order.status == PlatformStatus.UNPAID  # no payment time, no status column


@pytest.mark.parametrize(("mapping", "code"), [({"order_no": "没有这列"}, "no_column"),
                                              ({"colour": "Ref"}, "unknown_field")])
def test_a_wrong_mapping_is_reported_on_the_header_row(mapping, code):
    result = read_generic(b"Ref,Qty\nA-1,3\n", "own.csv", mapping)
    assert result.orders == [] and any(p.code == code and p.row == 1 for p in result.problems)


def test_a_missing_required_column_is_named():
    result = read_generic("单号,商品编码\nA-1,GS-1\n".encode(), "x.csv")
    assert result.orders == []
    [problem] = result.problems
    assert problem.code == "missing_column" and problem.column == "数量" and "购买数量" in problem.message


def test_an_unknown_status_word_is_reported():
    result = read_generic("单号,数量,状态\nA-1,1,飞走了\n".encode(), "x.csv")
    assert result.orders == [] and result.problems[0].column == "状态" and "飞走了" in result.problems[0].message


def test_xlsx_is_read_like_csv():
    book = Workbook()
    sheet = book.active
    sheet.append(["order number", "quantity", "sku", "paid_at"])
    sheet.append(["X-9", 2, "GS-1", "2026-11-21 09:00:00"])
    buffer = io.BytesIO()
    book.save(buffer)
    [order] = read_generic(buffer.getvalue(), "x.xlsx").orders
    assert order.order_no == "X-9" and order.status == PlatformStatus.PAID and order.lines[0].quantity == 2


def test_command_with_mapping_imports_once(db, tmp_path):
    SkuFactory(code="GS-1")
    Shop.objects.create(code="OWN", name="官网", platform="own_site")
    path = tmp_path / "own.csv"
    path.write_text("Ref,Qty,Item,Paid\nA-1,3,GS-1,2026-11-21 09:00\nA-2,1,NOPE,2026-11-21 09:05\n", encoding="utf-8")
    args = ["--format", "generic", "--shop", "OWN", "--no-progress", "--map", "order_no=Ref", "--map", "quantity=Qty",
            "--map", "sku_code=Item", "--map", "paid_at=Paid", str(path)]
    out = io.StringIO()
    call_command("import_orders", *args, stdout=out, stderr=io.StringIO())
    assert "2 created" in out.getvalue()
    call_command("import_orders", *args, stdout=(again := io.StringIO()), stderr=io.StringIO())
    assert "2 unchanged" in again.getvalue() and OnlineOrder.objects.count() == 2
    assert OnlineOrder.objects.get(platform_order_no="A-2").state == OrderState.HELD  # unknown item code
