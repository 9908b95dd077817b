"""Spreadsheet (.xlsx) export with formula injection neutralised.

Exported text comes from people outside the company (buyer remarks, supplier names), and a
cell like ``=cmd|' /C calc'!A0`` runs when the file is opened in Excel or WPS. Any text cell
starting with a formula trigger is written with a leading single quote, so it stays text.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# = + - @ start formulas; tab and carriage return can smuggle one past naive checks (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def cell_value(value):
    """A value openpyxl writes as-is: numbers and dates stay typed, everything else is safe text."""
    if value is None:
        return None
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    return safe_text(str(value))


def _typed_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=cell_value(value))
    if isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, Decimal):
        cell.number_format = "#,##0.00" if value.as_tuple().exponent == -2 else "#,##0.####"
    return cell


def write_xlsx(
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    max_rows: int,
    truncated_note: str = "",
) -> tuple[bytes, int, bool]:
    """The workbook as bytes, the number of data rows written, and whether `rows` held more
    than `max_rows` (then `truncated_note` is added as a last row)."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(title=safe_sheet_title(title))
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        c = WriteOnlyCell(sheet, value=safe_text(str(text)))
        c.font = bold
        header_cells.append(c)
    sheet.append(header_cells)
    written, truncated = 0, False
    for row in rows:
        if written >= max_rows:
            truncated = True
            break
        sheet.append([_typed_cell(sheet, v) for v in row])
        written += 1
    if truncated and truncated_note:
        sheet.append([safe_text(truncated_note)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), written, truncated


def csv_value(value) -> str:
    """A CSV cell: numbers plain, dates ISO, text with formula triggers neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    return safe_text(str(value))


def write_csv(*, headers: Sequence[str], rows: Iterable[Sequence], max_rows: int) -> tuple[bytes, int, bool]:
    """CSV in UTF-8 with a BOM (without it Excel on Chinese Windows reads the file as GBK and
    shows mojibake), formula triggers neutralised as in write_xlsx. Returns the bytes, the
    number of data rows written and whether `rows` held more than `max_rows`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_text(str(h)) for h in headers])
    written, truncated = 0, False
    for row in rows:
        if written >= max_rows:
            truncated = True
            break
        writer.writerow([csv_value(v) for v in row])
        written += 1
    return ("\ufeff" + out.getvalue()).encode("utf-8"), written, truncated


def safe_sheet_title(title: str) -> str:
    """Excel forbids []:*?/\\ in sheet names and allows at most 31 characters."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'")
    return cleaned[:31] or "Sheet1"
