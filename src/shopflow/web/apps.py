from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "shopflow.web"
    label = "web"
    verbose_name = _("Web shell")

    def ready(self):
        from django.contrib import admin

        from shopflow.web.login import ThrottledAdminAuthenticationForm

        admin.site.login_form = ThrottledAdminAuthenticationForm  # the admin's sign-in is throttled too

        from shopflow.web.extensions import EXTENSION_MODULES

        for name in EXTENSION_MODULES:  # they register their menu entries and detail-page links
            import_module(name)
