"""Schemas of the generic document API: one In and one Out per operation, and the builders
that turn documents into Out schemas.

Values on the wire: decimals are strings with the field's own scale ("10.0000", "12.50"),
dates and times are ISO 8601, foreign keys are ids. A document's `header` and each line's
`values` hold exactly the writable fields, so a client can send them back unchanged."""

import datetime
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import model_validator

from shopflow.core.errors import FieldError, ValidationFailed
from shopflow.core.guards import available_transitions
from shopflow.core.registry import DocumentType, push_rule, push_targets, type_of
from shopflow.core.selectors import is_editable, line_remaining, user_may
from shopflow.core.states import DOCUMENT_ACTIONS, DocState

# ---------------------------------------------------------------- values


def wire_value(instance, name: str):
    """A value for JSON: decimals at the field's scale, dates ISO, relations as ids. Names that
    are not model fields (a list column may be a property) are read as attributes."""
    try:
        f = instance._meta.get_field(name)
    except FieldDoesNotExist:
        f, value = None, getattr(instance, name)
    else:
        value = getattr(instance, f.attname)
    if value is None:
        return None
    if isinstance(f, models.DecimalField):
        return f"{Decimal(value):.{f.decimal_places}f}"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def is_relation(model, name: str) -> bool:
    try:
        return model._meta.get_field(name).is_relation
    except FieldDoesNotExist:
        return False


def header_names(dt: DocumentType) -> tuple[str, ...]:
    return tuple(dict.fromkeys(dt.header_fields + ("doc_date", "remarks")))


def line_names(dt: DocumentType) -> tuple[str, ...]:
    return tuple(dict.fromkeys(dt.line_fields + ("quantity", "remarks")))


# NUL and lone surrogates are valid JSON but cannot be stored (PostgreSQL refuses NUL, UTF-8
# cannot encode surrogates); refusing them here turns a would-be 500 into a 400 on the field.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _scrub(value, path: str, errors: list[FieldError]):
    """Walk submitted values: flag unstorable text; turn JSON floats into exact decimals
    (via their shortest repr, so 0.1 stays 0.1 rather than 0.1000000000000000055…)."""
    if isinstance(value, str):
        if _UNSTORABLE.search(value):
            errors.append(FieldError(path, _("Text contains characters that cannot be stored."), "invalid_text"))
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _scrub(v, f"{path}.{k}" if path else str(k), errors) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, f"{path}[{i}]", errors) for i, v in enumerate(value)]
    return value


class WriteIn(Schema):
    """Base of write schemas: every field is scrubbed (see _scrub)."""

    @model_validator(mode="after")
    def _scrub_all(self):
        errors: list[FieldError] = []
        for name in type(self).model_fields:
            setattr(self, name, _scrub(getattr(self, name), name, errors))
        if errors:
            # Not a ValueError, so pydantic lets it through; the API maps it like any
            # service error, keeping the exact field path ("lines[0].remarks").
            raise ValidationFailed(errors)
        return self


# ---------------------------------------------------------------- errors


class FieldErrorOut(Schema):
    field: str
    message: str
    code: str


class ErrorOut(Schema):
    code: str
    message: str
    field: str = ""
    errors: list[FieldErrorOut] = []


# ---------------------------------------------------------------- types


class DocumentTypeOut(Schema):
    key: str
    slug: str
    label: str
    label_plural: str
    area: str
    header_fields: list[str]
    line_fields: list[str]
    list_columns: list[str]
    search_fields: list[str]
    filter_fields: list[str]
    actions: list[str] = Field(description="The actions the caller may take on this type.")
    push_targets: list[str]
    push_ask_header: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per push target: the target header fields the person pushing chooses "
        "(send them in push-down's `header`; the rule gives defaults).",
    )

    @classmethod
    def build(cls, dt: DocumentType, user) -> "DocumentTypeOut":
        targets = push_targets(dt.key)
        return cls(
            key=dt.key,
            slug=dt.slug,
            label=str(dt.label),
            label_plural=str(dt.label_plural),
            area=dt.area,
            header_fields=list(header_names(dt)),
            line_fields=list(line_names(dt)),
            list_columns=list(dt.list_columns),
            search_fields=list(dt.search_fields),
            filter_fields=list(dt.filter_fields),
            actions=[a for a in DOCUMENT_ACTIONS if user_may(user, dt.key, a)],
            push_targets=[t.key for t in targets],
            push_ask_header={t.key: list(push_rule(dt.key, t.key).ask_header) for t in targets},
        )


