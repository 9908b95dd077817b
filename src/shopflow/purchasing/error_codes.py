"""Stable error codes of the purchasing app."""

from enum import StrEnum


class PurchasingError(StrEnum):
    REQUIRED_DATE_NOT_AFTER = "required_date_not_after"
    REJECTED_EXCEEDS_RECEIVED = "rejected_exceeds_received"
    NO_DEFECTIVE_WAREHOUSE = "no_defective_warehouse"
    SAME_DEFECTIVE_WAREHOUSE = "same_defective_warehouse"
    INACTIVE_WAREHOUSE = "inactive_warehouse"
    NOT_STANDARD_REQUISITION = "not_standard_requisition"
    NOT_EXCHANGE_RETURN = "not_exchange_return"
    UNKNOWN_SUPPLIER = "unknown_supplier"
    PAYMENT_VOIDED = "payment_voided"
    WRONG_RECEIPT_KIND = "wrong_receipt_kind"
