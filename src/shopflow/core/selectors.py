"""Reads of the document framework: remaining quantities, trace, history, allowed actions."""

from collections import defaultdict
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Q

from shopflow.core.db import DecimalSum
from shopflow.core.models import AuditEvent, ChangeRecord, DocumentLink
from shopflow.core.registry import get_type
from shopflow.core.states import DocState


def line_pushed_quantities(doc, *, exclude_link_ids=()) -> dict[int, Decimal]:
    """Quantity already carried forward per source line (active links only)."""
    rows = (
        DocumentLink.objects.filter(source_type=doc.doc_type, source_id=doc.pk, active=True)
        .exclude(pk__in=list(exclude_link_ids))
        .values("source_line_id")
        .annotate(total=DecimalSum("quantity"))
    )
    return {r["source_line_id"]: r["total"] for r in rows}


def line_remaining(doc, *, target_type: str | None = None) -> dict[int, Decimal]:
    """Quantity still to push per line: line quantity minus active links (of `target_type` if given)."""
    links = DocumentLink.objects.filter(source_type=doc.doc_type, source_id=doc.pk, active=True)
    if target_type:
        links = links.filter(target_type=target_type)
    pushed = defaultdict(Decimal)
    for r in links.values("source_line_id").annotate(total=DecimalSum("quantity")):
        pushed[r["source_line_id"]] = r["total"]
    return {line.pk: line.quantity - pushed[line.pk] for line in doc.lines.all()}


def downstream_refs(doc, *, pushed_only: bool = False) -> list[tuple[str, int]]:
    """(type, id) of the documents pushed from `doc` that are not cancelled (`pushed_only`:
    leave out documents tied by lineage-only links of quantity 0)."""
    links = DocumentLink.objects.filter(source_type=doc.doc_type, source_id=doc.pk, active=True)
    if pushed_only:
        links = links.filter(quantity__gt=0)
    rows = (
        links.values_list("target_type", "target_id")
        .distinct()
        .order_by("target_type", "target_id")
    )
    return list(rows)


def upstream_refs(doc) -> list[tuple[str, int]]:
    rows = (
        DocumentLink.objects.filter(target_type=doc.doc_type, target_id=doc.pk)
        .values_list("source_type", "source_id")
        .distinct()
        .order_by("source_type", "source_id")
    )
    return list(rows)


def document_get(doc_type: str, doc_id: int):
    return get_type(doc_type).model.objects.get(pk=doc_id)


def _trace(doc, step, seen) -> list[dict]:
    nodes = []
    for key, pk in step(doc):
        if (key, pk) in seen:
            continue
        seen.add((key, pk))
        child = document_get(key, pk)
        nodes.append({"doc": child, "children": _trace(child, step, seen)})
    return nodes


def trace_down(doc) -> list[dict]:
    """The documents pushed from `doc`, recursively: [{"doc": d, "children": [...]}, ...]."""
    return _trace(doc, downstream_refs, {(doc.doc_type, doc.pk)})


def trace_up(doc) -> list[dict]:
    """The documents `doc` was pushed from, recursively."""
    return _trace(doc, upstream_refs, {(doc.doc_type, doc.pk)})


def flatten_trace(nodes) -> list:
    out = []
    for node in nodes:
        out.append(node["doc"])
        out.extend(flatten_trace(node["children"]))
    return out


def audit_events(doc):
    """The audit trail of a document or of any audited record (see services.audit_record)."""
    return AuditEvent.objects.filter(doc_type=doc._meta.label_lower, doc_id=doc.pk).select_related("actor")


def change_records(doc):
    return ChangeRecord.objects.filter(doc_type=doc.doc_type, doc_id=doc.pk).select_related("actor")


def user_may(user, doc_type: str, action: str) -> bool:
    return bool(user and user.is_active and user.has_perm(get_type(doc_type).perm(action)))


def is_editable(doc, user) -> bool:
    return doc.state == DocState.DRAFT and user_may(user, doc.doc_type, "edit")


def document_list(doc_type: str, *, user, search: str = "", filters: dict | None = None, ordering: str = ""):
    """The documents of one type this user may view, searched, filtered and sorted.

    `filters` maps names of the type's filter_fields to values ("" or None = no filter);
    `ordering` is a list column, "-" for descending; unknown names are ignored."""
    dt = get_type(doc_type)
    if not user_may(user, dt.key, "view"):
        return dt.model.objects.none()
    qs = dt.model.objects.all()
    related = [f for f in dt.list_columns if f in {x.name for x in dt.model._meta.get_fields()}
               and dt.model._meta.get_field(f).many_to_one]
    qs = qs.select_related(*related)
    for name, value in (filters or {}).items():
        if name in dt.filter_fields and value not in ("", None):
            qs = qs.filter(**{name: value})
    term = search.strip()
    if term:
        qs = qs.filter(reduce(or_, (Q(**{f"{f}__icontains": term}) for f in dt.search_fields)))
    field = ordering.lstrip("-")
    if field in dt.list_columns:
        qs = qs.order_by(ordering, "-id")
    return qs
