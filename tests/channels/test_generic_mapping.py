"""The column mapping of the generic order sheet as people write it (`字段=表头`, on the import
page or with --map): fields by key or by a name they are known by, every bad item named; and the
check against a file's header row (CSV of any size, GBK, .xlsx) before anything is imported."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from shopflow.channels import generic
from shopflow.channels.generic import MappingError, mapping_problems, parse_mapping, read_header
from shopflow.channels.models import Shop
from shopflow.sales.models import OnlineOrder


def test_fields_by_key_or_known_name_with_either_equals_sign():
    assert parse_mapping(["order_no=Ref", " 数量 ＝ Qty ", "", "商家编码=货号 (SKU)", "Buyer Message=Note=1"]) == {
        "order_no": "Ref", "quantity": "Qty", "sku_code": "货号 (SKU)", "buyer_message": "Note=1"}


@pytest.mark.parametrize(("item", "named"), [
    ("订单编号", "订单编号"),  # no "="
    ("颜色=Colour", "颜色"),  # not a field
    ("=Ref", "=Ref"),  # no field
    ("数量=", "数量"),  # no header
])
def test_a_bad_item_is_refused_naming_it(item, named):
    with pytest.raises(MappingError) as exc:
        parse_mapping(["order_no=Ref", item])
    [message] = exc.value.messages
    assert named in message and item.strip() in message


def test_every_bad_item_is_named_and_a_field_mapped_twice_too():
    with pytest.raises(MappingError) as exc:
        parse_mapping(["order_no=Ref", "单号=Number", "颜色=Colour", "qty"])
    assert len(exc.value.messages) == 3
    twice = exc.value.messages[0]
    assert "订单编号" in twice and "Ref" in twice and "Number" in twice


def test_the_header_is_read_without_reading_the_whole_file(monkeypatch):
    monkeypatch.setattr(generic, "HEADER_BYTES", 64)
    rows = "".join(f"A-{i},1,GS-1\n" for i in range(1000))
    content = ("\n单号,件数,货号\n" + rows).encode("gbk")
    assert read_header(content) == ["单号", "件数", "货号"]
    assert mapping_problems(content, "x.csv", {"order_no": "单号", "quantity": "件数"}) == []
    [problem] = mapping_problems(content, "x.csv", {"order_no": "单号", "quantity": "数目"})
    assert (problem.code, problem.row, problem.column) == ("no_column", 1, "数目") and "quantity" in problem.message


def test_an_xlsx_header_and_what_is_still_missing():
    book = Workbook()
    book.active.append(["Ref", "Pieces", None])
    book.active.append(["A-1", 2, None])
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    assert read_header(content)[:2] == ["Ref", "Pieces"]
    [missing] = mapping_problems(content, "x.xlsx", {"order_no": "Ref"})
    assert missing.code == "missing_column" and missing.column == "数量"
    assert mapping_problems(content, "x.xlsx", {"order_no": "Ref", "quantity": "Pieces"}) == []


def test_an_unreadable_file_is_left_to_the_import_to_report():
    assert read_header(b"PK\x03\x04 not really a workbook") is None
    assert mapping_problems(b"", "x.csv", {"order_no": "Ref"}) == []


def test_the_command_refuses_a_bad_map_before_importing(db, tmp_path):
    Shop.objects.create(code="OWN", name="官网", platform="own_site")
    path = tmp_path / "own.csv"
    path.write_text("Ref,Qty\nA-1,3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="颜色"):
        call_command("import_orders", "--format", "generic", "--shop", "OWN", "--no-progress",
                     "--map", "order_no=Ref", "--map", "颜色=Qty", str(path))
    assert not OnlineOrder.objects.exists()
    out = io.StringIO()
    call_command("import_orders", "--format", "generic", "--shop", "OWN", "--no-progress",
                 "--map", "订单编号=Ref", "--map", "数量＝Qty", str(path), stdout=out, stderr=io.StringIO())
    assert "1 created" in out.getvalue() and OnlineOrder.objects.get().platform_order_no == "A-1"
