"""Reads for the shell's own pages: the dashboard's counts, to-do lists and chart series."""

import datetime

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncDate
from django.utils import timezone

from shopflow.core.conf import setting
from shopflow.core.models import DocumentLink
from shopflow.core.registry import push_targets
from shopflow.core.selectors import user_may
from shopflow.core.states import ACTION_LABELS, DocState
from shopflow.web.navigation import viewable_types


def state_counts(user) -> list[dict]:
    """Per viewable document type: how many documents are in each state."""
    out = []
    for dt in viewable_types(user):
        rows = dt.model.objects.values("state").annotate(n=Count("id")).order_by()
        counts = {r["state"]: r["n"] for r in rows}
        out.append(
            {
                "type": dt,
                "counts": [(s, counts.get(s.value, 0)) for s in DocState],
                "total": sum(counts.values()),
            }
        )
    return out


def _awaiting(dt, user, action: str):
    """Documents of `dt` waiting for `action` from this user; None if the action is not theirs."""
    if not user_may(user, dt.key, action):
        return None
    qs = dt.model.objects.all()
    if action == "approve":
        qs = qs.filter(state=DocState.SUBMITTED)
        if setting("SEGREGATION_OF_DUTIES"):
            qs = qs.exclude(created_by=user)  # they could not approve their own
    elif action == "submit":
        qs = qs.filter(state=DocState.DRAFT, created_by=user)
    elif action == "pushdown":
        targets = [t for t in push_targets(dt.key) if user_may(user, t.key, "create")]
        if not targets:
            return None
        pushed = DocumentLink.objects.filter(
            source_type=dt.key, source_id=OuterRef("pk"), active=True
        )
        qs = qs.filter(state=DocState.APPROVED).exclude(Exists(pushed))
    return qs


def waiting_for(user, *, limit: int = 6) -> list[dict]:
    """What awaits this user: drafts to submit, submissions to approve, approved documents
    nothing was pushed from yet. Each entry has a count and the oldest few documents."""
    out = []
    for dt in viewable_types(user):
        for action in ("approve", "submit", "pushdown"):
            qs = _awaiting(dt, user, action)
            if qs is None:
                continue
            count = qs.count()
            if count:
                docs = list(qs.select_related("created_by").order_by("doc_date", "id")[:limit])
                out.append(
                    {
                        "type": dt,
                        "action": action,
                        "label": ACTION_LABELS[action],
                        "count": count,
                        "docs": docs,
                    }
                )
    return out


def created_per_day(user, *, days: int = 14) -> dict:
    """Documents created per local day over the last `days` days, one series per type."""
    today = timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    dates = [first + datetime.timedelta(days=i) for i in range(days)]
    series = []
    for dt in viewable_types(user):
        rows = (
            dt.model.objects.filter(created_at__gte=start)
            .annotate(day=TruncDate("created_at"))
            .values("day")
            .annotate(n=Count("id"))
            .order_by()
        )
        per_day = {r["day"]: r["n"] for r in rows}
        series.append({"name": str(dt.label_plural), "data": [per_day.get(d, 0) for d in dates]})
    return {"days": [d.strftime("%m-%d") for d in dates], "series": series}
