"""Generic document endpoints: one set of routes serves every registered document type.

`{type}` is a type key ("purchasing.purchaseorder") or slug ("purchasing-purchaseorder").
Handlers parse, call one service or selector, and build the Out schema; the services check
permissions themselves, and errors become JSON in shopflow.api."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from shopflow.core import services
from shopflow.core.errors import FieldError, NotFoundError, ValidationFailed
from shopflow.core.registry import DocumentType, document_types, get_type
from shopflow.core.schemas import (
    AuditEventOut,
    ChangeIn,
    ChangeRecordOut,
    DocumentCreateIn,
    DocumentListOut,
    DocumentListQuery,
    DocumentOut,
    DocumentRowOut,
    DocumentTypeOut,
    DocumentUpdateIn,
    ErrorOut,
    PushDownIn,
    TraceNodeOut,
    TraceOut,
    TransitionIn,
)
from shopflow.core.selectors import (
    audit_events,
    change_records,
    document_list,
    trace_down,
    trace_up,
)

router = Router(tags=["documents"])

# Every operation may answer with these; listed so the OpenAPI document shows the error shape.
ERRORS = {status: ErrorOut for status in (400, 401, 403, 404, 409)}


def doc_type(key: str, *, field: str = "") -> DocumentType:
    """The type named in a path (unknown → 404) or in a body field (unknown → 400 on it)."""
    try:
        return get_type(key)
    except KeyError:
        message = _("Unknown document type “%(type)s”.") % {"type": key}
        if field:
            raise ValidationFailed([FieldError(field, message, "unknown_document_type")]) from None
        raise NotFoundError("unknown_document_type", message) from None


def viewable_document(request, type_key: str, doc_id: int):
    """The document, if the caller may view its type (403 first, so ids reveal nothing)."""
    dt = doc_type(type_key)
    services.require_permission(request.auth, dt, "view")
    return dt.model.objects.get(pk=doc_id)  # DoesNotExist → 404 in shopflow.api


def list_filters(dt: DocumentType, params) -> dict:
    """The type's filter fields found in the query string, converted by the model field, so a
    bad value is a 400 naming the parameter instead of a database error."""
    values, errors = {}, []
    for name in dt.filter_fields:
        raw = params.get(name, "")
        if raw == "":
            continue
        try:
            values[name] = dt.model._meta.get_field(name).to_python(raw)
        except ValidationError as exc:
            errors.append(FieldError(name, " ".join(exc.messages), "invalid"))
    if errors:
        raise ValidationFailed(errors)
    return values


@router.get("", response={200: list[DocumentTypeOut], **ERRORS})
def list_types(request):
    """Every document type, with the actions the caller may take on it."""
    return [DocumentTypeOut.build(dt, request.auth) for dt in document_types()]


@router.get("/{type}", response={200: DocumentListOut, **ERRORS})
def list_documents(request, type: str, query: Query[DocumentListQuery]):
    """Documents of one type. Filter with the type's `filter_fields` as query parameters,
    e.g. `?state=approved&supplier=3`."""
    dt = doc_type(type)
    services.require_permission(request.auth, dt, "view")
    docs = document_list(
        dt.key,
        user=request.auth,
        search=query.search,
        filters=list_filters(dt, request.GET),
        ordering=query.ordering,
    )
    page = docs[query.offset : query.offset + query.limit]
    return DocumentListOut(
        count=docs.count(),
        limit=query.limit,
        offset=query.offset,
        items=[DocumentRowOut.build(doc, dt) for doc in page],
    )


@router.post("/{type}", response={201: DocumentOut, **ERRORS})
def create_document(request, type: str, payload: DocumentCreateIn):
    """A new draft with its lines."""
    doc = services.document_create(
        doc_type=doc_type(type).key, actor=request.auth, header=payload.header, lines=payload.lines
    )
    return Status(201, DocumentOut.build(doc, request.auth))


@router.get("/{type}/{int:id}", response={200: DocumentOut, **ERRORS})
def get_document(request, type: str, id: int):
    """Header, lines with remaining quantities, state, version and the caller's actions."""
    return DocumentOut.build(viewable_document(request, type, id), request.auth)


@router.put("/{type}/{int:id}", response={200: DocumentOut, **ERRORS})
def update_draft(request, type: str, id: int, payload: DocumentUpdateIn):
    """Replace a draft's header values and lines (send the version you read)."""
    doc = services.document_update_draft(
        doc=viewable_document(request, type, id),
        actor=request.auth,
        header=payload.header,
        lines=payload.lines,
        expected_version=payload.version,
    )
    return DocumentOut.build(doc, request.auth)


@router.post("/{type}/{int:id}/transitions/{action}", response={200: DocumentOut, **ERRORS})
def transition(request, type: str, id: int, action: str, payload: TransitionIn | None = None):
    """Take a transition (submit, approve, unapprove, cancel, ...); 409 lists why it is refused.
    The body is optional: `reason` where the transition needs one, `version` to guard."""
    payload = payload or TransitionIn()
    doc = services.document_transition(
        viewable_document(request, type, id),
        action,
        actor=request.auth,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return DocumentOut.build(doc, request.auth)


@router.post("/{type}/{int:id}/push-down", response={201: DocumentOut, **ERRORS})
def push_down(request, type: str, id: int, payload: PushDownIn):
    """Create a draft downstream document carrying the given quantities per source line."""
    target = services.document_push_down(
        source=viewable_document(request, type, id),
        target_type=doc_type(payload.target, field="target").key,
        actor=request.auth,
        quantities=payload.quantities,
        over_reason=payload.over_reason,
        header=payload.header,
    )
    return Status(201, DocumentOut.build(target, request.auth))


@router.get("/{type}/{int:id}/trace", response={200: TraceOut, **ERRORS})
def trace(request, type: str, id: int):
    """The documents this one was pushed from (up) and pushed to (down), as trees."""
    doc = viewable_document(request, type, id)
    return TraceOut(
        up=TraceNodeOut.build_all(trace_up(doc), request.auth),
        down=TraceNodeOut.build_all(trace_down(doc), request.auth),
    )


@router.get("/{type}/{int:id}/audit", response={200: list[AuditEventOut], **ERRORS})
def audit(request, type: str, id: int):
    """Every recorded event of the document, oldest first."""
    return [AuditEventOut.build(e) for e in audit_events(viewable_document(request, type, id))]


@router.get("/{type}/{int:id}/changes", response={200: list[ChangeRecordOut], **ERRORS})
def list_changes(request, type: str, id: int):
    """Change records 异动单 of an approved document."""
    return [ChangeRecordOut.build(r) for r in change_records(viewable_document(request, type, id))]


@router.post("/{type}/{int:id}/changes", response={201: ChangeRecordOut, **ERRORS})
def create_change(request, type: str, id: int, payload: ChangeIn):
    """Change an approved document's changeable fields, with a reason."""
    record = services.document_change(
        doc=viewable_document(request, type, id),
        actor=request.auth,
        reason=payload.reason,
        header=payload.header,
        expected_version=payload.version,
    )
    return Status(201, ChangeRecordOut.build(record))
