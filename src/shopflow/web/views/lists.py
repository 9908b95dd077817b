"""The generic list page of a document type: filter, search, sort, paginate, bulk, export."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shopflow.core.conf import setting
from shopflow.core.selectors import document_list, user_may
from shopflow.core.services import document_transition_many
from shopflow.core.xlsx import write_xlsx
from shopflow.web.display import field_label, is_numeric, plain_value
from shopflow.web.forms import active_filters, filter_form
from shopflow.web.views.common import XLSX, doc_type_or_404, require


@dataclass
class ListQuery:
    search: str
    ordering: str
    form: object  # the bound filter form
    queryset: object


def list_query(request, dt) -> ListQuery:
    search = request.GET.get("q", "")[:200]
    ordering = request.GET.get("o", "")
    form = filter_form(dt, request.GET)
    qs = document_list(
        dt.key, user=request.user, search=search, filters=active_filters(form), ordering=ordering
    )
    return ListQuery(search, ordering, form, qs)


def columns(dt, ordering: str) -> list[dict]:
    out = []
    for name in dt.list_columns:
        sorted_as = "asc" if ordering == name else "desc" if ordering == f"-{name}" else ""
        out.append(
            {
                "name": name,
                "label": field_label(dt.model, name),
                "sorted": sorted_as,
                "next": f"-{name}" if sorted_as == "asc" else name,
                "numeric": is_numeric(dt.model, name),
            }
        )
    return out


def bulk_actions(dt, user) -> list:
    """Transitions this user may take on some documents of the type, once per action."""
    seen, out = set(), []
    for t in dt.machine:
        if t.action not in seen and user_may(user, dt.key, t.permission):
            seen.add(t.action)
            out.append(t)
    return out


@require_GET
def doc_list(request, slug):
    dt = doc_type_or_404(slug)
    require(request.user, dt, "view")
    query = list_query(request, dt)
    page = Paginator(query.queryset, setting("LIST_PAGE_SIZE")).get_page(request.GET.get("page"))
    return render(
        request,
        "web/documents/list.html",
        {
            "dt": dt,
            "page": page,
            "query": query,
            "columns": columns(dt, query.ordering),
            "bulk_actions": bulk_actions(dt, request.user),
            "may_create": user_may(request.user, dt.key, "create"),
            "show_remarks": "remarks" not in dt.list_columns,
        },
    )


def export_columns(dt) -> tuple[str, ...]:
    """The list's columns, plus remarks as on the page."""
    return tuple(dict.fromkeys(dt.list_columns + ("remarks",)))


@require_GET
def doc_export(request, slug):
    dt = doc_type_or_404(slug)
    require(request.user, dt, "view")
    query = list_query(request, dt)
    names, limit = export_columns(dt), setting("EXPORT_MAX_ROWS")
    rows = ([plain_value(doc, c) for c in names] for doc in query.queryset.iterator(chunk_size=2000))
    content, _written, _truncated = write_xlsx(
        title=str(dt.label_plural),
        headers=[field_label(dt.model, c) for c in names],
        rows=rows,
        max_rows=limit,
        truncated_note=_("Only the first %(n)s rows were exported.") % {"n": limit},
    )
    response = HttpResponse(content, content_type=XLSX)
    filename = f"{dt.slug}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _back(request, slug) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("web:doc_list", args=[slug])


@require_POST
def doc_bulk(request, slug):
    dt = doc_type_or_404(slug)
    require(request.user, dt, "view")
    transition = dt.transition(request.POST.get("action", ""))
    if transition is None:
        raise Http404(_("Unknown action."))
    require(request.user, dt, transition.permission)
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
    if not ids:
        messages.warning(request, _("Select at least one document first."))
        return redirect(_back(request, slug))
    docs = document_list(dt.key, user=request.user).filter(pk__in=ids).order_by("id")
    results = document_transition_many(
        docs, transition.action, actor=request.user, reason=request.POST.get("reason", "")
    )
    fresh = dt.model.objects.in_bulk([r["doc"].pk for r in results])  # states after the action
    return render(
        request,
        "web/documents/bulk_result.html",
        {
            "dt": dt,
            "transition": transition,
            "results": [dict(r, doc=fresh[r["doc"].pk]) for r in results],
            "back": _back(request, slug),
            "ok_count": sum(1 for r in results if r["ok"]),
        },
    )
