"""Create and edit pages of a draft document: header fields and a table of lines."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shopflow.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from shopflow.core.services import document_create, document_update_draft
from shopflow.core.states import DocState
from shopflow.web import forms as f
from shopflow.web.display import field_label
from shopflow.web.views.common import doc_type_or_404, document_or_404, require

BLANK_ROWS_ON_NEW = 3


def _render(request, dt, doc, header_form, rows, errors=None, status=200):
    return render(
        request,
        "web/documents/edit.html",
        {
            "dt": dt,
            "doc": doc,
            "header_form": header_form,
            "rows": rows,
            "errors": errors or f.FormErrors(),
            "line_labels": [field_label(dt.line_model, n) for n in f.line_edit_fields(dt)],
            "template_row": f.empty_line_form(dt),
        },
        status=status,
    )


def _save(request, dt, doc):
    """Parse the POST, call the service; the saved document, or the page again with errors."""
    names = f.header_edit_fields(dt)
    header = f.payload(dt.model, names, request.POST)
    lines = f.posted_lines(dt, request.POST)
    header_form = f.model_form(dt.model, names, data=request.POST, instance=doc)
    if "add_line" in request.POST:  # the no-JavaScript way to get one more empty row
        rows = f.bind_line_forms(dt, lines.data + [{}])
        return None, _render(request, dt, doc, header_form, rows)
    try:
        if doc is None:
            saved = document_create(
                doc_type=dt.key, actor=request.user, header=header, lines=lines.payload
            )
        else:
            version = request.POST.get("version", "")
            saved = document_update_draft(
                doc=doc,
                actor=request.user,
                header=header,
                lines=lines.payload,
                expected_version=int(version) if version.isdigit() else None,
            )
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        errors = f.split_errors(
            exc.errors if isinstance(exc, ValidationFailed) else [], fallback=exc.message
        )
        f.mark_invalid(header_form, errors.header)
        rows = f.bind_line_forms(dt, lines.data, errors=errors)
        return None, _render(request, dt, doc, header_form, rows, errors, status=400)
    return saved, None


@require_http_methods(["GET", "POST"])
def doc_new(request, slug):
    dt = doc_type_or_404(slug)
    require(request.user, dt, "create")
    if request.method == "GET":
        header_form = f.model_form(dt.model, f.header_edit_fields(dt))
        return _render(
            request, dt, None, header_form, f.unbound_line_forms(dt, blank=BLANK_ROWS_ON_NEW)
        )
    saved, page = _save(request, dt, None)
    if page is not None:
        return page
    messages.success(request, _("Draft %(doc)s saved.") % {"doc": saved.display_number})
    return redirect(reverse("web:doc_detail", args=[dt.slug, saved.pk]))


@require_http_methods(["GET", "POST"])
def doc_edit(request, slug, pk):
    dt = doc_type_or_404(slug)
    require(request.user, dt, "edit")
    doc = document_or_404(dt, pk)
    if doc.state != DocState.DRAFT:
        messages.warning(
            request, _("Only drafts can be edited; use a change record for approved documents.")
        )
        return redirect(reverse("web:doc_detail", args=[dt.slug, doc.pk]))
    if request.method == "GET":
        header_form = f.model_form(dt.model, f.header_edit_fields(dt), instance=doc)
        return _render(request, dt, doc, header_form, f.unbound_line_forms(dt, doc.lines.all()))
    saved, page = _save(request, dt, doc)
    if page is not None:
        return page
    messages.success(request, _("Draft %(doc)s saved.") % {"doc": saved.display_number})
    return redirect(reverse("web:doc_detail", args=[dt.slug, saved.pk]))
