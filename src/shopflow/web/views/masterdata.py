"""Master-data pages, generic over the lists registered in core.masterdata: the list (search,
filters, sort, pages, export), one record's form, the template download and the import
(upload, progress, error report). URLs: /m/<list key>/..."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods

from shopflow.core.conf import setting
from shopflow.core.errors import PermissionDeniedError, ValidationFailed
from shopflow.core.imports import (
    MODE_ALL,
    MODE_GOOD,
    error_report,
    human_size,
    import_job_create,
    template_workbook,
)
from shopflow.core.masterdata import (
    MasterList,
    cell_text,
    column_help,
    export_rows,
    field_owner,
    get_list,
    record_create,
    record_list,
    record_update,
    reference_texts,
    user_may_list,
)
from shopflow.core.models import AuditEvent, ImportJob
from shopflow.core.xlsx import write_csv, write_xlsx
from shopflow.web.display import display_value, is_numeric
from shopflow.web.extensions import record_links
from shopflow.web.forms import DecimalInput
from shopflow.web.views.common import XLSX

SHOWN_ERRORS = 500  # errors listed on the page; the download has them all
RECENT_JOBS = 8


# ---------------------------------------------------------------- lookups


def list_or_404(key: str) -> MasterList:
    try:
        return get_list(key)
    except KeyError:
        raise Http404(_("No such list.")) from None


def require(user, ml: MasterList, action: str) -> None:
    if not user_may_list(user, ml, action):
        labels = {"view": _("view"), "add": _("create"), "change": _("edit"), "import": _("import")}
        raise PermissionDenied(_("You may not %(action)s: %(list)s.")
                               % {"action": labels.get(action, action), "list": ml.label_plural})


def record_or_404(ml: MasterList, pk: int):
    try:
        return ml.model.objects.get(pk=pk)
    except ml.model.DoesNotExist:
        raise Http404(_("No such record.")) from None


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------- the list page

EMPTY_CELL = mark_safe('<span class="text-secondary">—</span>')  # a constant
YES_NO = (("", gettext_lazy("All")), ("1", gettext_lazy("Yes")), ("0", gettext_lazy("No")))


def filter_form(ml: MasterList, data):
    """A select per filter field: the related records, the choices, or yes / no."""
    fields = {}
    for name in ml.filter_fields:
        db_field = ml.db_field(name)
        label = ml.column(name).header() if name in {c.name for c in ml.columns} else db_field.verbose_name
        if db_field.many_to_one:
            fields[name] = forms.ModelChoiceField(queryset=db_field.related_model._default_manager.all(),
                                                  required=False, label=label, empty_label=_("All"))
        elif isinstance(db_field, models.BooleanField):
            fields[name] = forms.TypedChoiceField(choices=YES_NO, required=False, label=label,
                                                  coerce=lambda v: v == "1", empty_value=None)
        else:
            fields[name] = forms.ChoiceField(choices=[("", _("All")), *db_field.choices], required=False,
                                             label=label)
        fields[name].widget.attrs.update({"class": "form-select form-select-sm", "data-autosubmit": "1"})
    form = type("MasterFilterForm", (forms.Form,), fields)(data=data)
    form.is_valid()  # a bad value only drops that filter
    return form


def active_filters(form) -> dict:
    return {name: getattr(value, "pk", value) for name, value in getattr(form, "cleaned_data", {}).items()
            if value not in ("", None)}


def list_query(request, ml: MasterList):
    search = request.GET.get("q", "")[:200]
    ordering = request.GET.get("o", "")
    form = filter_form(ml, request.GET)
    qs = record_list(ml, user=request.user, search=search, filters=active_filters(form), ordering=ordering)
    return search, ordering, form, qs


def header_columns(ml: MasterList, ordering: str) -> list[dict]:
    out = []
    for name in ml.list_columns:
        column = ml.column(name)
        sorted_as = "asc" if ordering == name else "desc" if ordering == f"-{name}" else ""
        db_field = ml.db_field(name)
        out.append({"name": name, "label": column.header(), "sorted": sorted_as,
                    "next": f"-{name}" if sorted_as == "asc" else name,
                    "numeric": is_numeric(db_field.model, db_field.name)})
    return out


def row_cells(ml: MasterList, objects) -> list[dict]:
    """Each record with its cells as HTML: references as their text, 'active' as a badge."""
    refs = reference_texts(ml, objects)
    rows = []
    for obj in objects:
        cells = []
        for name in ml.list_columns:
            column = ml.column(name)
            if column.ref is not None:
                text = cell_text(ml, column, obj, refs)
                html = format_html("{}", text) if text else EMPTY_CELL
            elif name == "active":
                html = (format_html('<span class="badge bg-green-lt">{}</span>', pgettext("record", "Active"))
                        if obj.active else
                        format_html('<span class="badge bg-secondary-lt">{}</span>', pgettext("record", "Inactive")))
            else:
                owner, field_name = field_owner(obj, name)  # "bom__version": the line's BOM's version
                html = EMPTY_CELL if owner is None else display_value(owner, field_name)
            db_field = ml.db_field(name)
            cells.append({"name": name, "html": html, "numeric": is_numeric(db_field.model, db_field.name)})
        rows.append({"obj": obj, "cells": cells, "inactive": getattr(obj, "active", True) is False})
    return rows


def search_hint(ml: MasterList) -> str:
    """"商家编码、名称、条码" — the first three search fields, as the placeholder says them."""
    names = [ml.column(n).header() for n in ml.search_fields if n in {c.name for c in ml.columns}][:3]
    return ("、" if translation.get_language().startswith("zh") else ", ").join(names)


@require_GET
def md_list(request, key):
    ml = list_or_404(key)
    require(request.user, ml, "view")
    search, ordering, form, qs = list_query(request, ml)
    page = Paginator(qs, setting("LIST_PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(request, "web/masterdata/list.html", {
        "ml": ml,
        "page": page,
        "rows": row_cells(ml, list(page.object_list)),
        "search": search,
        "ordering": ordering,
        "filter_form": form,
        "columns": header_columns(ml, ordering),
        "search_hint": search_hint(ml),
        "may_add": not ml.grouped and user_may_list(request.user, ml, "add"),
        "may_import": user_may_list(request.user, ml, "import"),
        "links": record_links(ml.key, None, request.user),
    })


@require_GET
def md_export(request, key, fmt):
    ml = list_or_404(key)
    require(request.user, ml, "view")
    _search, _ordering, _form, qs = list_query(request, ml)
    limit = setting("EXPORT_MAX_ROWS")
    headers = [c.header() for c in ml.columns]
    rows = export_rows(ml, qs, ml.columns)
    filename = f"{ml.key}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        content, _written, _truncated = write_csv(headers=headers, rows=rows, max_rows=limit)
        return attachment(content, "text/csv; charset=utf-8", filename)
    content, _written, _truncated = write_xlsx(
        title=str(ml.label_plural), headers=headers, rows=rows, max_rows=limit,
        truncated_note=_("Only the first %(n)s rows were exported.") % {"n": limit})
    return attachment(content, XLSX, filename)


@require_GET
def md_template(request, key):
    ml = list_or_404(key)
    require(request.user, ml, "view")
    return attachment(template_workbook(ml), XLSX, f"{ml.key}-template.xlsx")


# ---------------------------------------------------------------- one record


def _formfield(db_field, **kwargs):
    if isinstance(db_field, models.DecimalField):
        kwargs["widget"] = DecimalInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    field = db_field.formfield(**kwargs)
    if db_field.has_default():  # left empty, the field takes its default
        field.required = False
    if isinstance(field, forms.ModelChoiceField):
        field.empty_label = "—"
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput):
        widget.attrs["class"] = "form-check-input"
    elif isinstance(widget, forms.Select):
        widget.attrs["class"] = "form-select"
    else:
        widget.attrs["class"] = "form-control" + (" text-end" if isinstance(db_field, models.DecimalField) else "")
    return field


def record_form(ml: MasterList, *, obj=None, data=None, read_only: bool = False):
    """A plain form of the list's form fields: it renders widgets and converts input; the rules
    are the services' (record_create / record_update, or the app's own)."""
    fields = forms.fields_for_model(ml.model, fields=list(ml.form_fields), formfield_callback=_formfield)
    for name, field in fields.items():
        field.label = ml.column(name).header()
    locked = set(ml.locked_fields(obj)) if (obj is not None and ml.locked_fields) else set()
    for name in fields:
        if read_only or name in locked:
            fields[name].disabled = True
    initial = forms.model_to_dict(obj, fields=list(ml.form_fields)) if obj is not None else None
    form = type("MasterRecordForm", (forms.Form,), fields)(data=data, initial=initial)
    form.locked = locked
    return form


def form_values(ml: MasterList, form) -> dict:
    """Cleaned values for the service: an emptied number takes the field's default."""
    values = {}
    for name in ml.form_fields:
        if form.fields[name].disabled:
            continue
        value = form.cleaned_data.get(name)
        db_field = ml.db_field(name)
        if value is None and not db_field.many_to_one and db_field.has_default():
            value = db_field.get_default()
        values[name] = value
    return values