# ---------------------------------------------------------------- list


class DocumentListQuery(Schema):
    search: str = ""
    ordering: str = Field("", description="A list column, '-' in front for descending.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=2**63 - 1)  # what a database takes as OFFSET


class DocumentRowOut(Schema):
    id: int
    number: str
    display_number: str
    state: str
    version: int
    values: dict[str, Any] = Field(description="The type's list columns; relations as ids.")
    display: dict[str, str] = Field(description="Readable text of the relation columns.")

    @classmethod
    def build(cls, doc, dt: DocumentType) -> "DocumentRowOut":
        relations = [c for c in dt.list_columns if is_relation(dt.model, c)]
        return cls(
            id=doc.pk,
            number=doc.number,
            display_number=doc.display_number,
            state=doc.state,
            version=doc.version,
            values={c: wire_value(doc, c) for c in dt.list_columns},
            display={c: str(getattr(doc, c) or "") for c in relations},
        )


class DocumentListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[DocumentRowOut]


# ---------------------------------------------------------------- one document


class ActionOut(Schema):
    action: str
    label: str
    style: str
    reason_required: bool
    allowed: bool = Field(description="False while a guard blocks it; see reasons.")
    reasons: list[str]


class PushTargetOut(Schema):
    key: str
    slug: str
    label: str
    ask_header: list[str] = Field(default_factory=list, description="Header fields to choose on push-down.")


class LineOut(Schema):
    id: int
    line_no: int
    remaining: str = Field(description="Quantity not yet pushed down.")
    values: dict[str, Any]


class DocumentOut(Schema):
    type: str
    id: int
    number: str
    display_number: str
    state: str
    state_label: str
    version: int
    created_by: str
    created_at: datetime.datetime
    approved_by: str | None
    approved_at: datetime.datetime | None
    updated_at: datetime.datetime
    header: dict[str, Any]
    lines: list[LineOut]
    actions: list[ActionOut] = Field(description="Transitions the caller may take from this state.")
    can_edit: bool
    can_change: bool = Field(description="Whether the caller may file a change record.")
    push_targets: list[PushTargetOut]
    warnings: list[str] = Field(default_factory=list, description="Things to know that block nothing.")

    @classmethod
    def build(cls, doc, user) -> "DocumentOut":
        dt = type_of(doc)
        doc = dt.model.objects.select_related("created_by", "approved_by").get(pk=doc.pk)  # fresh
        remaining = line_remaining(doc)
        lines = [
            LineOut(
                id=line.pk,
                line_no=line.line_no,
                remaining=wire_remaining(line, remaining[line.pk]),
                values={n: wire_value(line, n) for n in line_names(dt)},
            )
            for line in doc.lines.all()
        ]
        approved = doc.state == DocState.APPROVED
        targets = [
            t
            for t in push_targets(dt.key, doc)
            if approved and user_may(user, dt.key, "pushdown") and user_may(user, t.key, "create")
        ]
        return cls(
            type=dt.key,
            id=doc.pk,
            number=doc.number,
            display_number=doc.display_number,
            state=doc.state,
            state_label=doc.get_state_display(),
            version=doc.version,
            created_by=doc.created_by.get_username(),
            created_at=doc.created_at,
            approved_by=doc.approved_by.get_username() if doc.approved_by else None,
            approved_at=doc.approved_at,
            updated_at=doc.updated_at,
            header={n: wire_value(doc, n) for n in header_names(dt)},
            lines=lines,
            actions=[
                ActionOut(
                    action=a["transition"].action,
                    label=str(a["transition"].label),
                    style=a["transition"].style,
                    reason_required=a["transition"].reason_required,
                    allowed=not a["blocked"],
                    reasons=[str(b) for b in a["blocked"]],
                )
                for a in available_transitions(doc, user)
            ],
            can_edit=is_editable(doc, user),
            can_change=doc.state in (DocState.APPROVED, DocState.CLOSED) and user_may(user, dt.key, "edit"),
            push_targets=[
                PushTargetOut(key=t.key, slug=t.slug, label=str(t.label),
                              ask_header=list(push_rule(dt.key, t.key).ask_header))
                for t in targets
            ],
            warnings=[str(w) for w in dt.warnings(doc)] if dt.warnings else [],
        )


def wire_remaining(line, value: Decimal) -> str:
    places = line._meta.get_field("quantity").decimal_places
    return f"{value:.{places}f}"


class DocumentCreateIn(WriteIn):
    header: dict[str, Any] = Field(default_factory=dict, description="Header fields by name.")
    lines: list[dict[str, Any]] = Field(default_factory=list, description="Line fields by name.")


class DocumentUpdateIn(WriteIn):
    version: int = Field(description="The version you read; a newer one refuses the update.")
    header: dict[str, Any] = Field(default_factory=dict)
    lines: list[dict[str, Any]] = Field(
        description="Every line: with `id` updates it, without adds one; left out: removed."
    )


class TransitionIn(WriteIn):
    reason: str = ""
    version: int | None = None


class PushDownIn(WriteIn):
    target: str = Field(description="Target type key or slug, e.g. purchasing-purchasereceipt.")
    quantities: dict[int, Decimal] | None = Field(
        None, description="Source line id → quantity to carry; left out: everything that remains."
    )
    over_reason: str = Field("", description="Why more than remains is pushed (needs the rule's over-push "
                                              "permission, e.g. over-issue of subcontract materials).")
    header: dict[str, Any] = Field(
        default_factory=dict,
        description="Values for the target header fields chosen on push-down (e.g. the supplier of a "
        "purchase order made from a requisition); the rule gives defaults.",
    )


class ChangeIn(WriteIn):
    reason: str
    header: dict[str, Any]
    version: int | None = None


# ---------------------------------------------------------------- history and trace


class ChangeRecordOut(Schema):
    id: int
    actor: str
    at: datetime.datetime
    reason: str
    changes: dict[str, Any]

    @classmethod
    def build(cls, record) -> "ChangeRecordOut":
        return cls(
            id=record.pk,
            actor=record.actor.get_username(),
            at=record.at,
            reason=record.reason,
            changes=record.changes,
        )


class AuditEventOut(Schema):
    id: int
    action: str
    from_state: str
    to_state: str
    actor: str | None
    at: datetime.datetime
    reason: str
    payload: dict[str, Any]

    @classmethod
    def build(cls, event) -> "AuditEventOut":
        return cls(
            id=event.pk,
            action=event.action,
            from_state=event.from_state,
            to_state=event.to_state,
            actor=event.actor.get_username() if event.actor else None,
            at=event.at,
            reason=event.reason,
            payload=event.payload,
        )


class TraceNodeOut(Schema):
    type: str
    id: int
    may_view: bool = Field(description="False: the caller may not view this type; number and state are withheld.")
    number: str
    display_number: str
    state: str
    children: list["TraceNodeOut"]

    @classmethod
    def build_all(cls, nodes: list[dict], user) -> list["TraceNodeOut"]:
        out = []
        for node in nodes:
            doc = node["doc"]
            visible = user_may(user, doc.doc_type, "view")
            out.append(
                cls(
                    type=doc.doc_type,
                    id=doc.pk,
                    may_view=visible,
                    number=doc.number if visible else "",
                    display_number=doc.display_number if visible else "",
                    state=doc.state if visible else "",
                    children=cls.build_all(node["children"], user),
                )
            )
        return out


class TraceOut(Schema):
    up: list[TraceNodeOut]
    down: list[TraceNodeOut]
