"""URLs of the API-token pages, under /account/tokens/ (in the "web" namespace)."""

from django.urls import path

from shopflow.web import token_views

urlpatterns = [
    path("", token_views.token_list, name="tokens"),
    path("<int:pk>/revoke/", token_views.token_revoke, name="token-revoke"),
]
