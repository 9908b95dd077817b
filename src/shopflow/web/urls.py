"""URLs of the web shell. Document pages are generic: /d/<type slug>/...; master-data lists:
/m/<list key>/..."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from shopflow.web.login import ThrottledLoginView
from shopflow.web.views import detail, edit, home, lists, masterdata

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/",
        ThrottledLoginView.as_view(),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", include("shopflow.web.token_urls")),
    path("d/<slug:slug>/", lists.doc_list, name="doc_list"),
    path("d/<slug:slug>/export.xlsx", lists.doc_export, name="doc_export"),
    path("d/<slug:slug>/bulk/", lists.doc_bulk, name="doc_bulk"),
    path("d/<slug:slug>/new/", edit.doc_new, name="doc_new"),
    path("d/<slug:slug>/<int:pk>/", detail.doc_detail, name="doc_detail"),
    path("d/<slug:slug>/<int:pk>/edit/", edit.doc_edit, name="doc_edit"),
    path("d/<slug:slug>/<int:pk>/do/<slug:action>/", detail.doc_transition, name="doc_transition"),
    path("d/<slug:slug>/<int:pk>/push/<slug:target>/", detail.doc_push, name="doc_push"),
    path("d/<slug:slug>/<int:pk>/change/", detail.doc_change, name="doc_change"),
    path("catalog/", include("shopflow.web.catalog_urls")),
    path("inventory/", include("shopflow.web.inventory_urls")),
    path("purchasing/", include("shopflow.web.purchasing_urls")),
    path("subcontracting/", include("shopflow.web.subcontracting_urls")),
    path("orders/", include("shopflow.web.orders_urls")),
    path("fulfilment/", include("shopflow.web.fulfilment_urls")),
    path("m/<slug:key>/", masterdata.md_list, name="md_list"),
    path("m/<slug:key>/export.xlsx", masterdata.md_export, {"fmt": "xlsx"}, name="md_export_xlsx"),
    path("m/<slug:key>/export.csv", masterdata.md_export, {"fmt": "csv"}, name="md_export_csv"),
    path("m/<slug:key>/template.xlsx", masterdata.md_template, name="md_template"),
    path("m/<slug:key>/new/", masterdata.md_new, name="md_new"),
    path("m/<slug:key>/<int:pk>/", masterdata.md_edit, name="md_edit"),
    path("m/<slug:key>/import/", masterdata.md_import, name="md_import"),
    path("m/<slug:key>/import/<int:pk>/", masterdata.md_job, name="md_job"),
    path("m/<slug:key>/import/<int:pk>/errors.xlsx", masterdata.md_job_errors, name="md_job_errors"),
]
