"""Which roles may read the stock reports and keep safety stock: permissions that are not
document actions, so the document access tables do not cover them.

Stock quantities are for every role that works with goods; money (average cost, stock
value) only for the roles that decide on it (manager, finance, planning, purchasing):

    permission                     pages that need it
    view_stockbalance              stock inquiry 库存查询, slow-moving 呆滞 (quantities)
    view_skucost                   stock valuation 库存估值; cost and value columns on any page
    view_safetystock               low stock 警戒库存
    change_safetystock             setting safety stock
    view/create/edit stocktake     the stock-take work pages (document permissions)

Added to the role groups after every migrate (after core has synced the document
permissions, which leaves permissions of other kinds alone). Only adds: an administrator
may grant more, and revoking is done in the admin."""


from django.utils.translation import gettext as _

from shopflow.core.access import role_permission_granter
from shopflow.core.error_codes import CoreError
from shopflow.core.errors import PermissionDeniedError

VIEW_STOCK = "inventory.view_stockbalance"
VIEW_VALUE = "inventory.view_skucost"
VIEW_SAFETY_STOCK = "inventory.view_safetystock"
CHANGE_SAFETY_STOCK = "inventory.change_safetystock"

# role → codenames in the inventory app
ROLE_PERMISSIONS = {
    "manager": ("view_stockbalance", "view_stockmove", "view_stockreservation", "view_skucost",
                "view_safetystock", "change_safetystock"),
    "warehouse": ("view_stockbalance", "view_stockmove", "view_stockreservation", "view_safetystock",
                  "change_safetystock"),
    "planning": ("view_stockbalance", "view_stockreservation", "view_skucost", "view_safetystock",
                 "change_safetystock"),
    "purchasing": ("view_stockbalance", "view_skucost", "view_safetystock"),
    "finance": ("view_stockbalance", "view_stockmove", "view_skucost"),
    "operations": ("view_stockbalance",),
    "customer_service": ("view_stockbalance",),
    "sales": ("view_stockbalance",),
}


def _has(user, perm: str) -> bool:
    return bool(user and user.is_active and user.has_perm(perm))


def may_see_stock(user) -> bool:
    """Stock quantities: on hand, reserved, available."""
    return _has(user, VIEW_STOCK)


def may_see_value(user) -> bool:
    """Money: average cost and stock value."""
    return _has(user, VIEW_VALUE)


def may_see_safety_stock(user) -> bool:
    return _has(user, VIEW_SAFETY_STOCK)


def may_set_safety_stock(user) -> bool:
    return _has(user, CHANGE_SAFETY_STOCK)


def require_stock(user) -> None:
    if not may_see_stock(user):
        raise PermissionDeniedError(CoreError.PERMISSION_DENIED, _("You may not view stock."))


def require_value(user) -> None:
    if not may_see_value(user):
        raise PermissionDeniedError(CoreError.PERMISSION_DENIED, _("You may not view stock values."))


def require_safety_stock(user) -> None:
    if not may_see_safety_stock(user):
        raise PermissionDeniedError(CoreError.PERMISSION_DENIED, _("You may not view safety stock."))


grant_role_permissions = role_permission_granter("inventory", ROLE_PERMISSIONS)
