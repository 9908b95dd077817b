"""Every create, edit, change and transition is audited; audit rows cannot be rewritten."""

import pytest
from django.db import DatabaseError, transaction

from shopflow.core import services
from shopflow.core.models import AuditEvent, ChangeRecord


def events(doc):
    return list(AuditEvent.objects.filter(doc_type=doc.doc_type, doc_id=doc.pk).order_by("id"))


def test_create_edit_and_transitions_write_events(draft_po, buyer, manager):
    line = draft_po.lines.get()
    services.document_update_draft(doc=draft_po, actor=buyer, header={"remarks": "急单"},
                                   lines=[{"id": line.pk, "sku": line.sku_id, "quantity": "12", "unit_price": "12.50"}])
    services.document_transition(draft_po, "submit", actor=buyer)
    services.document_transition(draft_po, "approve", actor=manager)
    got = events(draft_po)
    assert [e.action for e in got] == ["create", "edit", "submit", "approve"]
    assert [e.actor for e in got] == [buyer, buyer, buyer, manager]
    assert got[0].payload["lines"][0]["quantity"] == "10"
    assert got[1].payload["before"]["lines"][0]["quantity"] == "10"
    assert got[1].payload["after"]["lines"][0]["quantity"] == "12"
    assert got[1].payload["after"]["header"]["remarks"] == "急单"
    assert (got[3].from_state, got[3].to_state) == ("submitted", "approved")


def test_audit_events_cannot_be_updated_or_deleted(draft_po):
    event = events(draft_po)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == "create"


def test_change_record_after_approval(approved_po, buyer):
    record = services.document_change(doc=approved_po, actor=buyer, reason="供应商推迟交期",
                                      header={"expected_date": "2026-12-20"})
    approved_po.refresh_from_db()
    assert str(approved_po.expected_date) == "2026-12-20"
    assert record.changes == {"expected_date": [None, "2026-12-20"]}
    assert events(approved_po)[-1].action == "change"
    with pytest.raises(DatabaseError), transaction.atomic():
        ChangeRecord.objects.filter(pk=record.pk).update(reason="nothing happened")


def test_change_record_refuses_quantities_missing_reason_and_drafts(approved_po, draft_po, buyer, supplier):
    with pytest.raises(services.ValidationFailed) as exc:
        services.document_change(doc=approved_po, actor=buyer, reason="x", header={"supplier": supplier.pk})
    assert exc.value.errors[0].field == "header.supplier"
    with pytest.raises(services.ValidationFailed):
        services.document_change(doc=approved_po, actor=buyer, reason=" ", header={"remarks": "x"})
    with pytest.raises(services.DomainError) as exc:
        services.document_change(doc=draft_po, actor=buyer, reason="x", header={"remarks": "x"})
    assert exc.value.code == "change_not_allowed"
    assert ChangeRecord.objects.count() == 0
