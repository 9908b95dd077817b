"""Safety stock 警戒库存, low-stock and slow-moving 呆滞 reports, and who may see and set them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shopflow.core.errors import PermissionDeniedError, ValidationFailed
from shopflow.inventory.models import SafetyStock
from shopflow.inventory.selectors import low_stock, slow_moving
from shopflow.inventory.services import safety_stock_set, stock_reserve
from tests.factories import SkuFactory, WarehouseFactory
from tests.inventory.conftest import put

D = Decimal


def test_safety_stock_is_set_changed_and_removed(clerk, sku, warehouse):
    row = safety_stock_set(sku_id=sku.pk, warehouse_id=warehouse.pk, minimum=D(5), actor=clerk)
    assert (row.minimum, row.updated_by) == (D(5), clerk)
    safety_stock_set(sku_id=sku.pk, warehouse_id=warehouse.pk, minimum="8", actor=clerk)
    assert SafetyStock.objects.get().minimum == 8
    assert safety_stock_set(sku_id=sku.pk, warehouse_id=warehouse.pk, minimum=0, actor=clerk) is None
    assert SafetyStock.objects.count() == 0


@pytest.mark.parametrize("minimum", ["-1", "lots", "Infinity"])
def test_safety_stock_must_be_a_quantity(clerk, sku, warehouse, minimum):
    with pytest.raises(ValidationFailed):
        safety_stock_set(sku_id=sku.pk, warehouse_id=warehouse.pk, minimum=minimum, actor=clerk)


@pytest.mark.parametrize(("role", "may"), [("manager", True), ("warehouse", True), ("planning", True),
                                           ("purchasing", False), ("finance", False), ("designer", False)])
def test_who_may_set_safety_stock(role, may, role_user, sku, warehouse):
    user = role_user(role)
    if may:
        safety_stock_set(sku_id=sku.pk, warehouse_id=warehouse.pk, minimum=D(1), actor=user)
    else:
        with pytest.raises(PermissionDeniedError):
            safety_stock_set(sku_id=sku.pk, warehouse_id=warehouse.pk, minimum=D(1), actor=user)
    assert SafetyStock.objects.exists() is may


@pytest.mark.parametrize(("role", "stock", "valuation"), [
    ("manager", True, True), ("finance", True, True), ("planning", True, True), ("purchasing", True, True),
    ("warehouse", True, False), ("operations", True, False), ("customer_service", True, False),
    ("sales", True, False), ("designer", False, False), ("legal", False, False)])
def test_roles_get_the_report_permissions(role, stock, valuation, role_user):
    """Stock for every role that works with goods; money only for those who decide on it."""
    user = role_user(role)
    assert user.has_perm("inventory.view_stockbalance") is stock
    assert user.has_perm("inventory.view_skucost") is valuation


def test_low_stock_compares_available_with_the_safety_level(clerk, warehouse):
    low, fine, reserved, empty = (SkuFactory(code=c) for c in ("A-LOW", "B-OK", "C-RESERVED", "D-EMPTY"))
    put(low, warehouse, 3)
    put(fine, warehouse, 10)
    put(reserved, warehouse, 10)
    stock_reserve(sku_id=reserved.pk, warehouse_id=warehouse.pk, quantity=D(8), origin_type="sales.order",
                  origin_id=1, actor=None)
    for sku, level in ((low, 5), (fine, 5), (reserved, 5), (empty, 1)):
        safety_stock_set(sku_id=sku.pk, warehouse_id=warehouse.pk, minimum=D(level), actor=clerk)
    rows = low_stock()
    assert [(r.sku_code, r.on_hand, r.reserved, r.available, r.shortfall) for r in rows] == [
        ("C-RESERVED", D(10), D(8), D(2), D(3)),
        ("A-LOW", D(3), D(0), D(3), D(2)),
        ("D-EMPTY", D(0), D(0), D(0), D(1)),
    ]
    assert low_stock(warehouse_id=WarehouseFactory().pk) == []


def test_slow_moving_stock_counts_from_the_last_move_out_or_the_first_in(warehouse):
    sold, idle, gone = SkuFactory(code="SOLD"), SkuFactory(code="IDLE"), SkuFactory(code="GONE")
    put(sold, warehouse, 10, cost="10.00")
    put(sold, warehouse, -1)
    put(idle, warehouse, 4, cost="25.00")
    put(gone, warehouse, 2)
    put(gone, warehouse, -2)
    assert slow_moving() == []  # everything moved today
    later = timezone.now() + datetime.timedelta(days=91)
    rows = slow_moving(as_of=later)
    assert [(r.sku_code, r.on_hand, r.last_out is None, r.idle_days, r.value) for r in rows] == [
        ("IDLE", D(4), True, 91, D("100.00")),
        ("SOLD", D(9), False, 91, D("90.00")),
    ]
    assert slow_moving(as_of=later, days=120) == []


def test_slow_moving_days_is_a_setting(settings, warehouse, sku):
    put(sku, warehouse, 1)
    settings.SHOPFLOW = {"SLOW_MOVING_DAYS": 0}
    assert [r.sku_code for r in slow_moving()] == [sku.code]
