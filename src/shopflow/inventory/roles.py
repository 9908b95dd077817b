"""Which roles may read the stock reports and keep safety stock: permissions that are not
document actions, so the document access tables do not cover them.

Added to the role groups after every migrate (after core has synced the document
permissions, which leaves permissions of other kinds alone). Only adds: an administrator
may grant more, and revoking is done in the admin."""

from django.apps import apps
from django.contrib.auth.models import Group, Permission

# role → codenames in the inventory app
ROLE_PERMISSIONS = {
    "manager": ("view_stockbalance", "view_stockmove", "view_stockreservation", "view_skucost",
                "view_safetystock", "change_safetystock"),
    "warehouse": ("view_stockbalance", "view_stockmove", "view_stockreservation", "view_safetystock",
                  "change_safetystock"),
    "planning": ("view_stockbalance", "view_stockreservation", "view_safetystock", "change_safetystock"),
    "purchasing": ("view_stockbalance", "view_safetystock"),
    "finance": ("view_stockbalance", "view_stockmove", "view_skucost"),
    "operations": ("view_stockbalance",),
    "customer_service": ("view_stockbalance",),
    "sales": ("view_stockbalance",),
}


def grant_role_permissions(sender=None, **kwargs) -> None:
    """post_migrate handler; like core's role sync it waits for the last app with models."""
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is not None and sender.label != with_models[-1].label:
        return
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="inventory")}
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.add(*(perms[c] for c in codenames if c in perms))
