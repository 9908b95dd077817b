"""Push-down 下推, remaining quantities derived from links, trace up/down."""

from decimal import Decimal

import pytest

from shopflow.core import registry, selectors, services
from shopflow.core.errors import DomainError, TransitionNotAllowed, ValidationFailed
from shopflow.core.models import DocumentLink
from shopflow.core.registry import PushRule
from shopflow.core.states import DocState

RECEIPT = "purchasing.purchasereceipt"


def line_id(doc):
    return doc.lines.get().pk


def test_push_from_unapproved_source_is_refused(draft_po, clerk):
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_push_down(source=draft_po, target_type=RECEIPT, actor=clerk)
    assert exc.value.code == "source_not_approved"
    assert DocumentLink.objects.count() == 0


def test_partial_pushes_track_remaining_and_refuse_more(approved_po, clerk):
    lid = line_id(approved_po)
    first = services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk, quantities={lid: "4"})
    services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk, quantities={lid: "5"})
    assert selectors.line_remaining(approved_po) == {lid: Decimal("1")}
    with pytest.raises(ValidationFailed) as exc:
        services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk, quantities={lid: "2"})
    assert exc.value.errors[0].field == "lines[0].quantity" and exc.value.errors[0].code == "over_push"
    assert DocumentLink.objects.count() == 2
    assert first.lines.get().quantity == Decimal("4")
    assert first.lines.get().unit_cost == Decimal("12.50")


def test_default_push_takes_everything_then_nothing_remains(approved_po, clerk):
    services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk)
    with pytest.raises(DomainError) as exc:
        services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk)
    assert exc.value.code == "nothing_to_push"


def test_negative_and_unknown_line_quantities_are_refused(approved_po, clerk):
    with pytest.raises(ValidationFailed):
        services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk,
                                    quantities={line_id(approved_po): "-1"})
    with pytest.raises(ValidationFailed):
        services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk, quantities={999999: "1"})


def test_cancelling_the_target_frees_its_quantity(approved_po, clerk):
    lid = line_id(approved_po)
    target = services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk, quantities={lid: "6"})
    services.document_transition(target, "cancel", actor=clerk, reason="wrong warehouse")
    assert selectors.line_remaining(approved_po) == {lid: Decimal("10")}
    assert selectors.downstream_refs(approved_po) == []


def test_editing_a_pushed_line_cannot_exceed_what_remains(approved_po, clerk):
    lid = line_id(approved_po)
    target = services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk, quantities={lid: "6"})
    line = target.lines.get()
    edit = {"id": line.pk, "sku": line.sku_id, "quantity": "11"}
    with pytest.raises(ValidationFailed) as exc:
        services.document_update_draft(doc=target, actor=clerk, header={}, lines=[edit])
    assert exc.value.errors[0].field == "lines[0].quantity"
    target.refresh_from_db()
    assert target.lines.get().quantity == Decimal("6")
    services.document_update_draft(doc=target, actor=clerk, header={}, lines=[dict(edit, quantity="10")])
    assert DocumentLink.objects.get().quantity == Decimal("10")
    assert selectors.line_remaining(approved_po) == {lid: Decimal("0")}


def test_unapprove_with_downstream_is_refused(approved_po, clerk, manager):
    services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.document_transition(approved_po, "unapprove", actor=manager, reason="change supplier")
    assert exc.value.code == "has_downstream"
    approved_po.refresh_from_db()
    assert approved_po.state == DocState.APPROVED


def test_push_needs_both_permissions(approved_po, role_user):
    finance = role_user("finance")
    with pytest.raises(services.PermissionDeniedError):
        services.document_push_down(source=approved_po, target_type=RECEIPT, actor=finance)
    assert DocumentLink.objects.count() == 0


def test_no_rule_no_push(approved_po, manager):
    with pytest.raises(DomainError) as exc:
        services.document_push_down(source=approved_po, target_type="purchasing.purchaseorder", actor=manager)
    assert exc.value.code == "no_push_rule"


def test_trace_returns_the_full_chain_both_ways(approved_po, clerk, manager, monkeypatch):
    """PO → receipt → re-order PO (a temporary rule gives a third level)."""
    rules = dict(registry._push_rules)
    rules[(RECEIPT, "purchasing.purchaseorder")] = PushRule(
        source=RECEIPT, target="purchasing.purchaseorder",
        map_header=lambda r: {"supplier": r.supplier_id, "warehouse": r.warehouse_id},
        map_line=lambda line: {"sku": line.sku_id},
    )
    monkeypatch.setattr(registry, "_push_rules", rules)
    receipt = services.document_push_down(source=approved_po, target_type=RECEIPT, actor=clerk)
    services.document_transition(receipt, "submit", actor=clerk)
    receipt = services.document_transition(receipt, "approve", actor=manager)
    reorder = services.document_push_down(source=receipt, target_type="purchasing.purchaseorder", actor=manager)

    down = selectors.trace_down(approved_po)
    assert [n["doc"] for n in down] == [receipt]
    assert [n["doc"] for n in down[0]["children"]] == [reorder]
    up = selectors.trace_up(reorder)
    assert [n["doc"] for n in up] == [receipt] and [n["doc"] for n in up[0]["children"]] == [approved_po]
    assert selectors.flatten_trace(down) == [receipt, reorder]
