"""The roles of SPEC.md. Each is a Django group (created by migration 0003); which document
actions a role may take is declared per document type (DocumentType.access) and synced to
the group's permissions after every migrate."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    code: str  # the group's name
    label: str


ROLES = (
    Role("manager", _("Shop manager")),
    Role("operations", _("Operations")),
    Role("designer", _("Designer")),
    Role("customer_service", _("Customer service")),
    Role("warehouse", _("Warehouse")),
    Role("purchasing", _("Purchasing")),
    Role("planning", _("Planning (PMC)")),
    Role("finance", _("Finance")),
    Role("sales", _("Sales / export")),
    Role("legal", _("Legal")),
)
ROLE_CODES = tuple(r.code for r in ROLES)


def role_label(code: str) -> str:
    return next((str(r.label) for r in ROLES if r.code == code), code)
