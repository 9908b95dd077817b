from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "shopflow.fulfilment"
    label = "fulfilment"
    verbose_name = _("Fulfilment")

    def ready(self) -> None:
        from shopflow.fulfilment.roles import grant_role_permissions

        post_migrate.connect(grant_role_permissions, dispatch_uid="shopflow.fulfilment.grant_role_permissions")
