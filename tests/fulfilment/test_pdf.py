"""Printed fulfilment papers: pick list, delivery notes, 100×180 mm waybills with a Code128 of the
tracking number, the handover list. Chinese text is set in the CID font and comes out of the PDF
as text; hostile buyer messages do not break the paragraphs."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone

from shopflow.catalog.services import style_create, style_generate_skus
from shopflow.channels.formats import PlatformLine, PlatformOrder, PlatformStatus, ReadResult
from shopflow.channels.models import Shop
from shopflow.channels.services import orders_import
from shopflow.fulfilment import pdf
from shopflow.fulfilment.allocation import orders_allocate
from shopflow.fulfilment.models import Parcel
from shopflow.fulfilment.services import (
    handover_create,
    parcel_pack,
    tracking_numbers_add,
    wave_assign_tracking,
    wave_create,
)
from shopflow.inventory.models import Warehouse
from shopflow.inventory.services import MoveSpec, bin_create, sku_location_set, stock_post
from shopflow.partners.models import Courier
from shopflow.sales.models import OnlineOrder
from shopflow.sales.online import online_order_approve
from tests.factories import UserFactory

PAID_AT = timezone.make_aware(datetime.datetime(2026, 11, 11, 9, 30))
HOSTILE = "<b>要黑色</b> & </para><para> 😀 \"引号\" <script>alert(1)</script>"

needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")


def pdf_text(content: bytes, *, layout: bool = False) -> str:
    args = ["pdftotext"] + (["-layout"] if layout else []) + ["-", "-"]
    return subprocess.run(args, input=content, capture_output=True, check=True).stdout.decode("utf-8")


def page_sizes(content: bytes) -> list[tuple[float, float]]:
    """The MediaBox of every page, in points (pdfinfo when there, else the raw PDF)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", content)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def platform_order(no: str, codes, *, message: str = "", name: str = "王小美",
                   address: str = "浙江省杭州市西湖区文三路90号东部软件园3号楼") -> PlatformOrder:
    return PlatformOrder(
        order_no=no, status=PlatformStatus.PAID, buyer_nick=f"tb_{no[-3:]}", goods_amount=Decimal("89.00"),
        total_amount=Decimal("89.00"), paid_amount=Decimal("89.00"), buyer_message=message, receiver_name=name,
        receiver_address=address, receiver_mobile="13800138000", created_at=PAID_AT, paid_at=PAID_AT,
        lines=[PlatformLine(title="纯棉圆领T恤", quantity=Decimal(q), price=Decimal("89.00"), sku_code=c)
               for c, q in codes])


def make_boss():
    return UserFactory(username="boss", roles=["manager"], first_name="仓管小李")


def make_catalogue(boss) -> dict:
    """Style TX01 纯棉圆领T恤 in 黑色/白色 × M/L, with EAN-13 barcodes."""
    style = style_create(code="TX01", name="纯棉圆领T恤", actor=boss)
    style_generate_skus(style=style, colours=[("BLK", "黑色"), ("WHT", "白色")], sizes=["M", "L"], actor=boss,
                        barcode="ean13")
    return {s.code: s for s in style.skus.all()}


@pytest.fixture
def boss(db):
    return make_boss()


@pytest.fixture
def catalogue(boss):
    return make_catalogue(boss)


def put(sku, warehouse, qty):
    stock_post(moves=[MoveSpec(sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=Decimal(qty))],
               origin_type="test.setup", origin_id=1, actor=None)


