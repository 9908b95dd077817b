"""Admin for superusers: waves, parcels, the tracking-number pool and handover lists are
read-only here — their states and numbers change only through fulfilment's services."""

from django.contrib import admin

from shopflow.core.admin import ReadOnlyAdmin
from shopflow.fulfilment.models import Handover, Parcel, TrackingNumber, Wave


@admin.register(Wave)
class WaveAdmin(ReadOnlyAdmin):
    list_display = ("number", "warehouse", "courier", "state", "printed_at", "created_at", "created_by")
    list_filter = ("state", "warehouse", "courier")
    search_fields = ("number",)


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "wave", "courier", "tracking_no", "state", "weight", "packed_by", "shipped_at",
                    "handover")
    list_filter = ("state", "courier", "warehouse")
    search_fields = ("tracking_no", "order__platform_order_no", "wave__number")
    list_select_related = ("order", "wave", "courier", "packed_by", "handover")


@admin.register(TrackingNumber)
class TrackingNumberAdmin(ReadOnlyAdmin):
    list_display = ("number", "courier", "parcel", "added_at", "added_by")
    list_filter = ("courier",)
    search_fields = ("number",)


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("number", "courier", "warehouse", "parcel_count", "total_weight", "created_at", "created_by")
    list_filter = ("courier", "warehouse")
    search_fields = ("number",)
