"""The generic detail page of a document, and the actions started from it: transitions,
push-down and change records."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shopflow.core import registry
from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.core.guards import available_transitions
from shopflow.core.selectors import line_remaining
from shopflow.core.services import document_change, document_push_down, document_transition
from shopflow.web.forms import (
    FormErrors,
    ReasonForm,
    mark_invalid,
    model_form,
    payload,
    split_errors,
)
from shopflow.web.pages import detail_context
from shopflow.web.views.common import doc_type_or_404, document_or_404, require


def _version(request) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _detail_url(dt, doc) -> str:
    return reverse("web:doc_detail", args=[dt.slug, doc.pk])


def _load(request, slug, pk):
    dt = doc_type_or_404(slug)
    require(request.user, dt, "view")
    return dt, document_or_404(dt, pk)


@require_GET
def doc_detail(request, slug, pk):
    dt, doc = _load(request, slug, pk)
    return render(request, "web/documents/detail.html", detail_context(dt, doc, request.user))


@require_http_methods(["GET", "POST"])
def doc_transition(request, slug, pk, action):
    """GET asks for confirmation (and a reason where one is required); POST does it."""
    dt, doc = _load(request, slug, pk)
    transition = dt.transition(action)
    if transition is None:
        raise Http404(_("Unknown action."))
    require(request.user, dt, transition.permission)
    if request.method == "GET":
        offered = next(
            (a for a in available_transitions(doc, request.user) if a["transition"] == transition),
            None,
        )
        return render(
            request,
            "web/documents/transition.html",
            {
                "dt": dt,
                "doc": doc,
                "transition": transition,
                "offered": offered,
                "form": ReasonForm(),
            },
        )
    try:
        document_transition(
            doc,
            action,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(
            request,
            _("%(action)s was refused: %(reason)s")
            % {"action": transition.label, "reason": exc.message},
        )
    else:
        messages.success(request, _("%(action)s: done.") % {"action": transition.label})
    return redirect(_detail_url(dt, doc))


def _push_rows(source, remaining, data=None, errors: FormErrors | None = None) -> list[dict]:
    rows = []
    for index, line in enumerate(source.lines.all()):
        left = remaining.get(line.pk, 0)
        value = data.get(f"qty-{line.pk}", "") if data is not None else left
        rows.append(
            {
                "line": line,
                "remaining": left,
                "value": value,
                "errors": (errors.lines.get(index, {}).get("quantity", []) if errors else []),
            }
        )
    return rows


def _push_header_form(rule, target_dt, doc, data):
    """The target header fields the person pushing chooses (the rule's ask_header), starting
    at the rule's defaults; None when the rule asks for none."""
    if not rule.ask_header:
        return None
    defaults = rule.map_header(doc)
    initial = {name: defaults.get(name) for name in rule.ask_header}
    return model_form(target_dt.model, rule.ask_header, data=data, prefix="h", initial=initial)


@require_http_methods(["GET", "POST"])
def doc_push(request, slug, pk, target):
    """Push an approved document down into a new draft of `target`, line quantities chosen."""
    dt, doc = _load(request, slug, pk)
    target_dt = doc_type_or_404(target)
    rule = registry.push_rule(dt.key, target_dt.key)
    if rule is None:
        raise Http404(_("This document cannot be pushed down to that type."))
    require(request.user, dt, "pushdown")
    require(request.user, target_dt, "create")
    remaining = line_remaining(doc)
    errors = FormErrors()
    header_form = _push_header_form(rule, target_dt, doc, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        quantities = {
            line.pk: (request.POST.get(f"qty-{line.pk}", "").strip() or "0")
            for line in doc.lines.all()
        }
        try:
            created = document_push_down(
                source=doc, target_type=target_dt.key, actor=request.user, quantities=quantities,
                over_reason=request.POST.get("over_reason", ""),
                header=payload(target_dt.model, rule.ask_header, request.POST, prefix="h-"),
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationFailed as exc:
            errors = split_errors(exc.errors)
        except DomainError as exc:
            errors = split_errors([], fallback=exc.message)
        else:
            messages.success(
                request,
                _("%(target)s created from %(source)s.")
                % {"target": created, "source": doc.display_number},
            )
            return redirect(_detail_url(target_dt, created))
    rows = _push_rows(doc, remaining, request.POST if request.method == "POST" else None, errors)
    if header_form is not None:
        mark_invalid(header_form, errors.header)
    return render(
        request,
        "web/documents/push.html",
        {
            "dt": dt,
            "doc": doc,
            "target_dt": target_dt,
            "rows": rows,
            "errors": errors,
            "item_field": dt.line_fields[0] if dt.line_fields else "remarks",
            "may_over_push": bool(rule.over_permission) and request.user.has_perm(rule.over_permission),
            "over_reason": request.POST.get("over_reason", ""),
            "header_form": header_form,
        },
        status=400 if errors else 200,
    )


@require_POST
def doc_change(request, slug, pk):
    """A change record 异动单 for an approved document."""
    dt, doc = _load(request, slug, pk)
    require(request.user, dt, "edit")
    header = payload(dt.model, dt.changeable_fields, request.POST)
    try:
        document_change(
            doc=doc,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            header=header,
            expected_version=_version(request),
        )
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ValidationFailed as exc:
        errors = split_errors(exc.errors)
        form = model_form(dt.model, dt.changeable_fields, data=request.POST, instance=doc)
        mark_invalid(form, errors.header)
        context = detail_context(
            dt,
            doc,
            request.user,
            change_form=form,
            change_errors=errors,
            change_reason=request.POST.get("reason", ""),
        )
        return render(request, "web/documents/detail.html", context, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Change record saved."))
    return redirect(_detail_url(dt, doc))
