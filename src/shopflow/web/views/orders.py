"""The order workbench for customer service 审单: online orders by state, flag, shop, courier, hold
reason and "could be merged"; bulk actions on the selected rows (approve, flag, merge, courier)
and the automatic review; an order's page with its lines (gifts, merged-in platform orders),
courier, ship-from warehouse, allocation and shortages, merge candidates, split, address
confirmation and priority; and the import of a platform's export files."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopflow.channels import generic
from shopflow.channels.error_codes import HoldCode
from shopflow.channels.models import Shop
from shopflow.channels.readers import get_format, order_formats
from shopflow.channels.tasks import GENERIC, order_import_job, order_import_job_create, order_import_jobs
from shopflow.core.conf import setting
from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.core.imports import MAX_REPORTED_ERRORS
from shopflow.core.selectors import audit_events
from shopflow.core.xlsx import write_xlsx
from shopflow.inventory.models import Warehouse
from shopflow.partners.models import Courier
from shopflow.sales import online, review, selectors
from shopflow.sales.models import Allocation, OnlineOrder, OrderFlag, OrderState
from shopflow.web.templatetags.shopflow import event_label
from shopflow.web.views.common import XLSX

# Why an order is held, for the filter (messages on the orders say it in full: hold_message).
HOLD_LABELS = {
    HoldCode.UNKNOWN_SKU: gettext_lazy("Unknown item code"),
    HoldCode.ADDRESS: gettext_lazy("Address problem"),
    HoldCode.REFUND: gettext_lazy("Refund requested"),
    HoldCode.NO_LINES: gettext_lazy("No items"),
    review.Hold.BUYER_MESSAGE: gettext_lazy("Buyer message"),
    review.Hold.NO_STOCK: gettext_lazy("Out of stock"),
    review.Hold.NO_COURIER: gettext_lazy("No courier"),
    review.Hold.NO_WAREHOUSE: gettext_lazy("No ship-from warehouse"),
    review.Hold.UNPAID: gettext_lazy("Not paid"),
    review.Hold.MERGED_REFUND: gettext_lazy("Refund on a merged order"),
    review.Hold.MANUAL: gettext_lazy("Held by hand"),
}
# Audit actions of orders that the shell's timeline does not name yet.
ORDER_EVENT_LABELS = {
    "approve": pgettext_lazy("audit event", "Approved"),
    "auto_review": pgettext_lazy("audit event", "Reviewed automatically"),
    "set_courier": pgettext_lazy("audit event", "Courier set"),
    "set_warehouse": pgettext_lazy("audit event", "Ship-from warehouse set"),
    "set_priority": pgettext_lazy("audit event", "Priority set"),
    "confirm_address": pgettext_lazy("audit event", "Address confirmation"),
    "merge": pgettext_lazy("audit event", "Orders merged into it"),
    "merged": pgettext_lazy("audit event", "Merged into another order"),
    "split": pgettext_lazy("audit event", "Split"),
    "split_off": pgettext_lazy("audit event", "Split off"),
    "unmerge": pgettext_lazy("audit event", "Merge undone"),
    "unmerged": pgettext_lazy("audit event", "Taken out of a merged order"),
}
BULK_ACTIONS = (
    ("approve", gettext_lazy("Approve")),
    ("flag", gettext_lazy("Set flag")),
    ("courier", gettext_lazy("Set courier")),
    ("merge", gettext_lazy("Merge")),
)
MAX_SELECTED = 5000
REFUSALS_SHOWN = 10
_ID = re.compile(r"[0-9]{1,18}")  # an id from a form: ASCII digits that fit a bigint


def _id(value) -> int | None:
    value = str(value or "").strip()
    return int(value) if _ID.fullmatch(value) else None


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not open this page."))


class FilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False,
                              choices=[("", gettext_lazy("All"))] + list(OrderState.choices))
    flag = forms.ChoiceField(label=gettext_lazy("Flag"), required=False,
                             choices=[("", gettext_lazy("All"))] + [c for c in OrderFlag.choices if c[0]])
    shop = forms.ModelChoiceField(label=gettext_lazy("Shop"), required=False, queryset=Shop.objects.all(),
                                  empty_label=gettext_lazy("All"))
    courier = forms.TypedChoiceField(label=gettext_lazy("Courier"), required=False, coerce=int, empty_value=None,
                                     choices=[])
    hold = forms.ChoiceField(label=gettext_lazy("Hold reason"), required=False,
                             choices=[("", gettext_lazy("All"))] + [(str(k), v) for k, v in HOLD_LABELS.items()])
    allocation = forms.ChoiceField(label=gettext_lazy("Allocation"), required=False,
                                   choices=[("", gettext_lazy("All")), ("none", Allocation.NONE.label),
                                            *[c for c in Allocation.choices if c[0]]])
    mergeable = forms.BooleanField(label=gettext_lazy("Could be merged"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["courier"].choices = [("", gettext_lazy("All")), ("0", gettext_lazy("None yet"))] + [
            (str(c.pk), c.name) for c in Courier.objects.filter(active=True)]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-check-input" if name == "mergeable" else "form-select form-select-sm"


def _filters(request) -> tuple[FilterForm, dict]:
    form = FilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    allocation = values.get("allocation") or None
    return form, {
        "search": request.GET.get("q", "")[:200], "state": values.get("state", ""), "flag": values.get("flag", ""),
        "shop_id": getattr(values.get("shop"), "pk", None), "hold": values.get("hold", ""),
        "courier_id": values.get("courier"), "mergeable": bool(values.get("mergeable")),
        "allocation": "" if allocation == "none" else allocation,
    }


@require_GET
def order_list(request):
    _require(selectors.may_view_orders(request.user))
    form, filters = _filters(request)
    qs = selectors.online_orders(user=request.user, **filters)
    page = Paginator(qs.prefetch_related("lines"), setting("LIST_PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "web/orders/list.html", {
        "form": form, "search": filters["search"], "page": page, "counts": selectors.state_counts(request.user),
        "states": OrderState.choices, "may_work": selectors.may_work_orders(request.user),
        "bulk_actions": BULK_ACTIONS, "flags": OrderFlag.choices, "couriers": Courier.objects.filter(active=True),
        "shops": Shop.objects.filter(active=True, auto_review=True),
    })


def _back(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith("/"):
        return target
    return reverse("web:order_list")


def _report(request, result: review.BulkResult, done_message: str) -> None:
    if result.done:
        messages.success(request, done_message % {"n": len(result.done)})
    for refusal in result.refused[:REFUSALS_SHOWN]:
        messages.error(request, _("%(no)s not changed: %(why)s") % {"no": refusal.order_no, "why": refusal.message})
    if len(result.refused) > REFUSALS_SHOWN:
        messages.error(request, _("… and %(n)s more orders not changed.")
                       % {"n": len(result.refused) - REFUSALS_SHOWN})


def _courier_choice(value: str):
    """A courier from a form's id; "" → None (no courier)."""
    if not value:
        return None
    pk = _id(value)
    if pk is None:
        raise Http404(_("No such courier."))
    return get_object_or_404(Courier, pk=pk)