HISTORY = 10  # events shown under a record's form


def record_history(ml: MasterList, obj) -> list[dict]:
    """The record's last changes, newest first: who, when, how (form, import, API) and what."""
    if obj is None:
        return []
    names = {c.name: c.header() for c in ml.columns}
    events = (AuditEvent.objects.filter(doc_type=ml.model._meta.label_lower, doc_id=obj.pk)
              .select_related("actor").order_by("-at", "-id")[:HISTORY])
    out = []
    for event in events:
        payload = event.payload or {}
        changes = [{"label": names.get(k, k), "before": v[0], "after": v[1]}
                   for k, v in (payload.get("changes") or {}).items() if isinstance(v, list | tuple) and len(v) == 2]
        out.append({"event": event, "changes": changes, "file": payload.get("file", ""),
                    "created": event.action == "create"})
    return out


def _render_form(request, ml, obj, form, status=200):
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
    return render(request, "web/masterdata/edit.html", {
        "ml": ml,
        "obj": obj,
        "form": form,
        "may_change": obj is None or user_may_list(request.user, ml, "change"),
        "history": record_history(ml, obj),
        "links": record_links(ml.key, obj, request.user) if obj is not None else [],
    }, status=status)


def _save(request, ml, obj):
    form = record_form(ml, obj=obj, data=request.POST)
    if not form.is_valid():
        return None, _render_form(request, ml, obj, form, status=400)
    try:
        if obj is None:
            saved = record_create(ml, actor=request.user, values=form_values(ml, form))
        else:
            saved = record_update(ml, obj=obj, actor=request.user, changes=form_values(ml, form))
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationFailed as exc:
        for error in exc.errors:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        return None, _render_form(request, ml, obj, form, status=400)
    return saved, None


