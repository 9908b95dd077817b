"""Printable stock documents: the transfer order 调拨单 and the stock-take count sheet 盘点表.

Each function returns the PDF as bytes; the web layer serves it. The look (font for Chinese,
tables, footer) is core.pdf's."""

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from shopflow.core.pdf import build, header_table, lines_table, para, person, signatures, styles
from shopflow.core.serialize import plain
from shopflow.inventory.models import StockTake, TransferOrder
from shopflow.inventory.selectors import stocktake_scope_label, stocktake_sheet

BLANK_ROWS = 6  # empty rows at the end of a count sheet, for goods found that are not listed


def transfer_order_pdf(doc: TransferOrder) -> bytes:
    """The transfer order as staff print it: header, lines with total, signatures for the
    warehouse that sends, the one that receives, and the approver."""
    st = styles()
    width = A4[0] - 28 * mm
    lines = list(doc.lines.select_related("sku"))
    story = [
        para(_("Transfer order"), st["title"]),
        para(doc.display_number, st["sub"]),
        Spacer(1, 4 * mm),
        header_table([
            (_("From warehouse"), str(doc.from_warehouse)),
            (_("To warehouse"), str(doc.to_warehouse)),
            (_("Date"), doc.doc_date.isoformat()),
            (_("State"), doc.get_state_display()),
            (_("Created by"), person(doc.created_by)),
            (_("Approved by"), person(doc.approved_by)),
            (_("Remarks"), doc.remarks),
        ], st, width),
        Spacer(1, 4 * mm),
        lines_table(
            [_("No."), _("SKU"), _("Name"), _("Colour"), _("Size"), _("Unit"), _("Quantity"), _("Remarks")],
            [[line.line_no, line.sku.code, line.sku.name, line.sku.colour, line.sku.size, line.sku.unit,
              plain(line.quantity), line.remarks] for line in lines],
            [w * width for w in (0.06, 0.17, 0.25, 0.09, 0.07, 0.06, 0.1, 0.2)], {6}, st,
            total=["", _("Total"), "", "", "", "", plain(sum((line.quantity for line in lines), 0)), ""],
        ),
        Spacer(1, 10 * mm),
        signatures([_("Sent by"), _("Received by"), _("Approved by")], st, width),
    ]
    return build(story, f"{_('Transfer order')} {doc.display_number}")


def stocktake_sheet_pdf(doc: StockTake, *, show_book: bool | None = None) -> bytes:
    """The count sheet 盘点表: every SKU in the count (book as frozen, and any counted) in
    walking order — by bin, then SKU code — with empty columns to write the count in, and blank
    rows for goods that are not listed. The book quantity is left out for a blind count unless
    `show_book` says otherwise."""
    st = styles()
    width = A4[0] - 28 * mm
    show_book = (not doc.blind) if show_book is None else show_book
    sheet = stocktake_sheet(doc, show_book=show_book)
    head = [_("No."), _("Bin"), _("SKU"), _("Name"), _("Colour"), _("Size"), _("Unit")]
    head += [_("Book"), _("Counted"), _("Remarks")] if show_book else [_("Counted"), _("Remarks")]
    rows = []
    for n, row in enumerate(sheet, 1):
        cells = [n, row.bin_code, row.sku_code, row.sku_name, row.colour, row.size, row.unit]
        cells += [plain(row.book), "", ""] if show_book else ["", ""]
        rows.append(cells)
    rows += [[len(sheet) + i + 1] + [""] * (len(head) - 1) for i in range(BLANK_ROWS)]
    widths = (0.06, 0.1, 0.16, 0.19, 0.09, 0.06, 0.06) + ((0.09, 0.09, 0.1) if show_book else (0.13, 0.15))
    scope = stocktake_scope_label(doc)
    story = [
        para(_("Stock-take count sheet"), st["title"]),
        para(doc.display_number, st["sub"]),
        Spacer(1, 4 * mm),
        header_table([
            (_("Warehouse"), str(doc.warehouse)),
            (_("Counted SKUs"), scope),
            (_("Date"), doc.doc_date.isoformat()),
            (_("Blind count"), _("Yes") if doc.blind else _("No")),
            (_("Book frozen at"),
             timezone.localtime(doc.frozen_at).strftime("%Y-%m-%d %H:%M") if doc.frozen_at else ""),
            (_("State"), doc.get_state_display()),
            (_("Remarks"), doc.remarks),
        ], st, width),
        Spacer(1, 4 * mm),
        lines_table(head, rows, [w * width for w in widths], {7, 8} if show_book else {7}, st),
        Spacer(1, 10 * mm),
        signatures([_("Counted by"), _("Checked by"), _("Date")], st, width),
    ]
    return build(story, f"{_('Stock-take count sheet')} {doc.display_number}")
