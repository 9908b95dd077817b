from django.contrib import admin

from shopflow.core.admin import DocumentAdmin
from shopflow.purchasing.models import (
    PurchaseOrder,
    PurchaseReceipt,
    PurchaseRequisition,
    PurchaseReturn,
    SupplierPayment,
)

admin.site.register(PurchaseRequisition, DocumentAdmin)
admin.site.register(PurchaseOrder, DocumentAdmin)
admin.site.register(PurchaseReceipt, DocumentAdmin)
admin.site.register(PurchaseReturn, DocumentAdmin)


@admin.register(SupplierPayment)
class SupplierPaymentAdmin(admin.ModelAdmin):
    """Read-only: payments are recorded and voided through the supplier statement page."""

    list_display = ("number", "supplier", "pay_date", "amount", "method", "voided_at")
    list_filter = ("method",)
    search_fields = ("number", "reference", "supplier__name", "supplier__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
