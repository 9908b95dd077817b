"""Stable error codes of subcontracting (API clients match on them)."""

from enum import StrEnum


class SubcontractError(StrEnum):
    NO_SUBCONTRACTOR = "no_subcontractor"
    NO_BOM = "no_bom"
    WRONG_BOM = "wrong_bom"
    SUBCONTRACTOR_WAREHOUSE = "subcontractor_warehouse"
    NOT_ON_LIST = "not_on_issue_list"
    WRONG_ORDER_LINE = "wrong_order_line"
    ORDER_CHANGED = "order_changed"
    ORDER_NOT_APPROVED = "order_not_approved"
    LIST_EXISTS = "issue_list_exists"
    LIST_NOT_APPROVED = "issue_list_not_approved"
    ISSUE_TARGET = "issue_transfer_warehouse"
    MORE_THAN_AT_SUBCONTRACTOR = "more_than_at_subcontractor"
    NOT_RECONCILED = "not_reconciled"
    NOT_TOOLING = "not_tooling"
    DUE_BACK = "due_back_before_date"
    WRONG_TYPE = "wrong_business_type"
