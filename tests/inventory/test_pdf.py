"""Printed transfer orders and count sheets: a PDF with the Chinese text in the CID font."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import translation

from shopflow.core import services
from shopflow.core.pdf import printable
from shopflow.inventory.pdf import stocktake_sheet_pdf, transfer_order_pdf
from shopflow.inventory.services import stocktake_create
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import TRANSFER, make_doc, put


@pytest.fixture
def transfer_doc(clerk, manager):
    source, target = WarehouseFactory(name="成品仓"), WarehouseFactory(name="外协仓·杭州")
    lines = []
    for n in range(40):  # more than one page
        sku = SkuFactory(code=f"TS{n:02d}-BLK-M", name=f"纯棉圆领T恤 第{n}款", colour="黑色", size="M")
        put(sku, source, 100)
        lines.append({"sku": sku.pk, "quantity": str(n + 1), "remarks": "轻拿轻放" if n % 7 == 0 else ""})
    doc = make_doc(TRANSFER, clerk, {"from_warehouse": source.pk, "to_warehouse": target.pk,
                                     "remarks": "双十一备货"}, lines)
    services.document_transition(doc, "submit", actor=clerk)
    return services.document_transition(doc, "approve", actor=manager)


def test_transfer_order_pdf(transfer_doc):
    pdf = transfer_order_pdf(transfer_doc)
    assert pdf.startswith(b"%PDF-") and b"STSong-Light" in pdf
    assert b"/Count 2" in pdf  # 40 lines take two pages


def test_count_sheet_pdf_hides_the_book_of_a_blind_count(clerk):
    wh = WarehouseFactory(name="成品仓")
    sku = SkuFactory(name="牛仔裤")
    put(sku, wh, Decimal("12345"))
    open_doc = stocktake_create(warehouse_id=wh.pk, actor=clerk)
    blind_doc = stocktake_create(warehouse_id=wh.pk, actor=clerk, blind=True)
    with translation.override("en"):
        assert b"STSong-Light" in stocktake_sheet_pdf(open_doc)
    if shutil.which("pdftotext"):
        def text(pdf):
            return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout

        assert b"12345" in text(stocktake_sheet_pdf(open_doc))
        assert b"12345" not in text(stocktake_sheet_pdf(blind_doc))
        assert b"12345" in text(stocktake_sheet_pdf(blind_doc, show_book=True))


def test_text_is_made_printable_for_the_cid_font():
    assert printable("外协仓·杭州 😀 <b>") == "外协仓・杭州 ? <b>"


def test_hostile_remarks_do_not_break_the_pdf(transfer_doc):
    transfer_doc.remarks = "<script>alert(1)</script> & 😀 </para>"
    transfer_doc.save(update_fields=["remarks"])
    assert transfer_order_pdf(transfer_doc).startswith(b"%PDF-")
