"""The warehouse's fulfilment pages 发货: waves 波次 (make, print, assign waybills, ship, take a
parcel out), the tracking-number pool 面单号池, the scanner-first packing station 打包验货, handover
lists 交接单, the service-level board 发货时效看板, the daily shipped report and the tracking-number
export for the shops.

Views are thin: they parse the request, call one service or selector of shopflow.fulfilment and
render. Permissions are the model permissions fulfilment.roles grants (view_* to look, add_* /
change_* to act); every view checks them and answers 403, and the services check again."""

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopflow.catalog.models import Sku
from shopflow.channels.models import Shop
from shopflow.core.conf import setting
from shopflow.core.errors import DomainError, PermissionDeniedError
from shopflow.core.imports import ImportFileError, read_table
from shopflow.fulfilment import pdf, selectors, services
from shopflow.fulfilment.models import Handover, Parcel, ParcelState, TrackingNumber, Wave, WaveState
from shopflow.inventory.models import Warehouse
from shopflow.partners.models import Courier
from shopflow.sales.models import OrderState
from shopflow.web.display import format_qty

SELECT = "form-select"
INPUT = "form-control"
# The wave's states as the warehouse says them ("Open" alone is already 未入库 elsewhere).
WAVE_STATES = ((WaveState.OPEN, pgettext_lazy("wave", "Open")), (WaveState.DONE, pgettext_lazy("wave", "Done")))

# ---------------------------------------------------------------- who may do what


def _holds(codename: str):
    """A check `(user) -> bool`: an active user with this permission."""
    return lambda user: bool(user and user.is_active and user.has_perm(codename))


may_view_waves = _holds("fulfilment.view_wave")
may_make_waves = _holds("fulfilment.add_wave")
may_work_parcels = _holds("fulfilment.change_parcel")  # assign waybills, pack, ship, take out: warehouse, manager
may_view_parcels = _holds("fulfilment.view_parcel")
may_view_pool = _holds("fulfilment.view_trackingnumber")
may_view_handovers = _holds("fulfilment.view_handover")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not open this page."))


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _one_choice(field: forms.ModelChoiceField) -> None:
    """A required choice with a prompt, and preselected when there is only one thing to choose."""
    field.empty_label = _("Choose…")
    options = list(field.queryset[:2])
    if len(options) == 1:
        field.initial = options[0].pk


def _problems(exc: DomainError) -> list[str]:
    """Every message of a refusal, one per problem (the summary when there is no list)."""
    return [e.message for e in exc.errors] or [exc.message]


def _styled(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", SELECT)
        elif not isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", INPUT)
    return form


# ---------------------------------------------------------------- waves 波次


class WaveForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=gettext_lazy("Warehouse"), queryset=Warehouse.objects.none())
    courier = forms.ModelChoiceField(label=gettext_lazy("Courier"), required=False,
                                     queryset=Courier.objects.filter(active=True),
                                     empty_label=gettext_lazy("Any courier"))
    provinces = forms.CharField(label=gettext_lazy("Provinces (zone)"), required=False, max_length=500,
                                help_text=gettext_lazy("Separate several with spaces or commas, e.g. 浙江 江苏 上海; "
                                                       "empty: all."))
    shop = forms.ModelChoiceField(label=gettext_lazy("Shop"), required=False, queryset=Shop.objects.filter(active=True),
                                  empty_label=gettext_lazy("All shops"))
    limit = forms.IntegerField(label=gettext_lazy("Most orders"), min_value=1)  # at most WAVE_MAX_ORDERS
    waves = forms.IntegerField(
        label=gettext_lazy("Number of waves"), min_value=1, max_value=services.MAX_WAVES_AT_ONCE, initial=1,
        required=False, help_text=gettext_lazy("Make this many waves at once, each of at most the orders above (the "
                                               "day's first batches)."))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = int(setting("WAVE_MAX_ORDERS"))
        self.fields["warehouse"].queryset = Warehouse.objects.filter(active=True, subcontractor__isnull=True)
        self.fields["limit"] = forms.IntegerField(label=self.fields["limit"].label, min_value=1, max_value=most,
                                                  initial=most)
        _one_choice(self.fields["warehouse"])
        _styled(self)

    def province_list(self) -> list[str]:
        text = self.cleaned_data.get("provinces") or ""
        for sep in ",，、;；\n\t":
            text = text.replace(sep, " ")
        return [p for p in text.split(" ") if p]


