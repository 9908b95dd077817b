"""The order workbench for customer service: online orders by state, flag, shop and hold
reason; an order's page with review actions; and the import of a platform's export files."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopflow.channels.error_codes import HoldCode
from shopflow.channels.models import Shop
from shopflow.channels.readers import order_formats
from shopflow.channels.services import orders_import
from shopflow.core.conf import setting
from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.core.selectors import audit_events
from shopflow.sales import online, selectors
from shopflow.sales.models import OnlineOrder, OrderFlag, OrderState


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
    hold = forms.ChoiceField(label=gettext_lazy("Hold reason"), required=False,
                             choices=[("", gettext_lazy("All"))] + [(c.value, c.value) for c in HoldCode])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


@require_GET
def order_list(request):
    _require(selectors.may_view_orders(request.user))
    form = FilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    search = request.GET.get("q", "")[:200]
    qs = selectors.online_orders(user=request.user, search=search, state=values.get("state", ""),
                                 flag=values.get("flag", ""), shop_id=getattr(values.get("shop"), "pk", None),
                                 hold=values.get("hold", ""))
    page = Paginator(qs.prefetch_related("lines"), setting("LIST_PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "web/orders/list.html", {
        "form": form, "search": search, "page": page, "counts": selectors.state_counts(request.user),
        "states": OrderState.choices, "may_work": selectors.may_work_orders(request.user),
    })


def _order(request, pk) -> OnlineOrder:
    _require(selectors.may_view_orders(request.user))
    return get_object_or_404(OnlineOrder.objects.select_related("shop"), pk=pk)


@require_GET
def order_detail(request, pk):
    order = _order(request, pk)
    return render(request, "web/orders/detail.html", {
        "order": order, "lines": order.lines.select_related("sku"), "events": audit_events(order),
        "may_work": selectors.may_work_orders(request.user), "problems": online.approval_problems(order),
        "flags": OrderFlag.choices,
    })


@require_POST
def order_action(request, pk, action):
    order = _order(request, pk)
    version = int(request.POST["version"]) if request.POST.get("version", "").isdigit() else None
    try:
        if action == "approve":
            online.online_order_approve(order=order, actor=request.user, expected_version=version)
        elif action == "hold":
            online.online_order_hold(order=order, actor=request.user, reason=request.POST.get("reason", ""),
                                     expected_version=version)
        elif action == "flag":
            online.online_order_flag(order=order, actor=request.user, flag=request.POST.get("flag", ""),
                                     note=request.POST.get("note"), expected_version=version)
        elif action == "address":
            online.online_order_correct_address(order=order, actor=request.user,
                                                address=request.POST.get("address", ""), expected_version=version)
        else:
            raise PermissionDenied(_("Unknown action."))
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except (DomainError, ValidationFailed) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Order %(no)s saved.") % {"no": order.platform_order_no})
    return redirect("web:order_detail", pk=order.pk)


class ImportForm(forms.Form):
    shop = forms.ModelChoiceField(label=gettext_lazy("Shop"), queryset=Shop.objects.filter(active=True))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[])
    orders_file = forms.FileField(label=gettext_lazy("Order report (订单报表)"))
    items_file = forms.FileField(label=gettext_lazy("Item report (宝贝报表)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(f.key, f.label) for f in order_formats()]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" if name in ("shop", "format") else "form-control"

    def clean(self):
        data = super().clean()
        limit = setting("ORDER_IMPORT_MAX_BYTES")
        for name in ("orders_file", "items_file"):
            upload = data.get(name)
            if upload is not None and upload.size > limit:
                self.add_error(name, _("%(file)s is larger than the limit of %(limit)s MB.")
                               % {"file": upload.name, "limit": limit // (1024 * 1024)})
        return data


@require_http_methods(["GET", "POST"])
def order_import(request):
    _require(request.user.has_perm("sales.add_onlineorder"))
    form = ImportForm(request.POST or None, request.FILES or None)
    summary = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fmt = next(f for f in order_formats() if f.key == data["format"])
        files = [data["orders_file"], data["items_file"]]
        result = fmt.read([f.read() for f in files], [f.name for f in files])
        try:
            summary = orders_import(shop=data["shop"], result=result, actor=request.user,
                                    source=" + ".join(f.name for f in files))
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
    return render(request, "web/orders/import.html", {"form": form, "summary": summary},
                  status=400 if request.method == "POST" and not form.is_valid() else 200)
