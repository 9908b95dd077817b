"""Subcontracting's own pages: an order's reconciliation 核销 (with the close button), its
printable PDF with the issue list, tooling on loan at subcontractors, processing fees payable."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shopflow.core.guards import available_transitions
from shopflow.core.registry import get_type
from shopflow.core.selectors import user_may
from shopflow.partners.models import Subcontractor
from shopflow.subcontracting import selectors
from shopflow.subcontracting.pdf import subcontract_order_pdf
from shopflow.web.views.common import document_or_404

ORDER = "subcontracting.subcontractorder"
RECEIPT = "subcontracting.subcontractreceipt"
LOAN = "subcontracting.toolingloan"


def may_view_orders(user) -> bool:
    return user_may(user, ORDER, "view")


def may_view_loans(user) -> bool:
    return user_may(user, LOAN, "view")


def may_view_fees(user) -> bool:
    """Fees come from receipts: whoever may see subcontract receipts may see what they owe."""
    return user_may(user, RECEIPT, "view")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not open this page."))


def _order(request, pk):
    _require(may_view_orders(request.user))
    return document_or_404(get_type(ORDER), pk)


@require_GET
def order_reconciliation(request, pk):
    order = _order(request, pk)
    close = next((a for a in available_transitions(order, request.user) if a["transition"].action == "close"), None)
    return render(request, "web/subcontracting/reconciliation.html", {
        "order": order, "rec": selectors.order_reconciliation(order), "close": close,
        "transfer_slug": get_type("inventory.transferorder").slug,
    })


@require_GET
def order_pdf(request, pk):
    order = _order(request, pk)
    response = HttpResponse(subcontract_order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.display_number}.pdf"'
    return response


@require_GET
def tooling_on_loan(request):
    _require(may_view_loans(request.user))
    chosen = request.GET.get("subcontractor", "")
    rows = selectors.tooling_on_loan(subcontractor_id=int(chosen) if chosen.isdigit() else None)
    return render(request, "web/subcontracting/tooling.html", {
        "rows": rows, "subcontractors": Subcontractor.objects.order_by("code"), "chosen": chosen,
        "overdue": sum(1 for r in rows if r.days_overdue),
    })


@require_GET
def processing_fees(request):
    _require(may_view_fees(request.user))
    rows = selectors.processing_fees_by_subcontractor()
    return render(request, "web/subcontracting/fees.html", {
        "rows": rows, "total": sum((r["total"] for r in rows), 0),
    })