@require_POST
def order_bulk(request):
    """The list's bulk actions on the selected orders."""
    _require(selectors.may_view_orders(request.user))
    ids = list(dict.fromkeys(pk for pk in map(_id, request.POST.getlist("ids")) if pk))[:MAX_SELECTED]
    action = request.POST.get("action", "")
    if not ids:
        messages.warning(request, _("Select at least one order first."))
        return redirect(_back(request))
    try:
        if action == "approve":
            _report(request, review.orders_approve_many(orders=ids, actor=request.user), _("%(n)s orders approved."))
        elif action == "flag":
            _report(request, review.orders_flag_many(orders=ids, flag=request.POST.get("flag", ""),
                                                     note=request.POST.get("note") or None, actor=request.user),
                    _("Flag set on %(n)s orders."))
        elif action == "courier":
            courier = _courier_choice(request.POST.get("courier", ""))
            _report(request, review.orders_set_courier(orders=ids, courier=courier, actor=request.user),
                    _("Courier set on %(n)s orders."))
        elif action == "merge":
            survivor = review.online_order_merge(orders=ids, actor=request.user)
            messages.success(request, _("%(n)s orders merged into %(no)s.")
                             % {"n": len(ids), "no": survivor.platform_order_no})
            return redirect("web:order_detail", pk=survivor.pk)
        else:
            raise PermissionDenied(_("Unknown action."))
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except (DomainError, ValidationFailed) as exc:
        messages.error(request, exc.message or _("Check the values."))
    return redirect(_back(request))


