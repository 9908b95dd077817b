"""The .xlsx export of a list: the filtered rows, typed cells, and formulas neutralised."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from shopflow.core.xlsx import cell_value, safe_sheet_title, safe_text, write_xlsx
from tests.web.conftest import PO


def sheet_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(values_only=True))


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_triggers_are_neutralised(text):
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("value", ["采购", "a=b", "", "1-2"])
def test_plain_text_is_left_alone(value):
    assert safe_text(value) == value


def test_numbers_and_dates_stay_typed():
    assert cell_value(Decimal("-5")) == Decimal("-5")
    assert cell_value(datetime.date(2026, 1, 5)) == datetime.date(2026, 1, 5)
    assert cell_value(None) is None


def test_sheet_title_is_made_valid():
    assert safe_sheet_title("a/b:c*d?[e]") == "a_b_c_d__e_"
    assert len(safe_sheet_title("x" * 40)) == 31


def test_write_xlsx_stops_at_the_row_cap():
    content, written, truncated = write_xlsx(title="t", headers=["n"], rows=([i] for i in range(10)),
                                             max_rows=3, truncated_note="cut")
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert (written, truncated) == (3, True)
    assert rows == [("n",), (0,), (1,), (2,), ("cut",)]


def test_export_neutralises_a_formula_in_remarks(make_po, manager, client_of):
    po = make_po("draft", remarks="=cmd|' /C calc'!A0")
    rows = sheet_rows(client_of(manager).get(f"/d/{PO}/export.xlsx"))
    assert rows[1][rows[0].index("备注")] == "'=cmd|' /C calc'!A0"
    assert rows[1][rows[0].index("单据编号")] == po.display_number
    assert not any(isinstance(v, str) and v.startswith("=") for row in rows for v in row)


def test_export_follows_the_list_filters(make_po, manager, client_of):
    make_po("draft")
    make_po("submitted")
    rows = sheet_rows(client_of(manager).get(f"/d/{PO}/export.xlsx", {"state": "submitted"}))
    assert len(rows) == 2
    assert rows[1][rows[0].index("状态")] == "已提交"


def test_export_dates_are_real_dates(make_po, manager, client_of):
    make_po("draft", doc_date="2026-01-05")
    rows = sheet_rows(client_of(manager).get(f"/d/{PO}/export.xlsx"))
    assert rows[1][rows[0].index("单据日期")] == datetime.datetime(2026, 1, 5)


@override_settings(SHOPFLOW={"EXPORT_MAX_ROWS": 2})
def test_export_is_capped_by_the_setting(make_po, manager, client_of):
    for _ in range(3):
        make_po("draft")
    rows = sheet_rows(client_of(manager).get(f"/d/{PO}/export.xlsx"))
    assert len(rows) == 1 + 2 + 1  # header, two rows, the note
    assert "2" in rows[-1][0]
