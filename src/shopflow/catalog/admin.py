from django.contrib import admin

from shopflow.catalog.models import Sku


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "colour", "size", "unit", "cost", "list_price", "active")
    search_fields = ("code", "name", "barcode")
    list_filter = ("active",)
