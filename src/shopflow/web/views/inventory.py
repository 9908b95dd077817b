"""The inventory area's own pages: stock inquiry 库存查询, the stock reports (valuation 库存估值,
low stock 警戒库存, slow-moving 呆滞), the stock-take work pages (new count sheet, counting,
variance review) and the printed transfer order and count sheet.

Who may open what is inventory.roles (stock, value, safety stock) and the document access
tables (stock-takes, transfers); every view checks it and answers 403. The selectors refuse
as well, and leave out cost and value for roles that may not see money."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopflow.catalog.selectors import category_tree, sku_by_scan
from shopflow.core.conf import setting
from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.core.registry import get_type
from shopflow.core.selectors import user_may
from shopflow.core.states import DocState
from shopflow.core.xlsx import write_xlsx
from shopflow.inventory import pdf, roles, selectors, services
from shopflow.inventory.models import Bin, StockTake, TransferOrder, Warehouse
from shopflow.web.views.common import XLSX, document_or_404, require

STOCKTAKE = "inventory.stocktake"
TRANSFER = "inventory.transferorder"
FILTER_CSS = "form-select form-select-sm"


# ---------------------------------------------------------------- helpers


def _allow(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _xlsx(*, title: str, headers: list[str], rows, name: str) -> HttpResponse:
    limit = setting("EXPORT_MAX_ROWS")
    content, _written, _truncated = write_xlsx(
        title=title, headers=headers, rows=rows, max_rows=limit,
        truncated_note=_("Only the first %(n)s rows were exported.") % {"n": limit})
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _warehouse_field(*, required: bool = False, active_only: bool = False, css: str = FILTER_CSS):
    qs = Warehouse.objects.filter(active=True) if active_only else Warehouse.objects.all()
    field = forms.ModelChoiceField(queryset=qs, required=required, label=gettext_lazy("Warehouse"),
                                   empty_label=_("Choose…") if required else _("All warehouses"))
    field.widget.attrs["class"] = css
    if css == FILTER_CSS:
        field.widget.attrs["data-autosubmit"] = "1"
    return field


def _category_field(css: str = FILTER_CSS, empty=None):
    """Categories as their full paths (服装/上装/T恤), in tree order."""
    choices = [("", empty or _("All categories"))] + [(str(n.category.pk), n.path) for n in category_tree()]
    field = forms.TypedChoiceField(choices=choices, coerce=int, empty_value=None, required=False,
                                   label=gettext_lazy("Category"))
    field.widget.attrs["class"] = css
    if css == FILTER_CSS:
        field.widget.attrs["data-autosubmit"] = "1"
    return field


def _filters(form) -> dict:
    form.is_valid()  # a bad value only drops that filter
    return getattr(form, "cleaned_data", {})


def _pk(value):
    return getattr(value, "pk", value)


# ---------------------------------------------------------------- stock inquiry 库存查询


class StockFilter(forms.Form):
    q = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = _warehouse_field()
        self.fields["category"] = _category_field()
        self.fields["zero"] = forms.BooleanField(required=False, label=gettext_lazy("Show zero stock"))
        self.fields["zero"].widget.attrs.update({"class": "form-check-input m-0", "data-autosubmit": "1"})


def _stock_filters(request) -> tuple[StockFilter, dict]:
    form = StockFilter(request.GET)
    f = _filters(form)
    return form, {"search": f.get("q") or "", "warehouse_id": _pk(f.get("warehouse")),
                  "category_id": f.get("category"), "include_zero": bool(f.get("zero"))}


def _stock_query(request):
    form, filters = _stock_filters(request)
    try:
        qs = selectors.stock_inquiry(user=request.user, **filters)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    return form, filters, qs


class _CountedPaginator(Paginator):
    """A paginator told its count, so it does not count the listing (with its joins) again."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self) -> int:
        return self._count


@require_GET
def stock_inquiry(request):
    form, filters, qs = _stock_query(request)
    show_value = roles.may_see_value(request.user)
    totals = selectors.stock_inquiry_totals(user=request.user, **filters)  # the listing checked the role
    page = _CountedPaginator(qs, setting("LIST_PAGE_SIZE"), count=totals.count).get_page(request.GET.get("page"))
    return render(request, "web/inventory/stock.html", {
        "form": form,
        "page": page,
        "rows": selectors.stock_inquiry_rows(page.object_list, show_value=show_value),
        "show_value": show_value,
        "totals": totals,
    })


