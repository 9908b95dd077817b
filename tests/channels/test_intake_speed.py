"""The fast paths of order intake give exactly what the plain ones give: addresses as
parse_address reads them, rows with every column's default, cached amounts and times that still
report every bad cell, and the originals (not split-off parts) updated by a re-import."""

import datetime
from decimal import Decimal

import pytest

from shopflow.channels import services
from shopflow.channels.formats import PlatformLine, PlatformOrder, PlatformStatus, ReadResult
from shopflow.channels.models import Shop
from shopflow.channels.taobao import generate_taobao_pair, read_taobao_pair, unprotect
from shopflow.core.models import AuditEvent
from shopflow.partners.address import parse_address
from shopflow.sales.models import OnlineOrder, OnlineOrderLine, OrderState
from tests.factories import SkuFactory

CODES = ["TX-BLK-M", "TX-WHT-L"]


@pytest.fixture
def shop(db):
    for code in CODES:
        SkuFactory(code=code)
    return Shop.objects.create(code="TB01", name="悦衣旗舰店")


def plain(text: str) -> tuple[str, str, str, str, str]:
    parsed = parse_address(text)
    return parsed.province, parsed.city, parsed.district, parsed.detail, "；".join(p.message for p in parsed.problems)


EDGE_ADDRESSES = [
    "北京 北京市 朝阳区 建国路88号 SOHO现代城5号楼1201(000000)", "浙江省 杭州市 西湖区",
    "浙江省 杭州市 西湖区 ", "浙江省 杭州市 西湖区 310000", "浙江省 杭州市 西湖区 邮编:310000",
    "浙江省 杭州市 西湖区  文三路１００号 （邮编：310000）", "浙江省 杭州市 西湖区 文三路\n100号,,",
    "浙江省 杭州市 西湖区 文三路 (310000)。", "浙江省 杭州市 西湖区 - 文三路 -",
    "浙江省 杭州市 西湖区 ＡＢＣ大厦 ", "浙江省 杭州市 西湖 文三路", "浙江省 杭州市 西湖区文三路",
    "浙江 杭州 西湖区 文三路100号", "浙江省 西湖区 文三路", "吉林省 吉林市 船营区 吉林大街1号",
    "广东省 东莞市 东城街道 莞城路1号", "海南省 省直辖县级行政区划 琼海市 嘉积镇",
    "上海 上海市 浦东新区 中国路1号(200120)", "中国 浙江省 杭州市 西湖区 文三路",
    "新疆维吾尔自治区 伊犁哈萨克自治州 伊宁市 解放路", "内蒙古自治区 呼和浩特市 新城区 中山路 100000",
    "湖北省 恩施土家族苗族自治州 恩施市 舞阳大街", "江苏省 南京市 鼓楼区 中山路",
    "浙江省 杭州市 中山路 100号", "香港特别行政区 九龙 油尖旺区 弥敦道", "北京 北京市 朝阳区 邮编 100000", "",
    " ", "中山路18号", "浙江省  杭州市  西湖区 文三路", "浙江省\t杭州市\t西湖区 文三路",
]


def test_addresses_read_as_parse_address_reads_them():
    orders, items = generate_taobao_pair(3000, seed=5, encoding="gb18030")
    texts = [o.receiver_address for o in read_taobao_pair(orders, items).orders] + EDGE_ADDRESSES
    services._region.cache_clear()
    assert [services._address(t) for t in texts] == [plain(t) for t in texts]
    assert services._region.cache_info().hits > 0  # the district parse was shared


@pytest.mark.parametrize("text", ['="2365000000000079190"', '="null"', '= "123"', '="12 3"', '="No:YT1"',
                                  "'13812345678", "No:'SF1", "null", " 123 ", '="SF1234567890123"', '="°"',
                                  '="喵"', "=123", '""', "ABC"])
def test_unprotect_fast_path_agrees_with_the_rules(text):
    expected = text.strip()
    if expected[:2] == '="' and expected[-1:] == '"':
        expected = expected[2:-1].strip()
    elif expected[:1] == "=":
        expected = expected[1:].strip().strip('"')
    if expected[:1] == "'":
        expected = expected[1:]
    if expected[:3] == "No:":
        expected = expected[3:].lstrip("'")
    assert unprotect(text) == ("" if expected == "null" else expected)


def test_new_orders_get_every_other_columns_default(shop):
    orders, items = generate_taobao_pair(5, seed=2, sku_codes=CODES)
    services.orders_import(shop=shop, result=read_taobao_pair(orders, items), actor=None, source="t")
    fields = [f for f in OnlineOrder._meta.concrete_fields if f.attname not in services.ORDER_FIELDS
              and not f.primary_key]
    assert {"flag", "note", "version", "address_edited"} <= {f.attname for f in fields}
    for order in OnlineOrder.objects.filter(shop=shop):
        for f in fields:
            assert getattr(order, f.attname) == f.get_default(), f.attname
    line_defaults = [f for f in OnlineOrderLine._meta.concrete_fields
                     if f.attname not in services.LINE_FIELDS and not f.primary_key]
    for line in OnlineOrderLine.objects.filter(order__shop=shop):
        for f in line_defaults:
            assert getattr(line, f.attname) == f.get_default(), f.attname
    event = AuditEvent.objects.filter(doc_type="sales.onlineorder").first()
    assert (event.from_state, event.reason, event.payload, event.action) == ("", "", {"source": "t"}, "import")


