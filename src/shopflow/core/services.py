"""Every write of the document framework. The only module that sets a document's state."""

import datetime
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shopflow.core import registry
from shopflow.core.db import adapter, insert_rows_returning
from shopflow.core.error_codes import CoreError
from shopflow.core.errors import (
    DomainError,
    FieldError,
    PermissionDeniedError,
    TransitionNotAllowed,
    ValidationFailed,
)
from shopflow.core.guards import blocking_reasons
from shopflow.core.models import AuditEvent, ChangeRecord, DocumentLink, NumberSequence
from shopflow.core.selectors import line_pushed_quantities
from shopflow.core.serialize import diff, field_values, plain
from shopflow.core.states import ACTION_LABELS, DocState

# ---------------------------------------------------------------- permissions, numbers, audit

def require_permission(actor, dt: registry.DocumentType, action: str) -> None:
    if not (actor and actor.is_active and actor.has_perm(dt.perm(action))):
        raise PermissionDeniedError(
            CoreError.PERMISSION_DENIED,
            _("You may not %(action)s: %(type)s.") % {"action": ACTION_LABELS.get(action, action), "type": dt.label},
        )


def number_next(*, doc_type: str, prefix: str, day: datetime.date) -> str:
    """The next gap-free number for a type and day, e.g. PO-20261122-0007. Call inside the
    transaction that uses it: a rollback gives the number back."""
    NumberSequence.objects.bulk_create([NumberSequence(doc_type=doc_type, day=day)], ignore_conflicts=True)
    seq = NumberSequence.objects.select_for_update().get(doc_type=doc_type, day=day)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}-{day:%Y%m%d}-{seq.last:04d}"


def audit_record(*, doc, action: str, actor, from_state="", to_state="", reason="", payload=None) -> AuditEvent:
    """Audit one write to a document or to a master record (`doc_type` is the model's label).
    Inserted through insert_rows_returning: the ORM's INSERT compiled every value, which cost
    more than the statement on the interactive path."""
    event = AuditEvent(doc_type=doc._meta.label_lower, doc_id=doc.pk, action=action, from_state=from_state,
                       to_state=to_state or getattr(doc, "state", ""), actor=actor, reason=reason,
                       payload=payload or {})
    event.pk = insert_rows_returning(AuditEvent, _AUDIT_FIELDS, [(
        event.doc_type, event.doc_id, event.action, event.from_state, event.to_state, event.actor_id,
        adapter(AuditEvent, "at")(event.at), event.reason, adapter(AuditEvent, "payload")(event.payload))])[0]
    event._state.adding, event._state.db = False, router.db_for_write(AuditEvent)
    return event


_AUDIT_FIELDS = ["doc_type", "doc_id", "action", "from_state", "to_state", "actor_id", "at", "reason", "payload"]


# ---------------------------------------------------------------- building and validating

def _assign(instance, allowed: tuple[str, ...], values: dict, where: str, errors: list) -> None:
    for name, value in values.items():
        if name not in allowed:
            errors.append(FieldError(f"{where}.{name}", _("Unknown or read-only field."), "unknown_field"))
            continue
        f = instance._meta.get_field(name)
        if f.many_to_one:
            value = getattr(value, "pk", value)
            setattr(instance, f.attname, None if value in ("", None) else value)
        elif value == "" and f.null:
            # full_clean skips blank values, so "" would reach the database as "" (a 500 for
            # a decimal or date column); an empty form field means "no value".
            setattr(instance, name, None)
        else:
            setattr(instance, name, value)


