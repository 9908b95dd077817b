"""Numbers are taken at approval, per type and day, gap-free and unique even under concurrency."""

import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection, transaction

from shopflow.core import services
from shopflow.core.models import NumberSequence

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pytest.mark.django_db
def test_numbers_are_sequential_per_type_and_day():
    day = date(2026, 11, 11)
    with transaction.atomic():
        numbers = [services.number_next(doc_type="x.doc", prefix="X", day=day) for _ in range(3)]
        other = services.number_next(doc_type="y.doc", prefix="Y", day=day)
        next_day = services.number_next(doc_type="x.doc", prefix="X", day=date(2026, 11, 12))
    assert numbers == ["X-20261111-0001", "X-20261111-0002", "X-20261111-0003"]
    assert other == "Y-20261111-0001" and next_day == "X-20261112-0001"


@pytest.mark.django_db
def test_a_rolled_back_number_is_given_back():
    day = date(2026, 11, 11)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.number_next(doc_type="x.doc", prefix="X", day=day)
        raise RuntimeError("the approval failed")
    with transaction.atomic():
        assert services.number_next(doc_type="x.doc", prefix="X", day=day) == "X-20261111-0001"


def _run_threads(count, target):
    barrier = threading.Barrier(count)
    errors = []

    def run(i):
        try:
            barrier.wait()
            target(i)
        except Exception as exc:  # noqa: BLE001 — collected and asserted on below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_numbering_is_gap_free_and_unique():
    day = date(2026, 11, 11)
    taken = []

    def take(i):
        with transaction.atomic():
            taken.append(services.number_next(doc_type="x.doc", prefix="X", day=day))

    assert _run_threads(16, take) == []
    assert sorted(taken) == [f"X-20261111-{n:04d}" for n in range(1, 17)]
    assert NumberSequence.objects.get(doc_type="x.doc", day=day).last == 16


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_get_distinct_consecutive_numbers(django_user_model, supplier, warehouse, sku):
    from tests.factories import UserFactory, make_purchase_order

    buyer = UserFactory(username="c-buyer", roles=["purchasing"])
    approver = UserFactory(username="c-manager", roles=["manager"])
    orders = []
    for _ in range(10):
        po = make_purchase_order(actor=buyer, supplier=supplier, warehouse=warehouse, lines=[(sku, 1, 1)])
        orders.append(services.document_transition(po, "submit", actor=buyer))

    def approve(i):
        services.document_transition(orders[i], "approve", actor=approver)

    assert _run_threads(10, approve) == []
    numbers = sorted(type(o).objects.get(pk=o.pk).number for o in orders)
    suffixes = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert suffixes == list(range(1, 11))
