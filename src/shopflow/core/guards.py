"""Guards the framework adds to every document type, and evaluation of all guards."""

from django.utils.translation import gettext as _

from shopflow.core.conf import setting
from shopflow.core.error_codes import CoreError
from shopflow.core.errors import Blocking
from shopflow.core.registry import get_type, type_of
from shopflow.core.selectors import downstream_refs


def no_self_approval(doc, actor):
    if setting("SEGREGATION_OF_DUTIES") and doc.created_by_id == actor.pk:
        yield Blocking(CoreError.SELF_APPROVAL, _("You created this document; another person must approve it."))


def no_active_downstream(doc, actor):
    refs = downstream_refs(doc, pushed_only=True)  # a lineage link's owner guards it itself
    if refs:
        names = ", ".join(str(get_type(key).model.objects.get(pk=pk)) for key, pk in refs[:5])
        yield Blocking(
            CoreError.HAS_DOWNSTREAM,
            _("Downstream documents exist (%(names)s); un-approve or cancel them first.") % {"names": names},
        )


CORE_GUARDS = {
    "approve": (no_self_approval,),
    "unapprove": (no_active_downstream,),
    "close": (),
}


def blocking_reasons(doc, transition, *, actor, reason: str) -> list[Blocking]:
    """Every reason that blocks `transition` now (empty: allowed). Source state is checked by
    the caller; permissions too."""
    reasons = []
    if transition.reason_required and not reason.strip():
        reasons.append(Blocking(CoreError.REASON_REQUIRED, _("A reason is required.")))
    for guard in CORE_GUARDS.get(transition.action, ()) + tuple(transition.guards):
        reasons.extend(guard(doc, actor))
    return reasons


def available_transitions(doc, user) -> list[dict]:
    """The transitions this user may take from the document's current state, each with the
    reasons that would block it now; the web shell shows exactly these buttons."""
    dt = type_of(doc)
    out = []
    for t in dt.machine:
        if doc.state in t.sources and user.has_perm(dt.perm(t.permission)):
            out.append({"transition": t, "blocked": blocking_reasons(doc, t, actor=user, reason="-")})
    return out
