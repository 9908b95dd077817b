from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "shopflow.fulfilment"
    label = "fulfilment"
    verbose_name = _("Fulfilment")

    def ready(self) -> None:
        from shopflow.fulfilment.allocation import allocate_approved, reallocate_arrived
        from shopflow.fulfilment.roles import grant_role_permissions
        from shopflow.inventory.services import register_arrival_listener
        from shopflow.sales.online import register_approval_listener

        post_migrate.connect(grant_role_permissions, dispatch_uid="shopflow.fulfilment.grant_role_permissions")
        # Allocation follows approval and stock arrival (after their commit); the lower apps
        # call these without importing fulfilment.
        register_approval_listener(allocate_approved)
        register_arrival_listener(reallocate_arrived)
