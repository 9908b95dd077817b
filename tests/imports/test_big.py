"""A 100 000-row file, generated here: checked and imported well within a minute, and in
all-or-nothing mode one bad row among them still writes nothing. Prints rows/s (run with -s)."""

import time

import pytest

from shopflow.catalog.models import Sku
from shopflow.core.models import AuditEvent
from tests.imports.conftest import SKU_HEADERS, csv_bytes

ROWS = 100_000
LIMIT_SECONDS = 60


def big_file(rows: int, *, cost: str = "35.50", bad_row: int | None = None) -> bytes:
    colours, sizes = ("黑色", "白色", "雾霾蓝", "燕麦色"), ("S", "M", "L", "XL", "XXL")
    data = [SKU_HEADERS]
    for i in range(rows):
        price = "三十五" if i == bad_row else cost
        data.append([f"SKU{i:06d}", f"纯棉圆领T恤 {i // 20}", colours[i % 4], sizes[i % 5], "件", "", price, "89"])
    return csv_bytes(data, "gb18030")


@pytest.mark.django_db
def test_100k_rows(importer, capsys):
    content = big_file(ROWS, bad_row=ROWS - 7)
    started = time.monotonic()
    result = importer(content)
    bad_seconds = time.monotonic() - started
    assert not result.written and result.bad_rows == 1
    assert [(e.row, e.column) for e in result.errors] == [(ROWS - 7 + 2, "成本价")]
    assert Sku.objects.count() == 0 and AuditEvent.objects.count() == 0

    started = time.monotonic()
    result = importer(big_file(ROWS))
    create_seconds = time.monotonic() - started
    assert result.ok and result.created == ROWS
    assert Sku.objects.count() == ROWS

    started = time.monotonic()
    result = importer(big_file(ROWS, cost="36"))
    update_seconds = time.monotonic() - started
    assert result.ok and (result.created, result.updated) == (0, ROWS)
    assert Sku.objects.count() == ROWS and not Sku.objects.exclude(cost=36).exists()

    with capsys.disabled():
        print(f"\n100k-row import: check only (1 bad row) {bad_seconds:.1f} s; create {create_seconds:.1f} s "
              f"({ROWS / create_seconds:,.0f} rows/s); update {update_seconds:.1f} s "
              f"({ROWS / update_seconds:,.0f} rows/s)")
    assert create_seconds < LIMIT_SECONDS and update_seconds < LIMIT_SECONDS
