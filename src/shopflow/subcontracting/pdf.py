"""The subcontract order as staff print it and hand to the subcontractor: header, the products
with their processing fees, and the material issue list 投料单 the materials go out by."""

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from shopflow.core.pdf import build, header_table, lines_table, para, person, signatures, styles
from shopflow.core.serialize import plain
from shopflow.core.states import DocState
from shopflow.subcontracting.models import SubcontractOrder


def subcontract_order_pdf(order: SubcontractOrder) -> bytes:
    st = styles()
    width = A4[0] - 28 * mm
    lines = list(order.lines.select_related("sku", "bom"))
    issue_list = order.issue_lists.exclude(state=DocState.CANCELLED).order_by("-pk").first()
    fee_total = sum((line.amount for line in lines), 0)
    story = [
        para(_("Subcontract order"), st["title"]),
        para(order.display_number + (f" · {order.planner_number}" if order.planner_number else ""), st["sub"]),
        Spacer(1, 4 * mm),
        header_table([
            (_("Subcontractor"), str(order.subcontractor or "")),
            (_("Subcontract type"), order.get_order_type_display()),
            (_("Order date"), order.doc_date.isoformat()),
            (_("Due date"), order.due_date.isoformat() if order.due_date else ""),
            (_("Material warehouse"), str(order.material_warehouse)),
            (_("Receiving warehouse"), str(order.receipt_warehouse)),
            (_("State"), order.get_state_display()),
            (_("Approved by"), person(order.approved_by)),
            (_("Remarks"), order.remarks),
        ], st, width),
        Spacer(1, 4 * mm),
        lines_table(
            [_("No."), _("Product"), _("Name"), _("Unit"), _("Quantity"), _("Fee per unit"), _("Fee"), _("BOM")],
            [[line.line_no, line.sku.code, line.sku.name, line.sku.unit, plain(line.quantity),
              f"{line.unit_fee:,.2f}", f"{line.amount:,.2f}", line.bom.version if line.bom else ""]
             for line in lines],
            [w * width for w in (0.06, 0.18, 0.26, 0.06, 0.1, 0.11, 0.12, 0.11)], {4, 5, 6}, st,
            total=["", _("Total"), "", "", plain(sum((line.quantity for line in lines), 0)), "",
                   f"{fee_total:,.2f}", ""],
        ),
        Spacer(1, 6 * mm),
    ]
    if issue_list is not None:
        items = list(issue_list.lines.select_related("sku", "order_line"))
        story += [
            para(_("Material issue list %(number)s (%(state)s)")
                 % {"number": issue_list.display_number, "state": issue_list.get_state_display()}, st["value"]),
            Spacer(1, 2 * mm),
            lines_table(
                [_("No."), _("Material"), _("Name"), _("Unit"), _("For line"), _("Quantity"), _("Remarks")],
                [[item.line_no, item.sku.code, item.sku.name, item.sku.unit,
                  item.order_line.line_no if item.order_line else "", plain(item.quantity), item.remarks]
                 for item in items],
                [w * width for w in (0.06, 0.18, 0.28, 0.07, 0.09, 0.12, 0.2)], {5}, st,
            ),
        ]
    story += [Spacer(1, 10 * mm), signatures([_("Planner"), _("Subcontractor"), _("Approved by")], st, width)]
    return build(story, f"{_('Subcontract order')} {order.display_number}")
