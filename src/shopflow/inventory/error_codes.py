"""Stable error codes of the inventory app."""

from enum import StrEnum


class InventoryError(StrEnum):
    NEGATIVE_STOCK = "negative_stock"
    OVERSELL = "oversell"
    UNKNOWN_WAREHOUSE = "unknown_warehouse"
    INACTIVE_WAREHOUSE = "inactive_warehouse"
    SAME_WAREHOUSE = "same_warehouse"
    NO_RESERVATION = "no_reservation"
    RELEASE_EXCEEDS = "release_exceeds"
    OUT_OF_SCOPE = "out_of_scope"
    SCOPE_FROZEN = "scope_frozen"
    NO_COUNTS = "no_counts"
    DUPLICATE_BIN = "duplicate_bin"
    BIN_OTHER_WAREHOUSE = "bin_other_warehouse"
    BIN_INACTIVE = "bin_inactive"
    BIN_WAREHOUSE_FIXED = "bin_warehouse_fixed"
    UNKNOWN_BIN = "unknown_bin"
    UNKNOWN_SKU = "unknown_sku"
    UNKNOWN_CATEGORY = "unknown_category"
    LOCATION_KEY_FIXED = "location_key_fixed"
