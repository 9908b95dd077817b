"""Forms of the generic document pages.

Django forms here only render widgets and keep what the user typed; validation is the
services' job (document_create / document_update_draft raise ValidationFailed with paths
like "lines[2].quantity"), so the same rules hold for the UI and the API. This module turns
POST data into the services' payloads and their errors back into per-field messages.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from shopflow.catalog.models import Sku
from shopflow.catalog.selectors import sku_by_scan, sku_labels
from shopflow.core.errors import FieldError
from shopflow.web.display import trimmed

LINE_KEY = re.compile(r"^lines-(\d+)-(\w+)$")


# ---------------------------------------------------------------- which fields appear


def header_edit_fields(dt) -> tuple[str, ...]:
    """Header fields of the form: the type's own, then date and remarks if it did not list them."""
    return tuple(dict.fromkeys(dt.header_fields + ("doc_date", "remarks")))


def line_edit_fields(dt) -> tuple[str, ...]:
    """The item first, then quantity (what people type in that order), then the rest."""
    first, rest = dt.line_fields[:1], dt.line_fields[1:]
    return tuple(dict.fromkeys(first + ("quantity",) + rest + ("remarks",)))


# ---------------------------------------------------------------- widgets


class DecimalInput(forms.TextInput):
    """A text box for amounts and quantities: 60 rather than 60.0000, and no spinner arrows
    (a number input changes value when the mouse wheel scrolls over it)."""

    def format_value(self, value):
        if isinstance(value, Decimal):
            return format(trimmed(value), "f")
        return super().format_value(value)


# ---------------------------------------------------------------- the SKU picker

# The picker posts the SKU id under the field's own name and what was typed under name + this.
PICKER_TEXT = "__text"


class TypedText(str):
    """What was typed in a SKU picker without choosing a SKU (kept to show it again)."""


def picker_context(*, name: str, id: str, value, css: str = "form-control form-control-sm", kinds: str = "",
                   label: str | None = None, placeholder: str = "") -> dict:
    """What web/catalog/_sku_picker.html needs: `value` is a SKU id (int or digits), a SKU, a
    TypedText or empty; the label is looked up unless given."""
    value = getattr(value, "pk", value)
    if isinstance(value, TypedText):
        pk, label = "", str(value)
    else:
        text = "" if value is None else str(value).strip()
        pk = int(text) if text.isdigit() else ""
        if label is None:
            label = sku_labels([pk]).get(pk, "") if pk else ""
    return {"name": name, "id": id, "value": pk, "label": label or "", "css": css, "kinds": kinds,
            "placeholder": placeholder or _("Item code, name or barcode…"), "invalid": "is-invalid" in css}


class SkuPicker(forms.Widget):
    """A SKU as a type-to-search box (web/catalog/_sku_picker.html, htmx against
    /catalog/sku-search/) instead of a <select> of every SKU. The SKU id is posted under the
    field's own name; an item code or barcode typed (or scanned) without choosing is looked up
    when the form is saved (see resolve_sku)."""

    template_name = "web/catalog/_sku_picker_widget.html"

    def __init__(self, attrs=None, kinds: str = ""):
        super().__init__(attrs)
        self.kinds = kinds

    def value_from_datadict(self, data, files, name):
        value = str(data.get(name) or "").strip()
        if value:
            return value
        text = str(data.get(name + PICKER_TEXT) or "").strip()
        return TypedText(text) if text else ""

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + PICKER_TEXT not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        context["picker"] = picker_context(name=name, id=attrs.get("id", name), value=value,
                                           css=attrs.get("class", "form-control form-control-sm"), kinds=self.kinds)
        return context


def resolve_sku(value: str, text: str) -> tuple[int | None, str]:
    """(SKU id, "") from a picker's posted id, or from an exact item code or barcode typed into it;
    (None, text) when what was typed names no SKU."""
    value, text = str(value or "").strip(), str(text or "").strip()
    if value.isdigit():
        return int(value), ""
    if not text:
        return None, ""
    sku = sku_by_scan(text)
    return (sku.pk, "") if sku is not None else (None, text)


