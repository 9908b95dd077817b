"""Stable error and hold codes of order intake (API clients match on them)."""

from enum import StrEnum


class HoldCode(StrEnum):
    UNKNOWN_SKU = "unknown_sku"
    ADDRESS = "address"
    REFUND = "refund"
    NO_LINES = "no_lines"
    MERGED_REFUND = "merged_refund"  # put on the order a refunded or closed order was merged into


class ChannelError(StrEnum):
    UNKNOWN_SHOP = "unknown_shop"
    INACTIVE_SHOP = "inactive_shop"
    UNKNOWN_FORMAT = "unknown_format"
