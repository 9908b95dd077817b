from django.contrib import admin

from shopflow.core.admin import ReadOnlyAdmin
from shopflow.inventory.models import StockBalance, StockMove, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "allow_negative", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = ("id", "sku", "warehouse", "quantity", "origin_type", "origin_id", "created_at")


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyAdmin):
    list_display = ("sku", "warehouse", "on_hand", "reserved")
