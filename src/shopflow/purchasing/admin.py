from django.contrib import admin

from shopflow.core.admin import DocumentAdmin
from shopflow.purchasing.models import PurchaseOrder, PurchaseReceipt

admin.site.register(PurchaseOrder, DocumentAdmin)
admin.site.register(PurchaseReceipt, DocumentAdmin)
