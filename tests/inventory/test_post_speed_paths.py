"""stock_post's set-wise raw writes (core.db insert_rows / insert_rows_returning / update_rows)
write exactly what the ORM would: moves come back with their ids, balances, costs and
reservations are updated, the database's constraints and triggers still refuse what they
refuse; and the arrival listeners hear of stock coming in, after commit only."""

import datetime
import logging
import zoneinfo
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from shopflow.channels.models import Platform, Shop
from shopflow.core.db import adapter, insert_rows, insert_rows_returning, update_rows
from shopflow.core.models import AuditEvent
from shopflow.inventory import services
from shopflow.inventory.models import (
    ReservationConsumption,
    SkuCost,
    StockBalance,
    StockMove,
    StockReservation,
    WarehouseKind,
)
from shopflow.inventory.selectors import reservation_differences, stock_differences
from shopflow.inventory.services import (
    MoveSpec,
    ReservationKey,
    register_arrival_listener,
    stock_issue_reserved,
    stock_post,
    stock_reserve,
    stock_reverse_origin,
    unregister_arrival_listener,
)
from shopflow.sales.models import OnlineOrder
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import put

pytestmark = pytest.mark.django_db

D = Decimal


def post(*moves, origin_id=1, actor=None):
    return stock_post(moves=[MoveSpec(s.pk, w.pk, D(str(q)), unit_cost=None if c is None else D(str(c)))
                             for s, w, q, c in moves],
                      origin_type="test.doc", origin_id=origin_id, actor=actor)


# ---------------------------------------------------------------- stock_post


def test_moves_come_back_in_order_with_the_ids_and_values_stored(warehouse, clerk):
    a, b, c = SkuFactory(), SkuFactory(), SkuFactory()
    before = timezone.now()
    moves = post((c, warehouse, 3, "10.00"), (a, warehouse, 2, "7.50"), (b, warehouse, 0, "1"), (a, warehouse, 1, "9"),
                 actor=clerk)
    assert [m.sku_id for m in moves] == [c.pk, a.pk, a.pk]  # the zero move is left out
    assert all(m.pk for m in moves) and len({m.pk for m in moves}) == 3
    for m in moves:
        stored = StockMove.objects.get(pk=m.pk)
        assert (stored.sku_id, stored.warehouse_id, stored.quantity, stored.value, stored.unit_cost) == (
            m.sku_id, m.warehouse_id, m.quantity, m.value, m.unit_cost)
        assert (stored.origin_type, stored.origin_id, stored.created_by_id) == ("test.doc", 1, clerk.pk)
        assert stored.created_at == m.created_at and stored.created_at >= before
        assert not m._state.adding and m.created_by == clerk
    assert [m.value for m in moves] == [D("30.00"), D("15.00"), D("9.00")]


def test_balances_and_costs_are_written_and_the_cost_row_is_stamped(warehouse):
    sku = SkuFactory(cost=D("4.00"))
    post((sku, warehouse, 10, "6.00"))
    cost = SkuCost.objects.get(sku=sku)
    first_stamp = cost.updated_at
    post((sku, warehouse, -4, None), origin_id=2)
    bal = StockBalance.objects.get(sku=sku, warehouse=warehouse)
    cost.refresh_from_db()
    assert (bal.on_hand, bal.reserved) == (6, 0)
    assert (cost.quantity, cost.value, cost.average) == (D(6), D("36.00"), D("6.000000"))
    assert cost.updated_at > first_stamp
    assert stock_differences() == []


def test_a_new_sku_starts_at_its_catalogue_cost(warehouse):
    sku = SkuFactory(cost=D("12.34"))
    loose = WarehouseFactory(allow_negative=True)
    (move,) = post((sku, loose, -2, None))
    assert move.value == D("-24.68")
    assert SkuCost.objects.get(sku=sku).average == D("12.34")
    assert StockBalance.objects.get(sku=sku, warehouse=loose).allow_negative is True


def test_a_refused_posting_writes_nothing(warehouse):
    a, b = SkuFactory(), SkuFactory()
    post((a, warehouse, 5, "1"), (b, warehouse, 1, "1"))
    moves, balances = StockMove.objects.count(), list(StockBalance.objects.values_list("on_hand", "reserved"))
    with pytest.raises(services.DomainError) as exc:
        post((a, warehouse, -1, None), (b, warehouse, -2, None), origin_id=2)
    assert exc.value.code == "negative_stock" and b.code in exc.value.message and a.code not in exc.value.message
    assert StockMove.objects.count() == moves
    assert list(StockBalance.objects.values_list("on_hand", "reserved")) == balances


