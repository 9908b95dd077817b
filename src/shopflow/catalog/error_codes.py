"""Stable error codes of the catalog app (clients match on these, never on messages)."""

from enum import StrEnum


class CatalogError(StrEnum):
    # Field-level codes (FieldError.code inside a ValidationFailed)
    REQUIRED = "required"
    DUPLICATE_CODE = "duplicate_code"
    DUPLICATE_BARCODE = "duplicate_barcode"
    DUPLICATE_LINE = "duplicate_line"
    INVALID_CODE = "invalid_code"
    INVALID_BARCODE = "invalid_barcode"
    INVALID_QUANTITY = "invalid_quantity"
    UNKNOWN_FIELD = "unknown_field"
    INACTIVE = "inactive"
    READ_ONLY = "read_only"
    # Rules that refuse a whole request
    CATEGORY_CYCLE = "category_cycle"
    CATEGORY_HAS_ACTIVE_CHILDREN = "category_has_active_children"
    PARENT_INACTIVE = "parent_inactive"
    STYLE_INACTIVE = "style_inactive"
    STYLE_CODE_LOCKED = "style_code_locked"
    GRID_CODE_TAKEN = "grid_code_taken"
    GRID_CELL_RETIRED = "grid_cell_retired"
    GRID_SKU_FIELD = "grid_sku_field"
    NOT_A_BUNDLE = "not_a_bundle"
    BUNDLE_HAS_COMPONENTS = "bundle_has_components"
    BUNDLE_EMPTY = "bundle_empty"
    BUNDLE_CYCLE = "bundle_cycle"
    BOM_CYCLE = "bom_cycle"
    BOM_NOT_FOUND = "bom_not_found"
    BOM_INACTIVE = "bom_inactive"
    BOM_DEFAULT_RETIRE = "bom_default_retire"
    BOM_DEFAULT_TWICE = "bom_default_twice"
    BARCODE_EXISTS = "barcode_exists"
    BARCODE_PREFIX = "barcode_prefix"
    BARCODE_EXHAUSTED = "barcode_exhausted"
    NOT_CODE128 = "not_code128"
