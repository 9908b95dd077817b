from django.urls import include, path
from django.views.generic import TemplateView

app_name = "web"

urlpatterns = [
    path("", TemplateView.as_view(template_name="web/home.html"), name="home"),
    path("account/tokens/", include("shopflow.web.token_urls")),
]