def _clean(instance, where: str, errors: list, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            path = where if name == NON_FIELD_ERRORS else f"{where}.{name}"
            errors.extend(FieldError(path, str(m)) for m in messages)


def _quantity(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _build_lines(dt, doc, lines: list[dict], existing: dict, errors: list) -> list:
    """Line instances for the payload, in order; quantity-0 lines are dropped (as staff expect
    when a pushed-down line is not needed)."""
    built = []
    for index, values in enumerate(lines):
        where = f"lines[{index}]"
        values = dict(values)
        line_id = values.pop("id", None)
        if line_id is not None and line_id not in existing:
            errors.append(FieldError(f"{where}.id", _("This line does not belong to the document."), "unknown_line"))
            continue
        qty = _quantity(values.get("quantity"))
        if qty is not None and qty == 0:
            continue
        line = existing[line_id] if line_id is not None else dt.line_model()
        # Zero lines are dropped, so a validate hook reports on lines[line.input_index], the row
        # the user typed, not on its position among the kept lines.
        line.input_index = index
        _assign(line, dt.line_fields + ("quantity", "remarks"), values, where, errors)
        _clean(line, where, errors, exclude=["document", "line_no"])
        built.append(line)
    if not built and not errors:
        errors.append(FieldError("lines", _("A document needs at least one line with a quantity."), "no_lines"))
    return built


def _validate(dt, doc, header: dict, lines: list[dict], existing: dict) -> list:
    errors: list[FieldError] = []
    _assign(doc, dt.header_fields + ("doc_date", "remarks"), header, "header", errors)
    _clean(doc, "header", errors, exclude=["created_by", "number", "state"])
    built = _build_lines(dt, doc, lines, existing, errors)
    if not errors:
        for validate in ([dt.validate] if dt.validate else []) + dt.extra_validators:
            errors.extend(validate(doc, built))
    if errors:
        raise ValidationFailed(errors)
    return built


def _snapshot(dt, doc, lines) -> dict:
    header = field_values(doc, dt.header_fields + ("doc_date", "remarks"))
    fields = ("line_no", "quantity", "remarks") + dt.line_fields
    return {"header": header, "lines": [field_values(line, fields) for line in lines]}


def _save_lines(doc, lines) -> None:
    for index, line in enumerate(lines, 1):
        line.document = doc
        line.line_no = index
        line.save()


# ---------------------------------------------------------------- create, edit, change

@transaction.atomic
def document_create(*, doc_type: str, actor, header: dict, lines: list[dict]):
    """A new draft document with its lines; audited."""
    dt = registry.get_type(doc_type)
    require_permission(actor, dt, "create")
    doc = dt.model(created_by=actor)
    built = _validate(dt, doc, header, lines, existing={})
    doc.save()
    _save_lines(doc, built)
    audit_record(doc=doc, action="create", actor=actor, payload=_snapshot(dt, doc, built))
    return doc


def _lock(doc):
    return type(doc).objects.select_for_update().get(pk=doc.pk)


def _check_version(doc, expected_version: int | None) -> None:
    if expected_version is not None and doc.version != expected_version:
        raise DomainError(
            CoreError.STALE_VERSION,
            _("Someone else changed this document meanwhile; reload it and try again."),
        )


@transaction.atomic
def document_update_draft(*, doc, actor, header: dict, lines: list[dict], expected_version: int | None = None):
    """Replace a draft's header values and lines. Lines carrying an `id` are updated, lines
    without one are added, lines left out are removed. Pushed-down lines stay within what
    their source line has left."""
    dt = registry.type_of(doc)
    require_permission(actor, dt, "edit")
    doc = _lock(doc)
    _check_version(doc, expected_version)
    if doc.state != DocState.DRAFT:
        raise DomainError(
            CoreError.NOT_EDITABLE,
            _("Only drafts can be edited; this document is %(state)s. Use a change record instead.")
            % {"state": doc.get_state_display()},
        )
    existing = {line.pk: line for line in doc.lines.all()}
    before = _snapshot(dt, doc, existing.values())
    built = _validate(dt, doc, header, lines, existing)
    kept = {line.pk for line in built if line.pk}
    removed = [pk for pk in existing if pk not in kept]
    DocumentLink.objects.filter(target_type=dt.key, target_line_id__in=removed).delete()
    dt.line_model.objects.filter(pk__in=removed).delete()
    doc.version += 1
    doc.save()
    _save_lines(doc, built)
    _sync_link_quantities(dt, doc, built)
    after = _snapshot(dt, doc, built)
    audit_record(doc=doc, action="edit", actor=actor, payload={"before": before, "after": after})
    return doc


def _sync_link_quantities(dt, doc, lines) -> None:
    """Links follow the edited quantity of a pushed-down line, never beyond what remains."""
    links = {lk.target_line_id: lk for lk in DocumentLink.objects.filter(target_type=dt.key, target_id=doc.pk)}
    errors = []
    for index, line in enumerate(lines):
        link = links.get(line.pk)
        if link is None or link.quantity == 0 or link.quantity == line.quantity:  # 0: lineage only
            continue
        source = registry.get_type(link.source_type).model.objects.select_for_update().get(pk=link.source_id)
        source_line = source.lines.get(pk=link.source_line_id)
        taken = line_pushed_quantities(source, exclude_link_ids=[link.pk]).get(source_line.pk, Decimal(0))
        left = source_line.quantity + _allowance(link.source_type, dt.key, source_line) - taken
        if line.quantity > left and line.quantity > link.quantity:  # lowering an over-push is fine
            errors.append(FieldError(
                f"lines[{index}].quantity",
                _("Only %(left)s remain on %(source)s line %(line)s.")
                % {"left": plain(left), "source": source.display_number, "line": source_line.line_no},
                CoreError.OVER_PUSH,
            ))
        link.quantity = line.quantity
        link.save(update_fields=["quantity"])
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def document_change(*, doc, actor, reason: str, header: dict, expected_version: int | None = None) -> ChangeRecord:
    """A change record 异动单 for an approved or closed document: only the type's changeable
    fields, with a reason, kept with before/after values."""
    dt = registry.type_of(doc)
    require_permission(actor, dt, "edit")
    doc = _lock(doc)
    _check_version(doc, expected_version)
    if doc.state not in (DocState.APPROVED, DocState.CLOSED):
        raise DomainError(CoreError.CHANGE_NOT_ALLOWED,
                          _("Change records are for approved documents; edit the draft instead."))
    if not reason.strip():
        raise ValidationFailed([FieldError("reason", _("A reason is required."), CoreError.REASON_REQUIRED)])
    errors: list[FieldError] = []
    before = field_values(doc, dt.changeable_fields)
    _assign(doc, dt.changeable_fields, header, "header", errors)
    _clean(doc, "header", errors, exclude=["created_by", "number", "state"])
    if errors:
        raise ValidationFailed(errors)
    changes = diff(before, field_values(doc, dt.changeable_fields))
    if not changes:
        raise ValidationFailed([FieldError("header", _("Nothing was changed."), "no_change")])
    doc.version += 1
    doc.save()
    record = ChangeRecord.objects.create(doc_type=dt.key, doc_id=doc.pk, actor=actor, reason=reason, changes=changes)
    audit_record(doc=doc, action="change", actor=actor, reason=reason, payload={"changes": changes})
    return record


# ---------------------------------------------------------------- transitions

def document_transition(doc, action: str, *, actor, reason: str = "", expected_version: int | None = None):
    """Apply one transition of the document's state machine: lock, check state and every
    guard, run the registered effect, set the state, audit, schedule after-commit hooks.
    Refusals raise; nothing is written then."""
    dt = registry.type_of(doc)
    transition = dt.transition(action)
    if transition is None:
        raise DomainError(CoreError.UNKNOWN_ACTION, _("Unknown action “%(action)s”.") % {"action": action})
    require_permission(actor, dt, transition.permission)
    with transaction.atomic():
        doc = _lock(doc)
        _check_version(doc, expected_version)
        if doc.state not in transition.sources:
            raise TransitionNotAllowed(CoreError.WRONG_STATE, [
                _("%(action)s is not possible while the document is %(state)s.")
                % {"action": transition.label, "state": doc.get_state_display()}
            ])
        reasons = blocking_reasons(doc, transition, actor=actor, reason=reason)
        if reasons:
            raise TransitionNotAllowed(reasons[0].code, reasons)
        from_state = doc.state
        effect = dt.effects.get(action)
        if effect:
            effect(doc, actor)
        _stamp(dt, doc, transition, actor)
        doc.save()
        if transition.target == DocState.CANCELLED:
            DocumentLink.objects.filter(target_type=dt.key, target_id=doc.pk).update(active=False)
        audit_record(doc=doc, action=action, actor=actor, from_state=from_state, reason=reason)
        for hook in registry.after_transition_hooks:
            transaction.on_commit(partial(hook, dt.key, doc.pk, action))
    return doc


def _stamp(dt, doc, transition, actor) -> None:
    doc.state = transition.target
    doc.version += 1
    if transition.action == "approve":
        doc.approved_by = actor
        doc.approved_at = timezone.now()
        if not doc.number:
            doc.number = number_next(doc_type=dt.key, prefix=dt.prefix, day=timezone.localdate())
    elif transition.action == "unapprove":
        doc.approved_by = None
        doc.approved_at = None


def document_transition_many(docs, action: str, *, actor, reason: str = "") -> list[dict]:
    """Batch form for bulk actions: each document in its own transaction; per-document result."""
    results = []
    for doc in list(docs):
        try:
            document_transition(doc, action, actor=actor, reason=reason)
            results.append({"doc": doc, "ok": True, "message": ""})
        except DomainError as exc:
            results.append({"doc": doc, "ok": False, "message": exc.message})
    return results


# ---------------------------------------------------------------- push-down

@transaction.atomic
def document_push_down(*, source, target_type: str, actor, quantities: dict[int, Decimal] | None = None,
                       over_reason: str = "", header: dict | None = None):
    """Create a draft `target_type` document from an approved source, carrying `quantities`
    per source line (default: everything that remains). More than remains (plus the rule's
    allowance) is refused, unless the rule names an over-push permission, the actor holds it
    and gives `over_reason`. `header` holds the values chosen for the rule's ask_header fields."""
    src_dt = registry.type_of(source)
    tgt_dt = registry.get_type(target_type)
    rule = registry.push_rule(src_dt.key, tgt_dt.key)
    if rule is None:
        raise DomainError(CoreError.NO_PUSH_RULE, _("%(source)s cannot be pushed down to %(target)s.")
                          % {"source": src_dt.label, "target": tgt_dt.label})
    require_permission(actor, src_dt, "pushdown")
    require_permission(actor, tgt_dt, "create")
    source = _lock(source)
    if source.state != DocState.APPROVED:
        raise TransitionNotAllowed(CoreError.SOURCE_NOT_APPROVED, [
            _("Only approved documents can be pushed down; %(doc)s is %(state)s.")
            % {"doc": source.display_number, "state": source.get_state_display()}
        ])
    refusal = rule.refusal(source)
    if refusal:
        raise DomainError(CoreError.NO_PUSH_RULE, refusal)
    over = bool(rule.over_permission and over_reason.strip() and actor.has_perm(rule.over_permission))
    picked = _pick_quantities(source, quantities, allow_over=over,
                              over_hint=bool(rule.over_permission), allowance=rule.allowance)
    header = _push_header(rule, source, header or {})
    lines = [dict(rule.map_line(line), quantity=qty) for line, qty in picked]
    target = document_create(doc_type=tgt_dt.key, actor=actor, header=header, lines=lines)
    links = [
        DocumentLink(source_type=src_dt.key, source_id=source.pk, source_line_id=src_line.pk,
                     target_type=tgt_dt.key, target_id=target.pk, target_line_id=tgt_line.pk, quantity=qty)
        for (src_line, qty), tgt_line in zip(picked, target.lines.order_by("line_no"), strict=True)
    ]
    DocumentLink.objects.bulk_create(links)
    payload = {"target_type": tgt_dt.key, "target_id": target.pk}
    if over:
        payload["over_reason"] = over_reason.strip()
    audit_record(doc=source, action="pushdown", actor=actor, payload=payload)
    return target


def _allowance(source_type: str, target_type: str, source_line) -> Decimal:
    rule = registry.push_rule(source_type, target_type)
    return Decimal(rule.allowance(source_line)) if rule and rule.allowance else Decimal(0)


def _push_header(rule, source, chosen: dict) -> dict:
    """The target header: the rule's mapping, with what the person pushing chose for the
    rule's ask_header fields."""
    unknown = [name for name in chosen if name not in rule.ask_header]
    if unknown:
        raise ValidationFailed([FieldError(f"header.{name}", _("This field is not chosen when pushing down."),
                                           "unknown_field") for name in unknown])
    return {**rule.map_header(source), **chosen}


def _pick_quantities(source, quantities, *, allow_over: bool = False, over_hint: bool = False,
                     allowance=None):
    remaining = {}
    lines = list(source.lines.all())
    taken = line_pushed_quantities(source)
    for line in lines:
        remaining[line.pk] = line.quantity - taken.get(line.pk, Decimal(0))
    # An allowance may have let more through than the line holds: nothing left, not a negative.
    wanted = {pk: max(left, Decimal(0)) for pk, left in remaining.items()} if quantities is None else quantities
    errors, picked = [], []
    by_id = {line.pk: (index, line) for index, line in enumerate(lines)}
    for line_id, raw in wanted.items():
        qty = _quantity(raw)
        if line_id not in by_id:
            errors.append(FieldError(f"quantities.{line_id}", _("No such line on the source document."),
                                     "unknown_line"))
            continue
        index, line = by_id[line_id]
        where = f"lines[{index}].quantity"
        left = max(remaining[line_id] + (Decimal(allowance(line)) if allowance else 0), Decimal(0))
        if qty is None or qty < 0:
            errors.append(FieldError(where, _("Enter a quantity of zero or more."), "invalid"))
        elif qty > left and not allow_over:
            message = _("Line %(line)s has only %(left)s left to push; %(asked)s asked.") % {
                "line": line.line_no, "left": plain(left), "asked": plain(qty)}
            if over_hint:
                message += " " + _("More than that needs the over-issue permission and a reason.")
            errors.append(FieldError(where, message, CoreError.OVER_PUSH))
        elif qty > 0:
            picked.append((line, qty))
    if errors:
        raise ValidationFailed(errors)
    if not picked:
        raise DomainError(CoreError.NOTHING_TO_PUSH, _("Nothing remains to push down from %(doc)s.")
                          % {"doc": source.display_number})
    picked.sort(key=lambda pair: by_id[pair[0].pk][0])
    return picked
