"""The purchase order as sent to the supplier: header, lines with prices and amounts, the
total, and signature lines for the buyer, the supplier and the approver."""

from decimal import Decimal

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from shopflow.core.pdf import build, header_table, lines_table, para, person, signatures, styles
from shopflow.core.serialize import plain
from shopflow.purchasing.models import PurchaseOrder


def purchase_order_pdf(order: PurchaseOrder) -> bytes:
    st = styles()
    width = A4[0] - 28 * mm
    lines = list(order.lines.select_related("sku"))
    total = sum((line.amount for line in lines), Decimal(0))
    supplier = order.supplier
    story = [
        para(_("Purchase order"), st["title"]),
        para(order.display_number, st["sub"]),
        Spacer(1, 4 * mm),
        header_table([
            (_("Supplier"), f"{supplier.code} {supplier.name}"),
            (_("Contact"), " ".join(x for x in (supplier.contact, supplier.phone) if x)),
            (_("Order date"), order.doc_date.isoformat()),
            (_("Expected arrival"), order.expected_date.isoformat() if order.expected_date else ""),
            (_("Deliver to"), str(order.warehouse)),
            (_("State"), order.get_state_display()),
            (_("Created by"), person(order.created_by)),
            (_("Approved by"), person(order.approved_by)),
            (_("Remarks"), order.remarks),
        ], st, width),
        Spacer(1, 4 * mm),
        lines_table(
            [_("No."), _("SKU"), _("Name"), _("Colour"), _("Size"), _("Unit"), _("Quantity"), _("Unit price"),
             _("Amount")],
            [[line.line_no, line.sku.code, line.sku.name, line.sku.colour, line.sku.size, line.sku.unit,
              plain(line.quantity), f"{line.unit_price:,.2f}", f"{line.amount:,.2f}"] for line in lines],
            [w * width for w in (0.05, 0.17, 0.24, 0.08, 0.06, 0.06, 0.1, 0.11, 0.13)], {6, 7, 8}, st,
            total=["", _("Total"), "", "", "", "", plain(sum((line.quantity for line in lines), 0)), "",
                   f"¥{total:,.2f}"],
        ),
        Spacer(1, 10 * mm),
        signatures([_("Buyer"), _("Supplier"), _("Approved by")], st, width),
    ]
    return build(story, f"{_('Purchase order')} {order.display_number}")
