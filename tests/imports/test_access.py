"""Who may view and edit master data: the access tables synced to the role groups after
migrate, without disturbing the document permissions or other apps' grants."""

import pytest
from django.contrib.auth.models import Group, Permission

from shopflow.core.access import sync_role_permissions
from shopflow.core.masterdata import (
    MASTER_ACTIONS,
    access_table,
    get_list,
    master_lists,
    sync_masterdata_permissions,
    user_may_list,
)
from shopflow.core.roles import ROLE_CODES

EDITORS = {
    "skus": {"manager", "operations", "warehouse", "purchasing", "planning"},
    "suppliers": {"manager", "purchasing"},
    "couriers": {"manager", "operations", "warehouse"},
    "warehouses": {"manager", "warehouse"},
}


@pytest.mark.parametrize("role", ROLE_CODES)
@pytest.mark.parametrize("key", ["skus", "warehouses", "couriers"])
def test_every_role_views_skus_warehouses_couriers(role_user, role, key):
    assert user_may_list(role_user(role), get_list(key), "view")


@pytest.mark.parametrize("role", ROLE_CODES)
@pytest.mark.parametrize("key", sorted(EDITORS))
def test_who_may_edit_and_import(role_user, role, key):
    user, ml = role_user(role), get_list(key)
    for action in ("add", "change", "import"):
        assert user_may_list(user, ml, action) is (role in EDITORS[key]), (role, key, action)


def test_suppliers_are_not_for_everyone(role_user):
    suppliers = get_list("suppliers")
    assert user_may_list(role_user("purchasing"), suppliers, "view")
    assert not user_may_list(role_user("designer"), suppliers, "view")
    assert not user_may_list(role_user("customer_service"), suppliers, "view")


def test_no_user_or_inactive_user_may_nothing(role_user):
    user = role_user("manager")
    user.is_active = False
    assert not user_may_list(user, get_list("skus"), "view")
    assert not user_may_list(None, get_list("skus"), "view")


def test_sync_grants_exactly_the_table_and_leaves_other_permissions(db):
    designer = Group.objects.get(name="designer")
    stray = Permission.objects.get(codename="change_sku")  # an admin's grant outside the table
    other = Permission.objects.get(codename="delete_sku")  # not managed: left alone
    documents_before = set(Group.objects.get(name="purchasing").permissions.filter(
        content_type__app_label="purchasing").values_list("pk", flat=True))
    designer.permissions.add(stray, other)
    sync_masterdata_permissions()
    assert not designer.permissions.filter(pk=stray.pk).exists()
    assert designer.permissions.filter(pk=other.pk).exists()
    assert designer.permissions.filter(codename="view_sku").exists()
    # core's document sync and this one leave each other's permissions alone, in either order
    sync_role_permissions()
    sync_masterdata_permissions()
    purchasing = Group.objects.get(name="purchasing")
    assert purchasing.permissions.filter(codename="change_supplier").exists()
    assert set(purchasing.permissions.filter(content_type__app_label="purchasing").values_list("pk", flat=True)) \
        == documents_before


def test_sync_waits_for_the_last_app(db):
    from django.apps import apps

    designer = Group.objects.get(name="designer")
    designer.permissions.clear()
    sync_masterdata_permissions(sender=apps.get_app_config("core"))
    assert not designer.permissions.exists()


def test_access_table_covers_every_list_and_role():
    rows = access_table()
    assert len(rows) == len(master_lists()) * len(ROLE_CODES)
    assert all(set(r["actions"]) <= set(MASTER_ACTIONS) for r in rows)


def test_registry_refuses_unknown_roles_and_actions():
    from shopflow.catalog.models import Sku
    from shopflow.core.masterdata import Column, MasterList

    columns = (Column("code", "编码", "Code"),)
    with pytest.raises(ValueError, match="unknown role"):
        MasterList(key="x", model=Sku, area="catalog", columns=columns, access={"boss": ("view",)})
    with pytest.raises(ValueError, match="unknown actions"):
        MasterList(key="x", model=Sku, area="catalog", columns=columns, access={"manager": ("delete",)})
    with pytest.raises(ValueError, match="key fields"):
        MasterList(key="x", model=Sku, area="catalog", columns=(Column("name", "名称", "Name"),))