def unknown_sku_message(text: str) -> str:
    return _("No SKU has the item code or barcode “%(text)s”; type part of it and choose from the list.") % {
        "text": text}


def _is_sku(db_field) -> bool:
    return db_field.many_to_one and db_field.related_model is Sku


def _formfield(db_field: models.Field, **kwargs):
    if _is_sku(db_field):
        kwargs["widget"] = SkuPicker()
    elif isinstance(db_field, models.DecimalField):
        kwargs["widget"] = DecimalInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    elif isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs["widget"] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    elif isinstance(db_field, models.TextField):
        kwargs["widget"] = forms.Textarea(attrs={"rows": 2})
    formfield = db_field.formfield(**kwargs)
    if formfield is None:
        return None
    if isinstance(formfield, forms.ModelChoiceField):
        formfield.empty_label = _("Choose…")
    widget = formfield.widget
    is_select = isinstance(widget, forms.Select)
    widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"
    if isinstance(db_field, models.DecimalField):
        widget.attrs["class"] += " text-end"
    return formfield


def model_form(model, names, *, data=None, instance=None, prefix=None, initial=None):
    form_class = forms.modelform_factory(model, fields=list(names), formfield_callback=_formfield)
    return form_class(data=data, instance=instance, prefix=prefix, initial=initial)


# ---------------------------------------------------------------- POST → payload

_OMIT = object()


def _value(model, name: str, raw: str):
    """An empty input is "no value"; for a field with a default the key is left out instead,
    so the default (or the line's current value) applies rather than a null error."""
    db_field = model._meta.get_field(name)
    if isinstance(db_field, models.TextField | models.CharField):
        return raw
    if raw.strip() == "":
        return _OMIT if db_field.has_default() else None
    return raw.strip()


def payload(model, names, data, prefix: str = "") -> dict:
    out = {}
    for name in names:
        key = f"{prefix}{name}"
        if key not in data:
            continue
        value = _value(model, name, data.get(key, ""))
        if value is not _OMIT:
            out[name] = value
    return out


@dataclass
class LineRows:
    """The line rows posted, in screen order, with blank and deleted rows dropped."""

    data: list[dict]  # per row: {field: raw} plus "id" when it is an existing line
    payload: list[dict] = field(default_factory=list)


def posted_lines(dt, data) -> LineRows:
    indices = sorted({int(m.group(1)) for key in data for m in [LINE_KEY.match(key)] if m})
    names = line_edit_fields(dt)
    pickers = [n for n in names if _is_sku(dt.line_model._meta.get_field(n))]
    rows, lines = [], []
    for index in indices:
        prefix = f"lines-{index}-"
        if data.get(f"{prefix}DELETE"):
            continue
        raw = {name: data.get(f"{prefix}{name}", "") for name in names}
        for name in pickers:
            raw[name + PICKER_TEXT] = data.get(f"{prefix}{name}{PICKER_TEXT}", "")
        line_id = data.get(f"{prefix}id", "").strip()
        if not line_id and not any(str(v).strip() for v in raw.values()):
            continue  # an untouched empty row
        line = payload(dt.line_model, names, data, prefix)
        for name in pickers:  # a code or barcode typed without choosing: look it up
            pk, unknown = resolve_sku(raw[name], raw[name + PICKER_TEXT])
            if pk is not None or unknown:
                line[name] = pk
                raw[name] = "" if pk is None else str(pk)
                raw[name + PICKER_TEXT] = unknown
        if line_id:
            raw["id"] = line_id
            line["id"] = int(line_id) if line_id.isdigit() else line_id
        rows.append(raw)
        lines.append(line)
    return LineRows(data=rows, payload=lines)


# ---------------------------------------------------------------- errors → fields

PATH = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?$")


@dataclass
class FormErrors:
    header: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.header or self.lines or self.general)


