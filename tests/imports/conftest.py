"""Helpers of the import tests: files built in memory, in the encodings sellers' tools write."""

import csv
import io

import pytest
from openpyxl import Workbook

from shopflow.core.masterdata import get_list

SKU_HEADERS = ["商家编码", "名称", "颜色", "尺码", "单位", "条码", "成本价", "吊牌价"]


def csv_bytes(rows, encoding="utf-8-sig", delimiter=",") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, title="Sheet1") -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def skus_list():
    return get_list("skus")


@pytest.fixture
def importer(db, manager):
    """importer(content, filename="skus.csv", list="skus", **kwargs) → ImportResult."""
    from shopflow.core.imports import import_file

    def run(content, filename="skus.csv", list_key="skus", **kwargs):
        kwargs.setdefault("actor", manager)
        return import_file(get_list(list_key), content, filename, **kwargs)

    return run


def errors_of(result) -> list[tuple]:
    """(row, column, code) of every error, for compact assertions."""
    return [(e.row, e.column, e.code) for e in result.errors]