@require_POST
def order_auto_review(request):
    """Run the automatic review now (all shops, or the chosen one)."""
    _require(selectors.may_work_orders(request.user))
    shop_id = _id(request.POST.get("shop"))
    shop = get_object_or_404(Shop, pk=shop_id) if shop_id else None
    try:
        summary = review.orders_auto_review(actor=request.user, shop=shop)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("Automatic review: %(reviewed)s orders reviewed, %(approved)s approved, %(held)s held, "
                                "%(gifts)s gifts added.")
                     % {"reviewed": summary.reviewed, "approved": summary.approved, "held": summary.held,
                        "gifts": summary.gifts_added})
    return redirect(_back(request))


def _order(request, pk) -> OnlineOrder:
    _require(selectors.may_view_orders(request.user))
    return get_object_or_404(OnlineOrder.objects.select_related("shop", "courier", "warehouse", "merged_into",
                                                                "split_from"), pk=pk)


def _events(order):
    events = list(audit_events(order))
    for event in events:
        event.label = str(ORDER_EVENT_LABELS.get(event.action) or event_label(event.action))
    return events


@require_GET
def order_detail(request, pk):
    order = _order(request, pk)
    lines = list(selectors.order_lines(order))
    may_work = selectors.may_work_orders(request.user)
    is_open = order.state in selectors.OPEN_STATES
    parcel_wave = selectors.live_parcels([order.pk]).get(order.pk)
    plan = review.availability_plan(order) if is_open and may_work and parcel_wave is None else {}
    for line in lines:
        line.can_ship = plan.get(line.pk)
    return render(request, "web/orders/detail.html", {
        "order": order, "lines": lines, "events": _events(order), "may_work": may_work, "is_open": is_open,
        "problems": online.approval_problems(order), "flags": OrderFlag.choices,
        "couriers": Courier.objects.filter(active=True), "warehouses": Warehouse.objects.filter(active=True),
        "ship_from": order.warehouse or order.shop.warehouse, "rule_courier": online.rule_courier(order),
        "candidates": selectors.merge_candidates(order) if is_open else [],
        "merged_orders": order.merged_orders.order_by("paid_at", "id"), "family": selectors.split_family(order),
        "parcel_wave": parcel_wave, "priority_range": online.PRIORITY_RANGE,
        "may_unmerge": may_work and is_open and order.merged_orders.filter(state=OrderState.MERGED).exists(),
    })


def _split_quantities(request) -> dict[int, Decimal | str]:
    out = {}
    for key, value in request.POST.items():
        line_id = _id(key[4:]) if key.startswith("qty-") else None
        if line_id and value.strip():
            try:
                out[line_id] = Decimal(value.strip())
            except InvalidOperation:
                out[line_id] = value.strip()  # the service says which line is not a number
    return out


def _warehouse_choice(value: str):
    pk = _id(value)
    return get_object_or_404(Warehouse, pk=pk) if pk else None


def _priority(value: str) -> int | str:
    try:
        return int(value.strip())
    except ValueError:
        return value


