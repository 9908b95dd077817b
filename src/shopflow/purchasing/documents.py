"""Registration of purchasing's document types, their access table and push-down rules."""

from shopflow.core.registry import DocumentType, PushRule, register, register_push_rule
from shopflow.purchasing import services
from shopflow.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
)

ALL = ("view", "create", "edit", "submit", "approve", "unapprove", "pushdown", "cancel")

PURCHASE_ORDER = register(DocumentType(
    model=PurchaseOrder,
    line_model=PurchaseOrderLine,
    prefix="PO",
    area="purchasing",
    header_fields=("supplier", "warehouse", "doc_date", "expected_date", "remarks"),
    line_fields=("sku", "unit_price"),
    list_columns=("number", "doc_date", "supplier", "warehouse", "expected_date", "state", "created_by"),
    search_fields=("number", "remarks", "supplier__name", "supplier__code"),
    filter_fields=("state", "supplier", "warehouse"),
    validate=services.purchase_order_validate,
    changeable_fields=("expected_date", "remarks"),
    access={
        "manager": ALL,
        "purchasing": ("view", "create", "edit", "submit", "pushdown", "cancel"),
        "warehouse": ("view", "pushdown"),
        "finance": ("view",),
        "planning": ("view",),
    },
))

PURCHASE_RECEIPT = register(DocumentType(
    model=PurchaseReceipt,
    line_model=PurchaseReceiptLine,
    prefix="PR",
    area="purchasing",
    header_fields=("supplier", "warehouse", "doc_date", "remarks"),
    line_fields=("sku", "unit_cost"),
    list_columns=("number", "doc_date", "supplier", "warehouse", "state", "created_by"),
    search_fields=("number", "remarks", "supplier__name", "supplier__code"),
    filter_fields=("state", "supplier", "warehouse"),
    effects={"approve": services.purchase_receipt_post, "unapprove": services.purchase_receipt_unpost},
    access={
        "manager": ALL,
        "warehouse": ("view", "create", "edit", "submit", "approve", "cancel"),
        "purchasing": ("view",),
        "finance": ("view",),
    },
))

register_push_rule(PushRule(
    source=PURCHASE_ORDER.key,
    target=PURCHASE_RECEIPT.key,
    map_header=services.purchase_order_to_receipt_header,
    map_line=services.purchase_order_to_receipt_line,
))
