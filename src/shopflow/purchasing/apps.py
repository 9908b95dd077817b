from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "shopflow.purchasing"
    label = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self) -> None:
        from shopflow.purchasing import documents  # noqa: F401  (registers the document types)
        from shopflow.purchasing.roles import grant_role_permissions

        post_migrate.connect(grant_role_permissions, dispatch_uid="shopflow.purchasing.grant_role_permissions")
