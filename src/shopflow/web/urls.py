"""URLs of the web shell. Document pages are generic: /d/<type slug>/..."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from shopflow.web.views import detail, edit, home, lists

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
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
]