@require_http_methods(["GET", "POST"])
def md_new(request, key):
    ml = list_or_404(key)
    require(request.user, ml, "add")
    if ml.grouped:  # lines are added on their parent's page, or imported
        raise Http404(_("No such page."))
    if request.method == "GET":
        return _render_form(request, ml, None, record_form(ml))
    saved, page = _save(request, ml, None)
    if page is not None:
        return page
    messages.success(request, _("%(record)s saved.") % {"record": saved})
    return redirect(reverse("web:md_list", args=[ml.key]))


@require_http_methods(["GET", "POST"])
def md_edit(request, key, pk):
    """The record's form; read-only for people who may view but not edit."""
    ml = list_or_404(key)
    require(request.user, ml, "view")
    obj = record_or_404(ml, pk)
    if ml.grouped:  # a line (of a BOM, a bundle) is edited on its parent's page: the first record link
        links = record_links(ml.key, obj, request.user)
        if not links:
            raise Http404(_("No such page."))
        return redirect(links[0].url)
    if request.method == "GET":
        read_only = not user_may_list(request.user, ml, "change")
        return _render_form(request, ml, obj, record_form(ml, obj=obj, read_only=read_only))
    require(request.user, ml, "change")
    saved, page = _save(request, ml, obj)
    if page is not None:
        return page
    messages.success(request, _("%(record)s saved.") % {"record": saved})
    return redirect(reverse("web:md_list", args=[ml.key]))