@require_POST
def order_action(request, pk, action):
    order = _order(request, pk)
    version = _id(request.POST.get("version"))
    user, target = request.user, order
    try:
        if action == "approve":
            online.online_order_approve(order=order, actor=user, expected_version=version)
        elif action == "hold":
            online.online_order_hold(order=order, actor=user, reason=request.POST.get("reason", ""),
                                     expected_version=version)
        elif action == "flag":
            online.online_order_flag(order=order, actor=user, flag=request.POST.get("flag", ""),
                                     note=request.POST.get("note"), expected_version=version)
        elif action == "address":
            online.online_order_correct_address(order=order, actor=user, address=request.POST.get("address", ""),
                                                confirmed=request.POST.get("confirmed") == "1",
                                                expected_version=version)
        elif action == "confirm_address":
            online.online_order_confirm_address(order=order, actor=user, confirmed=request.POST.get("confirmed") != "0",
                                                expected_version=version)
        elif action == "priority":
            online.online_order_set_priority(order=order, actor=user,
                                             priority=_priority(request.POST.get("priority", "")),
                                             expected_version=version)
        elif action == "courier":
            online.online_order_set_courier(order=order, courier=_courier_choice(request.POST.get("courier", "")),
                                            actor=user, expected_version=version)
        elif action == "warehouse":
            warehouse = _warehouse_choice(request.POST.get("warehouse", ""))
            online.online_order_set_warehouse(order=order, warehouse=warehouse, actor=user,
                                              expected_version=version)
        elif action == "split":
            target = review.online_order_split(order=order, quantities=_split_quantities(request), actor=user,
                                               warehouse=_warehouse_choice(request.POST.get("warehouse", "")),
                                               expected_version=version)
        elif action == "split_available":
            target = review.split_by_availability(order=order, actor=user, expected_version=version)
        else:
            raise PermissionDenied(_("Unknown action."))
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except (DomainError, ValidationFailed) as exc:
        for error in exc.errors or [exc]:
            messages.error(request, getattr(error, "message", "") or exc.message)
    else:
        if target is not order:
            messages.success(request, _("Split off into a new part of order %(no)s.") % {"no": order.platform_order_no})
        else:
            messages.success(request, _("Order %(no)s saved.") % {"no": order.platform_order_no})
    return redirect("web:order_detail", pk=order.pk)


@require_POST
def order_unmerge(request, pk):
    """取消合并: the orders merged into this one stand alone again (review.online_order_unmerge)."""
    order = _order(request, pk)
    try:
        result = review.online_order_unmerge(order=order, actor=request.user,
                                             expected_version=_id(request.POST.get("version")))
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        restored = "、".join(o.platform_order_no for o in result.restored)
        messages.success(request, _("Merge undone: %(orders)s stand alone again with their items; review each "
                                    "order again.") % {"orders": restored})
    return redirect("web:order_detail", pk=order.pk)


