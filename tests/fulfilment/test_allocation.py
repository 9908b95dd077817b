"""Allocation 配货: priority, then payment time; all or nothing per order; short orders flagged
yellow with what is missing; re-allocation when stock arrives and on approval (after commit)."""

import datetime
from decimal import Decimal

import pytest

from shopflow.core.errors import DomainError, PermissionDeniedError
from shopflow.core.models import AuditEvent
from shopflow.fulfilment import services
from shopflow.fulfilment.allocation import order_deallocate, orders_allocate
from shopflow.inventory.models import StockBalance, StockReservation
from shopflow.inventory.selectors import reservation_differences, stock_differences
from shopflow.sales import online
from shopflow.sales.models import Allocation, OnlineOrder, OrderFlag
from tests.fulfilment.conftest import PAID, receive


def reserved(sku, wh) -> Decimal:
    return StockBalance.objects.get(sku=sku, warehouse=wh).reserved


def held_for(order) -> dict[str, Decimal]:
    return {r.sku.code: r.quantity for r in StockReservation.objects.filter(
        origin_type="sales.onlineorder", origin_id=order.pk, open=True).select_related("sku")}


def fresh(order) -> OnlineOrder:
    return OnlineOrder.objects.get(pk=order.pk)


def test_priority_first_then_earliest_payment(quiet, skus, wh, make_order, cs):
    receive(wh, {skus["tee"]: 3})
    late = make_order("A", [("TEE-BLK-M", 2)], paid_at=PAID)
    early = make_order("B", [("TEE-BLK-M", 2)], paid_at=PAID - datetime.timedelta(hours=1))
    vip = make_order("C", [("TEE-BLK-M", 1)], paid_at=PAID + datetime.timedelta(hours=1))
    online.online_order_set_priority(order=vip, actor=cs, priority=5)
    summary = orders_allocate(actor=cs)
    assert (summary.allocated, summary.short, summary.skipped) == (2, 1, 0)
    assert summary.allocated_ids == [vip.pk, early.pk] and summary.short_ids == [late.pk]
    assert fresh(vip).allocation == fresh(early).allocation == Allocation.ALLOCATED
    short = fresh(late)
    assert short.allocation == Allocation.SHORT and short.flag == OrderFlag.YELLOW
    assert short.shortages == [{"sku_id": skus["tee"].pk, "sku": "TEE-BLK-M", "missing": "2"}]
    assert held_for(late) == {} and held_for(early) == {"TEE-BLK-M": Decimal(2)}
    assert reserved(skus["tee"], wh) == 3
    assert stock_differences() == [] and reservation_differences() == []


def test_all_or_nothing_per_order(quiet, skus, wh, make_order, cs):
    receive(wh, {skus["tee"]: 5})  # no socks at all
    mixed = make_order("M1", [("TEE-BLK-M", 2), ("SOCK-GRY-F", 1)], paid_at=PAID - datetime.timedelta(hours=2))
    tees = make_order("T1", [("TEE-BLK-M", 4)])
    summary = orders_allocate(actor=cs)
    assert (summary.allocated, summary.short) == (1, 1)
    # The mixed order reserved nothing — not even the tees it could have had — so the next order got them.
    assert held_for(mixed) == {} and held_for(tees) == {"TEE-BLK-M": Decimal(4)}
    short = fresh(mixed)
    assert short.shortages == [{"sku_id": skus["sock"].pk, "sku": "SOCK-GRY-F", "missing": "1"}]
    assert AuditEvent.objects.filter(doc_type="sales.onlineorder", doc_id=mixed.pk, action="allocate").exists()


def test_short_order_keeps_a_flag_customer_service_set(quiet, skus, wh, make_order, cs):
    order = make_order("R1", [("SOCK-GRY-F", 1)])
    online.online_order_flag(order=order, actor=cs, flag=OrderFlag.RED, note="要灰色")
    orders_allocate(actor=cs)
    order = fresh(order)
    assert order.allocation == Allocation.SHORT and order.flag == OrderFlag.RED


def test_stock_arrival_reallocates_short_orders_after_commit(skus, wh, make_order, cs,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order("S1", [("TEE-BLK-M", 2), ("SOCK-GRY-F", 1)])  # approval allocates (after commit)
    order = fresh(order)
    assert order.allocation == Allocation.SHORT and order.flag == OrderFlag.YELLOW
    assert {s["sku"] for s in order.shortages} == {"TEE-BLK-M", "SOCK-GRY-F"}
    with django_capture_on_commit_callbacks(execute=True):
        receive(wh, {skus["tee"]: 2})  # half of it: still short of socks
    assert fresh(order).allocation == Allocation.SHORT
    assert fresh(order).shortages == [{"sku_id": skus["sock"].pk, "sku": "SOCK-GRY-F", "missing": "1"}]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        receive(wh, {skus["sock"]: 5}, origin_id=2)
    assert callbacks  # the arrival listener ran after the receipt committed
    order = fresh(order)
    assert order.allocation == Allocation.ALLOCATED and order.shortages == [] and order.flag == OrderFlag.NONE
    assert held_for(order) == {"TEE-BLK-M": Decimal(2), "SOCK-GRY-F": Decimal(1)}
    served = AuditEvent.objects.filter(doc_type="sales.onlineorder", doc_id=order.pk, action="allocate").last()
    assert served.payload == {"allocation": "allocated", "flag": ["yellow", ""]} and served.actor is None
    assert reservation_differences() == []


def test_approval_allocates_after_commit_not_before(skus, wh, stocked, make_order, cs,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = make_order("P1", [("TEE-BLK-M", 1)])
        assert fresh(order).allocation == Allocation.NONE  # nothing before the approval commits
    for callback in callbacks:
        callback()
    assert fresh(order).allocation == Allocation.ALLOCATED


def test_only_approved_unallocated_orders_are_taken(quiet, stocked, make_order, cs):
    waiting = make_order("W1", [("TEE-BLK-M", 1)], approve=False)
    done = make_order("D1", [("TEE-BLK-M", 1)])
    assert orders_allocate(order_ids=[done.pk], actor=cs).allocated == 1
    again = orders_allocate(order_ids=[waiting.pk, done.pk, 999999], actor=cs)
    assert (again.allocated, again.short, again.skipped) == (0, 0, 3)
    assert held_for(done) == {"TEE-BLK-M": Decimal(1)}  # not reserved twice


def test_deallocate_releases_and_is_refused_in_a_wave(quiet, stocked, wh, make_order, cs, packer):
    order = make_order("X1", [("TEE-BLK-M", 3)])
    orders_allocate(actor=cs)
    order = order_deallocate(order=order, actor=cs)
    assert order.allocation == Allocation.NONE and held_for(order) == {}
    assert reserved(stocked["tee"], wh) == 0
    orders_allocate(actor=cs)
    wave = services.wave_create(warehouse=wh, actor=packer)
    with pytest.raises(DomainError) as exc:
        order_deallocate(order=order, actor=cs)
    assert exc.value.code == "live_parcel" and wave.number in exc.value.message
    assert held_for(order) == {"TEE-BLK-M": Decimal(3)}


def test_people_without_order_or_wave_rights_may_not_allocate(quiet, stocked, make_order, role_user):
    make_order("F1", [("TEE-BLK-M", 1)])
    with pytest.raises(PermissionDeniedError):
        orders_allocate(actor=role_user("finance", "fin-1"))
    assert orders_allocate(actor=role_user("warehouse", "wh-1")).allocated == 1  # the warehouse may