# ---------------------------------------------------------------- import


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    mode = forms.ChoiceField(
        label=gettext_lazy("If some rows have errors"), initial=MODE_ALL,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        choices=((MODE_ALL, gettext_lazy("Import nothing (all or nothing)")),
                 (MODE_GOOD, gettext_lazy("Import the good rows, skip the bad ones"))))
    dry_run = forms.BooleanField(label=gettext_lazy("Only check the file, save nothing"), required=False,
                                 widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = setting("IMPORT_MAX_BYTES")
        if upload.size > limit:
            raise forms.ValidationError(_("The file is %(size)s; files up to %(limit)s can be imported. Split it "
                                          "into smaller files.")
                                        % {"size": human_size(upload.size), "limit": human_size(limit)})
        return upload


def _import_page(request, ml, form, status=200):
    return render(request, "web/masterdata/import.html", {
        "ml": ml,
        "form": form,
        "columns": [{"column": c, "required": c in ml.required_columns, "help": column_help(ml, c)}
                    for c in ml.importable_columns],
        "key_header": " + ".join(ml.column(k).header() for k in ml.key_fields),
        "group_header": " + ".join(ml.column(k).header() for k in ml.group_by),
        "jobs": ImportJob.objects.filter(list_key=ml.key).select_related("created_by")[:RECENT_JOBS],
        "max_size": human_size(setting("IMPORT_MAX_BYTES")),
    }, status=status)


@require_http_methods(["GET", "POST"])
def md_import(request, key):
    ml = list_or_404(key)
    require(request.user, ml, "import")
    if request.method == "GET":
        return _import_page(request, ml, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, ml, form, status=400)
    upload = form.cleaned_data["file"]
    job = import_job_create(master_list=ml, content=upload.read(), filename=upload.name, actor=request.user,
                            mode=form.cleaned_data["mode"], dry_run=form.cleaned_data["dry_run"])
    return redirect(reverse("web:md_job", args=[ml.key, job.pk]))


def _job_or_404(ml: MasterList, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk, list_key=ml.key).select_related("created_by").first()
    if job is None:
        raise Http404(_("No such import."))
    return job


def job_context(ml: MasterList, job: ImportJob) -> dict:
    summary = job.summary or {}
    return {
        "ml": ml,
        "job": job,
        "summary": summary,
        "errors": job.errors[:SHOWN_ERRORS],
        "more_errors": max(0, summary.get("error_count", 0) - min(len(job.errors), SHOWN_ERRORS)),
        "file_error": summary.get("file_error", False),
        "rate": round(summary["rows"] / summary["seconds"]) if summary.get("seconds") else None,
        "phase_label": {"read": _("Reading the file"), "check": _("Checking rows"),
                        "write": _("Saving")}.get(job.phase, _("Waiting to start")),
    }


@require_GET
def md_job(request, key, pk):
    """The import's result; while it runs, a progress bar that HTMX refreshes every second."""
    ml = list_or_404(key)
    require(request.user, ml, "import")
    job = _job_or_404(ml, pk)
    template = "web/masterdata/_job.html" if request.headers.get("HX-Request") else "web/masterdata/job.html"
    return render(request, template, job_context(ml, job))


@require_GET
def md_job_errors(request, key, pk):
    ml = list_or_404(key)
    require(request.user, ml, "import")
    job = _job_or_404(ml, pk)
    return attachment(error_report(job.errors, job.filename), XLSX, f"{ml.key}-import-{job.pk}-errors.xlsx")
