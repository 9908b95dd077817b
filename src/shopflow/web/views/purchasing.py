"""Purchasing's own pages: the supplier file 供应商档案 with each supplier's statement 对账单
(payments recorded and voided there, .xlsx export) and the open exchange account 待换货."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from shopflow.core.conf import setting
from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.core.selectors import user_may
from shopflow.core.xlsx import write_xlsx
from shopflow.partners.models import Supplier
from shopflow.purchasing import selectors, services
from shopflow.purchasing.models import PaymentMethod, PurchaseOrder, SupplierPayment
from shopflow.purchasing.pdf import purchase_order_pdf
from shopflow.web.views.common import XLSX

STATEMENT_PERM = "purchasing.view_supplierstatement"


def may_view_statements(user) -> bool:
    return user.is_active and user.has_perm(STATEMENT_PERM)


def may_view_exchanges(user) -> bool:
    return user_may(user, "purchasing.purchasereturn", "view")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not open this page."))


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}))

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The chosen dates; by default this month up to today. Reversed dates are swapped."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("date_from") or today.replace(day=1)
        end = data.get("date_to") or today
        return (end, start) if start > end else (start, end)


class PaymentForm(forms.Form):
    pay_date = forms.DateField(label=gettext_lazy("Payment date"),
                               widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    amount = forms.CharField(label=gettext_lazy("Amount"), max_length=24,
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control text-end",
                                                           "autocomplete": "off"}))
    method = forms.ChoiceField(label=gettext_lazy("Payment method"), choices=PaymentMethod.choices,
                               widget=forms.Select(attrs={"class": "form-select"}))
    reference = forms.CharField(label=gettext_lazy("Reference"), required=False, max_length=100,
                                widget=forms.TextInput(attrs={"class": "form-control"}))
    remarks = forms.CharField(label=gettext_lazy("Remarks"), required=False, max_length=500,
                              widget=forms.TextInput(attrs={"class": "form-control"}))


def _supplier_or_404(pk: int) -> Supplier:
    try:
        return Supplier.objects.get(pk=pk)
    except Supplier.DoesNotExist:
        raise Http404(_("No such supplier.")) from None


@require_GET
def supplier_file(request):
    """Every supplier with what was bought, freight, returned, paid and is still owed."""
    _require(may_view_statements(request.user))
    search = request.GET.get("q", "")
    rows = selectors.supplier_balances(search=search)
    return render(request, "web/purchasing/suppliers.html", {
        "rows": rows, "search": search, "total_owed": sum((r.owed for r in rows), selectors.ZERO)})


def _statement_context(request, supplier, payment_form=None, payment_errors=None) -> dict:
    period = PeriodForm(request.GET or None)
    date_from, date_to = period.period()
    statement = selectors.supplier_statement(supplier_id=supplier.pk, date_from=date_from, date_to=date_to)
    may_pay = request.user.has_perm("purchasing.add_supplierpayment")
    return {
        "supplier": supplier,
        "statement": statement,
        "period_form": PeriodForm(initial={"date_from": date_from, "date_to": date_to}),
        "payments": selectors.payments_of(supplier_id=supplier.pk, date_from=date_from, date_to=date_to),
        "payment_form": payment_form or (PaymentForm(initial={"pay_date": timezone.localdate()}) if may_pay else None),
        "payment_errors": payment_errors or [],
        "may_void": request.user.has_perm("purchasing.void_supplierpayment"),
        "query": f"date_from={date_from.isoformat()}&date_to={date_to.isoformat()}",
    }


@require_GET
def supplier_statement(request, pk: int):
    _require(may_view_statements(request.user))
    supplier = _supplier_or_404(pk)
    return render(request, "web/purchasing/statement.html", _statement_context(request, supplier))


@require_GET
def supplier_statement_export(request, pk: int):
    _require(may_view_statements(request.user))
    supplier = _supplier_or_404(pk)
    date_from, date_to = PeriodForm(request.GET or None).period()
    st = selectors.supplier_statement(supplier_id=supplier.pk, date_from=date_from, date_to=date_to)
    rows = [[date_from, "", _("Opening balance"), "", None, None, None, st.opening, ""]]
    rows += [[r.date, r.number, r.label, r.remarks, r.goods, r.freight, r.paid, r.balance, ""] for r in st.rows]
    rows.append([date_to, "", _("Closing balance"), "", st.goods, st.freight, st.paid, st.closing, ""])
    headers = [_("Date"), _("Number"), _("Kind"), _("Remarks"), _("Goods amount"), _("Freight"), _("Paid"),
               _("Owed"), f"{supplier.code} {supplier.name}"]
    limit = setting("EXPORT_MAX_ROWS")
    content, _written, _truncated = write_xlsx(
        title=_("Statement %(code)s") % {"code": supplier.code}, headers=headers, rows=rows, max_rows=limit,
        truncated_note=_("Only the first %(n)s rows were exported.") % {"n": limit})
    response = HttpResponse(content, content_type=XLSX)
    filename = f"statement-{supplier.code}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def supplier_payment_create(request, pk: int):
    """Record a payment from the statement page; errors show there, next to the form."""
    _require(may_view_statements(request.user))
    supplier = _supplier_or_404(pk)
    form = PaymentForm(request.POST)
    back = reverse("web:purchasing_statement", args=[supplier.pk])
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.supplier_payment_create(
                supplier_id=supplier.pk, amount=data["amount"], pay_date=data["pay_date"], method=data["method"],
                reference=data["reference"], remarks=data["remarks"], actor=request.user)
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationFailed as exc:
            for error in exc.errors:
                form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Payment %(number)s recorded.") % {"number": payment.number})
            return redirect(back)
    context = _statement_context(request, supplier, payment_form=form)
    return render(request, "web/purchasing/statement.html", context, status=400)


@require_POST
def supplier_payment_void(request, pk: int):
    _require(may_view_statements(request.user))
    try:
        payment = SupplierPayment.objects.get(pk=pk)
    except SupplierPayment.DoesNotExist:
        raise Http404(_("No such payment.")) from None
    try:
        services.supplier_payment_void(payment=payment, actor=request.user, reason=request.POST.get("reason", ""))
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, _("Voiding was refused: %(reason)s") % {"reason": exc.message})
    else:
        messages.success(request, _("Payment %(number)s voided.") % {"number": payment.number})
    return redirect(reverse("web:purchasing_statement", args=[payment.supplier_id]))


@require_GET
def exchange_outstanding(request):
    """Goods returned for exchange that the supplier has not replaced yet."""
    _require(may_view_exchanges(request.user))
    supplier_id = request.GET.get("supplier", "")
    rows = selectors.exchange_outstanding(supplier_id=int(supplier_id) if supplier_id.isdigit() else None)
    return render(request, "web/purchasing/exchanges.html", {
        "rows": rows, "suppliers": Supplier.objects.all(), "supplier_id": supplier_id,
        "total": sum((r.outstanding for r in rows), selectors.ZERO)})


@require_GET
def purchase_order_pdf_view(request, pk):
    """The purchase order to send the supplier (anyone who may view purchase orders)."""
    _require(user_may(request.user, "purchasing.purchaseorder", "view"))
    order = get_object_or_404(PurchaseOrder, pk=pk)
    response = HttpResponse(purchase_order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.display_number}.pdf"'
    return response
