"""Who may see and work on online orders 线上订单 (not documents of the framework, so their model
permissions are granted here; see core.access.role_permission_granter)."""

from shopflow.core.access import role_permission_granter

ORDER_WORKERS = ("manager", "customer_service", "operations")
ROLE_PERMISSIONS = {
    **{role: ("view_onlineorder",) for role in ("warehouse", "finance", "sales")},
    **{role: ("view_onlineorder", "add_onlineorder", "change_onlineorder") for role in ORDER_WORKERS},
}

grant_role_permissions = role_permission_granter("sales", ROLE_PERMISSIONS)
