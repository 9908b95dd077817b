"""Reads of subcontracting: the reconciliation 核销 of an order, tooling on loan, processing fees.

Every figure of the reconciliation comes from the ledger: what the order's transfers put into
the subcontractor's warehouse, what its receipts consumed there, what its returns took back or
wrote off. Un-approved and cancelled documents have no moves (or reversed ones), so they drop
out by themselves."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from shopflow.catalog.models import Sku
from shopflow.core.db import DecimalSum
from shopflow.core.models import DocumentLink
from shopflow.core.states import DocState
from shopflow.inventory.models import StockMove, TransferOrder, Warehouse
from shopflow.subcontracting.keys import ISSUE_LIST, LIVE, TRANSFER
from shopflow.subcontracting.models import (
    Disposition,
    MaterialIssueListLine,
    MaterialReturnLine,
    ProcessingFee,
    SubcontractOrder,
    SubcontractReceiptLine,
    ToolingLoan,
    ToolingReturnLine,
)

DONE = (DocState.APPROVED, DocState.CLOSED)


@dataclass
class MaterialRow:
    sku: Sku
    listed: Decimal = Decimal(0)  # on the live issue list
    issued: Decimal = Decimal(0)  # transferred to the subcontractor
    consumed: Decimal = Decimal(0)  # used by approved receipts
    returned: Decimal = Decimal(0)
    scrapped: Decimal = Decimal(0)

    @property
    def at_subcontractor(self) -> Decimal:
        return self.issued - self.consumed - self.returned - self.scrapped

    @property
    def still_to_issue(self) -> Decimal:
        return max(self.listed - self.issued, Decimal(0))


@dataclass
class ProductRow:
    line_no: int
    sku: Sku
    ordered: Decimal
    received: Decimal

    @property
    def open(self) -> Decimal:
        return max(self.ordered - self.received, Decimal(0))


@dataclass
class Reconciliation:
    order: SubcontractOrder
    products: list[ProductRow]
    materials: list[MaterialRow]
    fees: Decimal
    transfers: list = field(default_factory=list)  # (id, number, state) of the issue transfers

    @property
    def reconciled(self) -> bool:
        return all(row.at_subcontractor == 0 for row in self.materials)


def _sum_moves(moves) -> dict[int, Decimal]:
    return {r["sku_id"]: r["total"] for r in moves.values("sku_id").annotate(total=DecimalSum("quantity"))}


def order_reconciliation(order: SubcontractOrder) -> Reconciliation:
    warehouse = Warehouse.objects.filter(subcontractor_id=order.subcontractor_id).first() \
        if order.subcontractor_id else None
    list_lines = MaterialIssueListLine.objects.filter(document__order=order, document__state__in=LIVE)
    rows: dict[int, MaterialRow] = {}

    def row(sku_id: int) -> MaterialRow:
        if sku_id not in rows:
            rows[sku_id] = MaterialRow(sku=None)
        return rows[sku_id]

    for r in list_lines.values("sku_id").annotate(total=DecimalSum("quantity")):
        row(r["sku_id"]).listed = r["total"]
    transfers = []
    if warehouse is not None:
        list_ids = list(list_lines.values_list("document_id", flat=True).distinct())
        transfer_ids = list(DocumentLink.objects.filter(source_type=ISSUE_LIST, source_id__in=list_ids,
                                                        target_type=TRANSFER).values_list("target_id", flat=True)
                            .distinct())
        at_sub = StockMove.objects.filter(warehouse=warehouse)
        for sku_id, qty in _sum_moves(at_sub.filter(origin_type=TRANSFER, origin_id__in=transfer_ids)).items():
            row(sku_id).issued = qty
        receipt_ids = list(order.receipts.values_list("pk", flat=True))
        for sku_id, qty in _sum_moves(at_sub.filter(origin_type="subcontracting.subcontractreceipt",
                                                    origin_id__in=receipt_ids)).items():
            row(sku_id).consumed = -qty
        return_lines = MaterialReturnLine.objects.filter(document__order=order)
        scrapped_ids = set(return_lines.filter(disposition=Disposition.SCRAPPED).values_list("pk", flat=True))
        returns = at_sub.filter(origin_type="subcontracting.materialreturn",
                                origin_id__in=order.material_returns.values_list("pk", flat=True))
        for move in returns.values("sku_id", "origin_line_id", "quantity"):
            target = row(move["sku_id"])
            if move["origin_line_id"] in scrapped_ids:
                target.scrapped -= move["quantity"]
            else:
                target.returned -= move["quantity"]
        transfers = list(TransferOrder.objects.filter(pk__in=transfer_ids).order_by("pk")
                         .values_list("pk", "number", "state"))
    skus = Sku.objects.in_bulk(list(rows))
    for sku_id, material in rows.items():
        material.sku = skus[sku_id]
    received = defaultdict(Decimal)
    for r in (SubcontractReceiptLine.objects.filter(document__order=order, document__state__in=DONE)
              .values("order_line_id").annotate(total=DecimalSum("quantity"))):
        received[r["order_line_id"]] = r["total"]
    products = [ProductRow(line.line_no, line.sku, line.quantity, received[line.pk])
                for line in order.lines.select_related("sku").order_by("line_no")]
    fees = ProcessingFee.objects.filter(receipt__order=order).aggregate(total=DecimalSum("amount"))["total"]
    materials = sorted(rows.values(), key=lambda r: r.sku.code)
    return Reconciliation(order, products, materials, fees or Decimal(0), transfers)


@dataclass
class LoanRow:
    loan: ToolingLoan
    sku: Sku
    lent: Decimal
    returned: Decimal
    due_back: datetime.date

    @property
    def outstanding(self) -> Decimal:
        return self.lent - self.returned

    @property
    def days_overdue(self) -> int:
        return max((timezone.localdate() - self.due_back).days, 0)


def tooling_on_loan(*, subcontractor_id: int | None = None) -> list[LoanRow]:
    """Tooling still at subcontractors: each approved loan line minus its approved returns."""
    loans = ToolingLoan.objects.filter(state__in=DONE).select_related("subcontractor")
    if subcontractor_id:
        loans = loans.filter(subcontractor_id=subcontractor_id)
    loans = {loan.pk: loan for loan in loans}
    links = DocumentLink.objects.filter(source_type="subcontracting.toolingloan", source_id__in=list(loans),
                                        target_type="subcontracting.toolingreturn", active=True)
    done_returns = set(ToolingReturnLine.objects.filter(document__state__in=DONE).values_list("pk", flat=True))
    returned = defaultdict(Decimal)
    for link in links:
        if link.target_line_id in done_returns:
            returned[link.source_line_id] += link.quantity
    rows = []
    for loan in loans.values():
        for line in loan.lines.select_related("sku"):
            row = LoanRow(loan, line.sku, line.quantity, returned[line.pk], loan.due_back)
            if row.outstanding > 0:
                rows.append(row)
    return sorted(rows, key=lambda r: (r.due_back, r.loan.pk, r.sku.code))


def processing_fees_by_subcontractor() -> list[dict]:
    """Processing fees payable per subcontractor (what receipts booked; payments come with finance)."""
    return list(ProcessingFee.objects.values("subcontractor_id", "subcontractor__code", "subcontractor__name")
                .annotate(total=DecimalSum("amount")).order_by("subcontractor__code"))
