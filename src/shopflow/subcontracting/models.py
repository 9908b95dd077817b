"""Subcontracting 委外加工 (seed 000, section 1): subcontract orders, their material issue lists
投料单, subcontract receipts 委外入库, material returns and scrap 委外退料, tooling lent to
subcontractors 工装借出/归还, and the processing fees they earn.

Materials go to the subcontractor through ordinary transfer orders 调拨单 pushed down from the
approved issue list into the subcontractor's own warehouse (inventory.Warehouse.subcontractor);
a receipt consumes them from there per the list's ratio. So "what is at the subcontractor" is
simply stock in that warehouse, and every figure of the reconciliation 核销 comes from the ledger.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shopflow.core.models import MONEY, Document, DocumentLine
from shopflow.core.validators import validate_not_negative


class SubcontractType(models.TextChoices):
    NORMAL = "normal", _("Normal")
    # A返A: a stocked item is sent out and comes back reworked (upgraded, re-flashed…) as itself.
    REWORK = "rework", _("Rework")


class SubcontractOrder(Document):
    """委外订单. The subcontractor may be left empty on a draft pushed down from a requisition
    or a sales order; it is required to submit."""

    subcontractor = models.ForeignKey("partners.Subcontractor", models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("subcontractor"))
    order_type = models.CharField(_("subcontract type"), max_length=16, choices=SubcontractType.choices,
                                  default=SubcontractType.NORMAL)
    planner_number = models.CharField(_("planner's number"), max_length=32, blank=True, default="",
                                      help_text=_("The number the planner gives the order, if any; unique."))
    material_warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                           verbose_name=_("material warehouse"),
                                           help_text=_("Materials are issued from here."))
    receipt_warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                          verbose_name=_("receiving warehouse"),
                                          help_text=_("Finished goods come back into here."))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    original_order = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("original order"),
                                       help_text=_("For a rework: the order that made the goods."))

    class Meta(Document.Meta):
        verbose_name = _("subcontract order")
        verbose_name_plural = _("subcontract orders")
        constraints = [
            *Document.Meta.constraints,
            models.UniqueConstraint(fields=["planner_number"], condition=~Q(planner_number=""),
                                    name="sub_order_planner_number_uniq"),
        ]


class SubcontractOrderLine(DocumentLine):
    document = models.ForeignKey(SubcontractOrder, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("product"))
    unit_fee = models.DecimalField(_("processing fee per unit"), default=0, validators=[validate_not_negative],
                                   **MONEY)
    bom = models.ForeignKey("catalog.Bom", models.PROTECT, null=True, blank=True, related_name="+",
                            verbose_name=_("BOM"), help_text=_("Empty: the product's default BOM."))

    class Meta(DocumentLine.Meta):
        verbose_name = _("subcontract order line")

    @property
    def amount(self):
        return (self.quantity * self.unit_fee).quantize(Decimal("0.01"), ROUND_HALF_UP)


class MaterialIssueList(Document):
    """投料单: the materials an order's subcontractor gets, made from the BOMs when the order is
    approved. Planners remove what is not needed and adjust quantities while it is a draft;
    once approved, materials are issued strictly per the list (transfers pushed down from it)."""

    order = models.ForeignKey(SubcontractOrder, models.PROTECT, related_name="issue_lists",
                              verbose_name=_("subcontract order"))

    class Meta(Document.Meta):
        verbose_name = _("material issue list")
        verbose_name_plural = _("material issue lists")
        permissions = [("over_issue_materialissuelist", _("Can issue more materials than the issue list"))]


class MaterialIssueListLine(DocumentLine):
    document = models.ForeignKey(MaterialIssueList, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("material"))
    # Which product line the material is for: a receipt of that product consumes it pro rata.
    order_line = models.ForeignKey(SubcontractOrderLine, models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("for order line"),
                                   help_text=_("Empty on an order with one line: that line."))

    class Meta(DocumentLine.Meta):
        verbose_name = _("material issue list line")


class SubcontractReceipt(Document):
    """委外入库单: finished goods from the subcontractor into a warehouse. Approval consumes the
    materials at the subcontractor per the issue list and books the processing fee payable."""

    order = models.ForeignKey(SubcontractOrder, models.PROTECT, related_name="receipts",
                              verbose_name=_("subcontract order"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))

    class Meta(Document.Meta):
        verbose_name = _("subcontract receipt")
        verbose_name_plural = _("subcontract receipts")


class SubcontractReceiptLine(DocumentLine):
    document = models.ForeignKey(SubcontractReceipt, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("product"))
    order_line = models.ForeignKey(SubcontractOrderLine, models.PROTECT, related_name="+",
                                   verbose_name=_("order line"))
    unit_fee = models.DecimalField(_("processing fee per unit"), default=0, validators=[validate_not_negative],
                                   **MONEY)

    class Meta(DocumentLine.Meta):
        verbose_name = _("subcontract receipt line")

    @property
    def amount(self):
        return (self.quantity * self.unit_fee).quantize(Decimal("0.01"), ROUND_HALF_UP)


class Disposition(models.TextChoices):
    RETURNED = "returned", _("Returned to us")
    SCRAPPED = "scrapped", _("Scrapped at the subcontractor")


class MaterialReturn(Document):
    """委外退料单: materials of an order coming back from the subcontractor, or written off as
    scrapped there — the last two columns of the reconciliation."""

    order = models.ForeignKey(SubcontractOrder, models.PROTECT, related_name="material_returns",
                              verbose_name=_("subcontract order"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                  verbose_name=_("return to warehouse"))

    class Meta(Document.Meta):
        verbose_name = _("material return")
        verbose_name_plural = _("material returns")


class MaterialReturnLine(DocumentLine):
    document = models.ForeignKey(MaterialReturn, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("material"))
    disposition = models.CharField(_("disposition"), max_length=16, choices=Disposition.choices,
                                   default=Disposition.RETURNED)

    class Meta(DocumentLine.Meta):
        verbose_name = _("material return line")


class ToolingLoan(Document):
    """工装借出单: stencils 钢网, test rigs, programmers 烧录器 lent to a subcontractor until a date."""

    subcontractor = models.ForeignKey("partners.Subcontractor", models.PROTECT, related_name="+",
                                      verbose_name=_("subcontractor"))
    from_warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                       verbose_name=_("from warehouse"))
    due_back = models.DateField(_("due back"))

    class Meta(Document.Meta):
        verbose_name = _("tooling loan")
        verbose_name_plural = _("tooling loans")


class ToolingLoanLine(DocumentLine):
    document = models.ForeignKey(ToolingLoan, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("tooling"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("tooling loan line")


class ToolingReturn(Document):
    """工装归还单: lent tooling coming back (pushed down from the loan)."""

    subcontractor = models.ForeignKey("partners.Subcontractor", models.PROTECT, related_name="+",
                                      verbose_name=_("subcontractor"))
    warehouse = models.ForeignKey("inventory.Warehouse", models.PROTECT, related_name="+",
                                  verbose_name=_("return to warehouse"))

    class Meta(Document.Meta):
        verbose_name = _("tooling return")
        verbose_name_plural = _("tooling returns")


class ToolingReturnLine(DocumentLine):
    document = models.ForeignKey(ToolingReturn, models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", models.PROTECT, related_name="+", verbose_name=_("tooling"))

    class Meta(DocumentLine.Meta):
        verbose_name = _("tooling return line")


class ProcessingFee(models.Model):
    """What a subcontract receipt owes the subcontractor 加工费应付. Never changed: un-approving
    the receipt adds the same amount negated, so the payable's history stays whole."""

    subcontractor = models.ForeignKey("partners.Subcontractor", models.PROTECT, related_name="+",
                                      verbose_name=_("subcontractor"))
    receipt = models.ForeignKey(SubcontractReceipt, models.PROTECT, related_name="fees",
                                verbose_name=_("subcontract receipt"))
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        default_permissions = ("view",)
        ordering = ["id"]
        verbose_name = _("processing fee")
        verbose_name_plural = _("processing fees")
        indexes = [models.Index(fields=["subcontractor", "created_at"], name="sub_fee_sub_idx")]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.amount}"
