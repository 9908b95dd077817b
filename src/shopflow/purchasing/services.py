"""Effects and rules of purchasing documents (the framework does the rest)."""

from django.utils.translation import gettext as _

from shopflow.core.errors import FieldError
from shopflow.inventory.services import MoveSpec, stock_post, stock_reverse_origin


def purchase_order_validate(doc, lines) -> list[FieldError]:
    errors = []
    if doc.expected_date and doc.doc_date and doc.expected_date < doc.doc_date:
        errors.append(FieldError("header.expected_date", _("The expected arrival cannot be before the order date.")))
    return errors


def purchase_receipt_post(doc, actor) -> None:
    """Approval puts the received goods into the receipt's warehouse."""
    stock_post(
        moves=[MoveSpec(sku_id=line.sku_id, warehouse_id=doc.warehouse_id, quantity=line.quantity,
                        unit_cost=line.unit_cost, origin_line_id=line.pk) for line in doc.lines.all()],
        origin_type=doc.doc_type, origin_id=doc.pk, actor=actor,
    )


def purchase_receipt_unpost(doc, actor) -> None:
    """Un-approval takes them out again with reversing moves (refused if already used)."""
    stock_reverse_origin(origin_type=doc.doc_type, origin_id=doc.pk, actor=actor)


def purchase_order_to_receipt_header(order) -> dict:
    return {"supplier": order.supplier_id, "warehouse": order.warehouse_id,
            "remarks": _("From purchase order %(number)s") % {"number": order.number}}


def purchase_order_to_receipt_line(line) -> dict:
    return {"sku": line.sku_id, "unit_cost": line.unit_price}
