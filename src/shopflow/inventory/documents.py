"""Registration of the stock documents, with their access tables.

Who approves: the shop manager approves everything. Transfers only move stock between the
company's own warehouses, so warehouse staff approve those too (never their own: segregation
of duties). Other receipts and issues create or remove stock without a supplier or customer
document, and stock-takes write off differences, so only the manager approves them and may
un-approve any of them. There is no separate "warehouse lead" role: to let a lead approve
stock-takes or other receipts/issues, give that user the permission directly (for example
inventory.approve_stocktake in the admin); role sync leaves per-user permissions alone.
"""

from shopflow.core.registry import DocumentType, register
from shopflow.core.states import standard_machine
from shopflow.inventory import services
from shopflow.inventory.models import (
    OtherIssue,
    OtherIssueLine,
    OtherReceipt,
    OtherReceiptLine,
    StockTake,
    StockTakeLine,
    TransferOrder,
    TransferOrderLine,
)

MANAGER = ("view", "create", "edit", "submit", "approve", "unapprove", "cancel")
CLERK = ("view", "create", "edit", "submit", "cancel")
VIEW = ("view",)
EFFECTS = {"unapprove": services.document_unpost}

OTHER_RECEIPT = register(DocumentType(
    model=OtherReceipt,
    line_model=OtherReceiptLine,
    prefix="QR",
    area="inventory",
    header_fields=("warehouse", "doc_date", "remarks"),
    line_fields=("sku", "unit_cost"),
    list_columns=("number", "doc_date", "warehouse", "state", "created_by"),
    search_fields=("number", "remarks", "warehouse__name", "warehouse__code"),
    filter_fields=("state", "warehouse"),
    validate=services.warehouse_document_validate,
    effects={**EFFECTS, "approve": services.other_receipt_post},
    access={"manager": MANAGER, "warehouse": CLERK, "purchasing": VIEW, "planning": VIEW, "finance": VIEW},
))

OTHER_ISSUE = register(DocumentType(
    model=OtherIssue,
    line_model=OtherIssueLine,
    prefix="QI",
    area="inventory",
    header_fields=("warehouse", "doc_date", "remarks"),
    line_fields=("sku",),
    list_columns=("number", "doc_date", "warehouse", "state", "created_by"),
    search_fields=("number", "remarks", "warehouse__name", "warehouse__code"),
    filter_fields=("state", "warehouse"),
    validate=services.warehouse_document_validate,
    effects={**EFFECTS, "approve": services.other_issue_post},
    access={"manager": MANAGER, "warehouse": CLERK, "purchasing": VIEW, "planning": VIEW, "finance": VIEW},
))

TRANSFER_ORDER = register(DocumentType(
    model=TransferOrder,
    line_model=TransferOrderLine,
    prefix="TO",
    area="inventory",
    header_fields=("from_warehouse", "to_warehouse", "doc_date", "remarks"),
    line_fields=("sku",),
    list_columns=("number", "doc_date", "from_warehouse", "to_warehouse", "state", "created_by"),
    search_fields=("number", "remarks", "from_warehouse__name", "to_warehouse__name"),
    filter_fields=("state", "from_warehouse", "to_warehouse"),
    validate=services.transfer_validate,
    effects={**EFFECTS, "approve": services.transfer_post},
    # Planners make the transfers that issue subcontract materials (计划做单); the warehouse approves (仓库完成).
    access={"manager": MANAGER, "warehouse": CLERK + ("approve",), "purchasing": VIEW, "planning": CLERK,
            "finance": VIEW},
))

STOCK_TAKE = register(DocumentType(
    model=StockTake,
    line_model=StockTakeLine,
    prefix="ST",
    area="inventory",
    # The bins of a count by bin are chosen on its own "new count sheet" page (stocktake_create).
    header_fields=("warehouse", "sku_prefix", "category", "blind", "doc_date", "remarks"),
    line_fields=("sku",),
    list_columns=("number", "doc_date", "warehouse", "sku_prefix", "category", "blind", "state", "created_by"),
    search_fields=("number", "remarks", "warehouse__name", "warehouse__code", "sku_prefix"),
    filter_fields=("state", "warehouse", "blind"),
    machine=standard_machine(extra_guards={"submit": (services.stocktake_has_counts,)}),
    validate=services.stocktake_validate,
    effects={**EFFECTS, "submit": services.stocktake_submit, "approve": services.stocktake_post},
    access={"manager": MANAGER, "warehouse": CLERK, "purchasing": VIEW, "planning": VIEW, "finance": VIEW},
))