def split_errors(errors: list[FieldError], fallback: str = "") -> FormErrors:
    """ "header.supplier" → header["supplier"]; "lines[2].quantity" → lines[2]["quantity"]
    (row 3 on screen); anything else is shown above the form."""
    out = FormErrors()
    for error in errors:
        path = error.field or ""
        match = PATH.match(path)
        if path.startswith("header.") or path.startswith("reason"):
            out.header.setdefault(path.split(".", 1)[-1], []).append(error.message)
        elif match:
            row, name = int(match.group(1)), match.group(2) or ""
            out.lines.setdefault(row, {}).setdefault(name, []).append(error.message)
        else:
            out.general.append(error.message)
    if not out and fallback:
        out.general.append(fallback)
    return out


def bind_line_forms(
    dt, rows: list[dict], *, errors: FormErrors | None = None, instances=None
) -> list[dict]:
    """One form per row, renumbered 0..n-1 so row i matches lines[i] of the service."""
    names = line_edit_fields(dt)
    out = []
    for index, raw in enumerate(rows):
        data = {f"lines-{index}-{name}": raw.get(name, "") for name in names}
        row_errors = dict(errors.lines.get(index, {})) if errors else {}
        for name in names:
            typed = raw.get(name + PICKER_TEXT, "")
            if typed:  # what was typed names no SKU: show it again, and say so rather than "required"
                data[f"lines-{index}-{name}{PICKER_TEXT}"] = typed
                if errors:
                    row_errors[name] = [unknown_sku_message(typed)]
        form = model_form(dt.line_model, names, data=data, prefix=f"lines-{index}")
        out.append(_row(form, raw.get("id", ""), row_errors, names))
    return out


def _row(form, line_id, row_errors: dict, names) -> dict:
    mark_invalid(form, row_errors)
    return {
        "form": form,
        "id": line_id,
        "cells": [{"field": form[n], "errors": row_errors.get(n, [])} for n in names],
        "errors": row_errors.get("", [])
        + [m for n, ms in row_errors.items() if n and n not in names for m in ms],
    }


def unbound_line_forms(dt, lines=(), blank: int = 0) -> list[dict]:
    """Rows for existing lines (edit) plus `blank` empty rows."""
    names = line_edit_fields(dt)
    rows = []
    for index, line in enumerate(lines):
        rows.append(
            _row(
                model_form(dt.line_model, names, instance=line, prefix=f"lines-{index}"),
                line.pk,
                {},
                names,
            )
        )
    for index in range(len(rows), len(rows) + blank):
        rows.append(_blank_row(dt, names, f"lines-{index}"))
    return rows


def _blank_row(dt, names, prefix: str) -> dict:
    # No model defaults (a unit price of 0) in an empty row: the row would no longer look
    # untouched, and could not be told apart from one the user meant to fill.
    form = model_form(dt.line_model, names, prefix=prefix, initial=dict.fromkeys(names, ""))
    return _row(form, "", {}, names)


def empty_line_form(dt) -> dict:
    """The row the browser clones when "Add line" is clicked; __prefix__ is renumbered there."""
    return _blank_row(dt, line_edit_fields(dt), "lines-__prefix__")


def mark_invalid(form, errors: dict) -> None:
    for name, messages in errors.items():
        if name in form.fields and messages:
            widget = form.fields[name].widget
            widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


def filter_form(dt, data):
    """The list filters: a select per filter field (choices or the related records)."""
    fields = {}
    for name in dt.filter_fields:
        db_field = dt.model._meta.get_field(name)
        label = db_field.verbose_name
        if db_field.many_to_one:
            fields[name] = forms.ModelChoiceField(
                queryset=db_field.related_model._default_manager.all(),
                required=False,
                label=label,
                empty_label=_("All"),
            )
        else:
            choices = [("", _("All"))] + list(db_field.choices or [])
            fields[name] = forms.ChoiceField(choices=choices, required=False, label=label)
        fields[name].widget.attrs.update(
            {"class": "form-select form-select-sm", "data-autosubmit": "1"}
        )
    form = type("FilterForm", (forms.Form,), fields)(data=data)
    form.is_valid()  # a bad value only drops that filter; the list still shows
    return form


def active_filters(form) -> dict:
    out = {}
    for name, value in getattr(form, "cleaned_data", {}).items():
        if value not in ("", None):
            out[name] = getattr(value, "pk", value)
    return out
