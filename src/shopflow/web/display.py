"""How document values look on a page and in exports: labels, dates, money, states.

Dates are always YYYY-MM-DD and money ¥ with two decimals, in either language, because
that is how Chinese sellers read and re-type them (locale formats would give 2026年1月5日).
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

STATE_COLOURS = {
    "draft": "secondary",
    "submitted": "azure",
    "approved": "green",
    "closed": "purple",
    "cancelled": "red",
}


def field_label(model, name: str) -> str:
    if name == "number":
        return capfirst(model._meta.get_field("number").verbose_name)
    return capfirst(model._meta.get_field(name).verbose_name)


def format_date(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d") if value else ""


def format_money(value) -> str:
    if value is None or value == "":
        return ""
    value = Decimal(value)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


def trimmed(value: Decimal) -> Decimal:
    """10.0000 → 10, 2.5000 → 2.5 (normalize() alone would give 1E+1 for 10)."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def format_qty(value) -> str:
    """A quantity without trailing zeros and with thousands separators."""
    if value is None or value == "":
        return ""
    return format(trimmed(Decimal(value)), ",f")


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def state_badge(doc_or_state, label=None) -> str:
    state = getattr(doc_or_state, "state", doc_or_state)
    if label is None:
        label = (
            doc_or_state.get_state_display()
            if hasattr(doc_or_state, "get_state_display")
            else state
        )
    colour = STATE_COLOURS.get(state, "secondary")
    return format_html(
        '<span class="badge bg-{}-lt sf-state sf-state-{}">{}</span>', colour, state, label
    )


def _kind(field) -> str:
    if field.choices:
        return "choice"
    if field.many_to_one:
        return "user" if field.related_model is get_user_model() else "fk"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.DecimalField):
        return "money" if field.decimal_places == 2 else "qty"
    if isinstance(field, models.BooleanField):
        return "bool"
    return "text"


def plain_value(obj, name: str):
    """The value as a spreadsheet wants it: numbers and dates stay typed, the rest is text."""
    if name == "number":
        return obj.display_number
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    kind = _kind(field)
    if kind == "choice":
        return getattr(obj, f"get_{name}_display")()
    if kind == "user":
        return person(value)
    if kind == "fk":
        return str(value) if value is not None else ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return "" if value is None else value


def display_value(obj, name: str) -> str:
    """The value as HTML for a page (escaped; state as a coloured badge)."""
    if name == "state":
        return state_badge(obj)
    if name == "number":
        return format_html("{}", obj.display_number)
    field = obj._meta.get_field(name)
    value = plain_value(obj, name)
    kind = _kind(field)
    if value in ("", None):
        return mark_safe('<span class="text-secondary">—</span>')  # a constant
    if kind in ("date", "datetime"):
        return format_html('<span class="sf-date">{}</span>', format_date(getattr(obj, name)))
    if kind == "money":
        return format_html('<span class="sf-num">{}</span>', format_money(value))
    if kind == "qty":
        return format_html('<span class="sf-num">{}</span>', format_qty(value))
    if kind == "bool":
        return format_html("{}", "✓" if value else "✗")
    return format_html("{}", value)


def is_numeric(model, name: str) -> bool:
    if name in ("number", "state"):
        return False
    return _kind(model._meta.get_field(name)) in ("money", "qty")
