"""shopflow import-orders: a generated Taobao pair (GBK, every quirk) imported once, a second run
creates nothing, an unknown item code holds, a broken row is reported with file/row/column."""

import io

import pytest
from django.core.management import call_command

from shopflow.channels.models import Shop
from shopflow.channels.taobao import generate_taobao_pair
from shopflow.sales.models import OnlineOrder, OrderState
from tests.factories import SkuFactory


@pytest.fixture
def files(db, tmp_path):
    for code in ("TX-BLK-M", "TX-WHT-L"):
        SkuFactory(code=code)
    Shop.objects.create(code="TB01", name="悦衣旗舰店")
    orders, items = generate_taobao_pair(60, seed=7, sku_codes=["TX-BLK-M", "TX-WHT-L"], unknown_sku_every=7)
    (tmp_path / "订单报表.csv").write_bytes(orders)
    (tmp_path / "宝贝报表.csv").write_bytes(items)
    return tmp_path / "订单报表.csv", tmp_path / "宝贝报表.csv"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_orders", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_import_twice_creates_once(files):
    code, out, _err = run("--format", "taobao", "--shop", "TB01", "--no-progress", *map(str, files))
    assert code == 0 and "60 created" in out
    held = OnlineOrder.objects.filter(state=OrderState.HELD)
    assert held.exists() and any(h["code"] == "unknown_sku" for o in held for h in o.holds)
    code, out, _err = run("--format", "taobao", "--shop", "TB01", "--no-progress", *map(str, files))
    assert "0 created" in out and "60 unchanged" in out and OnlineOrder.objects.count() == 60


def test_broken_row_is_reported_and_the_rest_imported(files):
    orders, items = files
    text = orders.read_bytes().decode("gbk").split("\r\n" if b"\r\n" in orders.read_bytes() else "\n")
    header = [h.strip() for h in text[0].split(",")]
    column = header.index("买家实际支付金额")
    cells = text[1].split(",")
    cells[column] = "八十九"
    text[1] = ",".join(cells)
    orders.write_bytes("\n".join(text).encode("gbk"))
    code, out, err = run("--format", "taobao", "--shop", "TB01", "--no-progress", str(orders), str(items))
    assert code == 1 and "row 2" in err and "买家实际支付金额" in err
    assert "59 created" in out and "1 failed" in out


def test_unknown_shop_is_refused(files):
    with pytest.raises(Exception, match="No shop"):
        call_command("import_orders", "--format", "taobao", "--shop", "NOPE", *map(str, files))
