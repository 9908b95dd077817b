"""Reads of the document framework: remaining quantities, trace, history, allowed actions."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from shopflow.core.models import AuditEvent, ChangeRecord, DocumentLink
from shopflow.core.registry import get_type, type_of
from shopflow.core.states import DocState


def line_pushed_quantities(doc, *, exclude_link_ids=()) -> dict[int, Decimal]:
    """Quantity already carried forward per source line (active links only)."""
    rows = (
        DocumentLink.objects.filter(source_type=doc.doc_type, source_id=doc.pk, active=True)
        .exclude(pk__in=list(exclude_link_ids))
        .values("source_line_id")
        .annotate(total=Sum("quantity"))
    )
    return {r["source_line_id"]: r["total"] for r in rows}


def line_remaining(doc, *, target_type: str | None = None) -> dict[int, Decimal]:
    """Quantity still to push per line: line quantity minus active links (of `target_type` if given)."""
    links = DocumentLink.objects.filter(source_type=doc.doc_type, source_id=doc.pk, active=True)
    if target_type:
        links = links.filter(target_type=target_type)
    pushed = defaultdict(Decimal)
    for r in links.values("source_line_id").annotate(total=Sum("quantity")):
        pushed[r["source_line_id"]] = r["total"]
    return {line.pk: line.quantity - pushed[line.pk] for line in doc.lines.all()}


def downstream_refs(doc) -> list[tuple[str, int]]:
    """(type, id) of the documents pushed from `doc` that are not cancelled."""
    rows = (
        DocumentLink.objects.filter(source_type=doc.doc_type, source_id=doc.pk, active=True)
        .values_list("target_type", "target_id")
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
    return AuditEvent.objects.filter(doc_type=doc.doc_type, doc_id=doc.pk).select_related("actor")


def change_records(doc):
    return ChangeRecord.objects.filter(doc_type=doc.doc_type, doc_id=doc.pk).select_related("actor")


def user_may(user, doc_type: str, action: str) -> bool:
    return bool(user and user.is_active and user.has_perm(get_type(doc_type).perm(action)))


def is_editable(doc, user) -> bool:
    return doc.state == DocState.DRAFT and user_may(user, doc.doc_type, "edit")
