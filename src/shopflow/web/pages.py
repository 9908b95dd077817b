"""What the detail page shows, gathered from the core selectors for one document and user."""

from decimal import Decimal

from django.utils.text import capfirst

from shopflow.core.guards import available_transitions
from shopflow.core.registry import push_rule, push_targets
from shopflow.core.selectors import (
    audit_events,
    change_records,
    is_editable,
    line_remaining,
    trace_down,
    trace_up,
    user_may,
)
from shopflow.core.states import DocState
from shopflow.web.display import field_label, is_numeric
from shopflow.web.extensions import detail_links
from shopflow.web.forms import header_edit_fields, line_edit_fields, model_form

CHANGEABLE_STATES = (DocState.APPROVED, DocState.CLOSED)
BUTTON_CSS = {
    "primary": "btn-primary",
    "danger": "btn-outline-danger",
    "secondary": "btn-outline-secondary",
}


def buttons(offered: list[dict]) -> list[dict]:
    """The transition buttons, the primary ones last (rightmost, where the eye ends)."""
    out = [
        {
            "transition": a["transition"],
            "blocked": a["blocked"],
            "why": "；".join(str(b) for b in a["blocked"]),
            "css": BUTTON_CSS.get(a["transition"].style, "btn-outline-secondary"),
        }
        for a in offered
    ]
    return sorted(out, key=lambda b: b["transition"].style == "primary")


def line_columns(dt) -> list[dict]:
    names = [n for n in line_edit_fields(dt) if n != "remarks"]
    return [
        {"name": n, "label": field_label(dt.line_model, n), "numeric": is_numeric(dt.line_model, n)}
        for n in names
    ]


def _lines(dt, doc):
    related = [n for n in dt.line_fields if dt.line_model._meta.get_field(n).many_to_one]
    return list(doc.lines.select_related(*related))


def _totals(lines) -> dict:
    has_amount = bool(lines) and hasattr(lines[0], "amount")
    return {
        "quantity": sum((line.quantity for line in lines), Decimal(0)),
        "amount": sum((line.amount for line in lines), Decimal(0)) if has_amount else None,
        "has_amount": has_amount,
    }


def pushable_targets(dt, doc, user, remaining) -> list:
    """Types this user may push the document down to now: approved, something left, and both
    permissions (push down here, create there)."""
    if doc.state != DocState.APPROVED or not user_may(user, dt.key, "pushdown"):
        return []
    something_left = any(left > 0 for left in (remaining or {}).values())
    return [t for t in push_targets(dt.key, doc) if user_may(user, t.key, "create")
            and (something_left or _may_over_push(dt.key, t.key, user))]


def _may_over_push(source: str, target: str, user) -> bool:
    rule = push_rule(source, target)
    return bool(rule and rule.over_permission and user.has_perm(rule.over_permission))


def _changes(dt, records) -> list[dict]:
    out = []
    for record in records:
        rows = [
            (field_label(dt.model, name), before, after)
            for name, (before, after) in record.changes.items()
        ]
        out.append({"record": record, "rows": rows})
    return out


def may_change(dt, doc, user) -> bool:
    return (
        doc.state in CHANGEABLE_STATES
        and bool(dt.changeable_fields)
        and user_may(user, dt.key, "edit")
    )


def detail_context(
    dt, doc, user, *, change_form=None, change_errors=None, change_reason=""
) -> dict:
    lines = _lines(dt, doc)
    offered = available_transitions(doc, user)
    show_remaining = doc.state in CHANGEABLE_STATES and bool(push_targets(dt.key))
    remaining = line_remaining(doc) if show_remaining else None
    if change_form is None and may_change(dt, doc, user):
        change_form = model_form(dt.model, dt.changeable_fields, instance=doc)
    return {
        "dt": dt,
        "doc": doc,
        "header_fields": [
            (capfirst(field_label(dt.model, n)), n)
            for n in header_edit_fields(dt)
            if n != "remarks"
        ],
        "line_columns": line_columns(dt),
        "lines": lines,
        "totals": _totals(lines),
        "remaining": remaining,
        "buttons": buttons(offered),
        "blocked": [a for a in offered if a["blocked"]],
        "push_targets": pushable_targets(dt, doc, user, remaining),
        "may_edit": is_editable(doc, user),
        "links": detail_links(dt.key, doc, user),
        "warnings": [str(w) for w in dt.warnings(doc)] if dt.warnings else [],
        "trace_up": trace_up(doc),
        "trace_down": trace_down(doc),
        "events": list(audit_events(doc)),
        "changes": _changes(dt, change_records(doc)),
        "change_form": change_form if may_change(dt, doc, user) else None,
        "change_errors": change_errors,
        "change_reason": change_reason,
    }
