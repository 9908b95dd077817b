"""Registration of the sales order document type and its access table."""

from django.utils.translation import gettext as _

from shopflow.core.errors import FieldError
from shopflow.core.registry import DocumentType, register
from shopflow.sales.models import SalesOrder, SalesOrderLine


def sales_order_validate(doc, lines) -> list[FieldError]:
    if doc.delivery_date and doc.doc_date and doc.delivery_date < doc.doc_date:
        return [FieldError("header.delivery_date", _("The delivery date cannot be before the order date."))]
    return []


SALES_ORDER = register(DocumentType(
    model=SalesOrder,
    line_model=SalesOrderLine,
    prefix="SO",
    area="sales",
    header_fields=("customer", "contract_number", "doc_date", "delivery_date", "remarks"),
    line_fields=("sku", "unit_price"),
    list_columns=("number", "doc_date", "customer", "contract_number", "delivery_date", "state", "created_by"),
    search_fields=("number", "contract_number", "remarks", "customer__name", "customer__code"),
    filter_fields=("state", "customer"),
    validate=sales_order_validate,
    changeable_fields=("delivery_date", "remarks"),
    access={
        "manager": ("view", "create", "edit", "submit", "approve", "unapprove", "pushdown", "cancel"),
        "sales": ("view", "create", "edit", "submit", "cancel"),
        "customer_service": ("view",),
        "planning": ("view", "pushdown"),
        "purchasing": ("view",),
        "finance": ("view",),
        "warehouse": ("view",),
    },
))
