"""Document states and transitions, declared as data.

Each document type gets a state machine: a tuple of Transition rows. The only code that
applies them is core.services.document_transition.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DocState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# Actions that are permissions too (Django codename "<action>_<model>"). "create", "edit"
# and "view" are not transitions; the others are, and "pushdown" creates downstream documents.
DOCUMENT_ACTIONS = ("view", "create", "edit", "submit", "approve", "unapprove", "pushdown", "cancel")

ACTION_LABELS = {
    "view": _("View"),
    "create": _("Create"),
    "edit": _("Edit"),
    "submit": _("Submit"),
    "withdraw": _("Withdraw"),
    "approve": _("Approve"),
    "unapprove": _("Un-approve"),
    "close": pgettext_lazy("document action", "Close"),
    "reopen": _("Reopen"),
    "cancel": _("Cancel document"),
    "pushdown": _("Push down"),
}

# A guard receives (document, actor) and yields Blocking reasons; none means "allowed".
Guard = Callable[..., Iterable]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    permission: str  # one of DOCUMENT_ACTIONS
    guards: tuple[Guard, ...] = ()
    reason_required: bool = False
    # "primary" / "danger" / "secondary": how the button looks.
    style: str = "secondary"

    @property
    def label(self):
        return ACTION_LABELS.get(self.action, self.action)


def standard_machine(*, extra_guards: dict[str, tuple[Guard, ...]] | None = None) -> tuple[Transition, ...]:
    """The default life cycle: draft → submitted → approved → closed; cancelled.

    Un-approve returns an approved document to draft (so it can be maintained and approved
    again); core adds its own guard that refuses it while active downstream documents exist.
    """
    g = extra_guards or {}
    S = DocState
    return (
        Transition("submit", frozenset({S.DRAFT}), S.SUBMITTED, "submit", g.get("submit", ()), style="primary"),
        Transition("withdraw", frozenset({S.SUBMITTED}), S.DRAFT, "submit", g.get("withdraw", ())),
        Transition("approve", frozenset({S.SUBMITTED}), S.APPROVED, "approve", g.get("approve", ()), style="primary"),
        Transition("unapprove", frozenset({S.APPROVED}), S.DRAFT, "unapprove", g.get("unapprove", ()),
                   reason_required=True, style="danger"),
        Transition("close", frozenset({S.APPROVED}), S.CLOSED, "approve", g.get("close", ())),
        Transition("reopen", frozenset({S.CLOSED}), S.APPROVED, "approve", g.get("reopen", ())),
        Transition("cancel", frozenset({S.DRAFT, S.SUBMITTED}), S.CANCELLED, "cancel", g.get("cancel", ()),
                   reason_required=True, style="danger"),
    )


# States from which no transition leads anywhere by design.
TERMINAL_STATES = frozenset({DocState.CANCELLED})
