"""Each subcontractor 外协厂 gets its own warehouse of kind subcontractor."""

import pytest
from django.db import IntegrityError, transaction

from shopflow.core.models import AuditEvent
from shopflow.inventory.models import Warehouse, WarehouseKind
from shopflow.inventory.services import subcontractor_warehouse_ensure
from shopflow.partners.services import subcontractor_create, subcontractor_deactivate


@pytest.fixture
def factory(manager):
    return subcontractor_create(actor=manager, code="WX01", name="东莞恒信制衣厂", contact="陈厂长",
                                phone="13800138000", address="广东省东莞市虎门镇龙眼工业区")


def test_ensure_creates_once_and_follows_activity(factory, manager):
    first = subcontractor_warehouse_ensure(subcontractor=factory, actor=manager)
    again = subcontractor_warehouse_ensure(subcontractor=factory, actor=manager)
    assert first.pk == again.pk and first.code == "WX-WX01" and first.kind == WarehouseKind.SUBCONTRACTOR
    assert Warehouse.objects.filter(subcontractor=factory).count() == 1
    assert AuditEvent.objects.filter(doc_type="inventory.warehouse", doc_id=first.pk, action="create").count() == 1
    factory = subcontractor_deactivate(subcontractor=factory, actor=manager)
    assert subcontractor_warehouse_ensure(subcontractor=factory, actor=manager).active is False


def test_only_subcontractor_warehouses_may_belong_to_one(factory, warehouse):
    warehouse.subcontractor = factory
    with pytest.raises(IntegrityError), transaction.atomic():
        warehouse.save()
