from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "shopflow.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        # The system checks and the master-data lists register themselves on import.
        from shopflow.catalog import checks, masterdata  # noqa: F401
        from shopflow.catalog.roles import grant_role_permissions

        post_migrate.connect(grant_role_permissions, dispatch_uid="shopflow.catalog.grant_role_permissions")