def test_reservation_use_and_its_reversal_go_through_the_raw_writes(warehouse):
    sku = SkuFactory()
    put(sku, warehouse, 10, cost="3.00")
    res = stock_reserve(sku_id=sku.pk, warehouse_id=warehouse.pk, quantity=D(6), origin_type="o", origin_id=1,
                        actor=None)
    (move,) = stock_issue_reserved(reservation=ReservationKey("o", 1), sku_id=sku.pk, warehouse_id=warehouse.pk,
                                   quantity=D(4), origin_type="ship", origin_id=1, actor=None)
    use = ReservationConsumption.objects.get()
    assert (use.move_id, use.reservation_id, use.quantity) == (move.pk, res.pk, D(4))
    stored = StockReservation.objects.get()
    assert (stored.quantity, stored.consumed, stored.open) == (D(2), D(4), True)
    assert stored.updated_at > res.updated_at
    stock_issue_reserved(reservation=ReservationKey("o", 1), sku_id=sku.pk, warehouse_id=warehouse.pk,
                         quantity=D(2), origin_type="ship", origin_id=2, actor=None)
    assert StockReservation.objects.get().open is False
    stock_reverse_origin(origin_type="ship", origin_id=1, actor=None)
    stored = StockReservation.objects.get()
    assert (stored.quantity, stored.consumed, stored.open) == (D(4), D(2), True)
    assert StockBalance.objects.get(sku=sku).reserved == 4
    assert reservation_differences() == [] and stock_differences() == []


def test_many_keys_are_locked_in_chunks(warehouse, monkeypatch):
    monkeypatch.setattr(services, "_LOCK_CHUNK", 2)
    other = WarehouseFactory()
    skus = [SkuFactory() for _ in range(5)]
    moves = post(*[(s, w, 2, "1.00") for s in skus for w in (other, warehouse)])
    assert len(moves) == 10 and StockBalance.objects.count() == 10 and SkuCost.objects.count() == 5
    post(*[(s, w, -1, None) for s in skus for w in (warehouse, other)], origin_id=2)
    assert set(StockBalance.objects.values_list("on_hand", flat=True)) == {1}
    assert stock_differences() == []


def test_move_attribute_order_matches_the_model():
    """_insert_moves builds StockMove rows positionally: its field list must follow the model's."""
    concrete = [f.attname for f in StockMove._meta.concrete_fields]
    assert services._MOVE_ATTNAMES == concrete


# ---------------------------------------------------------------- the database still refuses


def test_moves_stay_immutable_and_balances_cannot_be_oversold_by_raw_updates(warehouse):
    sku = SkuFactory()
    (move,) = post((sku, warehouse, 3, "1"))
    with pytest.raises(DatabaseError), transaction.atomic():
        update_rows(StockMove, "id", ["quantity"], [(move.pk, D(30))])
    bal = StockBalance.objects.get(sku=sku)
    with pytest.raises(IntegrityError), transaction.atomic():
        update_rows(StockBalance, "id", ["reserved"], [(bal.pk, D(4))])  # more reserved than on hand
    with pytest.raises(IntegrityError), transaction.atomic():
        update_rows(StockBalance, "id", ["on_hand", "reserved"], [(bal.pk, D(-1), D(0))])
    assert StockBalance.objects.get(sku=sku).on_hand == 3 and StockMove.objects.get().quantity == 3


# ---------------------------------------------------------------- core.db helpers


def test_update_rows_adapts_values_and_the_last_row_of_a_key_wins(warehouse):
    a, b = SkuFactory(), SkuFactory()
    post((a, warehouse, 5, "1"), (b, warehouse, 5, "1"))
    ba, bb = StockBalance.objects.get(sku=a), StockBalance.objects.get(sku=b)
    update_rows(StockBalance, "id", ["reserved"], [(ba.pk, D("0.1")), (bb.pk, D("2.5")), (ba.pk, D("0.3"))])
    assert StockBalance.objects.get(sku=a).reserved == D("0.3") and StockBalance.objects.get(sku=b).reserved == D("2.5")
    stamp = timezone.now()
    update_rows(SkuCost, "sku", ["average", "updated_at"], [(a.pk, D("1.234567"), stamp)])
    cost = SkuCost.objects.get(sku=a)
    assert (cost.average, cost.updated_at) == (D("1.234567"), stamp)
    update_rows(SkuCost, "sku", ["average"], [])  # nothing to do


