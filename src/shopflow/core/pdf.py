"""Printed documents: the shared look of every PDF (A4, title, header pairs, a lines table
with a blue head and a total row, signature lines, a footer with print time and page).

Text is set in ReportLab's built-in CID font STSong-Light, which every PDF reader can show for
Chinese without embedding a font file. Labels follow the active language (gettext). Each app
builds its own documents from these pieces (inventory.pdf, subcontracting.pdf, …).
"""

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
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.flowables import Flowable

FONT = "STSong-Light"
# STSong-Light has no glyph for the middle dots people type in names (外协仓·杭州); the
# katakana middle dot looks the same and is in the font.
_SAME_LOOKING = str.maketrans({"\u00b7": "\u30fb", "\u2022": "\u30fb", "\u2027": "\u30fb", "\u22c5": "\u30fb",
                               "\uff65": "\u30fb"})


@cache
def font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def styles() -> dict[str, ParagraphStyle]:
    name = font()
    return {
        "title": ParagraphStyle("title", fontName=name, fontSize=16, leading=20, alignment=1, spaceAfter=4),
        "sub": ParagraphStyle("sub", fontName=name, fontSize=9, leading=12, alignment=1, textColor=colors.grey),
        "cell": ParagraphStyle("cell", fontName=name, fontSize=8.5, leading=11),
        "num": ParagraphStyle("num", fontName=name, fontSize=8.5, leading=11, alignment=2),
        "head": ParagraphStyle("head", fontName=name, fontSize=8.5, leading=11, textColor=colors.white),
        "label": ParagraphStyle("label", fontName=name, fontSize=9, leading=12, textColor=colors.HexColor("#555555")),
        "value": ParagraphStyle("value", fontName=name, fontSize=9, leading=12),
    }


def printable(text) -> str:
    """Text the CID font can show: look-alikes for missing dots; characters beyond the Basic
    Multilingual Plane (emoji in remarks), which the font's 2-byte encoding would garble, as "?"."""
    text = str(text if text is not None else "").translate(_SAME_LOOKING)
    return "".join(ch if ord(ch) <= 0xFFFF else "?" for ch in text)


def para(text, style) -> Paragraph:
    return Paragraph(escape(printable(text)), style)


def person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def header_table(pairs: list[tuple[str, str]], st, width) -> Table:
    """Label/value pairs, two pairs per row."""
    cells = [[para(label, st["label"]), para(value, st["value"])] for label, value in pairs]
    if len(cells) % 2:
        cells.append(["", ""])
    rows = [cells[i] + cells[i + 1] for i in range(0, len(cells), 2)]
    table = Table(rows, colWidths=[width * 0.14, width * 0.36, width * 0.14, width * 0.36])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                               ("TOPPADDING", (0, 0), (-1, -1), 2)]))
    return table


def lines_table(head: list[str], rows: list[list], widths: list[float], numeric: set[int], st,
                 total: list | None = None) -> Table:
    data = [[para(h, st["head"]) for h in head]]
    for row in rows + ([total] if total else []):
        data.append([para(v, st["num"] if i in numeric else st["cell"]) for i, v in enumerate(row)])
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


def signatures(labels: list[str], st, width) -> Table:
    cells = [[para(f"{label}：", st["value"]), ""] for label in labels]
    row = [c for pair in cells for c in pair]
    share = width / len(labels)
    table = Table([row], colWidths=[share * 0.4, share * 0.6] * len(labels))
    table.setStyle(TableStyle([("LINEBELOW", (i, 0), (i, 0), 0.5, colors.black) for i in range(1, len(row), 2)]
                              + [("TOPPADDING", (0, 0), (-1, -1), 14)]))
    return table


def build(story: list[Flowable], title: str) -> bytes:
    buffer = BytesIO()
    name = font()
    printed = _("Printed %(at)s") % {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(name, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(document.leftMargin, 10 * mm, printed)
        canvas.drawRightString(A4[0] - document.rightMargin, 10 * mm,
                               _("Page %(page)s") % {"page": document.page})
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=14 * mm, rightMargin=14 * mm,
                                 topMargin=14 * mm, bottomMargin=18 * mm)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


