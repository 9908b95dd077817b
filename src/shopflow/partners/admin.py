from django.contrib import admin

from shopflow.partners.models import Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "contact", "phone", "active")
    search_fields = ("code", "name")
