"""Root URL configuration."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from shopflow.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/docs/?$", RedirectView.as_view(pattern_name="api:openapi-view"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("shopflow.web.urls")),
]
