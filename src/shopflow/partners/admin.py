"""Partners: suppliers and couriers (customers, subcontractors follow in issue 3)."""
from django.contrib import admin

from shopflow.partners.models import Courier, Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "contact", "phone", "active")
    search_fields = ("code", "name")


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "tracking_pattern", "active", "sort_order")
    list_editable = ("active", "sort_order")
    list_filter = ("active",)
    search_fields = ("code", "name")