def fulfilment_world(boss, catalogue, orders) -> dict:
    """Warehouse WH01 with bins, stock of every SKU, shop TB01 shipping SF by default, the given
    platform orders imported, approved and allocated, and one wave of them — all through the
    services (a gift line is added before approval, as a gift rule would)."""
    warehouse = Warehouse.objects.create(code="WH01", name="杭州成品仓")
    courier = Courier.objects.get(code="SF")
    shop = Shop.objects.create(code="TB01", name="悦衣旗舰店", warehouse=warehouse, default_courier=courier)
    far = bin_create(actor=boss, warehouse=warehouse, code="A-02-01", sort_order=20)
    near = bin_create(actor=boss, warehouse=warehouse, code="Z-09-09", sort_order=10)  # walked first
    sku_location_set(actor=boss, sku=catalogue["TX01-BLK-M"], warehouse=warehouse, bin=far)
    sku_location_set(actor=boss, sku=catalogue["TX01-WHT-L"], warehouse=warehouse, bin=near)
    for sku in catalogue.values():
        put(sku, warehouse, 100)
    orders_import(shop=shop, actor=None, result=ReadResult(problems=[], orders=orders))
    by_no = {o.platform_order_no: o for o in OnlineOrder.objects.filter(shop=shop)}
    first = by_no.get("3001000000000001")
    if first is not None:
        first.lines.create(line_no=9, sku=catalogue["TX01-BLK-L"], sku_code="TX01-BLK-L", title="赠品",
                           quantity=1, price=0, is_gift=True)
    for order in by_no.values():
        online_order_approve(order=order, actor=boss)
    orders_allocate(actor=boss)
    wave = wave_create(warehouse=warehouse, actor=boss, courier=courier)
    return {"warehouse": warehouse, "courier": courier, "shop": shop, "wave": wave, "orders": by_no}


ORDERS = [
    platform_order("3001000000000001", [("TX01-BLK-M", 2), ("TX01-WHT-L", 1)], message=HOSTILE),
    platform_order("3001000000000002", [("TX01-BLK-M", 1)], name="欧阳娜娜",
                   address="新疆维吾尔自治区乌鲁木齐市天山区解放北路88号"),
    platform_order("3001000000000003", [("TX01-WHT-M", 3)]),
]


def barcodes(catalogue, *codes) -> list[str]:
    return [catalogue[c].barcode for c in codes]


@pytest.fixture
def printed_wave(boss, catalogue):
    """A wave of three SF parcels with tracking numbers from the pool; the first two packed,
    shipped and handed over."""
    world = fulfilment_world(boss, catalogue, ORDERS)
    tracking_numbers_add(courier=world["courier"], numbers=[f"SF10000000000{n:02d}" for n in range(1, 6)],
                         actor=boss)
    wave_assign_tracking(wave=world["wave"], actor=boss)
    parcels = list(world["wave"].parcels.order_by("order__platform_order_no"))
    parcel_pack(parcel=parcels[0], actor=boss, weight="0.45",
                scans=barcodes(catalogue, "TX01-BLK-M", "TX01-WHT-L", "TX01-BLK-M", "TX01-BLK-L"))
    parcel_pack(parcel=parcels[1], actor=boss, weight="0.9", scans=barcodes(catalogue, "TX01-BLK-M"))
    handover = handover_create(courier=world["courier"], warehouse=world["warehouse"], actor=boss)
    return {**world, "parcels": [Parcel.objects.get(pk=p.pk) for p in parcels], "handover": handover}


def test_item_label_and_contents_line(catalogue, printed_wave):
    order = OnlineOrder.objects.get(platform_order_no="3001000000000001")
    assert pdf.item_label(catalogue["TX01-BLK-M"]) == "TX01/黑色/M"
    assert pdf.items_text(order.lines.order_by("line_no")) == "TX01/黑色/M×2;TX01/白色/L;TX01/黑色/L"
    assert order.state == "shipped" and printed_wave["parcels"][0].tracking_no == "SF1000000000001"


def test_waybills_are_100_by_180_mm_labels_one_per_parcel(printed_wave):
    content = pdf.waybills_pdf(printed_wave["parcels"])
    assert content.startswith(b"%PDF-") and b"STSong-Light" in content
    sizes = page_sizes(content)
    assert len(sizes) == 3
    for width, height in sizes:
        assert abs(width - 100 / 25.4 * 72) < 0.5 and abs(height - 180 / 25.4 * 72) < 0.5