def test_update_rows_adapts_each_rows_own_time_stamp(warehouse):
    """Time stamps are adapted once per distinct value: rows sharing one get it, rows with their
    own keep theirs (also a stamp equal to another in another time zone)."""
    a, b, c = SkuFactory(), SkuFactory(), SkuFactory()
    post((a, warehouse, 1, "1"), (b, warehouse, 1, "1"), (c, warehouse, 1, "1"))
    first = timezone.now().replace(microsecond=0)
    second = first - datetime.timedelta(days=3, seconds=7)
    same_instant = first.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
    update_rows(SkuCost, "sku", ["updated_at"], [(a.pk, first), (b.pk, second), (c.pk, same_instant)])
    stored = dict(SkuCost.objects.filter(sku__in=[a, b, c]).values_list("sku_id", "updated_at"))
    assert stored == {a.pk: first, b.pk: second, c.pk: first}


def test_insert_rows_returning_gives_ids_in_order_and_insert_rows_can_skip_conflicts(warehouse):
    skus = [SkuFactory() for _ in range(3)]
    now = timezone.now()
    rows = [(s.pk, warehouse.pk, D(n + 1), D(0), D(0), "t", n, None, None, now, None) for n, s in enumerate(skus)]
    ids = insert_rows_returning(StockMove, services._MOVE_FIELDS, rows)
    assert [StockMove.objects.get(pk=pk).origin_id for pk in ids] == [0, 1, 2]
    assert insert_rows_returning(StockMove, services._MOVE_FIELDS, []) == []
    fields = ["warehouse_id", "sku_id", "on_hand", "reserved", "allow_negative"]
    insert_rows(StockBalance, fields, [(warehouse.pk, skus[0].pk, D(0), D(0), False)])
    insert_rows(StockBalance, fields, [(warehouse.pk, skus[0].pk, D(0), D(0), False),
                                       (warehouse.pk, skus[1].pk, D(0), D(0), False)], ignore_conflicts=True)
    assert StockBalance.objects.count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(StockBalance, fields, [(warehouse.pk, skus[1].pk, D(0), D(0), False)])


def test_json_columns_go_through_insert_rows_and_update_rows_as_stored(clerk, db):
    """JSON goes as one jsonb[] array on PostgreSQL (it went row by row): nested, Chinese,
    quotes, null and empty values come back as they were given."""
    to_json, at = adapter(AuditEvent, "payload"), adapter(AuditEvent, "at")(timezone.now())
    payloads = [{"shortages": [{"sku": "衬衫-红-XL", "missing": "2"}]}, {}, {"note": 'say "hi"; DROP'}, [1, None]]
    fields = ["doc_type", "doc_id", "action", "from_state", "to_state", "actor_id", "at", "reason", "payload"]
    insert_rows(AuditEvent, fields, [("test.json", n, "x", "", "", clerk.pk, at, "", to_json(p))
                                     for n, p in enumerate(payloads)])
    stored = AuditEvent.objects.filter(doc_type="test.json").order_by("doc_id")
    assert [e.payload for e in stored] == payloads
    shop = Shop.objects.create(code="JSON", name="JSON", platform=Platform.TAOBAO)
    orders = [OnlineOrder.objects.create(shop=shop, platform_order_no=f"J{n}") for n in range(2)]
    shortages = [[{"sku": "衬衫-红-XL", "missing": "1.5"}], []]
    update_rows(OnlineOrder, "id", ["shortages", "holds"],
                [(o.pk, s, [{"code": "manual", "message": '"引号"'}]) for o, s in zip(orders, shortages, strict=True)])
    assert [(o.shortages, o.holds) for o in OnlineOrder.objects.filter(shop=shop).order_by("id")] == [
        (s, [{"code": "manual", "message": '"引号"'}]) for s in shortages]


# ---------------------------------------------------------------- arrival listeners


@pytest.fixture
def heard(monkeypatch):
    """A fresh listener list (whatever apps registered stays out of the test) with one
    recording listener; returns the list of sku-id sets it was called with."""
    monkeypatch.setattr(services, "_arrival_listeners", [])
    calls: list[set[int]] = []
    register_arrival_listener(calls.append)
    return calls


