"""Who may see and do warehouse fulfilment: waves, packing, shipping, handover (not documents
of the framework, so their model permissions are granted here)."""

from shopflow.core.access import role_permission_granter

ROLE_PERMISSIONS = {
    **{role: ("view_wave", "view_parcel", "view_handover") for role in ("customer_service", "operations", "finance")},
    **{role: ("view_wave", "add_wave", "change_wave", "view_parcel", "change_parcel", "view_handover",
              "add_handover", "view_trackingnumber", "add_trackingnumber") for role in ("manager", "warehouse")},
}

grant_role_permissions = role_permission_granter("fulfilment", ROLE_PERMISSIONS)