@needs_pdftotext
def test_waybill_text_has_receiver_sender_items_and_the_tracking_number(printed_wave, settings):
    settings.SHOPFLOW = {"SHIP_FROM": {"WH01": {"name": "悦衣旗舰店", "phone": "0571-88886666",
                                                "address": "浙江省杭州市余杭区仓前街道良睦路1399号"}}}
    text = pdf_text(pdf.waybill_pdf(printed_wave["parcels"][1]))
    for expected in ("顺丰速运", "SF1000000000002", "欧阳娜娜", "13800138000", "新疆维吾尔自治区 乌鲁木齐市",
                     "解放北路88号", "悦衣旗舰店", "0571-88886666", "良睦路1399号", "TX01/黑色/M",
                     "3001000000000002"):
        assert expected in text, expected
    assert pdf.sender_of(printed_wave["parcels"][1]).phone == "0571-88886666"


def test_the_barcode_is_code128_of_the_tracking_number(printed_wave):
    from reportlab.graphics.barcode.code128 import Code128

    code = pdf._barcode("SF1000000000001", height=10, max_width=240)
    assert isinstance(code, Code128) and code.value == "SF1000000000001" and code.width <= 240
    # the bars are drawn: a label with a tracking number has far more path operators than one without
    parcel = printed_wave["parcels"][2]
    with_number = pdf.waybill_pdf(parcel)
    Parcel.objects.filter(pk=parcel.pk).update(tracking_no="")  # as before the waybills were assigned
    parcel.refresh_from_db()
    assert len(with_number) > len(pdf.waybill_pdf(parcel))


@needs_pdftotext
def test_delivery_notes_one_page_per_parcel_with_gift_and_message(printed_wave):
    content = pdf.delivery_notes_pdf(printed_wave["parcels"])
    text = pdf_text(content)
    assert text.count("\f") == 3  # one page each
    for expected in ("Delivery note", "3001000000000001", "王小美", "TX01/黑色/M", "TX01/白色/L", "Gift",
                     "Buyer message", "要黑色", "<script>alert(1)</script>", "顺丰速运 SF100000000000"):
        assert expected in text, expected


def test_hostile_text_never_breaks_a_paper(printed_wave):
    order = printed_wave["parcels"][0].order
    OnlineOrder.objects.filter(pk=order.pk).update(
        receiver_name=HOSTILE[:100], address_detail=HOSTILE, seller_remark=HOSTILE, buyer_nick="<i>&")
    for content in (pdf.delivery_notes_pdf(printed_wave["parcels"]), pdf.waybills_pdf(printed_wave["parcels"])):
        assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")


@needs_pdftotext
def test_handover_list_counts_weights_and_signatures(printed_wave):
    text = pdf_text(pdf.handover_pdf(printed_wave["handover"]))
    for expected in ("Courier handover list", printed_wave["handover"].number, "顺丰速运", "SF1000000000001",
                     "SF1000000000002", "0.45", "0.9", "1.35", "2 parcels", "driver"):
        assert expected in text, expected
    assert "SF1000000000003" not in text  # not shipped, not handed over


@needs_pdftotext
def test_pick_list_walks_the_bins_in_their_order(printed_wave):
    text = pdf_text(pdf.pick_list_pdf(printed_wave["wave"]), layout=True)
    assert "Pick list" in text and printed_wave["wave"].number in text and "顺丰速运" in text and "纯棉圆领T恤" in text
    order = [text.index(code) for code in ("TX01-WHT-L", "TX01-BLK-M", "TX01-BLK-L", "TX01-WHT-M")]
    assert order == sorted(order)  # Z-09-09 (walked first), A-02-01, then no bin by code
    blk_m = next(line for line in text.splitlines() if "TX01-BLK-M" in line)
    assert "A-02-01" in blk_m and "TX01/黑色/M" in blk_m and re.search(r"\b3\s+2\b", blk_m)  # 3 pieces, 2 orders


def test_empty_selections_still_give_a_pdf(db):
    assert pdf.waybills_pdf([]).startswith(b"%PDF-")
    assert pdf.delivery_notes_pdf([]).startswith(b"%PDF-")
