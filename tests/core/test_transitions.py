"""document_transition: permissions, guards, numbering at approval, effects, audit, on_commit."""

from decimal import Decimal

import pytest
from django.test import override_settings

from shopflow.core import registry, services
from shopflow.core.errors import PermissionDeniedError, TransitionNotAllowed
from shopflow.core.models import AuditEvent
from shopflow.core.states import DocState


def audit_actions(doc):
    return list(AuditEvent.objects.filter(doc_type=doc.doc_type, doc_id=doc.pk).values_list("action", flat=True))


def test_draft_has_no_number_until_approval(draft_po, buyer, manager):
    assert draft_po.number == ""
    services.document_transition(draft_po, "submit", actor=buyer)
    draft_po.refresh_from_db()
    assert draft_po.number == ""
    doc = services.document_transition(draft_po, "approve", actor=manager)
    assert doc.number.startswith("PO-") and doc.approved_by == manager and doc.approved_at is not None


def test_creator_may_not_approve_own_document(draft_po, manager, role_user):
    creator = manager  # a manager may approve, but not what they created themselves
    po = services.document_create(doc_type="purchasing.purchaseorder", actor=creator,
                                  header={"supplier": draft_po.supplier_id, "warehouse": draft_po.warehouse_id},
                                  lines=[{"sku": draft_po.lines.first().sku_id, "quantity": "1"}])
    services.document_transition(po, "submit", actor=creator)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(po, "approve", actor=creator)
    assert exc.value.code == "self_approval"
    po.refresh_from_db()
    assert po.state == DocState.SUBMITTED and po.number == ""
    assert audit_actions(po) == ["create", "submit"]


@override_settings(SHOPFLOW={"SEGREGATION_OF_DUTIES": False})
def test_self_approval_allowed_when_setting_off(manager, supplier, warehouse, sku):
    po = services.document_create(doc_type="purchasing.purchaseorder", actor=manager,
                                  header={"supplier": supplier.pk, "warehouse": warehouse.pk},
                                  lines=[{"sku": sku.pk, "quantity": "1"}])
    services.document_transition(po, "submit", actor=manager)
    assert services.document_transition(po, "approve", actor=manager).state == DocState.APPROVED


def test_forbidden_action_raises_permission_denied_and_changes_nothing(draft_po, buyer, role_user):
    services.document_transition(draft_po, "submit", actor=buyer)
    finance = role_user("finance")
    with pytest.raises(PermissionDeniedError):
        services.document_transition(draft_po, "approve", actor=finance)
    draft_po.refresh_from_db()
    assert draft_po.state == DocState.SUBMITTED and draft_po.version == 2
    assert audit_actions(draft_po) == ["create", "submit"]


def test_inactive_user_is_refused(draft_po, buyer):
    buyer.is_active = False
    buyer.save()
    with pytest.raises(PermissionDeniedError):
        services.document_transition(draft_po, "submit", actor=buyer)


def test_unapprove_and_cancel_need_a_reason(approved_po, manager):
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(approved_po, "unapprove", actor=manager, reason="  ")
    assert exc.value.code == "reason_required"
    approved_po.refresh_from_db()
    assert approved_po.state == DocState.APPROVED


def test_guards_report_every_blocking_reason(approved_po, manager, clerk):
    """A receipt pushed down blocks un-approval; with no reason given, both reasons are listed."""
    services.document_push_down(source=approved_po, target_type="purchasing.purchasereceipt", actor=clerk)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(approved_po, "unapprove", actor=manager, reason="")
    assert len(exc.value.reasons) == 2
    assert "reason" in exc.value.reasons[0].lower() or "原因" in exc.value.reasons[0]


def test_stale_version_is_refused(draft_po, buyer):
    with pytest.raises(services.DomainError) as exc:
        services.document_transition(draft_po, "submit", actor=buyer, expected_version=draft_po.version + 1)
    assert exc.value.code == "stale_version"


def test_unapprove_keeps_the_number_and_reapproval_reuses_it(approved_po, buyer, manager):
    number = approved_po.number
    doc = services.document_transition(approved_po, "unapprove", actor=manager, reason="price wrong")
    assert doc.state == DocState.DRAFT and doc.number == number and doc.approved_by is None
    services.document_transition(doc, "submit", actor=buyer)
    assert services.document_transition(doc, "approve", actor=manager).number == number


def test_after_commit_hooks_run_only_after_commit(draft_po, buyer, django_capture_on_commit_callbacks, monkeypatch):
    seen = []
    monkeypatch.setattr(registry, "after_transition_hooks", [lambda *args: seen.append(args)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.document_transition(draft_po, "submit", actor=buyer)
    assert seen == [] and len(callbacks) == 1
    callbacks[0]()
    assert seen == [("purchasing.purchaseorder", draft_po.pk, "submit")]


def test_failing_effect_rolls_back_everything(manager, clerk, supplier, warehouse, sku):
    """Un-approving a receipt whose goods were already issued fails in the ledger: no state
    change, no number change, no audit event, no move."""
    from shopflow.inventory.models import StockMove
    from shopflow.inventory.services import MoveSpec, stock_post

    receipt = services.document_create(doc_type="purchasing.purchasereceipt", actor=clerk,
                                       header={"supplier": supplier.pk, "warehouse": warehouse.pk},
                                       lines=[{"sku": sku.pk, "quantity": "5"}])
    services.document_transition(receipt, "submit", actor=clerk)
    receipt = services.document_transition(receipt, "approve", actor=manager)
    stock_post(moves=[MoveSpec(sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=Decimal("-4"))],
               origin_type="test.issue", origin_id=1, actor=manager)
    moves_before = StockMove.objects.count()
    with pytest.raises(services.DomainError) as exc:
        services.document_transition(receipt, "unapprove", actor=manager, reason="wrong")
    assert exc.value.code == "negative_stock"
    receipt.refresh_from_db()
    assert receipt.state == DocState.APPROVED
    assert StockMove.objects.count() == moves_before
    assert audit_actions(receipt) == ["create", "submit", "approve"]


def test_bulk_transition_reports_per_document(draft_po, buyer, supplier, warehouse, sku):
    other = services.document_create(doc_type="purchasing.purchaseorder", actor=buyer,
                                     header={"supplier": supplier.pk, "warehouse": warehouse.pk},
                                     lines=[{"sku": sku.pk, "quantity": "2"}])
    services.document_transition(other, "submit", actor=buyer)
    results = services.document_transition_many([draft_po, other], "submit", actor=buyer)
    assert [r["ok"] for r in results] == [True, False]
    assert results[1]["message"]