def test_values_survive_the_raw_insert(shop):
    paid = datetime.datetime(2026, 11, 11, 0, 0, 5, 123456, tzinfo=datetime.UTC)
    o = PlatformOrder(order_no="X1", status=PlatformStatus.PAID, goods_amount=Decimal("1089.10"),
                      postage=Decimal("0.05"), total_amount=Decimal("1089.15"), paid_amount=Decimal("1089.15"),
                      created_at=paid - datetime.timedelta(seconds=30), paid_at=paid, buyer_message="<b>'\"",
                      receiver_address="浙江省 杭州市 西湖区 文三路90号(310000)", receiver_name="王**",
                      lines=[PlatformLine(title="T" * 400, quantity=Decimal(3), price=Decimal("363.05"),
                                          sku_code="", outer_code="TX-WHT-L", properties="颜色：白")])
    services.orders_import(shop=shop, result=ReadResult([o], []), actor=None)
    order = OnlineOrder.objects.get(shop=shop, platform_order_no="X1")
    assert (order.goods_amount, order.postage, order.total_amount) == (Decimal("1089.10"), Decimal("0.05"),
                                                                      Decimal("1089.15"))
    assert order.paid_at == paid and order.ordered_at == paid - datetime.timedelta(seconds=30)
    assert order.buyer_message == "<b>'\"" and order.state == OrderState.TO_REVIEW and order.holds == []
    assert (order.province, order.city, order.district, order.address_detail) == ("浙江省", "杭州市", "西湖区",
                                                                                  "文三路90号")
    line = order.lines.get()
    assert line.sku.code == "TX-WHT-L" and line.sku_code == "TX-WHT-L" and len(line.title) == 300
    assert (line.quantity, line.price) == (Decimal(3), Decimal("363.05"))
    # the same again, through the update path: nothing changes
    again = services.orders_import(shop=shop, result=ReadResult([o], []), actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_batches_hold_and_reimport_across_batch_boundaries(shop, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 4)
    orders, items = generate_taobao_pair(23, seed=9, sku_codes=CODES, unknown_sku_every=5)
    first = services.orders_import(shop=shop, result=read_taobao_pair(orders, items), actor=None)
    held = OnlineOrder.objects.filter(shop=shop, state=OrderState.HELD)
    assert first.created == 23 and first.held == held.count() > 0
    assert any(h["code"] == "unknown_sku" for o in held for h in o.holds)
    seen = []
    again = services.orders_import(shop=shop, result=read_taobao_pair(orders, items), actor=None,
                                   on_progress=lambda done, total: seen.append((done, total)))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 23)
    assert seen == [(4, 23), (8, 23), (12, 23), (16, 23), (20, 23), (23, 23)]
    events = AuditEvent.objects.filter(doc_type="sales.onlineorder")
    assert events.filter(action="import").count() == 23 and not events.exclude(action="import").exists()


def test_a_reimport_updates_the_original_not_a_split_off_part(shop):
    o = PlatformOrder(order_no="S1", status=PlatformStatus.UNPAID, receiver_address="浙江省杭州市西湖区文三路90号",
                      created_at=datetime.datetime(2026, 11, 11, tzinfo=datetime.UTC),
                      lines=[PlatformLine(title="T", quantity=Decimal(1), price=Decimal(1), sku_code="TX-BLK-M")])
    services.orders_import(shop=shop, result=ReadResult([o], []), actor=None)
    original = OnlineOrder.objects.get(platform_order_no="S1")
    part = OnlineOrder.objects.create(shop=shop, platform_order_no="S1", platform_status="unpaid",
                                      state=OrderState.AWAITING_PAYMENT, split_from=original)
    o.status, o.paid_at, o.paid_amount = PlatformStatus.PAID, o.created_at, Decimal(1)
    summary = services.orders_import(shop=shop, result=ReadResult([o], []), actor=None)
    assert (summary.created, summary.updated) == (0, 1)
    original.refresh_from_db()
    part.refresh_from_db()
    assert original.state == OrderState.TO_REVIEW and original.version == 2
    assert part.state == OrderState.AWAITING_PAYMENT and part.version == 1
    event = AuditEvent.objects.get(doc_type="sales.onlineorder", action="platform_update")
    assert (event.doc_id, event.to_state) == (original.pk, OrderState.TO_REVIEW)


def test_cached_amounts_and_times_still_report_every_bad_cell():
    orders, items = generate_taobao_pair(6, seed=4, sku_codes=CODES)
    lines = orders.decode("gbk").split("\r\n")
    headers = [h.strip() for h in lines[0].split(",")]
    for row in (2, 4):
        cells = lines[row - 1].split(",")
        cells[headers.index("总金额")] = "八十九"
        cells[headers.index("订单创建时间")] = "昨天"
        lines[row - 1] = ",".join(cells)
    result = read_taobao_pair("\r\n".join(lines).encode("gbk"), items)
    found = {(p.row, p.column) for p in result.problems}
    assert found == {(2, "总金额"), (2, "订单创建时间"), (4, "总金额"), (4, "订单创建时间")}
    assert len(result.orders) == 4
    amounts = [o.total_amount for o in result.orders]
    assert all(isinstance(a, Decimal) for a in amounts)
