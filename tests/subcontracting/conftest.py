"""The cast and the set of the subcontracting tests: a planner, a manager, warehouse staff, a
subcontractor with its warehouse, a T-shirt with a BOM (fabric with scrap, labels), stock."""

from decimal import Decimal

import pytest

from shopflow.catalog.models import ProductKind
from shopflow.catalog.services import BomLineSpec, bom_create, sku_create
from shopflow.core import services
from shopflow.inventory.models import Warehouse, WarehouseKind
from shopflow.inventory.selectors import balance_of
from shopflow.inventory.services import MoveSpec, stock_post, subcontractor_warehouse_ensure
from shopflow.partners.services import subcontractor_create

ORDER = "subcontracting.subcontractorder"
ISSUE_LIST = "subcontracting.materialissuelist"
RECEIPT = "subcontracting.subcontractreceipt"
RETURN = "subcontracting.materialreturn"
TRANSFER = "inventory.transferorder"
LOAN = "subcontracting.toolingloan"
TOOLING_RETURN = "subcontracting.toolingreturn"


def D(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def cast(role_user):
    class Cast:
        planner = role_user("planning", "planner")
        manager = role_user("manager", "boss")
        keeper = role_user("warehouse", "keeper")
        keeper2 = role_user("warehouse", "keeper-2")
        buyer = role_user("purchasing", "buyer")
        sales = role_user("sales", "seller")
        finance = role_user("finance", "accountant")

    return Cast


@pytest.fixture
def setup(cast):
    admin = cast.manager
    raw = Warehouse.objects.create(code="YL01", name="原料仓", kind=WarehouseKind.RAW)
    finished = Warehouse.objects.create(code="CP01", name="成品仓", kind=WarehouseKind.FINISHED)
    factory = subcontractor_create(actor=admin, code="WX001", name="东莞华艺制衣厂", phone="13800138000",
                                   address="广东省东莞市虎门镇太平路8号")
    at_factory = subcontractor_warehouse_ensure(subcontractor=factory, actor=admin)
    fabric = sku_create(actor=admin, code="ML-JC-01", name="精梳棉汗布", unit="米", cost=D("18"))
    label = sku_create(actor=admin, code="FL-SB-01", name="水洗标", unit="个", cost=D("0.2"))
    tee = sku_create(actor=admin, code="TX2401-BLK-M", name="纯棉圆领T恤 黑色 M", kind=ProductKind.OUTSOURCED)
    stencil = sku_create(actor=admin, code="GZ-GW-01", name="印花钢网", kind=ProductKind.TOOLING, unit="张")
    bom_create(product=tee, version="V1", actor=admin, lines=[
        BomLineSpec(component=fabric, quantity=D("1.2"), scrap_percent=D("5")),
        BomLineSpec(component=label, quantity=D("1")),
    ])
    stock_post(moves=[MoveSpec(sku_id=fabric.pk, warehouse_id=raw.pk, quantity=D(500), unit_cost=D(18)),
                      MoveSpec(sku_id=label.pk, warehouse_id=raw.pk, quantity=D(1000), unit_cost=D("0.2")),
                      MoveSpec(sku_id=stencil.pk, warehouse_id=raw.pk, quantity=D(10), unit_cost=D(300))],
               origin_type="test.opening", origin_id=1, actor=None)

    class Setup:
        pass

    Setup.raw, Setup.finished, Setup.factory, Setup.at_factory = raw, finished, factory, at_factory
    Setup.fabric, Setup.label, Setup.tee, Setup.stencil = fabric, label, tee, stencil
    return Setup


def qty(sku, warehouse) -> Decimal:
    return balance_of(sku_id=sku.pk, warehouse_id=warehouse.pk)


def approve(doc, submitter, approver):
    doc = services.document_transition(doc, "submit", actor=submitter)
    return services.document_transition(doc, "approve", actor=approver)


def make_order(setup, actor, quantity=100, *, unit_fee="6.50", **header):
    return services.document_create(doc_type=ORDER, actor=actor, header={
        "subcontractor": setup.factory.pk, "material_warehouse": setup.raw.pk,
        "receipt_warehouse": setup.finished.pk, **header,
    }, lines=[{"sku": setup.tee.pk, "quantity": str(quantity), "unit_fee": unit_fee}])
