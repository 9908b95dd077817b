"""Printable stock documents: the transfer order 调拨单 and the stock-take count sheet 盘点表.

Each function returns the PDF as bytes; the web layer serves it. Text is set in ReportLab's
built-in CID font STSong-Light, which every PDF reader can show for Chinese without
embedding a font file. Labels follow the active language (gettext)."""

from functools import cache
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from shopflow.catalog.models import Sku
from shopflow.core.serialize import plain
from shopflow.inventory.models import StockTake, TransferOrder
from shopflow.inventory.selectors import stocktake_counts

FONT = "STSong-Light"
# STSong-Light has no glyph for the middle dots people type in names (外协仓·杭州); the
# katakana middle dot looks the same and is in the font.
_SAME_LOOKING = str.maketrans({"\u00b7": "\u30fb", "\u2022": "\u30fb", "\u2027": "\u30fb", "\u22c5": "\u30fb",
                               "\uff65": "\u30fb"})
BLANK_ROWS = 6  # empty rows at the end of a count sheet, for goods found that are not listed


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=20, alignment=1, spaceAfter=4),
        "sub": ParagraphStyle("sub", fontName=font, fontSize=9, leading=12, alignment=1, textColor=colors.grey),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11),
        "num": ParagraphStyle("num", fontName=font, fontSize=8.5, leading=11, alignment=2),
        "head": ParagraphStyle("head", fontName=font, fontSize=8.5, leading=11, textColor=colors.white),
        "label": ParagraphStyle("label", fontName=font, fontSize=9, leading=12, textColor=colors.HexColor("#555555")),
        "value": ParagraphStyle("value", fontName=font, fontSize=9, leading=12),
    }


def printable(text) -> str:
    """Text the CID font can show: look-alikes for missing dots; characters beyond the Basic
    Multilingual Plane (emoji in remarks), which the font's 2-byte encoding would garble, as "?"."""
    text = str(text if text is not None else "").translate(_SAME_LOOKING)
    return "".join(ch if ord(ch) <= 0xFFFF else "?" for ch in text)


def _p(text, style) -> Paragraph:
    return Paragraph(escape(printable(text)), style)


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _header_table(pairs: list[tuple[str, str]], st, width) -> Table:
    """Label/value pairs, two pairs per row."""
    cells = [[_p(label, st["label"]), _p(value, st["value"])] for label, value in pairs]
    if len(cells) % 2:
        cells.append(["", ""])
    rows = [cells[i] + cells[i + 1] for i in range(0, len(cells), 2)]
    table = Table(rows, colWidths=[width * 0.14, width * 0.36, width * 0.14, width * 0.36])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                               ("TOPPADDING", (0, 0), (-1, -1), 2)]))
    return table