class ImportForm(forms.Form):
    shop = forms.ModelChoiceField(label=gettext_lazy("Shop"), queryset=Shop.objects.filter(active=True))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[])
    orders_file = forms.FileField(label=gettext_lazy("Order report (订单报表)"))
    items_file = forms.FileField(label=gettext_lazy("Item report (宝贝报表)"), required=False,
                                 help_text=gettext_lazy("Taobao/Tmall: the item report of the same period. "
                                                        "Formats with one file leave it empty."))
    mapping = forms.CharField(
        label=gettext_lazy("Column mapping (通用订单表 only)"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "订单编号=单号\n数量=件数\n商家编码=货号"}),
        help_text=gettext_lazy("Only when your sheet's headers are not ones we know: one field=header per line, "
                               "e.g. 订单编号=单号 — the field by its name in the list below, the header as it is "
                               "in your file."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(f.key, f.label) for f in order_formats()]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name in ("shop", "format") else "form-control"

    def clean_mapping(self) -> dict[str, str]:
        try:
            return generic.parse_mapping(self.cleaned_data.get("mapping", "").splitlines())
        except generic.MappingError as exc:
            raise forms.ValidationError(exc.messages) from None

    def clean(self):
        data = super().clean()
        fmt = get_format(data.get("format", ""))
        if fmt is not None and len(fmt.files) > 1 and not data.get("items_file") and "items_file" not in self.errors:
            self.add_error("items_file", _("%(format)s needs the %(file)s too.") % {"format": fmt.label,
                                                                                    "file": fmt.files[1]})
        if fmt is not None and fmt.key != GENERIC and data.get("mapping"):
            self.add_error("mapping", _("Only the generic order sheet (通用订单表) takes a column mapping; "
                                        "%(format)s has fixed headers. Empty the box or choose the generic format.")
                           % {"format": fmt.label})
        limit = setting("ORDER_IMPORT_MAX_BYTES")
        for name in ("orders_file", "items_file"):
            upload = data.get(name)
            if upload is not None and upload.size > limit:
                self.add_error(name, _("%(file)s is larger than the limit of %(limit)s MB.")
                               % {"file": upload.name, "limit": limit // (1024 * 1024)})
        return data

    def files_to_import(self) -> list[tuple[str, bytes]]:
        """(name, content) of each file the chosen format reads, in its order."""
        fmt = get_format(self.cleaned_data["format"])
        uploads = [self.cleaned_data["orders_file"], self.cleaned_data.get("items_file")][:len(fmt.files)]
        return [(upload.name, upload.read()) for upload in uploads]


IMPORT_PROBLEMS_SHOWN = 1000  # problems listed on the job's page; the download has all that were kept


def _may_import(user) -> bool:
    return user.has_perm("sales.add_onlineorder")


def _own_import_job_or_404(request, pk):
    """The order import job `pk` of the user who asks: only its importer sees a job, anyone else
    gets 404, as for a job that does not exist (so ids of other people's imports reveal nothing)."""
    job = order_import_job(user=request.user, pk=pk)
    if job is None:
        raise Http404(_("No such import."))
    return job


@require_GET
def order_import_job_page(request, pk):
    """An order import's progress (HTMX polls this page's status part every second) and, once
    finished, its summary and problems."""
    _require(_may_import(request.user))
    job = _own_import_job_or_404(request, pk)
    summary = job.summary or {}
    shown = job.errors[:IMPORT_PROBLEMS_SHOWN]
    template = "web/orders/import_job_status.html" if request.headers.get("HX-Request") else \
        "web/orders/import_job.html"
    return render(request, template, {
        "job": job, "summary": summary, "problems": shown,
        "more_problems": len(job.errors) - len(shown),
        "problems_not_kept": max(0, summary.get("problem_count", 0) - len(job.errors)),
        "phase_label": {"read": _("Reading the files"), "write": _("Saving orders"),
                        "review": _("Reviewing the orders automatically")}.get(job.phase, _("Waiting to start")),
    })


@require_GET
def order_import_job_problems(request, pk):
    """Every problem the import kept (file / row / column / problem), as .xlsx."""
    _require(_may_import(request.user))
    job = _own_import_job_or_404(request, pk)
    content = write_xlsx(title=_("Problems"), headers=[_("File"), _("Row"), _("Column"), _("Problem")],
                         rows=([p["file"], p["row"] or "", p["column"], p["message"]] for p in job.errors),
                         max_rows=MAX_REPORTED_ERRORS)[0]
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="order-import-{job.pk}-problems.xlsx"'
    return response


def _old_job_address(request):
    """Where an address of the job's page from before it had its own (?job=<id>, with
    &download=problems for the download) now is, so that bookmarks and open tabs keep working."""
    job = _own_import_job_or_404(request, request.GET["job"])
    name = "web:order_import_job_problems" if request.GET.get("download") == "problems" else "web:order_import_job"
    return redirect(reverse(name, args=[job.pk]))


@require_http_methods(["GET", "POST"])
def order_import(request):
    """Upload a platform's export files: they become an import job (see channels.tasks) and the
    page goes to the job's page with its progress and summary (order_import_job_page)."""
    _require(_may_import(request.user))
    if request.method == "GET" and "job" in request.GET:
        return _old_job_address(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = order_import_job_create(shop=form.cleaned_data["shop"], format_key=form.cleaned_data["format"],
                                          files=form.files_to_import(), actor=request.user,
                                          mapping=form.cleaned_data["mapping"] or None)
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationFailed as exc:
            for error in exc.errors:
                form.add_error(error.field if error.field in form.fields else None, error.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(reverse("web:order_import_job", args=[job.pk]))
    fields = [{"key": key, "name": names[0], "label": generic.FIELD_LABELS[key], "known": "、".join(names[1:]),
               "required": key in generic.REQUIRED} for key, names in generic.FIELDS.items()]
    return render(request, "web/orders/import.html", {"form": form, "jobs": order_import_jobs(user=request.user),
                                                      "generic_fields": fields, "generic_format": GENERIC},
                  status=400 if request.method == "POST" else 200)
