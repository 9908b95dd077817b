"""Registration of the subcontracting documents, their access tables and push-down rules.

Who does what follows seed 000: planners (计划 PMC) make subcontract orders, check and approve
the material issue lists and push down the transfers (计划做单); the warehouse issues and
receives (仓库完成) and approves transfers and receipts; the manager approves orders. Purchasing
also makes and follows subcontract orders in many shops, so it has the planner's rights on them.
"""

from shopflow.core.registry import DocumentType, PushRule, add_validator, register, register_push_rule
from shopflow.core.states import standard_machine
from shopflow.subcontracting import services
from shopflow.subcontracting.keys import TRANSFER
from shopflow.subcontracting.models import (
    MaterialIssueList,
    MaterialIssueListLine,
    MaterialReturn,
    MaterialReturnLine,
    SubcontractOrder,
    SubcontractOrderLine,
    SubcontractReceipt,
    SubcontractReceiptLine,
    ToolingLoan,
    ToolingLoanLine,
    ToolingReturn,
    ToolingReturnLine,
)

ALL = ("view", "create", "edit", "submit", "approve", "unapprove", "pushdown", "cancel")
PLANNER = ("view", "create", "edit", "submit", "pushdown", "cancel")
STOCK_CLERK = ("view", "create", "edit", "submit", "approve", "cancel")
VIEW = ("view",)

SUBCONTRACT_ORDER = register(DocumentType(
    model=SubcontractOrder,
    line_model=SubcontractOrderLine,
    prefix="WW",  # 委外
    area="subcontracting",
    header_fields=("subcontractor", "order_type", "planner_number", "material_warehouse", "receipt_warehouse",
                   "doc_date", "due_date", "original_order", "remarks"),
    line_fields=("sku", "unit_fee", "bom"),
    list_columns=("number", "planner_number", "doc_date", "subcontractor", "order_type", "due_date", "state",
                  "created_by"),
    search_fields=("number", "planner_number", "remarks", "subcontractor__name", "subcontractor__code"),
    filter_fields=("state", "subcontractor", "order_type"),
    machine=standard_machine(extra_guards={"submit": (services.needs_subcontractor, services.needs_boms),
                                           "approve": (services.needs_subcontractor, services.needs_boms),
                                           "unapprove": (services.issue_list_not_approved,),
                                           "close": (services.is_reconciled,)}),
    effects={"approve": services.subcontract_order_approve, "unapprove": services.subcontract_order_unapprove},
    validate=services.subcontract_order_validate,
    changeable_fields=("due_date", "remarks"),
    access={"manager": ALL, "planning": PLANNER, "purchasing": PLANNER, "warehouse": ("view", "pushdown"),
            "finance": VIEW},
))

MATERIAL_ISSUE_LIST = register(DocumentType(
    model=MaterialIssueList,
    line_model=MaterialIssueListLine,
    prefix="TL",  # 投料
    area="subcontracting",
    header_fields=("order", "doc_date", "remarks"),
    line_fields=("sku", "order_line"),
    list_columns=("number", "doc_date", "order", "state", "created_by"),
    search_fields=("number", "remarks", "order__number", "order__planner_number"),
    filter_fields=("state",),
    validate=services.issue_list_validate,
    extra_permissions={"over_issue_materialissuelist": ("manager",)},
    access={"manager": ALL, "planning": ("view", "create", "edit", "submit", "approve", "unapprove", "pushdown",
                                         "cancel"),
            "purchasing": ("view", "pushdown"), "warehouse": VIEW, "finance": VIEW},
))

SUBCONTRACT_RECEIPT = register(DocumentType(
    model=SubcontractReceipt,
    line_model=SubcontractReceiptLine,
    prefix="WR",
    area="subcontracting",
    header_fields=("order", "warehouse", "doc_date", "remarks"),
    line_fields=("sku", "order_line", "unit_fee"),
    list_columns=("number", "doc_date", "order", "warehouse", "state", "created_by"),
    search_fields=("number", "remarks", "order__number"),
    filter_fields=("state", "warehouse"),
    validate=services.receipt_validate,
    effects={"approve": services.receipt_post, "unapprove": services.receipt_unpost},
    access={"manager": ALL, "warehouse": STOCK_CLERK, "planning": VIEW, "purchasing": VIEW, "finance": VIEW},
))

