"""Subcontracting reads in the API (documents themselves go through /documents): an order's
reconciliation 核销, tooling on loan, processing fees payable. Same permissions as the pages."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from shopflow.core.errors import PermissionDeniedError
from shopflow.core.selectors import user_may
from shopflow.subcontracting import selectors
from shopflow.subcontracting.models import SubcontractOrder

router = Router(tags=["subcontracting"])


class MaterialOut(Schema):
    sku: str
    name: str
    listed: Decimal
    issued: Decimal
    still_to_issue: Decimal
    consumed: Decimal
    returned: Decimal
    scrapped: Decimal
    at_subcontractor: Decimal


class ProductOut(Schema):
    line_no: int
    sku: str
    ordered: Decimal
    received: Decimal
    open: Decimal


class ReconciliationOut(Schema):
    order: int
    number: str
    state: str
    reconciled: bool
    fees: Decimal
    products: list[ProductOut]
    materials: list[MaterialOut]


class LoanOut(Schema):
    loan: int
    loan_number: str
    subcontractor: str
    sku: str
    lent: Decimal
    returned: Decimal
    outstanding: Decimal
    due_back: datetime.date
    days_overdue: int


class FeeOut(Schema):
    subcontractor: str
    name: str
    payable: Decimal


def _require(user, doc_type: str) -> None:
    if not user_may(user, doc_type, "view"):
        raise PermissionDeniedError("permission_denied", _("You may not view this."))


@router.get("/orders/{int:id}/reconciliation", response=ReconciliationOut)
def order_reconciliation(request, id: int):
    """Per material: on the issue list, issued, consumed, returned, scrapped, still at the subcontractor."""
    _require(request.auth, "subcontracting.subcontractorder")
    order = get_object_or_404(SubcontractOrder, pk=id)
    rec = selectors.order_reconciliation(order)
    return ReconciliationOut(
        order=order.pk, number=order.number, state=order.state, reconciled=rec.reconciled, fees=rec.fees,
        products=[ProductOut(line_no=p.line_no, sku=p.sku.code, ordered=p.ordered, received=p.received,
                             open=p.open) for p in rec.products],
        materials=[MaterialOut(sku=m.sku.code, name=m.sku.name, listed=m.listed, issued=m.issued,
                               still_to_issue=m.still_to_issue, consumed=m.consumed, returned=m.returned,
                               scrapped=m.scrapped, at_subcontractor=m.at_subcontractor) for m in rec.materials],
    )


@router.get("/tooling-on-loan", response=list[LoanOut])
def tooling_on_loan(request, subcontractor: int | None = Query(None, ge=1, le=2**63 - 1)):  # an id: a bigint
    _require(request.auth, "subcontracting.toolingloan")
    return [LoanOut(loan=r.loan.pk, loan_number=r.loan.number, subcontractor=r.loan.subcontractor.code,
                    sku=r.sku.code, lent=r.lent, returned=r.returned, outstanding=r.outstanding,
                    due_back=r.due_back, days_overdue=r.days_overdue)
            for r in selectors.tooling_on_loan(subcontractor_id=subcontractor)]


@router.get("/processing-fees", response=list[FeeOut])
def processing_fees(request):
    _require(request.auth, "subcontracting.subcontractreceipt")
    return [FeeOut(subcontractor=r["subcontractor__code"], name=r["subcontractor__name"], payable=r["total"])
            for r in selectors.processing_fees_by_subcontractor()]
