"""Review writers at the same time on PostgreSQL (SQLite has one writer; a plain TestCase would
hide a missing lock): parallel automatic reviews approve each order once and never promise the
same stock twice; overlapping merges never merge into an order that is merged meanwhile."""


import pytest
from django.db import connection

from shopflow.core.models import AuditEvent
from shopflow.sales import online
from shopflow.sales.models import OnlineOrder, OrderState
from shopflow.sales.review import online_order_merge, orders_auto_review
from tests.concurrency import run_together
from tests.sales.conftest import put_stock

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
              pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_allocation(monkeypatch):
    """Fulfilment's allocation listener is not under test here."""
    monkeypatch.setattr(online, "_approval_listeners", [])


def test_parallel_auto_reviews_approve_each_order_once_within_stock(make_order, skus, wh, cs):
    put_stock(skus["TX-BLK-M"], wh, 7)
    for i in range(20):
        make_order(f"C{i:03d}", [("TX-BLK-M", 1)])
    results, errors = run_together(4, lambda n: orders_auto_review(actor=cs))
    assert errors == []
    assert sum(r.approved for r in results) == 7
    assert OnlineOrder.objects.filter(state=OrderState.APPROVED).count() == 7
    approvals = AuditEvent.objects.filter(doc_type="sales.onlineorder", action="auto_review", to_state="approved")
    assert approvals.count() == 7 and len(set(approvals.values_list("doc_id", flat=True))) == 7


def test_overlapping_merges_never_chain(make_order, skus, wh, cs):
    put_stock(skus["TX-BLK-M"], wh, 10)
    a, b, c = make_order("M1"), make_order("M2"), make_order("M3")
    pairs = [[a.pk, b.pk], [b.pk, c.pk], [a.pk, c.pk]]
    results, errors = run_together(3, lambda n: online_order_merge(orders=pairs[n], actor=cs))
    assert len(results) + len(errors) == 3 and results
    merged = OnlineOrder.objects.filter(state=OrderState.MERGED)
    survivors = set(merged.values_list("merged_into_id", flat=True))
    # Every merged order points at an order that is itself not merged, and no line was lost.
    assert not OnlineOrder.objects.filter(pk__in=survivors, state=OrderState.MERGED).exists()
    assert sum(o.lines.count() for o in OnlineOrder.objects.exclude(state=OrderState.MERGED)) == 3