def test_arrivals_are_announced_after_commit_with_the_skus_that_came_in(heard, warehouse,
                                                                         django_capture_on_commit_callbacks):
    a, b, c = SkuFactory(), SkuFactory(), SkuFactory()
    put(c, warehouse, 5)
    with django_capture_on_commit_callbacks() as callbacks:
        post((a, warehouse, 2, "1"), (b, warehouse, 3, "1"), (c, warehouse, -1, None), (a, warehouse, 1, "1"))
        assert heard == []  # not before commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert heard == [{a.pk, b.pk}]


def test_issues_and_refused_or_rolled_back_postings_announce_nothing(heard, warehouse,
                                                                      django_capture_on_commit_callbacks):
    sku = SkuFactory()
    with django_capture_on_commit_callbacks(execute=True):
        put(sku, warehouse, 5)
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post((sku, warehouse, -2, None))
        with pytest.raises(services.DomainError):
            post((sku, warehouse, 1, "1"), (sku, warehouse, -10, None), origin_id=2)
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            post((sku, warehouse, 4, "1"), origin_id=3)
            1 / 0  # noqa: B018 — roll the posting back
    assert callbacks == [] and heard == []


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="a transactional test flushes the tables, and SQLite's triggers refuse deleting moves")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_commit_calls_the_listener_and_a_rollback_does_not(monkeypatch):
    monkeypatch.setattr(services, "_arrival_listeners", [])
    calls = []
    register_arrival_listener(calls.append)
    sku, wh = SkuFactory(), WarehouseFactory()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        post((sku, wh, 3, "1"))
        raise Undo
    assert calls == [] and not StockMove.objects.exists()
    with transaction.atomic():
        post((sku, wh, 3, "1"))
        assert calls == []
    assert calls == [{sku.pk}]


def test_stock_going_to_a_subcontractor_is_not_an_arrival(heard, warehouse, django_capture_on_commit_callbacks):
    sub = WarehouseFactory(kind=WarehouseKind.SUBCONTRACTOR)
    sku, other = SkuFactory(), SkuFactory()
    with django_capture_on_commit_callbacks(execute=True):
        put(sku, sub, 5)
        put(sku, warehouse, 5)
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post((sku, warehouse, -2, None), (sku, sub, 2, None))  # issued to the subcontractor
    assert callbacks == [] and heard == []
    with django_capture_on_commit_callbacks(execute=True):
        post((sku, sub, -1, None), (sku, warehouse, 1, None), (other, sub, 4, "1"), origin_id=2)  # one comes back
    assert heard == [{sku.pk}]


def test_a_failing_listener_is_logged_and_neither_undoes_the_posting_nor_stops_the_others(
        heard, warehouse, caplog, django_capture_on_commit_callbacks):
    sku = SkuFactory()

    def broken(sku_ids):
        raise RuntimeError("re-allocation crashed")

    # registered before the recording one
    services._arrival_listeners.insert(0, broken)
    with caplog.at_level(logging.ERROR, logger="shopflow.inventory.services"):
        with django_capture_on_commit_callbacks(execute=True):
            (move,) = post((sku, warehouse, 2, "1"))
    assert StockMove.objects.filter(pk=move.pk).exists()
    assert heard == [{sku.pk}]
    (record,) = [r for r in caplog.records if r.name == "shopflow.inventory.services"]
    assert "arrival listener" in record.getMessage() and record.exc_info[0] is RuntimeError


def test_a_listener_registered_twice_is_called_once_and_can_be_unregistered(heard, warehouse,
                                                                             django_capture_on_commit_callbacks):
    sku = SkuFactory()
    register_arrival_listener(heard.append)
    with django_capture_on_commit_callbacks(execute=True):
        put(sku, warehouse, 1)
    assert heard == [{sku.pk}]
    unregister_arrival_listener(heard.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        put(sku, warehouse, 1, origin_id=2)
    assert callbacks == [] and heard == [{sku.pk}]


def test_each_listener_gets_its_own_set(monkeypatch, warehouse, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "_arrival_listeners", [])
    seen = []

    def greedy(sku_ids):
        seen.append(set(sku_ids))
        sku_ids.clear()

    register_arrival_listener(greedy)
    register_arrival_listener(lambda sku_ids: seen.append(set(sku_ids)))
    sku = SkuFactory()
    with django_capture_on_commit_callbacks(execute=True):
        put(sku, warehouse, 1)
    assert seen == [{sku.pk}, {sku.pk}]


def test_without_listeners_nothing_is_scheduled(monkeypatch, warehouse, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "_arrival_listeners", [])
    with django_capture_on_commit_callbacks() as callbacks:
        put(SkuFactory(), warehouse, 1)
    assert callbacks == []
