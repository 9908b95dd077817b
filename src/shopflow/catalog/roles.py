"""Who may see and edit bills of materials. BOMs are not a master-data list (a BOM is a header
with lines, edited on its own page), so their model permissions are granted here.

Added to the role groups after every migrate, like inventory.roles: only adds, so an
administrator may grant more; revoking is done in the admin."""


from shopflow.core.access import role_permission_granter
from shopflow.core.roles import ROLE_CODES

BOM_EDITORS = ("manager", "planning")
# role → codenames in the catalog app
ROLE_PERMISSIONS = {
    role: ("view_bom", "add_bom", "change_bom") if role in BOM_EDITORS else ("view_bom",) for role in ROLE_CODES
}


grant_role_permissions = role_permission_granter("catalog", ROLE_PERMISSIONS)



def user_may_bom(user, action: str) -> bool:
    """view, add or change BOMs."""
    return bool(user and user.is_active and user.has_perm(f"catalog.{action}_bom"))
