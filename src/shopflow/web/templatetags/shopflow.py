"""Template tags of the shell: icons, formats for China, document links and badges."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext_lazy

from shopflow.core.registry import type_of
from shopflow.core.states import ACTION_LABELS, DocState
from shopflow.web import display
from shopflow.web.icons import ICONS

register = template.Library()

# Audit actions that are not transitions still need a name on the timeline.
EVENT_LABELS = {
    **ACTION_LABELS,
    "create": pgettext_lazy("audit event", "Created"),
    "edit": pgettext_lazy("audit event", "Edited"),
    "change": pgettext_lazy("audit event", "Change record"),
    "pushdown": pgettext_lazy("audit event", "Pushed down"),
    "import": pgettext_lazy("audit event", "Imported"),
    "platform_update": pgettext_lazy("audit event", "Updated by the platform"),
    "hold": pgettext_lazy("audit event", "Held"),
    "flag": pgettext_lazy("audit event", "Flag set"),
    "correct_address": pgettext_lazy("audit event", "Address corrected"),
}


@register.simple_tag
def icon(name: str, css: str = "") -> str:
    # The path data are constants from icons.py, never user input, so marking them safe is sound.
    paths = ICONS.get(name, ICONS["list"])
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="icon {}" width="24" height="24" '
        'viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
        'stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">{}</svg>',
        css,
        mark_safe(paths),
    )


@register.filter
def money(value) -> str:
    return display.format_money(value)


@register.filter
def qty(value) -> str:
    return display.format_qty(value)


@register.filter
def ymd(value) -> str:
    return display.format_date(value) if value else ""


@register.filter
def person(user) -> str:
    return display.person(user)


@register.simple_tag
def cell(obj, name: str) -> str:
    return display.display_value(obj, name)


@register.simple_tag
def state_badge(obj_or_state) -> str:
    if isinstance(obj_or_state, str):
        try:
            return display.state_badge(obj_or_state, DocState(obj_or_state).label)
        except ValueError:
            return display.state_badge(obj_or_state, obj_or_state)
    return display.state_badge(obj_or_state)


@register.simple_tag
def doc_url(doc) -> str:
    return reverse("web:doc_detail", args=[type_of(doc).slug, doc.pk])


@register.simple_tag
def doc_type_label(doc) -> str:
    return str(type_of(doc).label)


@register.filter
def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (dicts keyed by ids or field names)."""
    if mapping is None:
        return None
    return mapping.get(key)
