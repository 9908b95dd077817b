"""The subcontracting area's own pages (beyond the generic document pages), their menu entries
and the buttons they add to the subcontract order's detail page."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from shopflow.web.extensions import DetailLink, register_detail_links, register_page
from shopflow.web.views import subcontracting

urlpatterns = [
    path("orders/<int:pk>/reconciliation/", subcontracting.order_reconciliation, name="sub_reconciliation"),
    path("orders/<int:pk>/order.pdf", subcontracting.order_pdf, name="sub_order_pdf"),
    path("tooling/", subcontracting.tooling_on_loan, name="sub_tooling"),
    path("fees/", subcontracting.processing_fees, name="sub_fees"),
]

register_page(area="subcontracting", label=_("Tooling on loan"), url_name="web:sub_tooling",
              allowed=subcontracting.may_view_loans)
register_page(area="subcontracting", label=_("Processing fees payable"), url_name="web:sub_fees",
              allowed=subcontracting.may_view_fees)


def _order_links(order, user) -> list[DetailLink]:
    return [
        DetailLink(_("Reconciliation"), reverse("web:sub_reconciliation", args=[order.pk]), "clipboard-list"),
        DetailLink(_("Print PDF"), reverse("web:sub_order_pdf", args=[order.pk]), "printer"),
    ]


register_detail_links(subcontracting.ORDER, _order_links)
