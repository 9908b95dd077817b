"""The inventory area's own pages (beyond the generic document and master-data pages), and what
they add to the menu and to detail pages (web.extensions)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from shopflow.core.selectors import user_may
from shopflow.core.states import DocState
from shopflow.inventory import roles
from shopflow.web.extensions import DetailLink, register_detail_links, register_page
from shopflow.web.views import inventory as views

STOCKTAKE = "inventory.stocktake"
TRANSFER = "inventory.transferorder"

urlpatterns: list = [
    path("stock/", views.stock_inquiry, name="inv_stock"),
    path("stock/export.xlsx", views.stock_export, name="inv_stock_export"),
    path("valuation/", views.valuation, name="inv_valuation"),
    path("valuation/export.xlsx", views.valuation_export, name="inv_valuation_export"),
    path("low-stock/", views.low_stock, name="inv_low_stock"),
    path("low-stock/export.xlsx", views.low_stock_export, name="inv_low_stock_export"),
    path("low-stock/safety-stock/", views.safety_stock_set, name="inv_safety_stock_set"),
    path("slow-moving/", views.slow_moving, name="inv_slow_moving"),
    path("slow-moving/export.xlsx", views.slow_moving_export, name="inv_slow_moving_export"),
    path("stocktake/new/", views.stocktake_new, name="inv_stocktake_new"),
    path("stocktake/bins/", views.stocktake_bins, name="inv_stocktake_bins"),
    path("stocktake/<int:pk>/count/", views.stocktake_count, name="inv_stocktake_count"),
    path("stocktake/<int:pk>/variance/", views.stocktake_variance, name="inv_stocktake_variance"),
    path("stocktake/<int:pk>/variance/export.xlsx", views.stocktake_variance_export,
         name="inv_stocktake_variance_export"),
    path("stocktake/<int:pk>/sheet.pdf", views.stocktake_sheet_pdf, name="inv_stocktake_pdf"),
    path("transfer/<int:pk>/print.pdf", views.transfer_pdf, name="inv_transfer_pdf"),
]


def _may_start_count(user) -> bool:
    return user_may(user, STOCKTAKE, "create")


register_page("inventory", _("Stock inquiry"), "web:inv_stock", roles.may_see_stock)
register_page("inventory", _("Stock valuation"), "web:inv_valuation", roles.may_see_value)
register_page("inventory", _("Low stock"), "web:inv_low_stock", roles.may_see_safety_stock)
register_page("inventory", _("Slow-moving stock"), "web:inv_slow_moving", roles.may_see_stock)
register_page("inventory", _("New count sheet"), "web:inv_stocktake_new", _may_start_count)


def stocktake_links(doc, user) -> list[DetailLink]:
    """Enter counts (a draft, for those who may edit it), variance review, the printed sheet."""
    if not user_may(user, STOCKTAKE, "view"):
        return []
    links = []
    if doc.state == DocState.DRAFT and user_may(user, STOCKTAKE, "edit"):
        links.append(DetailLink(_("Enter counts"), reverse("web:inv_stocktake_count", args=[doc.pk]),
                                icon="clipboard-list", primary=True))
    links.append(DetailLink(_("Variance review"), reverse("web:inv_stocktake_variance", args=[doc.pk]),
                            icon="chart-bar"))
    links.append(DetailLink(_("Print count sheet"), reverse("web:inv_stocktake_pdf", args=[doc.pk]),
                            icon="printer"))
    return links


def transfer_links(doc, user) -> list[DetailLink]:
    if not user_may(user, TRANSFER, "view"):
        return []
    return [DetailLink(_("Print PDF"), reverse("web:inv_transfer_pdf", args=[doc.pk]), icon="printer")]


register_detail_links(STOCKTAKE, stocktake_links)
register_detail_links(TRANSFER, transfer_links)