@require_GET
def stock_export(request):
    _form, _chosen, qs = _stock_query(request)
    show_value = roles.may_see_value(request.user)
    headers = [_("Warehouse"), _("Bin"), _("Item code"), _("Name"), _("Colour"), _("Size"), _("Unit"), _("Barcode"),
               _("On hand"), _("Reserved"), _("Available")]
    if show_value:
        headers += [_("Average cost"), _("Stock value")]

    def rows():
        chunk = []
        for record in qs.iterator(chunk_size=2000):
            chunk.append(record)
            if len(chunk) == 2000:
                yield from _stock_cells(chunk, show_value)
                chunk = []
        yield from _stock_cells(chunk, show_value)

    return _xlsx(title=_("Stock inquiry"), headers=headers, rows=rows(), name="stock")


def _stock_cells(records, show_value: bool):
    for r in selectors.stock_inquiry_rows(records, show_value=show_value):
        cells = [r.warehouse_code, r.bin_code, r.sku_code, r.sku_name, r.colour, r.size, r.unit, r.barcode,
                 r.on_hand, r.reserved, r.available]
        if show_value:
            cells += [r.average_cost, r.value]
        yield cells


# ---------------------------------------------------------------- valuation 库存估值


class ValuationFilter(forms.Form):
    prefix = forms.CharField(required=False, max_length=64, label=gettext_lazy("SKU code prefix"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = _warehouse_field()


def _valuation(request):
    _allow(roles.may_see_value(request.user), _("You may not view stock values."))
    form = ValuationFilter(request.GET)
    f = _filters(form)
    report = selectors.stock_valuation(warehouse_id=_pk(f.get("warehouse")),
                                       sku_prefix=(f.get("prefix") or "").strip(), user=request.user)
    return form, report


@require_GET
def valuation(request):
    form, report = _valuation(request)
    page = Paginator(report.rows, setting("LIST_PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "web/inventory/valuation.html", {"form": form, "report": report, "page": page})


@require_GET
def valuation_export(request):
    _form, report = _valuation(request)
    headers = [_("Warehouse code"), _("Warehouse"), _("Item code"), _("Name"), _("Colour"), _("Size"), _("Unit"),
               _("Quantity"), _("Average cost"), _("Stock value")]
    rows = [[r.warehouse_code, r.warehouse_name, r.sku_code, r.sku_name, r.colour, r.size, r.unit, r.quantity,
             r.average_cost, r.value] for r in report.rows]
    rows.append(["", _("Total"), "", "", "", "", "", report.total_quantity, None, report.total_value])
    return _xlsx(title=_("Stock valuation"), headers=headers, rows=rows, name="stock-valuation")


# ---------------------------------------------------------------- low stock 警戒库存


class SafetyStockForm(forms.Form):
    sku = forms.CharField(max_length=64, label=gettext_lazy("Item code or barcode"))
    minimum = forms.DecimalField(min_value=0, max_digits=18, decimal_places=4, label=gettext_lazy("Safety stock"),
                                 widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = _warehouse_field(required=True, css="form-select")
        self.fields["sku"].widget.attrs.update({"class": "form-control", "autocomplete": "off"})
        self.fields["minimum"].widget.attrs["class"] = "form-control text-end"
        self.order_fields(["sku", "warehouse", "minimum"])


class WarehouseFilter(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = _warehouse_field()


def _low_stock_rows(request):
    _allow(roles.may_see_safety_stock(request.user), _("You may not view safety stock."))
    form = WarehouseFilter(request.GET)
    f = _filters(form)
    return form, selectors.low_stock(warehouse_id=_pk(f.get("warehouse")), user=request.user)


def _render_low_stock(request, safety_form, status=200):
    form, rows = _low_stock_rows(request)
    page = Paginator(rows, setting("LIST_PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "web/inventory/low_stock.html", {
        "form": form, "page": page, "count": len(rows), "safety_form": safety_form,
        "may_set": roles.may_set_safety_stock(request.user),
    }, status=status)


@require_GET
def low_stock(request):
    initial = {k: request.GET[k] for k in ("sku", "warehouse", "minimum") if request.GET.get(k)}
    return _render_low_stock(request, SafetyStockForm(initial=initial))


@require_POST
def safety_stock_set(request):
    _allow(roles.may_set_safety_stock(request.user), _("You may not change safety stock."))
    form = SafetyStockForm(request.POST)
    if form.is_valid():
        sku = sku_by_scan(form.cleaned_data["sku"])
        if sku is None:
            form.add_error("sku", _("No SKU has the item code or barcode “%(code)s”.")
                           % {"code": form.cleaned_data["sku"]})
        else:
            try:
                row = services.safety_stock_set(sku_id=sku.pk, warehouse_id=form.cleaned_data["warehouse"].pk,
                                                minimum=form.cleaned_data["minimum"], actor=request.user)
            except PermissionDeniedError as exc:
                raise PermissionDenied(exc.message) from exc
            except ValidationFailed as exc:
                for error in exc.errors:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if row is None:
                    messages.success(request, _("Safety stock of %(sku)s in %(wh)s removed.")
                                     % {"sku": sku.code, "wh": form.cleaned_data["warehouse"].name})
                else:
                    messages.success(request, _("Safety stock of %(sku)s in %(wh)s set to %(qty)s.")
                                     % {"sku": sku.code, "wh": form.cleaned_data["warehouse"].name,
                                        "qty": format(row.minimum.normalize(), "f")})
                return redirect(reverse("web:inv_low_stock"))
    return _render_low_stock(request, form, status=400)


@require_GET
def low_stock_export(request):
    _form, rows = _low_stock_rows(request)
    headers = [_("Warehouse"), _("Item code"), _("Name"), _("Safety stock"), _("On hand"), _("Reserved"),
               _("Available"), _("Shortfall")]
    cells = [[r.warehouse_name, r.sku_code, r.sku_name, r.minimum, r.on_hand, r.reserved, r.available, r.shortfall]
             for r in rows]
    return _xlsx(title=_("Low stock"), headers=headers, rows=cells, name="low-stock")


# ---------------------------------------------------------------- slow-moving 呆滞


class SlowFilter(forms.Form):
    days = forms.IntegerField(required=False, min_value=0, max_value=3650, label=gettext_lazy("Idle for days"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = _warehouse_field()
        self.fields["days"].widget.attrs.update({"class": "form-control form-control-sm text-end"})


def _slow_rows(request):
    _allow(roles.may_see_stock(request.user), _("You may not view stock."))
    form = SlowFilter(request.GET)
    f = _filters(form)
    days = setting("SLOW_MOVING_DAYS") if f.get("days") is None else f["days"]
    rows = selectors.slow_moving(days=days, warehouse_id=_pk(f.get("warehouse")), user=request.user)
    return form, days, rows


@require_GET
def slow_moving(request):
    form, days, rows = _slow_rows(request)
    show_value = roles.may_see_value(request.user)
    page = Paginator(rows, setting("LIST_PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "web/inventory/slow_moving.html", {
        "form": form, "days": days, "page": page, "count": len(rows), "show_value": show_value,
        "total_quantity": sum((r.on_hand for r in rows), Decimal(0)),
        "total_value": sum((r.value for r in rows), Decimal(0)) if show_value else None,
    })


@require_GET
def slow_moving_export(request):
    _form, _days, rows = _slow_rows(request)
    show_value = roles.may_see_value(request.user)
    headers = [_("Warehouse"), _("Item code"), _("Name"), _("On hand"), _("Last move out"), _("Idle since"),
               _("Idle days")] + ([_("Stock value")] if show_value else [])
    cells = [[r.warehouse_name, r.sku_code, r.sku_name, r.on_hand,
              timezone.localtime(r.last_out).replace(tzinfo=None) if r.last_out else None,
              timezone.localtime(r.idle_since).replace(tzinfo=None), r.idle_days]
             + ([r.value] if show_value else []) for r in rows]
    return _xlsx(title=_("Slow-moving stock"), headers=headers, rows=cells, name="slow-moving")


# ---------------------------------------------------------------- stock-take: new count sheet


class StockTakeForm(forms.Form):
    sku_prefix = forms.CharField(required=False, max_length=64, label=gettext_lazy("SKU code prefix"))
    bins = forms.ModelMultipleChoiceField(queryset=Bin.objects.none(), required=False, label=gettext_lazy("Bins"),
                                          widget=forms.CheckboxSelectMultiple)
    blind = forms.BooleanField(required=False, label=gettext_lazy("Blind count"))
    doc_date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"},
                                                                                    format="%Y-%m-%d"))
    remarks = forms.CharField(required=False, max_length=1000, label=gettext_lazy("Remarks"),
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, warehouse_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"] = _warehouse_field(required=True, active_only=True, css="form-select")
        self.fields["category"] = _category_field(css="form-select", empty=_("All categories"))
        # Any bin is accepted here; the service refuses one of another warehouse, with a message.
        self.fields["bins"].queryset = Bin.objects.filter(active=True)
        self.bin_choices = list(selectors.bins_of(warehouse_id)) if warehouse_id else []
        for name in ("sku_prefix", "doc_date", "remarks"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["blind"].widget.attrs["class"] = "form-check-input"
        self.order_fields(["warehouse", "category", "bins", "sku_prefix", "blind", "doc_date", "remarks"])


def _warehouse_param(data) -> int | None:
    raw = str(data.get("warehouse", "")).strip()
    return int(raw) if raw.isdigit() else None


@require_http_methods(["GET", "POST"])
def stocktake_new(request):
    dt = get_type(STOCKTAKE)
    require(request.user, dt, "create")
    if request.method == "GET":
        warehouse_id = _warehouse_param(request.GET)
        form = StockTakeForm(initial={"doc_date": timezone.localdate(), "warehouse": warehouse_id},
                             warehouse_id=warehouse_id)
        return render(request, "web/inventory/stocktake_new.html", {"form": form, "dt": dt,
                                                                    "chosen_bins": set()})
    form = StockTakeForm(request.POST, warehouse_id=_warehouse_param(request.POST))
    if form.is_valid():
        c = form.cleaned_data
        try:
            doc = services.stocktake_create(
                warehouse_id=c["warehouse"].pk, actor=request.user, sku_prefix=c["sku_prefix"],
                category_id=c["category"], bin_ids=[b.pk for b in c["bins"]], blind=c["blind"],
                doc_date=c["doc_date"], remarks=c["remarks"])
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationFailed as exc:
            for error in exc.errors:
                name = error.field.removeprefix("header.")
                form.add_error(name if name in form.fields else None, error.message)
        else:
            messages.success(request, _("Count sheet created: %(n)s SKUs on the book, frozen now.")
                             % {"n": doc.book.count()})
            return redirect(reverse("web:inv_stocktake_count", args=[doc.pk]))
    chosen = {int(x) for x in request.POST.getlist("bins") if x.isdigit()}
    return render(request, "web/inventory/stocktake_new.html", {"form": form, "dt": dt, "chosen_bins": chosen},
                  status=400)


@require_GET
def stocktake_bins(request):
    """The bin checkboxes of the chosen warehouse (an HTMX partial of the new-count-sheet form)."""
    require(request.user, get_type(STOCKTAKE), "create")
    warehouse_id = _warehouse_param(request.GET)
    form = StockTakeForm(initial={"warehouse": warehouse_id}, warehouse_id=warehouse_id)
    return render(request, "web/inventory/_bins.html", {"form": form, "chosen_bins": set()})


# ---------------------------------------------------------------- stock-take: counting


def _stocktake(request, pk) -> StockTake:
    dt = get_type(STOCKTAKE)
    require(request.user, dt, "view")
    return document_or_404(dt, pk)


COUNT_PAGE_ROWS = 300  # rows per counting page: two fields each stay well below Django's POST field limit


def _count_filter(data) -> tuple[str, str, str]:
    """(bin code, search, page) of the counting page; "-" as bin means "without a bin"."""
    return str(data.get("bin", ""))[:32], str(data.get("q", "")).strip()[:64], str(data.get("page", ""))[:6]


def _shown(rows, bin_code: str, search: str) -> list:
    if bin_code:
        rows = [r for r in rows if r.bin_code == bin_code or (bin_code == "-" and not r.bin_code)]
    for word in search.casefold().split():
        rows = [r for r in rows if word in r.sku_code.casefold() or word in r.sku_name.casefold()
                or r.barcode.startswith(word)]
    return rows


def _qty_text(value) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _row(r, values: dict, errors: dict) -> dict:
    was = _qty_text(r.counted)
    diff = (r.counted or Decimal(0)) - r.book if r.book is not None else None
    return {"row": r, "value": values.get(r.sku_id, was), "was": was, "errors": errors.get(r.sku_id, []),
            "diff": diff}


def _count_context(request, doc, *, extra=(), values=None, row_errors=None, errors=(), scan="", scan_error="",
                   focus=None) -> dict:
    """What the counting page shows. `values` are counts typed but not saved ({sku id: text}),
    shown over the saved ones; `focus` the SKU whose box gets the cursor."""
    show_book = selectors.stocktake_shows_book(doc, request.user)
    sheet = selectors.stocktake_sheet(doc, show_book=show_book, extra_sku_ids=extra)
    bin_code, search, page_number = _count_filter(request.POST if request.method == "POST" else request.GET)
    page = Paginator(_shown(sheet, bin_code, search), COUNT_PAGE_ROWS).get_page(page_number)
    values, row_errors = values or {}, row_errors or {}
    rows = [_row(r, values, row_errors) for r in page.object_list]
    if focus is not None and not any(r["row"].sku_id == focus for r in rows):
        # A scanned SKU outside the bin, search or page chosen: shown here anyway.
        rows += [_row(r, values, row_errors) for r in sheet if r.sku_id == focus]
    return {
        "doc": doc,
        "dt": get_type(STOCKTAKE),
        "rows": rows,
        "page": page,
        "total_rows": len(sheet),
        "counted_rows": sum(1 for r in sheet if r.counted is not None),
        "bins": sorted({r.bin_code for r in sheet if r.bin_code}),
        "no_bin": any(not r.bin_code for r in sheet),
        "bin": bin_code,
        "q": search,
        "extra": list(extra),
        "show_book": show_book,
        "may_edit": doc.state == DocState.DRAFT and user_may(request.user, STOCKTAKE, "edit"),
        "scope": selectors.stocktake_scope_label(doc),
        "warnings": selectors.stocktake_warnings(doc, show_book=show_book),
        "errors": list(errors),
        "scan": scan,
        "scan_error": scan_error,
        "focus": focus,
    }


def _changed_counts(data) -> dict[int, str]:
    """{sku id: value typed} of the rows whose box differs from what the page showed."""
    changed = {}
    for key in data:
        if key.startswith("count-") and key[6:].isdigit():
            value = data.get(key, "").strip()
            if value != data.get(f"was-{key[6:]}", "").strip():
                changed[int(key[6:])] = value
    return changed


@require_http_methods(["GET", "POST"])
def stocktake_count(request, pk):
    """Counting 录入盘点数: one row per SKU in walking order, the counted quantity typed (or a
    barcode scanned to jump to its row, or to add an SKU that is not listed). Saves only the
    rows that changed, with the version the page was loaded at, so two counters cannot
    overwrite each other's counts unseen."""
    doc = _stocktake(request, pk)
    if request.method == "GET":
        return render(request, "web/inventory/count.html", _count_context(request, doc))
    require(request.user, get_type(STOCKTAKE), "edit")
    changed = _changed_counts(request.POST)
    extra = [int(x) for x in request.POST.getlist("extra") if x.isdigit()]
    scan = request.POST.get("scan", "").strip()[:64]
    if request.POST.get("action") != "save" and scan:
        return _count_scan(request, doc, scan, changed, extra)
    if not changed:
        messages.info(request, _("Nothing was changed."))
        return redirect(_count_url(request, doc))
    version = request.POST.get("version", "")
    try:
        services.stocktake_record_counts(doc=doc, counts=changed, actor=request.user,
                                         expected_version=int(version) if version.isdigit() else None)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationFailed as exc:
        row_errors, general = _split_count_errors(exc.errors)
        context = _count_context(request, doc, extra=extra, values=changed, row_errors=row_errors, errors=general)
        return render(request, "web/inventory/count.html", context, status=400)
    except DomainError as exc:  # someone saved meanwhile, or the count is no longer a draft
        doc.refresh_from_db()
        context = _count_context(request, doc, extra=extra, values=changed, errors=[exc.message])
        return render(request, "web/inventory/count.html", context, status=409)
    messages.success(request, _("Counts saved for %(n)s SKUs.") % {"n": len(changed)})
    return redirect(_count_url(request, doc))


def _count_url(request, doc) -> str:
    bin_code, search, page = _count_filter(request.POST)
    url = reverse("web:inv_stocktake_count", args=[doc.pk])
    params = {k: v for k, v in (("bin", bin_code), ("q", search), ("page", page)) if v}
    return f"{url}?{urlencode(params)}" if params else url


def _split_count_errors(errors) -> tuple[dict[int, list[str]], list[str]]:
    rows, general = {}, []
    for error in errors:
        parts = error.field.split(".")
        if parts[0] == "counts" and len(parts) > 1 and parts[1].isdigit():
            rows.setdefault(int(parts[1]), []).append(error.message)
        else:
            general.append(error.message)
    return rows, general


def _count_scan(request, doc, scan: str, values, extra):
    """A code or barcode typed in the scan box: the cursor goes to the SKU's row, which is added
    to the page if the sheet does not list it yet (nothing is saved until "Save counts")."""
    sku = sku_by_scan(scan)
    if sku is None:
        error = _("No SKU has the item code or barcode “%(code)s”.") % {"code": scan}
    elif selectors.stocktake_outside(doc, {sku.pk}):
        error = _("%(sku)s is outside this count (%(scope)s).") % {"sku": sku.code,
                                                                  "scope": selectors.stocktake_scope_label(doc)}
    else:
        error = ""
        if sku.pk not in extra:
            extra = [*extra, sku.pk]
    context = _count_context(request, doc, extra=extra, values=values, scan=scan if error else "",
                             scan_error=error, focus=None if error else sku.pk)
    return render(request, "web/inventory/count.html", context, status=400 if error else 200)


# ---------------------------------------------------------------- stock-take: variance review


def _variance(request, doc):
    show_book = selectors.stocktake_shows_book(doc, request.user)
    rows = selectors.stocktake_variance(doc, show_book=show_book)
    return show_book, rows


@require_GET
def stocktake_variance(request, pk):
    doc = _stocktake(request, pk)
    show_book, rows = _variance(request, doc)
    only = bool(request.GET.get("diff")) and show_book
    shown = [r for r in rows if r.difference] if only else rows
    return render(request, "web/inventory/variance.html", {
        "doc": doc,
        "dt": get_type(STOCKTAKE),
        "rows": shown,
        "totals": selectors.stocktake_totals(rows),
        "show_book": show_book,
        "show_value": show_book and roles.may_see_value(request.user),
        "only": only,
        "scope": selectors.stocktake_scope_label(doc),
        "warnings": selectors.stocktake_warnings(doc, show_book=show_book),
        "may_count": doc.state == DocState.DRAFT and user_may(request.user, STOCKTAKE, "edit"),
    })


@require_GET
def stocktake_variance_export(request, pk):
    doc = _stocktake(request, pk)
    show_book, rows = _variance(request, doc)
    show_value = show_book and roles.may_see_value(request.user)
    headers = [_("Bin"), _("Item code"), _("Name"), _("Colour"), _("Size"), _("Unit"), _("Counted")]
    if show_book:
        headers += [_("Book"), _("Difference")]
    if show_value:
        headers += [_("Average cost"), _("Value of difference")]
    cells = []
    for r in rows:
        row = [r.bin_code, r.sku_code, r.sku_name, r.colour, r.size, r.unit, r.counted]
        if show_book:
            row += [r.book, r.difference]
        if show_value:
            row += [r.unit_cost, r.value]
        cells.append(row)
    return _xlsx(title=_("Variance review"), headers=headers, rows=cells, name=f"variance-{doc.pk}")


# ---------------------------------------------------------------- printed documents


@require_GET
def stocktake_sheet_pdf(request, pk):
    doc = _stocktake(request, pk)
    return _pdf(pdf.stocktake_sheet_pdf(doc), f"{doc.number or f'stocktake-{doc.pk}'}.pdf")


@require_GET
def transfer_pdf(request, pk):
    dt = get_type(TRANSFER)
    require(request.user, dt, "view")
    doc: TransferOrder = document_or_404(dt, pk)
    return _pdf(pdf.transfer_order_pdf(doc), f"{doc.number or f'transfer-{doc.pk}'}.pdf")

