"""Template context shared by every page of the shell."""

from shopflow.core.roles import ROLE_CODES, role_label
from shopflow.web.navigation import navigation


def user_roles(user) -> list[str]:
    """Labels of the shopflow roles (groups) the user holds, in the order of ROLES."""
    names = set(user.groups.values_list("name", flat=True))
    return [role_label(code) for code in ROLE_CODES if code in names]


def shell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"product_name": "shopflow"}
    return {
        "product_name": "shopflow",
        "nav_areas": navigation(user, request.path),
        "user_role_labels": user_roles(user),
    }
