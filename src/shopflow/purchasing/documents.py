"""Registration of purchasing's document types, their access tables and push-down rules.

    requisition 采购申请 ──(standard only)──▶ purchase order ──▶ receipt (QC) ──▶ return
                                                              ▲                   │
                                                              └── exchange in ◀───┘ (exchange returns only)

Who does what: planning and purchasing raise requisitions, the manager approves them;
purchasing orders, the manager approves orders; the warehouse receives, inspects and approves
receipts; purchasing or the warehouse prepare returns, which the manager approves (they lower
what is owed to the supplier). Segregation of duties applies to every approval.
"""

from shopflow.core.registry import DocumentType, PushRule, register, register_push_rule
from shopflow.core.states import standard_machine
from shopflow.purchasing import selectors, services
from shopflow.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseRequisition,
    PurchaseRequisitionLine,
    PurchaseReturn,
    PurchaseReturnLine,
)

ALL = ("view", "create", "edit", "submit", "approve", "unapprove", "pushdown", "cancel")
PREPARE = ("view", "create", "edit", "submit", "pushdown", "cancel")
VIEW = ("view",)
UNPOST = {"unapprove": services.purchase_document_unpost}

PURCHASE_REQUISITION = register(DocumentType(
    model=PurchaseRequisition,
    line_model=PurchaseRequisitionLine,
    prefix="PRQ",
    area="purchasing",
    header_fields=("business_type", "department", "plan_category", "doc_date", "remarks"),
    line_fields=("sku", "required_date"),
    list_columns=("number", "doc_date", "business_type", "department", "plan_category", "state", "created_by"),
    search_fields=("number", "remarks"),
    filter_fields=("state", "business_type", "department", "plan_category"),
    machine=standard_machine(extra_guards={"submit": (services.requisition_dates_after,)}),
    validate=services.requisition_validate,
    access={
        "manager": ALL,
        "planning": PREPARE,
        "purchasing": PREPARE,
        "warehouse": VIEW,
        "finance": VIEW,
    },
))

PURCHASE_ORDER = register(DocumentType(
    model=PurchaseOrder,
    line_model=PurchaseOrderLine,
    prefix="PO",
    area="purchasing",
    header_fields=("supplier", "warehouse", "doc_date", "expected_date", "remarks"),
    line_fields=("sku", "unit_price", "required_date"),
    list_columns=("number", "doc_date", "supplier", "warehouse", "expected_date", "state", "created_by"),
    search_fields=("number", "remarks", "supplier__name", "supplier__code"),
    filter_fields=("state", "supplier", "warehouse"),
    validate=services.purchase_order_validate,
    changeable_fields=("expected_date", "remarks"),
    warnings=selectors.first_batch_warnings,
    access={
        "manager": ALL,
        "purchasing": PREPARE,
        "warehouse": ("view", "pushdown"),
        "finance": VIEW,
        "planning": VIEW,
    },
))

PURCHASE_RECEIPT = register(DocumentType(
    model=PurchaseReceipt,
    line_model=PurchaseReceiptLine,
    prefix="PR",
    area="purchasing",
    header_fields=("supplier", "kind", "warehouse", "defective_warehouse", "freight", "doc_date", "remarks"),
    line_fields=("sku", "rejected_quantity", "unit_cost"),
    list_columns=("number", "doc_date", "supplier", "kind", "warehouse", "freight", "state", "created_by"),
    search_fields=("number", "remarks", "supplier__name", "supplier__code"),
    filter_fields=("state", "kind", "supplier", "warehouse"),
    validate=services.purchase_receipt_validate,
    effects={**UNPOST, "approve": services.purchase_receipt_post},
    changeable_fields=("freight", "remarks"),
    access={
        "manager": ALL,
        "warehouse": ("view", "create", "edit", "submit", "approve", "pushdown", "cancel"),
        "purchasing": ("view", "pushdown"),
        "finance": VIEW,
    },
))

PURCHASE_RETURN = register(DocumentType(
    model=PurchaseReturn,
    line_model=PurchaseReturnLine,
    prefix="PRT",
    area="purchasing",
    header_fields=("supplier", "kind", "warehouse", "doc_date", "remarks"),
    line_fields=("sku", "unit_cost"),
    list_columns=("number", "doc_date", "supplier", "kind", "warehouse", "state", "created_by"),
    search_fields=("number", "remarks", "supplier__name", "supplier__code"),
    filter_fields=("state", "kind", "supplier", "warehouse"),
    validate=services.purchase_return_validate,
    effects={**UNPOST, "approve": services.purchase_return_post},
    access={
        "manager": ALL,
        "purchasing": PREPARE,
        "warehouse": PREPARE,
        "finance": VIEW,
    },
))

register_push_rule(PushRule(
    source=PURCHASE_REQUISITION.key,
    target=PURCHASE_ORDER.key,
    map_header=services.requisition_to_order_header,
    map_line=services.requisition_to_order_line,
    check=services.requisition_to_order_check,
    ask_header=("supplier", "warehouse"),
))

register_push_rule(PushRule(
    source=PURCHASE_ORDER.key,
    target=PURCHASE_RECEIPT.key,
    map_header=services.purchase_order_to_receipt_header,
    map_line=services.purchase_order_to_receipt_line,
    allowance=services.over_receipt_allowance,
))

register_push_rule(PushRule(
    source=PURCHASE_RECEIPT.key,
    target=PURCHASE_RETURN.key,
    map_header=services.receipt_to_return_header,
    map_line=services.receipt_to_return_line,
    ask_header=("kind", "warehouse"),
))

register_push_rule(PushRule(
    source=PURCHASE_RETURN.key,
    target=PURCHASE_RECEIPT.key,
    map_header=services.return_to_exchange_header,
    map_line=services.return_to_exchange_line,
    check=services.return_to_exchange_check,
    ask_header=("warehouse",),
))