def _wave_counts(wave_ids: list[int]) -> dict[int, dict[str, int]]:
    """Parcels per state of each wave, in one query."""
    counts: dict[int, dict[str, int]] = {pk: dict.fromkeys(ParcelState.values, 0) for pk in wave_ids}
    for wave_id, state, n in (Parcel.objects.filter(wave_id__in=wave_ids).values_list("wave_id", "state")
                              .annotate(n=Count("id")).order_by()):
        counts[wave_id][state] = n
    return counts


@require_http_methods(["GET", "POST"])
def wave_list(request):
    """波次: the latest waves with their parcels per state, and the form to make a wave."""
    _require(may_view_waves(request.user))
    form = WaveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _require(may_make_waves(request.user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = services.waves_create(warehouse=data["warehouse"], courier=data["courier"],
                                             provinces=form.province_list(), shop=data["shop"], limit=data["limit"],
                                             note=data["note"], waves=data["waves"] or 1, actor=request.user)
            except PermissionDeniedError as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                for problem in _problems(exc):
                    form.add_error(None, problem)
            else:
                parcels = Parcel.objects.filter(wave__in=made).count()
                if len(made) == 1:
                    messages.success(request, _("Wave %(no)s made with %(n)s parcels.")
                                     % {"no": made[0].number, "n": parcels})
                    return redirect("web:ful_wave", pk=made[0].pk)
                messages.success(request, _("%(waves)s waves made (%(first)s to %(last)s) with %(n)s parcels.")
                                 % {"waves": len(made), "first": made[0].number, "last": made[-1].number,
                                    "n": parcels})
                return redirect("web:ful_waves")
        status = 400
    state = request.GET.get("state", "")
    state = state if state in WaveState.values else ""
    waves = list(selectors.waves_list(state=state))
    counts = _wave_counts([w.pk for w in waves])
    rows = [{"wave": w, "counts": counts[w.pk]} for w in waves]
    return render(request, "web/fulfilment/waves.html", {
        "form": form, "rows": rows, "state": state, "states": WAVE_STATES, "state_labels": dict(WAVE_STATES),
        "may_make": may_make_waves(request.user)}, status=status)


def _wave(request, pk) -> Wave:
    _require(may_view_waves(request.user))
    return get_object_or_404(Wave.objects.select_related("warehouse", "courier", "created_by"), pk=pk)


@require_GET
def wave_detail(request, pk):
    """One wave: its parcels with their states, the papers to print and the actions."""
    wave = _wave(request, pk)
    parcels = list(wave.parcels.select_related("order__shop", "courier", "packed_by").prefetch_related("order__lines")
                   .order_by("id"))
    counts = dict.fromkeys(ParcelState.values, 0)
    for parcel in parcels:
        counts[parcel.state] += 1
    return render(request, "web/fulfilment/wave.html", {
        "wave": wave, "parcels": parcels, "counts": counts,
        "missing_tracking": sum(1 for p in parcels if p.state in selectors.OPEN and not p.tracking_no),
        "may_work": may_work_parcels(request.user), "may_print": request.user.has_perm("fulfilment.change_wave"),
        "open": wave.state == WaveState.OPEN, "state_label": dict(WAVE_STATES).get(wave.state, wave.state),
    })


@require_POST
def wave_action(request, pk, action):
    """assign: give the wave's parcels numbers from the pool; ship: ship every packed parcel."""
    wave = _wave(request, pk)
    _require(may_work_parcels(request.user))
    try:
        if action == "assign":
            n = services.wave_assign_tracking(wave=wave, actor=request.user)
            messages.success(request, _("%(n)s parcels got a tracking number.") % {"n": n})
        elif action == "ship":
            result = services.wave_ship(wave=wave, actor=request.user)
            messages.success(request, _("%(n)s parcels shipped.") % {"n": result.parcels})
        else:
            raise Http404(_("No such action."))
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        for problem in _problems(exc):
            messages.error(request, problem)
    return redirect("web:ful_wave", pk=wave.pk)


def _parcel(request, pk) -> Parcel:
    _require(may_view_parcels(request.user))
    return get_object_or_404(Parcel.objects.select_related("order", "wave", "courier"), pk=pk)


@require_POST
def parcel_take_out(request, pk):
    """Take a parcel out of its wave, with a reason (held, refunded, re-routed …)."""
    parcel = _parcel(request, pk)
    _require(may_work_parcels(request.user))
    version = request.POST.get("version", "")
    try:
        services.parcel_cancel(parcel=parcel, reason=request.POST.get("reason", "")[:500], actor=request.user,
                               expected_version=int(version) if version.isdigit() else None)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        for problem in _problems(exc):
            messages.error(request, problem)
    else:
        messages.success(request, _("Order %(no)s was taken out of wave %(wave)s.")
                         % {"no": parcel.order.platform_order_no, "wave": parcel.wave.number})
    return redirect("web:ful_wave", pk=parcel.wave_id)


@require_POST
def parcel_tracking(request, pk):
    """Enter a parcel's tracking number by hand (a waybill printed elsewhere)."""
    parcel = _parcel(request, pk)
    _require(may_work_parcels(request.user))
    version = request.POST.get("version", "")
    try:
        services.parcel_set_tracking(parcel=parcel, tracking_no=request.POST.get("tracking_no", "")[:64],
                                     actor=request.user, expected_version=int(version) if version.isdigit() else None)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        for problem in _problems(exc):
            messages.error(request, problem)
    else:
        messages.success(request, _("Tracking number of order %(no)s saved.") % {"no": parcel.order.platform_order_no})
    return redirect("web:ful_wave", pk=parcel.wave_id)


# ---------------------------------------------------------------- printing


@require_http_methods(["GET", "POST"])
def wave_pick_list_pdf(request, pk):
    """The pick list; printing it from the wave's page (POST) records that it was printed."""
    wave = _wave(request, pk)
    if request.method == "POST":
        _require(request.user.has_perm("fulfilment.change_wave"))
        try:
            wave = services.wave_mark_printed(wave=wave, actor=request.user)
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
    return _pdf(pdf.pick_list_pdf(wave), f"pick-list-{wave.number}.pdf")


def _open_parcels(wave: Wave) -> list[Parcel]:
    return list(wave.parcels.exclude(state=ParcelState.CANCELLED).order_by("id"))


@require_GET
def wave_delivery_notes_pdf(request, pk):
    wave = _wave(request, pk)
    return _pdf(pdf.delivery_notes_pdf(_open_parcels(wave)), f"delivery-notes-{wave.number}.pdf")


@require_GET
def wave_waybills_pdf(request, pk):
    wave = _wave(request, pk)
    return _pdf(pdf.waybills_pdf(_open_parcels(wave)), f"waybills-{wave.number}.pdf")


@require_GET
def parcel_waybill_pdf(request, pk):
    parcel = _parcel(request, pk)
    return _pdf(pdf.waybill_pdf(parcel), f"waybill-{parcel.tracking_no or parcel.pk}.pdf")


@require_GET
def parcel_delivery_note_pdf(request, pk):
    parcel = _parcel(request, pk)
    return _pdf(pdf.delivery_note_pdf(parcel), f"delivery-note-{parcel.order.platform_order_no}.pdf")


# ---------------------------------------------------------------- tracking-number pool 面单号池


class PoolForm(forms.Form):
    courier = forms.ModelChoiceField(label=gettext_lazy("Courier"), queryset=Courier.objects.filter(active=True),
                                     empty_label=gettext_lazy("Choose…"))
    numbers = forms.CharField(label=gettext_lazy("Tracking numbers"), required=False,
                              widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
                              help_text=gettext_lazy("One number per line, as bought from the courier."))
    file = forms.FileField(label=gettext_lazy("Or a file"), required=False,
                           help_text=gettext_lazy(".txt, .csv or .xlsx: the numbers in the first column; a header "
                                                  "row without digits is skipped."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self)

    def clean(self):
        data = super().clean()
        if not (data.get("numbers") or "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Paste the numbers or choose a file."))
        return data

    def number_rows(self) -> list[str]:
        """The numbers as rows the way the user sees them: line n of the text, or row n of the file."""
        upload = self.cleaned_data.get("file")
        if upload is None:
            return self.cleaned_data["numbers"].splitlines()
        table = read_table(upload.read(), upload.name)
        if not table.rows:
            return []
        rows = [""] * table.rows[-1][0]
        for number, cells in table.rows:
            rows[number - 1] = next((c.strip() for c in cells if c.strip()), "")
        first = table.rows[0][0] - 1
        if not any(ch.isdigit() for ch in rows[first]):
            rows[first] = ""  # a header such as 运单号
        return rows


def _pool_counts() -> list[dict]:
    """Active couriers with the numbers of their pool: free, and given to parcels."""
    totals = {row["courier_id"]: row for row in TrackingNumber.objects.values("courier_id").annotate(
        total=Count("id"), free=Count("id", filter=Q(parcel__isnull=True))).order_by()}
    out = []
    for courier in Courier.objects.filter(active=True):
        row = totals.get(courier.pk, {"total": 0, "free": 0})
        out.append({"courier": courier, "free": row["free"], "used": row["total"] - row["free"]})
    return out


@require_http_methods(["GET", "POST"])
def tracking_pool(request):
    """面单号池: the free numbers per courier, and adding numbers (pasted or a file) — every row
    checked, each problem shown with its line number, nothing added unless all are good."""
    _require(may_view_pool(request.user))
    may_add = request.user.has_perm("fulfilment.add_trackingnumber")
    form = PoolForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        _require(may_add)
        if form.is_valid():
            courier = form.cleaned_data["courier"]
            try:
                result = services.tracking_numbers_add(courier=courier, numbers=form.number_rows(), actor=request.user)
            except ImportFileError as exc:
                problems = [e.message for e in exc.errors]
            except PermissionDeniedError as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                problems = _problems(exc)
            else:
                messages.success(request, _("%(n)s tracking numbers of %(courier)s added to the pool.")
                                 % {"n": result.added, "courier": courier.name})
                return redirect("web:ful_pool")
        status = 400
    return render(request, "web/fulfilment/pool.html", {
        "form": form, "problems": problems, "counts": _pool_counts(), "may_add": may_add}, status=status)


# ---------------------------------------------------------------- packing station 打包验货


def _pack_rows(check: selectors.PackingCheck) -> list[dict]:
    """The expected items with what was counted so far, for the table of the packing page."""
    skus = {s.pk: s for s in Sku.objects.filter(pk__in=list(check.expected)).select_related("style")}
    rows = []
    for sku_id, expected in check.expected.items():
        sku = skus[sku_id]
        counted = check.counted.get(sku_id, Decimal(0))
        rows.append({"sku": sku, "label": pdf.item_label(sku), "expected": expected, "counted": counted,
                     "done": counted == expected})
    return sorted(rows, key=lambda r: r["sku"].code)


def _scans(request) -> list[str]:
    return [s.strip()[:64] for s in request.POST.getlist("scans") if s.strip()][:2000]


def _packing_context(parcel: Parcel, scans: list[str], check: selectors.PackingCheck | None = None,
                     **extra) -> dict:
    check = check or selectors.packing_check(parcel, scans)
    counted = sum(check.counted.values(), Decimal(0))
    expected = sum(check.expected.values(), Decimal(0))
    return {"parcel": parcel, "order": parcel.order, "scans": scans, "check": check, "rows": _pack_rows(check),
            "counted": counted, "expected": expected, "left": expected - counted, **extra}


@require_GET
def packing(request):
    """The packing station: scan the waybill or the order number to open the parcel."""
    _require(may_work_parcels(request.user))
    code = request.GET.get("code", "").strip()[:64]
    problem, status = "", 200
    if code:
        parcel = selectors.parcel_find(code)
        if parcel is None:
            problem, status = _("No parcel for “%(code)s”: scan the waybill's barcode or the order number.") % {
                "code": code}, 404
        elif parcel.state != ParcelState.WAVED:
            problem = _("The parcel of order %(no)s is already %(state)s.") % {
                "no": parcel.order.platform_order_no, "state": parcel.get_state_display()}
        else:
            return redirect("web:ful_pack_parcel", pk=parcel.pk)
    last = request.GET.get("last", "")
    last = Parcel.objects.select_related("order", "courier").filter(pk=int(last)).first() if last.isdigit() else None
    return render(request, "web/fulfilment/packing.html", {"code": code, "problem": problem, "last": last},
                  status=status)


def _packable(request, pk) -> Parcel:
    _require(may_work_parcels(request.user))
    return get_object_or_404(Parcel.objects.select_related("order__shop", "courier", "wave"), pk=pk)


@require_GET
def packing_parcel(request, pk):
    """One parcel at the bench: the expected items, the scan box, the weight."""
    parcel = _packable(request, pk)
    return render(request, "web/fulfilment/packing_parcel.html", _packing_context(parcel, []))


@require_POST
def packing_scan(request, pk):
    """One scan (htmx, or a plain POST without script): checked against the order with the
    scans so far. A wrong or extra item is refused and left out of the scans (the packer takes it
    out of the box); a good one is counted. The page keeps the accepted scans in hidden fields."""
    parcel = _packable(request, pk)
    scans = _scans(request)
    scan = request.POST.get("scan", "").strip()[:64]
    feedback, check = None, None
    if scan and scan in (parcel.tracking_no, parcel.order.platform_order_no):
        feedback = {"kind": "info", "title": _("This parcel is open"),
                    "lines": [_("“%(code)s” is this parcel's waybill or order; now scan the items.") % {"code": scan}]}
    elif scan:
        check = selectors.packing_check(parcel, scans + [scan])
        if check.ok:
            scans = scans + [scan]
        else:
            feedback = {"kind": "error", "title": _("Refused — take it out"),
                        "lines": [e.message for e in check.errors(finishing=False)]}
            check = None  # the table shows the scans kept
    context = _packing_context(parcel, scans, check)
    if check is not None:  # accepted: say which item, and how many of it are in the box now
        sku_id = selectors.scan_skus([scan])[scan].pk
        row = next(r for r in context["rows"] if r["sku"].pk == sku_id)
        feedback = {"kind": "ok", "title": _("OK"), "lines": [
            f"{row['sku'].code} {row['sku'].name} · {row['label']} · "
            f"{format_qty(row['counted'])}/{format_qty(row['expected'])}"]}
        if check.complete:
            feedback["lines"].append(_("Every item is scanned: weigh the parcel and press Pack and ship."))
    context["feedback"] = feedback
    template = "web/fulfilment/_pack_state.html" if request.headers.get("HX-Request") \
        else "web/fulfilment/packing_parcel.html"
    return render(request, template, context, status=200)


@require_POST
def packing_finish(request, pk):
    """Pack (and ship) the parcel: the server checks everything again — scans, weight, the
    order's state, the tracking number. Refused with every problem listed, scans kept."""
    parcel = _packable(request, pk)
    scans = _scans(request)
    ship = request.POST.get("ship", "1") != "0"
    try:
        services.parcel_pack(parcel=parcel, scans=scans, weight=request.POST.get("weight", ""), ship=ship,
                             actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        feedback = {"kind": "error", "title": _("Not packed"), "lines": _problems(exc)}
        context = _packing_context(parcel, scans, feedback=feedback, weight=request.POST.get("weight", "")[:20])
        return render(request, "web/fulfilment/packing_parcel.html", context, status=400)
    # The packing page shows the parcel just closed in a big banner (?last=).
    return redirect(f"{reverse('web:ful_packing')}?{urlencode({'last': parcel.pk})}")


# ---------------------------------------------------------------- handover lists 交接单


class HandoverForm(forms.Form):
    courier = forms.ModelChoiceField(label=gettext_lazy("Courier"), queryset=Courier.objects.filter(active=True))
    warehouse = forms.ModelChoiceField(label=gettext_lazy("Warehouse"), queryset=Warehouse.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(active=True, subcontractor__isnull=True)
        _one_choice(self.fields["warehouse"])
        _one_choice(self.fields["courier"])
        _styled(self)


def _waiting_handover() -> list[dict]:
    """Shipped parcels not on a handover list yet, per courier and warehouse."""
    rows = (Parcel.objects.filter(state=ParcelState.SHIPPED, handover__isnull=True)
            .values("courier_id", "courier__name", "warehouse_id", "warehouse__name")
            .annotate(n=Count("id"), weight=Sum("weight")).order_by("courier__name", "warehouse__name"))
    return list(rows)


@require_http_methods(["GET", "POST"])
def handover_list(request):
    """交接单: the lists made, what is waiting to be handed over, and making a list per courier."""
    _require(may_view_handovers(request.user))
    may_add = request.user.has_perm("fulfilment.add_handover")
    form = HandoverForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _require(may_add)
        if form.is_valid():
            try:
                handover = services.handover_create(courier=form.cleaned_data["courier"],
                                                    warehouse=form.cleaned_data["warehouse"], actor=request.user)
            except PermissionDeniedError as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                for problem in _problems(exc):
                    form.add_error(None, problem)
            else:
                messages.success(request, _("Handover list %(no)s: %(n)s parcels.")
                                 % {"no": handover.number, "n": handover.parcel_count})
                return redirect("web:ful_handovers")
        status = 400
    handovers = Handover.objects.select_related("courier", "warehouse", "created_by").order_by("-id")[:100]
    return render(request, "web/fulfilment/handovers.html", {
        "form": form, "handovers": handovers, "waiting": _waiting_handover(), "may_add": may_add}, status=status)


@require_GET
def handover_pdf(request, pk):
    _require(may_view_handovers(request.user))
    handover = get_object_or_404(Handover.objects.select_related("courier", "warehouse", "created_by"), pk=pk)
    return _pdf(pdf.handover_pdf(handover), f"handover-{handover.number}.pdf")


# ---------------------------------------------------------------- service levels 发货时效


def _shop_choice(request) -> Shop | None:
    value = request.GET.get("shop", "")
    return Shop.objects.filter(pk=int(value)).first() if value.isdigit() else None


@require_GET
def service_board(request):
    """发货时效看板: paid orders not shipped, late / at risk / due today, with the cut-off."""
    _require(may_view_parcels(request.user))
    shop = _shop_choice(request)
    board = selectors.service_board(shop=shop)
    template = "web/fulfilment/_board.html" if request.headers.get("HX-Request") else "web/fulfilment/board.html"
    return render(request, template, {
        "board": board, "shops": Shop.objects.filter(active=True), "shop": shop,
        "cutoff_time": setting("SHIP_CUTOFF_TIME"), "within_hours": setting("SHIP_WITHIN_HOURS"),
        "risk_hours": setting("SHIP_AT_RISK_HOURS"),
        "state_labels": dict(OrderState.choices), "parcel_labels": dict(ParcelState.choices),
        "lists": [("late", _("Late"), board.late_count, board.late),
                  ("at_risk", _("At risk"), board.at_risk_count, board.at_risk),
                  ("due_today", _("Due today"), board.due_today_count, board.due_today)],
    })


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@require_GET
def shipped_report(request):
    """每日发货报表: parcels shipped on a day by shop and courier, and the share within 24 h."""
    _require(may_view_parcels(request.user))
    raw = request.GET.get("day", "")
    day = _day(raw)
    error = _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw} if raw and day is None else ""
    day = day or timezone.localdate()
    shop = _shop_choice(request)
    return render(request, "web/fulfilment/shipped.html", {
        "report": selectors.shipped_report(day=day, shop=shop), "day": day, "error": error,
        "shops": Shop.objects.filter(active=True), "shop": shop, "within_hours": setting("SHIP_WITHIN_HOURS"),
    }, status=400 if error else 200)


@require_GET
def tracking_export(request):
    """回传运单号: the shipped orders of a shop on a day in the platform's bulk-shipping upload
    (Taobao 批量发货 CSV: 订单编号, 物流公司, 运单号), to preview or download."""
    _require(may_view_parcels(request.user))
    shops = Shop.objects.filter(active=True)
    shop = _shop_choice(request)
    raw = request.GET.get("day", "")
    day = _day(raw)
    error = _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw} if raw and day is None else ""
    day = day or timezone.localdate()
    rows = selectors.tracking_export(shop=shop, day=day) if shop is not None and not error else []
    if shop is not None and not error and request.GET.get("download"):
        response = HttpResponse(selectors.tracking_export_csv(rows), content_type="text/csv; charset=gbk")
        response["Content-Disposition"] = f'attachment; filename="tracking-{shop.code}-{day:%Y%m%d}.csv"'
        return response
    return render(request, "web/fulfilment/export.html", {
        "shops": shops, "shop": shop, "day": day, "rows": rows[:200], "count": len(rows), "error": error,
        "headers": selectors.TAOBAO_EXPORT_HEADERS,
    }, status=400 if error else 200)