def _lines_table(head: list[str], rows: list[list], widths: list[float], numeric: set[int], st,
                 total: list | None = None) -> Table:
    data = [[_p(h, st["head"]) for h in head]]
    for row in rows + ([total] if total else []):
        data.append([_p(v, st["num"] if i in numeric else st["cell"]) for i, v in enumerate(row)])
    table = Table(data, colWidths=widths, repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#206bc4")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa0ac")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f1f3f5")))
    table.setStyle(TableStyle(style))
    return table


def _signatures(labels: list[str], st, width) -> Table:
    cells = [[_p(f"{label}：", st["value"]), ""] for label in labels]
    row = [c for pair in cells for c in pair]
    share = width / len(labels)
    table = Table([row], colWidths=[share * 0.4, share * 0.6] * len(labels))
    table.setStyle(TableStyle([("LINEBELOW", (i, 0), (i, 0), 0.5, colors.black) for i in range(1, len(row), 2)]
                              + [("TOPPADDING", (0, 0), (-1, -1), 14)]))
    return table


def _build(story: list[Flowable], title: str) -> bytes:
    buffer = BytesIO()
    font = _font()
    printed = _("Printed %(at)s") % {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(document.leftMargin, 10 * mm, printed)
        canvas.drawRightString(A4[0] - document.rightMargin, 10 * mm,
                               _("Page %(page)s") % {"page": document.page})
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=14 * mm, rightMargin=14 * mm,
                                 topMargin=14 * mm, bottomMargin=18 * mm)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def transfer_order_pdf(doc: TransferOrder) -> bytes:
    """The transfer order as staff print it: header, lines with total, signatures for the
    warehouse that sends, the one that receives, and the approver."""
    st = _styles()
    width = A4[0] - 28 * mm
    lines = list(doc.lines.select_related("sku"))
    story = [
        _p(_("Transfer order"), st["title"]),
        _p(doc.display_number, st["sub"]),
        Spacer(1, 4 * mm),
        _header_table([
            (_("From warehouse"), str(doc.from_warehouse)),
            (_("To warehouse"), str(doc.to_warehouse)),
            (_("Date"), doc.doc_date.isoformat()),
            (_("State"), doc.get_state_display()),
            (_("Created by"), _person(doc.created_by)),
            (_("Approved by"), _person(doc.approved_by)),
            (_("Remarks"), doc.remarks),
        ], st, width),
        Spacer(1, 4 * mm),
        _lines_table(
            [_("No."), _("SKU"), _("Name"), _("Colour"), _("Size"), _("Unit"), _("Quantity"), _("Remarks")],
            [[line.line_no, line.sku.code, line.sku.name, line.sku.colour, line.sku.size, line.sku.unit,
              plain(line.quantity), line.remarks] for line in lines],
            [w * width for w in (0.06, 0.17, 0.25, 0.09, 0.07, 0.06, 0.1, 0.2)], {6}, st,
            total=["", _("Total"), "", "", "", "", plain(sum((line.quantity for line in lines), 0)), ""],
        ),
        Spacer(1, 10 * mm),
        _signatures([_("Sent by"), _("Received by"), _("Approved by")], st, width),
    ]
    return _build(story, f"{_('Transfer order')} {doc.display_number}")


def stocktake_sheet_pdf(doc: StockTake, *, show_book: bool | None = None) -> bytes:
    """The count sheet 盘点表: every SKU in the count (book as frozen, and any counted), with
    empty columns to write the count in, and blank rows for goods that are not listed. The
    book quantity is left out for a blind count unless `show_book` says otherwise."""
    st = _styles()
    width = A4[0] - 28 * mm
    show_book = (not doc.blind) if show_book is None else show_book
    book, counted, _first = stocktake_counts(doc)
    skus = sorted(Sku.objects.filter(pk__in=set(book) | set(counted)), key=lambda s: s.code)
    head = [_("No."), _("SKU"), _("Name"), _("Colour"), _("Size"), _("Unit")]
    head += [_("Book"), _("Counted"), _("Remarks")] if show_book else [_("Counted"), _("Remarks")]
    rows = []
    for n, sku in enumerate(skus, 1):
        row = [n, sku.code, sku.name, sku.colour, sku.size, sku.unit]
        row += [plain(book.get(sku.pk, 0)), "", ""] if show_book else ["", ""]
        rows.append(row)
    rows += [[len(skus) + i + 1] + [""] * (len(head) - 1) for i in range(BLANK_ROWS)]
    widths = (0.06, 0.18, 0.25, 0.09, 0.07, 0.06) + ((0.1, 0.1, 0.09) if show_book else (0.14, 0.15))
    scope = doc.sku_prefix or _("All SKUs")
    story = [
        _p(_("Stock-take count sheet"), st["title"]),
        _p(doc.display_number, st["sub"]),
        Spacer(1, 4 * mm),
        _header_table([
            (_("Warehouse"), str(doc.warehouse)),
            (_("SKU code prefix"), scope),
            (_("Date"), doc.doc_date.isoformat()),
            (_("Blind count"), _("Yes") if doc.blind else _("No")),
            (_("Book frozen at"),
             timezone.localtime(doc.frozen_at).strftime("%Y-%m-%d %H:%M") if doc.frozen_at else ""),
            (_("State"), doc.get_state_display()),
            (_("Remarks"), doc.remarks),
        ], st, width),
        Spacer(1, 4 * mm),
        _lines_table(head, rows, [w * width for w in widths], {6, 7} if show_book else {6}, st),
        Spacer(1, 10 * mm),
        _signatures([_("Counted by"), _("Checked by"), _("Date")], st, width),
    ]
    return _build(story, f"{_('Stock-take count sheet')} {doc.display_number}")
