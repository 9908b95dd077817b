from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "shopflow.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from shopflow.sales import (
            documents,  # noqa: F401  (registers the document types)
            masterdata,  # noqa: F401  (registers the gift and courier rule lists)
        )
        from shopflow.sales.roles import grant_role_permissions

        post_migrate.connect(grant_role_permissions, dispatch_uid="shopflow.sales.grant_role_permissions")
