"""Stable error codes of the inventory app."""

from enum import StrEnum


class InventoryError(StrEnum):
    NEGATIVE_STOCK = "negative_stock"
    OVERSELL = "oversell"
    UNKNOWN_WAREHOUSE = "unknown_warehouse"
    INACTIVE_WAREHOUSE = "inactive_warehouse"