MATERIAL_RETURN = register(DocumentType(
    model=MaterialReturn,
    line_model=MaterialReturnLine,
    prefix="WT",
    area="subcontracting",
    header_fields=("order", "warehouse", "doc_date", "remarks"),
    line_fields=("sku", "disposition"),
    list_columns=("number", "doc_date", "order", "warehouse", "state", "created_by"),
    search_fields=("number", "remarks", "order__number"),
    filter_fields=("state", "warehouse"),
    validate=services.material_return_validate,
    effects={"approve": services.material_return_post, "unapprove": services.unpost},
    access={"manager": ALL, "warehouse": STOCK_CLERK, "planning": ("view", "create", "edit", "submit", "cancel"),
            "finance": VIEW},
))

TOOLING_LOAN = register(DocumentType(
    model=ToolingLoan,
    line_model=ToolingLoanLine,
    prefix="GJ",  # 工装借出
    area="subcontracting",
    header_fields=("subcontractor", "from_warehouse", "doc_date", "due_back", "remarks"),
    line_fields=("sku",),
    list_columns=("number", "doc_date", "subcontractor", "due_back", "state", "created_by"),
    search_fields=("number", "remarks", "subcontractor__name"),
    filter_fields=("state", "subcontractor"),
    validate=services.tooling_loan_validate,
    effects={"approve": services.tooling_loan_post, "unapprove": services.unpost},
    changeable_fields=("due_back", "remarks"),
    access={"manager": ALL, "warehouse": STOCK_CLERK + ("pushdown",), "planning": PLANNER, "finance": VIEW},
))

TOOLING_RETURN = register(DocumentType(
    model=ToolingReturn,
    line_model=ToolingReturnLine,
    prefix="GH",  # 工装归还
    area="subcontracting",
    header_fields=("subcontractor", "warehouse", "doc_date", "remarks"),
    line_fields=("sku",),
    list_columns=("number", "doc_date", "subcontractor", "warehouse", "state", "created_by"),
    search_fields=("number", "remarks", "subcontractor__name"),
    filter_fields=("state", "subcontractor"),
    validate=services.tooling_return_validate,
    effects={"approve": services.tooling_return_post, "unapprove": services.unpost},
    access={"manager": ALL, "warehouse": STOCK_CLERK, "planning": VIEW, "finance": VIEW},
))

register_push_rule(PushRule(
    source=MATERIAL_ISSUE_LIST.key, target=TRANSFER,
    map_header=services.issue_list_to_transfer_header, map_line=services.issue_list_to_transfer_line,
    over_permission="subcontracting.over_issue_materialissuelist",
))
register_push_rule(PushRule(
    source=SUBCONTRACT_ORDER.key, target=SUBCONTRACT_RECEIPT.key,
    map_header=services.order_to_receipt_header, map_line=services.order_to_receipt_line,
))
register_push_rule(PushRule(
    source=TOOLING_LOAN.key, target=TOOLING_RETURN.key,
    map_header=services.loan_to_return_header, map_line=services.loan_to_return_line,
))
register_push_rule(PushRule(
    source="sales.salesorder", target=SUBCONTRACT_ORDER.key,
    map_header=services.sales_order_to_order_header, map_line=services.to_order_line,
    ask_header=("subcontractor",),
))
add_validator(TRANSFER, services.issue_transfer_validate)
register_push_rule(PushRule(
    source="purchasing.purchaserequisition", target=SUBCONTRACT_ORDER.key,
    map_header=services.requisition_to_order_header, map_line=services.to_order_line,
    check=services.requisition_is_subcontract, ask_header=("subcontractor",),
))
