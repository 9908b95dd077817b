"""The conformance suite every document type's tests inherit.

    class TestPurchaseOrderConformance(DocumentConformance):
        doc_type = "purchasing.purchaseorder"

        @pytest.fixture
        def make_draft(self, ...):
            return lambda actor: <a valid draft created through document_create>

        def effect_snapshot(self, doc):   # optional: what approval changes (stock, money)
            return ...
"""

from collections import deque

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from shopflow.core import registry, services
from shopflow.core.errors import DomainError, TransitionNotAllowed
from shopflow.core.models import AuditEvent
from shopflow.core.states import TERMINAL_STATES, DocState


def _reachable(machine) -> set[str]:
    seen, todo = {DocState.DRAFT.value}, deque([DocState.DRAFT.value])
    while todo:
        state = todo.popleft()
        for t in machine:
            if state in t.sources and t.target not in seen:
                seen.add(t.target)
                todo.append(t.target)
    return seen


def _path_to(machine, goal: str) -> list[str]:
    """Actions leading from draft to `goal` (breadth first)."""
    todo = deque([(DocState.DRAFT.value, [])])
    seen = {DocState.DRAFT.value}
    while todo:
        state, path = todo.popleft()
        if state == goal:
            return path
        for t in machine:
            if state in t.sources and t.target not in seen:
                seen.add(t.target)
                todo.append((t.target, path + [t.action]))
    raise AssertionError(f"state {goal} unreachable")


class DocumentConformance:
    doc_type: str = ""

    # ---- hooks for subclasses
    def effect_snapshot(self, doc):
        """What approval changes outside the document (stock, money); None if nothing."""
        return None

    @pytest.fixture
    def make_draft(self):
        raise NotImplementedError("define a make_draft fixture returning a function(actor) -> draft")

    # ---- helpers
    @pytest.fixture
    def actors(self, db):
        User = get_user_model()
        creator = User.objects.create_superuser("conf-creator", password="x-123456789")
        approver = User.objects.create_superuser("conf-approver", password="x-123456789")
        return creator, approver

    @property
    def dt(self):
        return registry.get_type(self.doc_type)

    def _drive(self, doc, path, actors):
        creator, approver = actors
        for action in path:
            actor = approver if action in {"approve", "unapprove", "close", "reopen"} else creator
            doc = services.document_transition(doc, action, actor=actor, reason="conformance")
        return doc

    # ---- the rules
    def test_every_state_is_declared_and_reachable(self):
        declared = set(DocState.values)
        reachable = _reachable(self.dt.machine)
        for t in self.dt.machine:
            assert set(t.sources) | {t.target} <= declared, t.action
        used = {s for t in self.dt.machine for s in t.sources} | {t.target for t in self.dt.machine}
        assert used <= reachable, f"unreachable states: {used - reachable}"

    def test_every_state_has_a_way_out_or_is_terminal(self):
        for state in _reachable(self.dt.machine) - TERMINAL_STATES:
            assert any(state in t.sources for t in self.dt.machine), state

    def test_every_action_has_a_permission(self, db):
        model = self.dt.model._meta.model_name
        for t in self.dt.machine:
            assert Permission.objects.filter(
                content_type__app_label=self.dt.app_label, codename=f"{t.permission}_{model}"
            ).exists(), t.action

    def test_illegal_transitions_raise_and_change_nothing(self, make_draft, actors):
        for state in sorted(_reachable(self.dt.machine)):
            doc = self._drive(make_draft(actors[0]), _path_to(self.dt.machine, state), actors)
            for t in self.dt.machine:
                if state in t.sources:
                    continue
                before = (doc.state, doc.version, doc.number, self._audit_count(doc), self.effect_snapshot(doc))
                with pytest.raises(TransitionNotAllowed):
                    services.document_transition(doc, t.action, actor=actors[1], reason="x")
                doc.refresh_from_db()
                after = (doc.state, doc.version, doc.number, self._audit_count(doc), self.effect_snapshot(doc))
                assert after == before, f"{t.action} from {state} changed something"

    def test_unknown_action_raises(self, make_draft, actors):
        doc = make_draft(actors[0])
        with pytest.raises(DomainError) as exc:
            services.document_transition(doc, "teleport", actor=actors[0])
        assert exc.value.code == "unknown_action"

    def test_approval_effect_is_reversed_by_unapprove(self, make_draft, actors):
        doc = make_draft(actors[0])
        before = self.effect_snapshot(doc)
        doc = self._drive(doc, _path_to(self.dt.machine, DocState.APPROVED), actors)
        doc = services.document_transition(doc, "unapprove", actor=actors[1], reason="conformance")
        assert doc.state == DocState.DRAFT
        assert self.effect_snapshot(doc) == before

    def test_every_transition_is_audited(self, make_draft, actors):
        doc = make_draft(actors[0])
        path = _path_to(self.dt.machine, DocState.CLOSED)
        doc = self._drive(doc, path, actors)
        actions = list(AuditEvent.objects.filter(doc_type=self.dt.key, doc_id=doc.pk).values_list("action", flat=True))
        assert actions == ["create", *path]

    @staticmethod
    def _audit_count(doc) -> int:
        return AuditEvent.objects.filter(doc_type=doc.doc_type, doc_id=doc.pk).count()
