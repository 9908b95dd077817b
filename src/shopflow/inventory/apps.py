from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "shopflow.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        # The document types and the master-data lists register themselves on import.
        from shopflow.inventory import documents, masterdata  # noqa: F401
        from shopflow.inventory.roles import grant_role_permissions
        from shopflow.inventory.services import subcontractor_warehouse_ensure
        from shopflow.partners.masterdata import on_subcontractor_saved

        post_migrate.connect(grant_role_permissions, dispatch_uid="shopflow.inventory.grant_role_permissions")
        # Every subcontractor made or changed through the partners list gets its warehouse 外协仓.
        on_subcontractor_saved(subcontractor_warehouse_ensure)
