"""Which roles may read the supplier file and statements and record or void supplier payments:
permissions that are not document actions, so the document access tables do not cover them.

Added to the role groups after every migrate (after core has synced the document permissions,
which leaves permissions of other kinds alone). Only adds; revoking is done in the admin."""


from shopflow.core.access import role_permission_granter

STATEMENT = ("view_supplierstatement", "view_supplierpayment")
# role → codenames in the purchasing app
ROLE_PERMISSIONS = {
    "manager": (*STATEMENT, "add_supplierpayment", "void_supplierpayment"),
    "finance": (*STATEMENT, "add_supplierpayment", "void_supplierpayment"),
    "purchasing": STATEMENT,
}


grant_role_permissions = role_permission_granter("purchasing", ROLE_PERMISSIONS)
