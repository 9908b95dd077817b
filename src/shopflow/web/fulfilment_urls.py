"""The warehouse's fulfilment pages 发货 (waves, packing, tracking numbers, handover, service
levels) and their menu entries under the Fulfilment area."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from shopflow.web.extensions import register_page
from shopflow.web.views import fulfilment as views

urlpatterns = [
    path("waves/", views.wave_list, name="ful_waves"),
    path("waves/<int:pk>/", views.wave_detail, name="ful_wave"),
    path("waves/<int:pk>/do/<slug:action>/", views.wave_action, name="ful_wave_action"),
    path("waves/<int:pk>/pick-list.pdf", views.wave_pick_list_pdf, name="ful_wave_pick_list"),
    path("waves/<int:pk>/delivery-notes.pdf", views.wave_delivery_notes_pdf, name="ful_wave_notes"),
    path("waves/<int:pk>/waybills.pdf", views.wave_waybills_pdf, name="ful_wave_waybills"),
    path("parcels/<int:pk>/take-out/", views.parcel_take_out, name="ful_parcel_take_out"),
    path("parcels/<int:pk>/tracking/", views.parcel_tracking, name="ful_parcel_tracking"),
    path("parcels/<int:pk>/waybill.pdf", views.parcel_waybill_pdf, name="ful_parcel_waybill"),
    path("parcels/<int:pk>/delivery-note.pdf", views.parcel_delivery_note_pdf, name="ful_parcel_note"),
    path("tracking-numbers/", views.tracking_pool, name="ful_pool"),
    path("packing/", views.packing, name="ful_packing"),
    path("packing/<int:pk>/", views.packing_parcel, name="ful_pack_parcel"),
    path("packing/<int:pk>/scan/", views.packing_scan, name="ful_pack_scan"),
    path("packing/<int:pk>/finish/", views.packing_finish, name="ful_pack_finish"),
    path("handovers/", views.handover_list, name="ful_handovers"),
    path("handovers/<int:pk>.pdf", views.handover_pdf, name="ful_handover_pdf"),
    path("board/", views.service_board, name="ful_board"),
    path("shipped/", views.shipped_report, name="ful_shipped"),
    path("tracking-export/", views.tracking_export, name="ful_export"),
]

register_page("fulfilment", _("Waves"), "web:ful_waves", views.may_view_waves)
register_page("fulfilment", _("Packing station"), "web:ful_packing", views.may_work_parcels)
register_page("fulfilment", _("Tracking-number pool"), "web:ful_pool", views.may_view_pool)
register_page("fulfilment", _("Handover lists"), "web:ful_handovers", views.may_view_handovers)
register_page("fulfilment", _("Service-level board"), "web:ful_board", views.may_view_parcels)
register_page("fulfilment", _("Daily shipped report"), "web:ful_shipped", views.may_view_parcels)
register_page("fulfilment", _("Tracking numbers for the shops"), "web:ful_export", views.may_view_parcels)
