"""Admin for superusers: warehouses are master data; the ledger, its caches, bins and SKU
locations and the stock documents are read-only here (they change through the services only)."""

from django.contrib import admin

from shopflow.core.admin import DocumentAdmin, ReadOnlyAdmin
from shopflow.inventory.models import (
    Bin,
    OtherIssue,
    OtherReceipt,
    SafetyStock,
    SkuCost,
    SkuLocation,
    StockBalance,
    StockMove,
    StockReservation,
    StockTake,
    TransferOrder,
    Warehouse,
)


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "allow_negative", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = ("id", "sku", "warehouse", "quantity", "unit_cost", "value", "origin_type", "origin_id",
                    "created_at")
    list_filter = ("origin_type",)


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyAdmin):
    list_display = ("sku", "warehouse", "on_hand", "reserved")


@admin.register(StockReservation)
class StockReservationAdmin(ReadOnlyAdmin):
    list_display = ("origin_type", "origin_id", "origin_line_id", "sku", "warehouse", "quantity", "consumed",
                    "released", "open")
    list_filter = ("open", "origin_type")


@admin.register(SkuCost)
class SkuCostAdmin(ReadOnlyAdmin):
    list_display = ("sku", "quantity", "average", "value", "updated_at")


@admin.register(SafetyStock)
class SafetyStockAdmin(ReadOnlyAdmin):
    list_display = ("sku", "warehouse", "minimum", "updated_at", "updated_by")


@admin.register(Bin)
class BinAdmin(ReadOnlyAdmin):
    """Bins are kept on the master-data pages (services check the rules there)."""

    list_display = ("warehouse", "code", "name", "sort_order", "active")
    list_filter = ("warehouse", "active")
    search_fields = ("code", "name")


@admin.register(SkuLocation)
class SkuLocationAdmin(ReadOnlyAdmin):
    list_display = ("sku", "warehouse", "bin")
    list_filter = ("warehouse",)


for model in (OtherReceipt, OtherIssue, TransferOrder, StockTake):
    admin.site.register(model, DocumentAdmin)
