"""Role → permission sync, and the access matrix as a table people can review."""

from django.apps import apps
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


def sync_role_permissions(sender=None, **kwargs) -> None:
    """Give each role group exactly the document permissions its access table grants;
    permissions of other kinds that an administrator added are left alone.

    post_migrate is sent once per app; permissions of every app exist only after the last
    one, so the sync waits for it. Migration 0003 creates the groups; after a test-database
    flush only this handler runs, so it creates missing groups too."""
    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is not None and sender.label != with_models[-1].label:
        return
    groups = {code: Group.objects.get_or_create(name=code)[0] for code in ROLE_CODES}
    document_perms, granted = set(), {code: set() for code in ROLE_CODES}
    for dt in document_types():
        model = dt.model._meta.model_name
        perms = Permission.objects.filter(content_type__app_label=dt.app_label, content_type__model=model)
        by_codename = {p.codename: p.pk for p in perms}
        for action in DOCUMENT_ACTIONS:
            pk = by_codename.get(f"{action}_{model}")
            if pk is None:
                continue
            document_perms.add(pk)
            for role in ROLE_CODES:
                if action in dt.access.get(role, ()):
                    granted[role].add(pk)
        for codename, roles in dt.extra_permissions.items():
            pk = by_codename.get(codename)
            if pk is not None:
                document_perms.add(pk)
                for role in roles:
                    granted[role].add(pk)
    for code, group in groups.items():
        others = set(group.permissions.exclude(pk__in=document_perms).values_list("pk", flat=True))
        group.permissions.set(others | granted[code])


def role_permission_granter(app_label: str, table: dict[str, tuple[str, ...]]):
    """A post_migrate handler that adds an app's permissions of other kinds (reports, BOMs,
    supplier payments…) to the role groups: `table` maps role → codenames in `app_label`.
    It only adds, so an administrator may grant more; revoking is done in the admin. Like the
    role sync, it waits for the last app with models (the permissions exist only then)."""

    def grant(sender=None, **kwargs) -> None:
        with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
        if sender is not None and sender.label != with_models[-1].label:
            return
        perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label=app_label)}
        for role, codenames in table.items():
            group = Group.objects.filter(name=role).first()
            if group is not None:
                group.permissions.add(*(perms[c] for c in codenames if c in perms))

    return grant
