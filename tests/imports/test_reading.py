"""Reading files: formats and encodings sellers' tools write, header names, and files that
cannot be imported at all (empty, garbage, too big) — each refused with a clear message and
nothing written."""

import datetime
import os
from decimal import Decimal

import pytest

from shopflow.catalog.models import Sku
from shopflow.core.imports import ImportFileError, cell_to_text, decode_text, read_table
from tests.imports.conftest import SKU_HEADERS, csv_bytes, errors_of, xlsx_bytes

ROW = ["TS-001-BLK-M", "纯棉圆领T恤", "黑色", "M", "件", "6901234567892", "35.00", "89"]


def imported(result):
    assert result.ok, result.errors
    sku = Sku.objects.get(code="TS-001-BLK-M")
    assert (sku.name, sku.colour, sku.size, sku.unit) == ("纯棉圆领T恤", "黑色", "M", "件")
    assert sku.barcode == "6901234567892"
    assert (sku.cost, sku.list_price) == (Decimal("35.00"), Decimal("89.00"))
    return sku


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_with_chinese_headers_in_every_encoding(importer, encoding):
    result = importer(csv_bytes([SKU_HEADERS, ROW], encoding))
    imported(result)
    assert result.encoding == {"gbk": "gb18030", "utf-16": "utf-16"}.get(encoding, encoding)


def test_gbk_file_with_characters_outside_gb2312(importer):
    """GBK has 镕 and 堃 that GB2312 lacks; GB18030 decoding keeps them."""
    row = ["TS-镕", "堃字款卫衣", "燕麦色", "XL", "件", "", "62", "199"]
    result = importer(csv_bytes([SKU_HEADERS, row], "gbk"))
    assert result.ok, result.errors
    assert Sku.objects.get(code="TS-镕").name == "堃字款卫衣"


def test_xlsx(importer):
    result = importer(xlsx_bytes([SKU_HEADERS, ROW]), "skus.xlsx")
    imported(result)
    assert result.encoding == "xlsx"


def test_xlsx_numbers_typed_by_excel(importer):
    """Excel stores 35 and 6901234567892 as numbers and 89.9 as a float; they read back as typed."""
    row = ["TS-001-BLK-M", "纯棉圆领T恤", "黑色", "M", "件", 6901234567892, 35, 89.9]
    result = importer(xlsx_bytes([SKU_HEADERS, row]), "skus.xlsx")
    assert result.ok, result.errors
    sku = Sku.objects.get(code="TS-001-BLK-M")
    assert (sku.barcode, sku.cost, sku.list_price) == ("6901234567892", Decimal("35"), Decimal("89.90"))


def test_xlsx_detected_by_content_not_name(importer):
    assert importer(xlsx_bytes([SKU_HEADERS, ROW]), "export.csv").ok


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiters(importer, delimiter):
    imported(importer(csv_bytes([SKU_HEADERS, ROW], delimiter=delimiter)))


def test_headers_trimmed_and_compared_loosely(importer):
    headers = [" 商家编码 ", "名称\u3000", "\t颜色", "尺码 *", "单位", " 条码", "成本价 ", "吊牌价"]
    imported(importer(csv_bytes([headers, ROW])))


def test_english_headers_and_aliases(importer):
    headers = ["Item Code*", "name", "Colour", "SIZE", "Unit", "条形码", "cost", "List price"]
    imported(importer(csv_bytes([headers, ROW])))


def test_columns_in_any_order_and_extra_columns_ignored(importer):
    headers = ["吊牌价", "备注", *SKU_HEADERS[:6], "成本价"]
    row = ["89", "随便写", *ROW[:6], "35.00"]
    result = importer(csv_bytes([headers, row]))
    imported(result)
    assert result.ignored_columns == ["备注"]


def test_title_rows_above_the_header_are_skipped(importer):
    rows = [["商品资料导出 2026-11-22"], [], SKU_HEADERS, ROW]
    imported(importer(xlsx_bytes(rows), "skus.xlsx"))


def test_rows_are_numbered_as_in_excel(importer):
    """Blank rows and a quoted line break do not shift the row numbers errors report."""
    rows = [SKU_HEADERS, ["A-1", "第一行\n换行", "", "", "", "", "1", "1"], [],
            ["A-2", "x", "", "", "", "", "abc", "1"]]
    result = importer(csv_bytes(rows))
    assert errors_of(result) == [(4, "成本价", "not_a_number")]


# ---------------------------------------------------------------- files that cannot be imported


def refused(result, code):
    assert not result.ok and result.file_error
    assert [e.code for e in result.errors] == [code], result.errors
    assert Sku.objects.count() == 0
    return result.errors[0].message


@pytest.mark.parametrize("content", [b"", b"   \r\n\r\n", "\ufeff".encode()])
def test_empty_file(importer, content):
    assert "empty" in refused(importer(content), "empty")


def test_header_only(importer):
    assert "no data rows" in refused(importer(csv_bytes([SKU_HEADERS])), "no_rows")


def test_empty_xlsx(importer):
    refused(importer(xlsx_bytes([]), "skus.xlsx"), "empty")


@pytest.mark.parametrize("content", [
    os.urandom(4096),
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    b"\x00\x01\x02\x03" * 500,
])
def test_binary_garbage(importer, content):
    result = importer(content, "skus.csv")
    assert not result.ok and result.file_error
    assert result.errors[0].code in {"binary", "unreadable"}
    assert Sku.objects.count() == 0


def test_old_xls(importer):
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000
    assert ".xls" in refused(importer(content, "skus.xls"), "xls")


@pytest.mark.parametrize("content", [b"PK\x03\x04not really a zip", b"just text"])
def test_broken_xlsx(importer, content):
    refused(importer(content, "skus.xlsx"), "bad_xlsx")


def test_oversized_file_refused_before_reading(importer, settings):
    settings.SHOPFLOW = {"IMPORT_MAX_BYTES": 1000}
    rows = [SKU_HEADERS] + [[f"A-{i}", "T恤", "", "", "", "", "1", "1"] for i in range(100)]
    message = refused(importer(csv_bytes(rows)), "too_large")
    assert "1000 B" in message


def test_too_many_rows(importer, settings):
    settings.SHOPFLOW = {"IMPORT_MAX_ROWS": 5}
    rows = [SKU_HEADERS] + [[f"A-{i}", "T恤", "", "", "", "", "1", "1"] for i in range(10)]
    refused(importer(csv_bytes(rows)), "too_many_rows")


def test_read_table_raises_for_garbage():
    with pytest.raises(ImportFileError):
        read_table(b"\x00\x00\x00binary", "x.csv")


def test_decode_prefers_utf8_then_gb18030():
    assert decode_text("名称".encode()) == ("名称", "utf-8")
    assert decode_text("名称".encode("gbk")) == ("名称", "gb18030")
    assert decode_text("\ufeff名称".encode()) == ("名称", "utf-8-sig")


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (35, "35"), (35.0, "35"), (12.5, "12.5"), (0.1 + 0.2, "0.3"), (6901234567892.0, "6901234567892"),
    (True, "1"), (Decimal("1.50"), "1.50"), (datetime.date(2026, 1, 5), "2026-01-05"),
    (datetime.datetime(2026, 1, 5), "2026-01-05"), ("文本", "文本"),
])
def test_cell_to_text(value, text):
    assert cell_to_text(value) == text
