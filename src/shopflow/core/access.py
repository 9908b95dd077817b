"""Role → permission sync, and the access matrix as a table people can review."""

from django.contrib.auth.models import Group, Permission

from shopflow.core.registry import document_types
from shopflow.core.roles import ROLE_CODES
from shopflow.core.states import DOCUMENT_ACTIONS


def access_matrix() -> list[dict]:
    """One row per (document type, role): the actions that role may take."""
    return [
        {"type": dt, "role": role, "actions": [a for a in DOCUMENT_ACTIONS if a in dt.access.get(role, ())]}
        for dt in document_types()
        for role in ROLE_CODES
    ]


def sync_role_permissions(**kwargs) -> None:
    """Give each role group exactly the document permissions its access table grants
    (permissions of other kinds that an administrator added are left alone)."""
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_CODES)}
    if not groups:
        return  # before migration 0003 has run
    for dt in document_types():
        perms = {
            p.codename: p
            for p in Permission.objects.filter(
                content_type__app_label=dt.app_label, content_type__model=dt.model._meta.model_name
            )
        }
        for role, group in groups.items():
            granted = set(dt.access.get(role, ()))
            for action in DOCUMENT_ACTIONS:
                perm = perms.get(f"{action}_{dt.model._meta.model_name}")
                if perm is None:
                    continue
                if action in granted:
                    group.permissions.add(perm)
                else:
                    group.permissions.remove(perm)
