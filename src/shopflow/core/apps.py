from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shopflow.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from shopflow.core import checks  # noqa: F401  (registers the system checks)
        from shopflow.core.access import sync_role_permissions
        from shopflow.core.masterdata import sync_masterdata_permissions

        # Role permissions follow the access tables in code: new document types and actions
        # reach the groups on the next migrate, with no data migration per type.
        post_migrate.connect(sync_role_permissions, dispatch_uid="shopflow.sync_role_permissions")
        # The same for the master-data lists (core.masterdata): view/add/change per role.
        post_migrate.connect(sync_masterdata_permissions, dispatch_uid="shopflow.sync_masterdata_permissions")
